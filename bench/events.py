"""Slack event benchmark: signed message events at a steady rate against the real `digestbot serve` (issue 4).

Four systems meet the same load in one run:
- floor: a bare slack-bolt AsyncApp behind the same aiohttp server and signature check, that only acks;
- digestbot: the real process in HTTP mode (Redis at 127.0.0.1:6379 under a fresh prefix, deleted afterwards),
  posting to the Slack stand-in (tests/slack_standin.py) and fetching pages from a local article server;
- engine: DigestService.digest alone on the same pages, at the same rate and the bot's consumer concurrency
  (issue 4's peer for throughput);
- core path: what bot/ does for each message besides Slack (repeat check, digest, related reading, channel
  memory), the same way: issue 4 predates related reading, and this peer shows what the Slack path itself adds.

Every event links to a page of its own (a tests/articles.py article under a unique path and title), so each is a
fresh digest. The stand-in and the pages run in a child process, the floor and the engine in others: their work
never competes with the load generator for this process's GIL (which would flatter the floor's acks). The floor
and digestbot run side by side and take turns, in ROUNDS alternating rounds; the engine and the core path follow.
A second table gives each system's CPU per digest (its processes, Redis, the harness) and the rate the machine's
CPUs could sustain at that cost: where the offered rate passes a system's ceiling, it is measured saturated.
A last line gives the time the floor and digestbot's serve spent runnable but waiting for a CPU, per event: the
ack's tail under digest load is that wait (see the README).

The ack target (digestbot's p99 within 2x of the floor's) is judged at 70 events/s, where the machine is not
saturated, as the median of the ROUNDS rounds' ratios; at any other rate the figures are printed without a verdict.
BENCH_EVENTS_RATE (events/s, default 70) and BENCH_EVENTS_SECONDS (default 30) set the load;
BENCH_EVENTS_NICENESS sets the digest workers' niceness (default: the bot's own).
"""

from __future__ import annotations

import asyncio
import html as html_lib
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from multiprocessing import get_context
from multiprocessing.connection import Connection
from pathlib import Path
from time import monotonic, perf_counter
from typing import NamedTuple, Self

import aiohttp
import httpx
import psutil
import redis
from aiohttp import web
from rich.console import Console
from rich.table import Table
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.errors import DigestError
from bot.memory.channels import Share
from bot.pipeline.urls import canonicalize
from bot.runtime.queue import CONSUMERS
from bot.service import DigestService

ROOT = Path(__file__).resolve().parents[1]

from bench.procs import CpuMeter, bot_pid, cpu_wait, own_cpu, redis_server, tree_cpu  # noqa: E402
from tests.support.articles import ARTICLES, article_html  # noqa: E402
from tests.support.bot_process import SECRET, TOKEN, running_bot  # noqa: E402
from tests.support.http_server import LocalServer, html  # noqa: E402
from tests.support.redis_server import CI_REDIS_URL, answers, free_port  # noqa: E402
from tests.support.slack_standin import JSON, SlackStandIn, event_body, message_event, sign  # noqa: E402

JUDGED_RATE = 70.0  # the rate the ack target is judged at: the machine is not saturated there
RATE = float(os.environ.get("BENCH_EVENTS_RATE", str(JUDGED_RATE)))
SECONDS = float(os.environ.get("BENCH_EVENTS_SECONDS", "30"))
NICENESS = os.environ.get("BENCH_EVENTS_NICENESS", "")  # the digest workers' niceness, to compare settings
ROUNDS = 5  # the floor's and digestbot's SECONDS each come in this many alternating rounds
WARMUP_EVENTS = 20  # first requests pay for auth.test, worker start-up and imports: not measured
CHANNELS = 20
TEAM = "T1"  # the stand-in's events come from this workspace
DRAIN_IDLE_S = 30.0  # stop waiting for digests once none has arrived for this long
ACK_TARGET = 2.0  # digestbot's ack p99 within 2x of the floor's
THROUGHPUT_TARGET = 0.8  # end-to-end digests/s at least 80% of the engine's
SLACK_ACK_LIMIT_MS = 3000.0
CITIES = ("Lisbon", "Oslo", "Quito", "Hanoi", "Nairobi", "Perth", "Tallinn", "Recife", "Osaka", "Tunis")


# --- the pages ---------------------------------------------------------------------------------------------------


def page_path(index: int) -> str:
    return f"/story/{index}"


