"""Worker processes: a supervisor that keeps `count` children running, and what each child does to itself.

`digestbot serve` starts DIGESTBOT_WORKERS digest workers through a WorkerPool: it restarts one that dies (after
a backoff that grows while it keeps dying) and stops them when it stops. A child runs at a higher niceness
than its parent (lower_priority) and stops by itself once its parent is gone (stop_when_orphaned), so no orphan
keeps taking jobs after a SIGKILL. Their metrics reach the parent's /metrics through prometheus_client's
multiprocess mode (bot/runtime/metrics.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Sequence

from bot.runtime.metrics import forget_process

log = logging.getLogger(__name__)

PARENT_CHECK_S = 1.0
RESTART_BACKOFF_S = (1.0, 30.0)  # first and longest pause before restarting a worker that died
STEADY_S = 60.0  # a worker that ran this long before dying is restarted after the first pause again


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


async def stop_when_orphaned(parent_pid: int, stopping: asyncio.Event) -> None:
    while os.getppid() == parent_pid:
        await asyncio.sleep(PARENT_CHECK_S)
    log.warning("digest worker %d: its parent process %d is gone; stopping", os.getpid(), parent_pid)
    stopping.set()


class WorkerPool:
    """`count` child processes running `argv` (with `--parent-pid <this process>` added), until stop()."""

    def __init__(self, count: int, argv: Sequence[str], exit_grace_s: float) -> None:
        self._count = max(count, 0)
        self._argv = [*argv, "--parent-pid", str(os.getpid())]
        self._exit_grace_s = exit_grace_s  # a stopping worker's time to finish its jobs and close its clients
        self._processes: dict[int, asyncio.subprocess.Process] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._ready: set[int] = set()  # the workers whose consumers run

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._supervise(n)) for n in range(self._count)]

    def stop_soon(self) -> None:
        """No more restarts; every worker is told to stop (its running jobs finish within the grace)."""
        self._stopping.set()
        for process in self._processes.values():
            if process.returncode is None:
                process.terminate()

    async def stop(self) -> None:
        """stop_soon(), then wait for the workers to exit; one still running after the grace is killed."""
        self.stop_soon()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=self._exit_grace_s)
            for process in self._processes.values():
                if process.returncode is None:
                    log.warning("digest worker %d did not stop in %.0f s; killing it", process.pid, self._exit_grace_s)
                    process.kill()
            await asyncio.gather(*late, return_exceptions=True)

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

    @property
    def ready(self) -> bool:
        """Whether every worker's consumers run: from then on queued work is taken (readiness waits for it)."""
        return len(self._ready) >= self._count

    async def _run(self, n: int) -> str:
        """Start worker n and wait for its exit; say how it ended. It is ready once it writes to its --ready-fd."""
        read_fd, write_fd = os.pipe()
        try:
            process = await asyncio.create_subprocess_exec(
                *self._argv, "--ready-fd", str(write_fd), stdin=asyncio.subprocess.DEVNULL, pass_fds=(write_fd,)
            )
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)  # the child's copy is the only one left: its exit is the pipe's end
        self._processes[n] = process
        if self._stopping.is_set():  # stop_soon() ran while it was being started
            process.terminate()
        exited = asyncio.create_task(process.wait())
        if await _signalled(read_fd) and process.returncode is None:
            self._ready.add(n)
        try:
            code = await exited
        finally:
            self._ready.discard(n)
        forget_process(process.pid)
        ending = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
        return f"(pid {process.pid}) {ending}"


async def _signalled(read_fd: int) -> bool:
    """Wait for a worker's first byte on its ready pipe: True, or False at the end of the pipe (it exited first)."""
    reader = asyncio.StreamReader()
    pipe = os.fdopen(read_fd, "rb", buffering=0)
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    try:
        return bool(await reader.read(1))
    finally:
        transport.close()  # and the pipe with it
