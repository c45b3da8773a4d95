"""Digest workers: processes that only run the digest queue's consumers, so digests never slow Slack's acks.

`digestbot worker` (work()) serves the queue until SIGTERM or SIGINT; running jobs get the queue's grace to
finish. `digestbot serve` starts DIGESTBOT_WORKERS of them as child processes (WorkerPool): it restarts one that
dies (after a backoff that grows while it keeps dying), stops them when it stops, and adds their counters to its
own GET /metrics (each child answers its own metrics on a private unix socket). A child whose parent vanished
without stopping it (SIGKILL) stops by itself, so no orphan keeps taking jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import aiohttp
from aiohttp import web
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

from bot.config import Settings
from bot.runtime.queue import STOP_GRACE_S
from bot.service import DigestService
from handlers.messages import digest_queue
from handlers.slack_client import bot_client, close_shared_session, open_shared_session

log = logging.getLogger(__name__)

PARENT_CHECK_S = 1.0
RESTART_BACKOFF_S = (1.0, 30.0)  # first and longest pause before restarting a worker that died
STEADY_S = 60.0  # a worker that ran this long before dying is restarted after the first pause again
EXIT_GRACE_S = STOP_GRACE_S + 5  # a stopping worker's jobs get STOP_GRACE_S, then it closes its clients
SCRAPE_TIMEOUT_S = 2.0
SUMMED_TYPES = ("counter", "histogram", "summary")  # gauges (the queue depth) are the supervisor's own


# --- the worker process ----------------------------------------------------------------------------------------


async def work(settings: Settings, metrics_socket: Path | None = None, parent_pid: int | None = None) -> None:
    """Run this process's digest consumers until SIGTERM, SIGINT or (with parent_pid) the parent's exit."""
    if parent_pid:
        lower_priority(settings.worker_niceness)
    await open_shared_session()
    service = DigestService.open(settings)
    queue = digest_queue(settings, bot_client(settings), service)
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stopping.set)
    metrics = await _serve_metrics(metrics_socket) if metrics_socket else None
    watch = asyncio.create_task(_stop_when_orphaned(parent_pid, stopping)) if parent_pid else None
    await queue.start()
    log.info("digest worker %d running %d consumers", os.getpid(), settings.queue_consumers)
    try:
        await stopping.wait()
    finally:
        await queue.stop()
        if watch:
            watch.cancel()
        if metrics:
            await metrics.cleanup()
        await service.close()
        await close_shared_session()
    log.info("digest worker %d stopped", os.getpid())


def lower_priority(niceness: int) -> None:
    """Beside its serve process a worker runs at a higher niceness: a waking serve takes the CPU first, so acks
    stay prompt, yet a worker still gets its share beside other busy processes on the machine.

    Not SCHED_IDLE: an idle-class worker only runs when nothing else wants the CPU, so two busy processes of any
    niceness on a 2-core machine held a pasted link's card back for over 15 s. Set before any thread or process
    starts: the extraction processes inherit it.
    """
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:  # only ever lowered: raising needs privileges the deploy files withhold
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
    log.info("digest worker %d runs at niceness %d", os.getpid(), max(niceness, current))


async def _serve_metrics(path: Path) -> web.AppRunner:
    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=generate_latest(), content_type="text/plain")

    app = web.Application()
    app.add_routes([web.get("/metrics", metrics)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.UnixSite(runner, str(path)).start()
    return runner


async def _stop_when_orphaned(parent_pid: int, stopping: asyncio.Event) -> None:
    while os.getppid() == parent_pid:
        await asyncio.sleep(PARENT_CHECK_S)
    log.warning("digest worker %d: its serve process %d is gone; stopping", os.getpid(), parent_pid)
    stopping.set()


# --- the supervisor, inside `digestbot serve` -------------------------------------------------------------------


class WorkerPool:
    """`count` worker child processes, kept running until stop(); count 0 is an empty pool."""

    def __init__(self, count: int) -> None:
        self._count = max(count, 0)
        self._sockets: list[Path] = []  # worker n answers its metrics on the n-th
        self._processes: dict[int, asyncio.subprocess.Process] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    def start(self) -> None:
        private = Path(tempfile.mkdtemp(prefix="digestbot-workers-"))  # mode 700: the metrics stay private
        self._sockets = [private / f"worker-{n}.sock" for n in range(self._count)]
        self._tasks = [asyncio.create_task(self._supervise(n)) for n in range(self._count)]

    def stop_soon(self) -> None:
        """No more restarts; every worker is told to stop (its running jobs finish within the grace)."""
        self._stopping.set()
        for process in self._processes.values():
            if process.returncode is None:
                process.terminate()

    async def stop(self) -> None:
        """stop_soon(), then wait for the workers to exit; one still running after EXIT_GRACE_S is killed."""
        self.stop_soon()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=EXIT_GRACE_S)
            for process in self._processes.values():
                if process.returncode is None:
                    log.warning("digest worker %d did not stop in %.0f s; killing it", process.pid, EXIT_GRACE_S)
                    process.kill()
            await asyncio.gather(*late, return_exceptions=True)
        if self._sockets:
            shutil.rmtree(self._sockets[0].parent, ignore_errors=True)

    async def _supervise(self, n: int) -> None:
        pause = RESTART_BACKOFF_S[0]
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                outcome = await self._run(n)
            except OSError as exc:  # no process at all (out of memory, process limit): try again later
                outcome = f"could not start ({exc})"
            if self._stopping.is_set():
                return
            pause = RESTART_BACKOFF_S[0] if time.monotonic() - started >= STEADY_S else pause
            log.error("digest worker %d %s; restarting it in %.0f s", n, outcome, pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), pause)
            pause = min(pause * 2, RESTART_BACKOFF_S[1])

    async def _run(self, n: int) -> str:
        """Start worker n and wait for its exit; say how it ended."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "worker",
            "--metrics-socket", str(self._sockets[n]), "--parent-pid", str(os.getpid()),
            stdin=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        self._processes[n] = process
        if self._stopping.is_set():  # stop_soon() ran while it was being started
            process.terminate()
        code = await process.wait()
        ending = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
        return f"(pid {process.pid}) {ending}"

    async def metrics(self) -> bytes:
        """This process's metrics with every answering worker's counters and histograms added in."""
        texts = await asyncio.gather(*map(_scrape, self._sockets))
        return generate_latest(_Families(merged(REGISTRY.collect(), [t for t in texts if t])))