def page_html(index: int) -> str:
    """One of the test articles under a unique title, so no two pages look like one story by their titles."""
    key = sorted(ARTICLES)[index % len(ARTICLES)]
    title = str(ARTICLES[key]["title"])
    unique = f"{title}: the {CITIES[index % len(CITIES)]} desk, report {index}"
    return article_html(key).replace(html_lib.escape(title), html_lib.escape(unique))


# --- the Slack stand-in and the article server, in a child process -------------------------------------------------


class Post(NamedTuple):
    channel: str
    thread_ts: str
    time: float  # wall clock when the stand-in received it
    card: bool  # a digest card (blocks), not a failure notice


def serve_world(conn: Connection, pages: int) -> None:
    """Child process: serve the stand-in and the pages; answer "posts" with every chat.postMessage until "stop"."""
    routes = {page_path(i): html(page_html(i)) for i in range(pages)}
    with SlackStandIn() as slack, LocalServer(routes) as server:
        conn.send((slack.base_url, server.url("")))
        while conn.recv() == "posts":
            calls = slack.calls("chat.postMessage")
            conn.send([Post(c.params["channel"], c.params.get("thread_ts", ""), c.time, "blocks" in c.params)
                       for c in calls if c.response.get("ok")])  # fmt: skip


class World:
    def __init__(self, pages: int) -> None:
        context = get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=serve_world, args=(child, pages), daemon=True, name="bench-world")
        self.slack_url = self.pages_url = ""

    def __enter__(self) -> Self:
        self._process.start()
        self.slack_url, self.pages_url = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._process.join(10)

    def posts(self) -> list[Post]:
        self._conn.send("posts")
        return self._conn.recv()

    @property
    def process(self) -> psutil.Process:
        return psutil.Process(self._process.pid)


# --- CPU per digest --------------------------------------------------------------------------------------------


def cpu_meter(system: psutil.Process, world: World) -> CpuMeter:
    """CPU while a system is measured: its processes (descendants included), Redis, and the harness (this load
    generator, the stand-in and the pages)."""
    redis_process = redis_server(CI_REDIS_URL)
    world_process = world.process
    return CpuMeter({
        "system": lambda: tree_cpu(system),
        "redis": lambda: own_cpu(redis_process) if redis_process else math.nan,
        "harness": lambda: own_cpu(psutil.Process()) + tree_cpu(world_process),
    })  # fmt: skip


# --- the floor: a bare bolt app that only acks, in a child process -------------------------------------------------


def serve_floor(port: int, slack_url: str) -> None:
    asyncio.run(_floor(port, slack_url))


async def _floor(port: int, slack_url: str) -> None:
    client = AsyncWebClient(token=TOKEN, base_url=slack_url)
    app = AsyncApp(signing_secret=SECRET, client=client, process_before_response=False)

    @app.event("message")
    async def ignore() -> None:
        """Nothing to do: the floor measures the ack alone."""

    verifier = SignatureVerifier(SECRET)

    async def events(request: web.Request) -> web.Response:
        body = await request.read()  # the same check digestbot's server makes before bolt checks again
        if not verifier.is_valid_request(body, dict(request.headers)):
            return web.Response(status=401, text="invalid signature")
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.add_routes([web.post("/slack/events", events), web.get("/healthz", healthz)])
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


@contextmanager
def floor_process(slack_url: str) -> Iterator[tuple[str, psutil.Process]]:
    """The floor's events URL, and its process."""
    port = free_port()
    process = get_context("spawn").Process(target=serve_floor, args=(port, slack_url), daemon=True)
    process.start()
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}/slack/events", psutil.Process(process.pid)
    finally:
        process.terminate()
        process.join(10)


def wait_healthy(base: str) -> None:
    deadline = monotonic() + 20
    while monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{base} did not start")


# --- the load: signed events at a steady rate over keep-alive connections ----------------------------------------


class Sent(NamedTuple):
    channel: str
    ts: str
    sent_at: float  # wall clock, comparable with the stand-in's Post.time
    ack_s: float
    status: int  # 0: no HTTP answer at all


async def send_event(client: aiohttp.ClientSession, url: str, link: str, index: int) -> Sent:
    event = message_event(f"worth a read <{link}>", channel=f"C{index % CHANNELS:04d}")
    body = event_body(event)
    headers = {"Content-Type": JSON, **sign(SECRET, body)}
    sent_at, started = time.time(), perf_counter()
    try:
        async with client.post(url, data=body, headers=headers) as response:
            await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError):
        status = 0
    return Sent(event["channel"], event["ts"], sent_at, perf_counter() - started, status)


async def drive(url: str, links: list[str], rate: float) -> list[Sent]:
    """One event per link, the i-th sent at i/rate seconds whatever earlier acks are doing (an open loop).

    aiohttp, not httpx: the load generator shares the CPUs with the systems it measures, and aiohttp costs
    about a third as much CPU per request (measured here: 1.2 ms an event against 2.7 to 3.5 ms).
    """
    connector = aiohttp.TCPConnector(limit=512)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as client:
        start, tasks = perf_counter(), []
        for i, link in enumerate(links):
            await asyncio.sleep(max(0.0, start + i / rate - perf_counter()))
            tasks.append(asyncio.create_task(send_event(client, url, link, i)))
        return list(await asyncio.gather(*tasks))


def wait_for_answers(world: World, sent: list[Sent]) -> dict[tuple[str, str], Post]:
    """Each event's reply in its thread, once all arrived or none came for DRAIN_IDLE_S."""
    wanted = {(s.channel, s.ts) for s in sent}
    replies: dict[tuple[str, str], Post] = {}
    last_change = monotonic()
    while len(replies) < len(wanted) and monotonic() - last_change < DRAIN_IDLE_S:
        time.sleep(0.5)
        found = {(p.channel, p.thread_ts): p for p in world.posts() if (p.channel, p.thread_ts) in wanted}
        if len(found) > len(replies):
            last_change = monotonic()
        replies = found
    return replies


# --- the engine alone, in a child process ------------------------------------------------------------------------


class Done(NamedTuple):
    arrived: float
    finished: float
    ok: bool


async def core_path(service: DigestService, link: str, index: int) -> None:
    """What bot/ does for a message with a link, as the bot calls it, without Slack: the channel's repeat check,
    the digest, related reading for the card, and the channel's memory (with the related index)."""
    channel = f"C{index % CHANNELS:04d}"
    await service.store.channels.first_share(channel, canonicalize(link))
    digest = await service.digest(link)
    await service.related(digest, TEAM, channel)
    share = Share(
        team_id=TEAM, channel_id=channel, channel_is_private=False, canonical_url=digest.canonical_url, user_id="U1",
        ts=f"{time.time():.6f}",
        title=digest.title or digest.canonical_url, shared_at=datetime.now(UTC),
    )  # fmt: skip
    await service.remember(share, digest)


def run_engine(links: list[str], rate: float, concurrency: int, core: bool, prefix: str) -> list[Done]:
    return asyncio.run(_engine(links, rate, concurrency, core, prefix))