async def _scrape(path: Path) -> str | None:
    """A worker's metrics text, or None while it is (re)starting: its counters then miss from one scrape."""
    try:
        connector = aiohttp.UnixConnector(path=str(path))
        timeout = aiohttp.ClientTimeout(total=SCRAPE_TIMEOUT_S)
        async with (
            aiohttp.ClientSession(connector=connector, timeout=timeout) as session,
            session.get("http://worker/metrics") as response,
        ):
            return await response.text() if response.status == 200 else None
    except (aiohttp.ClientError, OSError, TimeoutError):
        return None


# --- adding metrics up -----------------------------------------------------------------------------------------


class _Families(Collector):
    """Ready-made families, in the shape generate_latest() reads a registry."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> list[Metric]:
        return self._families


def merged(own: Iterable[Metric], others: list[str]) -> list[Metric]:
    """`own` families with the counters, histograms and summaries of `others` (exposition texts) added in.

    Samples with the same name and labels are summed, except `_created`, which is the earliest.
    """
    families = {family.name: family for family in own}
    values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], Sample]] = {
        name: {_key(s): s for s in family.samples} for name, family in families.items()
    }
    for text in others:
        for family in text_string_to_metric_families(text):
            if family.type not in SUMMED_TYPES:
                continue
            if family.name not in families:
                families[family.name] = Metric(family.name, family.documentation, family.type)
                values[family.name] = {}
            totals = values[family.name]
            for sample in family.samples:
                totals[_key(sample)] = _combine(totals.get(_key(sample)), sample)
    for name, family in families.items():
        family.samples = list(values[name].values())
    return list(families.values())


def _key(sample: Sample) -> tuple[str, tuple[tuple[str, str], ...]]:
    return sample.name, tuple(sorted(sample.labels.items()))


def _combine(mine: Sample | None, theirs: Sample) -> Sample:
    if mine is None:
        return theirs
    if theirs.name.endswith("_created"):
        return mine._replace(value=min(mine.value, theirs.value))
    return mine._replace(value=mine.value + theirs.value)