async def _engine(links: list[str], rate: float, concurrency: int, core: bool, prefix: str) -> list[Done]:
    """Digest `links` at `rate`, under the Redis key prefix `prefix` (a second call finds the first's work)."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings.model_validate({
            "REDIS_URL": CI_REDIS_URL, "DIGESTBOT_REDIS_PREFIX": prefix, "DIGESTBOT_DATA_DIR": data_dir,
            "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": True,
        })  # fmt: skip
        service = DigestService.open(settings)
        slots = asyncio.Semaphore(concurrency)

        async def one(link: str, index: int) -> Done:
            arrived = time.time()
            async with slots:
                try:
                    await (core_path(service, link, index) if core else service.digest(link))
                except DigestError:
                    return Done(arrived, time.time(), False)
            return Done(arrived, time.time(), True)

        try:
            start, tasks = perf_counter(), []
            for i, link in enumerate(links):
                await asyncio.sleep(max(0.0, start + i / rate - perf_counter()))
                tasks.append(asyncio.create_task(one(link, i)))
            return list(await asyncio.gather(*tasks))
        finally:
            await service.close()


def delete_prefix(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*", count=1000):
        client.delete(key)
    client.close()


# --- the three measurements --------------------------------------------------------------------------------------


@dataclass
class Result:
    system: str
    events: int
    ack_ms: list[float]  # empty for the engine: nothing to ack
    failed_acks: int
    latencies_s: list[float]  # event (or arrival) to posted digest
    digests: int
    failures: int  # honest failure notices (or DigestErrors) instead of digests
    digests_per_s: float
    load: float = math.nan  # the host's 1-minute load average as the phase ended: other jobs skew latencies
    cpu_s: dict[str, float] = field(default_factory=dict)  # cpu_meter()'s use while the digests were made
    cpu_wait_s: float = math.nan  # the acking process's time runnable but waiting for a CPU, while events came
    round_p99_ms: list[float] = field(default_factory=list)  # ack p99 of each alternating round


def acked(system: str, sent: list[Sent]) -> Result:
    ok = [s.ack_s * 1000 for s in sent if s.status == 200]
    return Result(system, len(sent), ok, len(sent) - len(ok), [], 0, 0, math.nan)


def measure_acks(world: World, warmup: list[str], links: list[str], tmp: Path) -> tuple[Result, Result]:
    """The floor and digestbot under the same load, in alternating rounds (floor, then digestbot, ROUNDS times)
    with both running throughout: the machine's speed drifts over minutes, and each system sees the same drift.

    A digestbot round ends when its replies are in, so its digest work never spills into the floor's round. Its
    digests/s counts each round from its first event to its last reply: ROUNDS tails where the engine has one.
    """
    floor_sent: list[Sent] = []
    bot_sent: list[Sent] = []
    replies: dict[tuple[str, str], Post] = {}
    spans: list[float] = []
    floor_rounds: list[float] = []
    bot_rounds: list[float] = []
    consumers = {"DIGESTBOT_QUEUE_CONSUMERS": str(CONSUMERS)}
    if NICENESS:  # the bot's own default unless asked
        consumers["DIGESTBOT_WORKER_NICENESS"] = NICENESS
    with (
        floor_process(world.slack_url) as (floor_url, floor),
        running_bot(world.slack_url, CI_REDIS_URL, tmp, **consumers) as (base, _),
    ):
        bot_url = f"{base}/slack/events"
        serve = psutil.Process(bot_pid(base))
        meter = cpu_meter(serve, world)
        floor_wait, serve_wait = (CpuMeter({"wait": partial(cpu_wait, p)}) for p in (floor, serve))
        asyncio.run(drive(floor_url, warmup, RATE))
        wait_for_answers(world, asyncio.run(drive(bot_url, warmup, RATE)))
        for chunk in (links[i::ROUNDS] for i in range(ROUNDS)):
            with floor_wait.counting():
                floor_round = asyncio.run(drive(floor_url, chunk, RATE))  # the floor fetches nothing: same links
            floor_sent += floor_round
            floor_rounds.append(percentile([s.ack_s * 1000 for s in floor_round if s.status == 200], 99))
            with meter.counting():
                with serve_wait.counting():
                    sent = asyncio.run(drive(bot_url, chunk, RATE))
                answered = wait_for_answers(world, sent)
            if answered:
                spans.append(max(p.time for p in answered.values()) - min(s.sent_at for s in sent))
            bot_sent += sent
            bot_rounds.append(percentile([s.ack_s * 1000 for s in sent if s.status == 200], 99))
            replies |= answered
    result = acked("digestbot", bot_sent)
    answered_pairs = [(s, replies[s.channel, s.ts]) for s in bot_sent if (s.channel, s.ts) in replies]
    result.latencies_s = [post.time - s.sent_at for s, post in answered_pairs if post.card]
    result.digests = len(result.latencies_s)
    result.failures = len(answered_pairs) - result.digests
    if spans:
        result.digests_per_s = result.digests / sum(spans)
    result.cpu_s, result.cpu_wait_s = meter.used, serve_wait.used["wait"]
    result.round_p99_ms = bot_rounds
    floor_result = acked("bare bolt app (floor)", floor_sent)
    floor_result.cpu_wait_s = floor_wait.used["wait"]
    floor_result.round_p99_ms = floor_rounds
    return floor_result, result


def measure_engine(world: World, warmup: list[str], links: list[str], core: bool = False) -> Result:
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        pool.submit(run_engine, warmup, RATE, CONSUMERS, core, prefix).result()  # imports, extraction processes
        meter = cpu_meter(psutil.Process(pool.submit(os.getpid).result()), world)
        with meter.counting():
            done = pool.submit(run_engine, links, RATE, CONSUMERS, core, prefix).result()
    delete_prefix(CI_REDIS_URL, prefix)
    ok = [d for d in done if d.ok]
    span = max(d.finished for d in done) - min(d.arrived for d in done)
    latencies = [d.finished - d.arrived for d in ok]
    name = "core path alone (+ related, memory)" if core else "digest engine alone"
    result = Result(name, len(done), [], 0, latencies, len(ok), len(done) - len(ok), len(ok) / span)
    result.cpu_s = meter.used
    return result


# --- the report ----------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else math.nan
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def cell(value: float, fmt: str) -> str:
    return "–" if math.isnan(value) else format(value, fmt)


def report(results: list[Result], console: Console) -> None:
    load = f"{RATE:g}/s for {SECONDS:g} s ({ROUNDS} rounds)"
    table = Table(title=f"Slack events: {load}, {CONSUMERS} consumers, {os.cpu_count()} CPUs")
    for column in ("system", "events sent", "ack p50 ms", "ack p99 ms", "failed acks", "digests posted",
                   "failures", "event→posted p50 s", "p99 s", "digests/s", "host load"):  # fmt: skip
        table.add_column(column, justify="left" if column == "system" else "right")
    for r in results:
        table.add_row(
            r.system, str(r.events), cell(percentile(r.ack_ms, 50), ".2f"), cell(percentile(r.ack_ms, 99), ".2f"),
            str(r.failed_acks), str(r.digests) if r.latencies_s else "–", str(r.failures),
            cell(percentile(r.latencies_s, 50), ".2f"), cell(percentile(r.latencies_s, 99), ".2f"),
            cell(r.digests_per_s, ".1f"), cell(r.load, ".1f"),
        )  # fmt: skip
    console.print(table)
    console.print(cpu_table(results))
    floor, bot, engine, core = results
    ratios = [b / f for b, f in zip(bot.round_p99_ms, floor.round_p99_ms, strict=True)]
    ack_ratio = statistics.median(ratios)
    rounds = ", ".join(f"{r:.2f}x" for r in ratios)
    line = f"ack p99 digestbot / floor, median of {len(ratios)} rounds: {ack_ratio:.2f}x ({rounds})"
    if RATE == JUDGED_RATE:
        ack_ok = ack_ratio <= ACK_TARGET and percentile(bot.ack_ms, 99) < SLACK_ACK_LIMIT_MS
        line += f" (target ≤ {ACK_TARGET:g}x at {JUDGED_RATE:g}/s, and under Slack's 3 s): {verdict(ack_ok)}"
    else:
        line += f" (judged at {JUDGED_RATE:g}/s only: no verdict at {RATE:g}/s)"
    console.print(line)
    rate_ratio = bot.digests_per_s / engine.digests_per_s
    console.print(f"digests/s digestbot / engine alone: {rate_ratio:.0%} (target ≥ {THROUGHPUT_TARGET:.0%}): "
                  f"{verdict(rate_ratio >= THROUGHPUT_TARGET)}")  # fmt: skip
    # Why the ack's tail grows under digest load: the acking process waits for a CPU that digest work holds.
    waits = (f"{r.cpu_wait_s * 1e6 / len(r.ack_ms):.0f} µs" if r.ack_ms else "–" for r in (floor, bot))
    console.print("waiting for a CPU while runnable, per event: floor {}, digestbot's serve {}".format(*waits))
    # Not the target, which predates related reading: how much the Slack path adds to the core's work.
    console.print(f"digests/s digestbot / core path alone: {bot.digests_per_s / core.digests_per_s:.0%}")


def cpu_table(results: list[Result]) -> Table:
    """Where each system's CPU went per digest, and the rate this machine's CPUs could sustain at that cost:
    digests/s can only be compared where both systems stay under their ceilings."""
    cpus = os.cpu_count() or 1
    table = Table(title=f"CPU per digest, ms, while each system ran ({cpus} CPUs)")
    for column in ("system", "its processes", "redis-server", "harness", "total", "CPU ceiling, digests/s"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for r in results:
        made = r.digests + r.failures
        if not r.cpu_s or not made:
            continue
        per = {part: seconds * 1000 / made for part, seconds in r.cpu_s.items()}
        total = math.fsum(v for v in per.values() if not math.isnan(v))
        table.add_row(r.system, cell(per["system"], ".1f"), cell(per["redis"], ".1f"), cell(per["harness"], ".1f"),
                      cell(total, ".1f"), cell(cpus * 1000 / total, ".0f"))  # fmt: skip
    return table


def verdict(ok: bool) -> str:
    return "[green]met[/green]" if ok else "[red]MISSED[/red]"


def main() -> None:
    if not answers(CI_REDIS_URL):
        print(f"events benchmark skipped: no Redis at {CI_REDIS_URL}", file=sys.stderr)
        return
    count = max(1, round(RATE * SECONDS))
    with World(WARMUP_EVENTS + count) as world, tempfile.TemporaryDirectory() as tmp:
        links = [world.pages_url + page_path(i) for i in range(WARMUP_EVENTS + count)]
        warmup, measured = links[:WARMUP_EVENTS], links[WARMUP_EVENTS:]
        floor, bot = measure_acks(world, warmup, measured, Path(tmp))
        floor.load = bot.load = os.getloadavg()[0]
        results = [floor, bot]
        for measure in (measure_engine, partial(measure_engine, core=True)):
            results.append(measure(world, warmup, measured))
            results[-1].load = os.getloadavg()[0]
    report(results, Console(width=160))


if __name__ == "__main__":
    main()
