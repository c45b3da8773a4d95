"""Soak: the real bot under a steady stream of signed Slack message events (`make soak`, not part of `make test`).

    SOAK_RATE=100 SOAK_SECONDS=600 python -m bench.soak
    SOAK_REDIS=cluster make soak    # on a local 3-master Redis Cluster (a replica each); or `sentinel`

The bot runs in HTTP mode against real Redis; the Slack stand-in and a page server with SOAK_URLS distinct
articles run in a child process (so they do not share a GIL with the load); this process sends signed
`message` events over keep-alive connections, each linking one article, spread over SOAK_CHANNELS channels.
Every event must get exactly one reply in its thread: a digest card the first time a channel sees an article,
a "first shared by" note after that. It reports the rate held, ack latency (POST to 200), replies posted,
duplicates, losses and second cards for one article in a channel (all must be 0), the bot's memory over time,
and each process's CPU share, which says where the bottleneck is when the rate is not held. Figures are printed
and written to bench/results/soak.json.

Deliberately not named `main`: `python -m bench` runs every module's main(), and a soak is not a quick benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import psutil

REPO = Path(__file__).resolve().parent.parent

from bench.procs import CpuMeter, bot_pid, own_cpu, redis_server, tree_cpu  # noqa: E402
from tests.support.bot_process import SECRET, running_bot  # noqa: E402
from tests.support.http_server import LocalServer, Reply  # noqa: E402
from tests.support.redis_server import CI_REDIS_URL, RedisServer, answers  # noqa: E402
from tests.support.slack_standin import Call, SlackStandIn, event_body, message_event, sign  # noqa: E402
from tests.support.topologies import TOPOLOGIES, Cluster, SentinelSet  # noqa: E402

TOPOLOGY = os.environ.get("SOAK_REDIS", "single")
if TOPOLOGY not in TOPOLOGIES:
    sys.exit(f"SOAK_REDIS must be one of {', '.join(TOPOLOGIES)}, not {TOPOLOGY!r}")
RESULTS = REPO / "bench" / "results" / ("soak.json" if TOPOLOGY == "single" else f"soak-{TOPOLOGY}.json")
DRAIN_S = 180  # after the load stops, how long replies may keep arriving before the missing ones count as lost
SAMPLE_S = 5.0
WEB_API_METHODS = ("chat.postMessage", "reactions.add", "reactions.remove", "chat.getPermalink")
SIGNS_SETTLE_S = 10.0  # after the last reply, how long the last hourglass signs may take to come off
MAX_IN_FLIGHT = 256  # open requests at once; beyond this the generator waits (and says so in "late")
WORDS = ["river", "drought", "harvest", "market", "council", "election", "vaccine", "orbit", "telescope", "glacier",
         "reactor", "festival", "museum", "tariff", "railway", "harbour", "satellite", "volcano", "migration",
         "coral", "forest", "battery", "chess"]  # fmt: skip


def article(n: int) -> bytes:
    """A small, distinct article: its own title, words and paragraphs."""
    rng = random.Random(n)
    title = f"Story {n}: the {rng.choice(WORDS)} and the {rng.choice(WORDS)}"
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(40)).capitalize() + ".</p>" for _ in range(6)
    )
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><article><h1>{html.escape(title)}</h1>{paragraphs}</article></body></html>")  # fmt: skip
    return page.encode()


# --- the child process: Slack stand-in and page server ---------------------------------------------------


def serve_fixtures(conn: Connection, urls: int) -> None:
    """Run the stand-in and the page server until asked for the report; answer 'count' and 'report' requests."""
    routes = {f"/a/{n}": Reply(headers=[("Content-Type", "text/html; charset=utf-8")], body=article(n))
              for n in range(urls)}  # fmt: skip
    with LocalServer(routes) as pages, SlackStandIn() as slack:
        conn.send((slack.base_url, pages.url("/a/")))
        while True:
            command = conn.recv()
            if command == "count":
                conn.send(len(slack.calls("chat.postMessage")))
            elif command == "report":
                # A sign comes off after its card is posted and the share recorded: give the last ones time.
                deadline = time.monotonic() + SIGNS_SETTLE_S
                while slack.reactions_on() and time.monotonic() < deadline:
                    time.sleep(0.1)
                conn.send(standin_report(slack))
                return


def standin_report(slack: SlackStandIn) -> dict[str, Any]:
    posts = slack.calls("chat.postMessage")
    ok = [c for c in posts if c.status == 200]
    card_threads = [thread(c) for c in ok if c.params.get("blocks")]
    return {
        "replies": Counter(thread(c) for c in ok),
        "cards": len(card_threads),
        "card_threads": card_threads,
        "repeat_notes": sum(1 for c in ok if str(c.params.get("text", "")).startswith("First shared by")),
        "failures": sum(1 for c in ok if str(c.params.get("text", "")).startswith("Couldn't read")),
        "rejected_posts": len(posts) - len(ok),
        "signs_left_on": len(slack.reactions_on()),
        "calls": {m: len(slack.calls(m)) for m in WEB_API_METHODS},
    }


def thread(post: Call) -> str:
    """channel/thread_ts: the event a reply answers."""
    return f"{post.params.get('channel')}/{post.params.get('thread_ts')}"


# --- measurement -----------------------------------------------------------------------------------------


@dataclass
class Plan:
    rate: float  # events per second
    seconds: float
    urls: int  # distinct articles
    channels: int

    @classmethod
    def from_env(cls) -> Plan:
        number = lambda name, default: float(os.environ.get(name, default))  # noqa: E731
        return cls(number("SOAK_RATE", 100), number("SOAK_SECONDS", 600), int(number("SOAK_URLS", 300)),
                   int(number("SOAK_CHANNELS", 50)))  # fmt: skip


@dataclass
class Sample:
    at_s: float
    bot_rss_mib: float
    workers_rss_mib: float
    replies: int
    sent: int
    load_1m: float  # the machine's load average: other work on it skews every figure


@dataclass
class Load:
    sent: int = 0
    acked: int = 0
    errors: int = 0
    late: int = 0  # events the generator could not start on schedule (it, not the bot, fell behind)
    latencies_ms: list[float] = field(default_factory=list)
    articles: dict[str, str] = field(default_factory=dict)  # channel/ts of every event acked -> channel/article


class Processes:
    """The processes taking part, for CPU shares and memory: this one, the fixtures child, the bot and its
    children (digest workers and their extraction processes), the redis-servers (every node of a cluster)."""

    def __init__(self, bot_pid: int, fixtures_pid: int, redis_urls: list[str]) -> None:
        self.bot = psutil.Process(bot_pid)
        fixtures = psutil.Process(fixtures_pid)
        servers = [server for url in redis_urls if (server := redis_server(url))]
        self.cpu = CpuMeter({
            "load generator": lambda: own_cpu(psutil.Process()),
            "slack stand-in + pages": lambda: tree_cpu(fixtures),
            "bot": lambda: own_cpu(self.bot),
            "digest workers + extraction": lambda: tree_cpu(self.bot) - own_cpu(self.bot),
            **({"redis-server": lambda: sum(own_cpu(s) for s in servers)} if servers else {}),
        })  # fmt: skip

    def workers(self) -> list[psutil.Process]:
        return self.bot.children(recursive=True)

    def rss(self) -> tuple[float, float]:
        workers = 0.0
        for child in self.workers():
            try:
                workers += child.memory_info().rss
            except psutil.Error:
                continue
        return self.bot.memory_info().rss / 2**20, workers / 2**20


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 10) - 1] if len(values) > 1 else (values or [0.0])[0]


# --- the load --------------------------------------------------------------------------------------------


async def send_one(client: httpx.AsyncClient, url: str, event: dict[str, Any], article: int, load: Load) -> None:
    body = event_body(event)
    headers = {"Content-Type": "application/json", **sign(SECRET, body)}
    started = time.perf_counter()
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError:
        load.errors += 1
        return
    load.latencies_ms.append((time.perf_counter() - started) * 1000)
    if response.status_code == 200:
        load.acked += 1
        load.articles[f"{event['channel']}/{event['ts']}"] = f"{event['channel']}/{article}"
    else:
        load.errors += 1


async def drive(events_url: str, page_base: str, plan: Plan, load: Load, on_tick: Any) -> None:
    """Send rate × seconds events on schedule; each links a random article in a channel, round robin."""
    rng = random.Random(2026)
    rate, total = plan.rate, int(plan.rate * plan.seconds)
    first_ts = int(time.time())
    slots = asyncio.Semaphore(MAX_IN_FLIGHT)
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
    async with httpx.AsyncClient(limits=limits, timeout=30, trust_env=False) as client:
        tasks: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        next_tick = start + SAMPLE_S
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.05:
                load.late += 1
            if time.perf_counter() >= next_tick:
                on_tick()
                next_tick += SAMPLE_S
            await slots.acquire()
            ts = f"{first_ts + i // 1_000_000}.{i % 1_000_000:06d}"
            article = rng.randrange(plan.urls)
            text = f"have a look <{page_base}{article}>"
            event = message_event(text, channel=f"C{i % plan.channels:04d}", user=f"U{rng.randrange(500)}", ts=ts)
            load.sent += 1
            task = asyncio.create_task(send_one(client, events_url, event, article, load))
            tasks.add(task)
            task.add_done_callback(lambda t: (tasks.discard(t), slots.release()))
        await asyncio.gather(*tasks)


def run_soak(plan: Plan) -> dict[str, Any]:
    parent, child = multiprocessing.get_context("spawn").Pipe()
    fixtures = multiprocessing.get_context("spawn").Process(target=serve_fixtures, args=(child, plan.urls))
    fixtures.start()
    slack_url, page_base = parent.recv()
    with (
        tempfile.TemporaryDirectory(prefix="digestbot-soak-") as tmp,
        soak_redis(Path(tmp)) as (url, nodes),
        running_bot(slack_url, url, Path(tmp)) as (base, _log),
    ):
        processes = Processes(bot_pid(base), fixtures.pid or 0, nodes)
        result = soak_bot(f"{base}/slack/events", parent, processes, page_base, plan)
    fixtures.join(10)
    return result | {"redis": TOPOLOGY}


@contextlib.contextmanager
def soak_redis(tmp: Path) -> Iterator[tuple[str, list[str]]]:
    """(REDIS_URL for the bot, redis:// URLs of its servers) for SOAK_REDIS: the CI Redis or a throwaway one
    (`single`), or a local Redis Cluster or Sentinel set (tests/support/topologies.py), stopped afterwards."""
    if TOPOLOGY == "single" and answers(CI_REDIS_URL):
        yield CI_REDIS_URL, [CI_REDIS_URL]
        return
    servers: RedisServer | Cluster | SentinelSet
    if TOPOLOGY == "cluster":
        servers = Cluster(tmp / "cluster")
        nodes = servers.nodes
    elif TOPOLOGY == "sentinel":
        servers = SentinelSet(tmp / "sentinel")
        nodes = [servers.master, servers.replica]
    else:
        servers = RedisServer(tmp / "redis")
        nodes = [servers]
    servers.start()
    try:
        yield servers.url, [node.url for node in nodes]
    finally:
        servers.stop()


def soak_bot(events_url: str, fixtures: Connection, processes: Processes, page_base: str, plan: Plan) -> dict[str, Any]:
    load, samples = Load(), []
    began = time.perf_counter()

    def tick() -> None:
        fixtures.send("count")
        bot_rss, workers_rss = processes.rss()
        samples.append(Sample(round(time.perf_counter() - began, 1), round(bot_rss), round(workers_rss),
                              fixtures.recv(), load.sent, os.getloadavg()[0]))  # fmt: skip
        last = samples[-1]
        print(f"  t={last.at_s:6.0f}s sent={last.sent} replies={last.replies} bot RSS={last.bot_rss_mib} MiB "
              f"workers RSS={last.workers_rss_mib} MiB load={last.load_1m:.1f}", flush=True)  # fmt: skip

    print(f"soak: {plan.rate:g} events/s for {plan.seconds:g} s, {plan.urls} articles, {plan.channels} channels")
    with processes.cpu.counting():
        asyncio.run(drive(events_url, page_base, plan, load, tick))
        load_s = time.perf_counter() - began
        drained_at = drain(fixtures, load.acked, began, tick)
    cpu = {part: round(seconds, 1) for part, seconds in processes.cpu.used.items()}
    fixtures.send("report")
    report = fixtures.recv()
    return summarise(plan, load, load_s, drained_at, samples, report, cpu, vm_hwm_mib(processes.bot.pid))


def drain(fixtures: Connection, expected: int, began: float, tick: Any) -> float | None:
    """Wait until every acked event has a reply (the time since the start), or DRAIN_S passed (None)."""
    deadline = time.perf_counter() + DRAIN_S
    next_tick = time.perf_counter() + SAMPLE_S
    while time.perf_counter() < deadline:
        fixtures.send("count")
        if fixtures.recv() >= expected:
            return round(time.perf_counter() - began, 1)
        if time.perf_counter() >= next_tick:
            tick()
            next_tick += SAMPLE_S
        time.sleep(0.5)
    return None


def summarise(plan: Plan, load: Load, load_s: float, drained_at: float | None, samples: list[Sample],
              report: dict[str, Any], cpu: dict[str, float], bot_hwm_mib: float) -> dict[str, Any]:  # fmt: skip
    replies = report.pop("replies")
    cards_per_pair = Counter(load.articles.get(thread) for thread in report.pop("card_threads"))
    acked = set(load.articles)
    third = max(1, len(samples) // 3)

    def thirds(values: list[float]) -> list[int]:
        """Mean of the first, middle and last third: flat memory keeps them close."""
        return [round(statistics.mean(part)) for part in (values[:third], values[third:-third] or values,
                                                            values[-third:])]  # fmt: skip

    return {
        "plan": asdict(plan),
        "events_sent": load.sent,
        "events_acked": load.acked,
        "send_errors": load.errors,
        "generator_late": load.late,
        "events_per_s_held": round(load.acked / load_s, 1),
        "ack_ms": {q: round(percentile(load.latencies_ms, n), 1) for q, n in (("p50", 50), ("p99", 99), ("p999", 99.9))}
        | {"max": round(max(load.latencies_ms, default=0.0), 1)},
        "replies_posted": sum(replies.values()),
        "digest_cards": report["cards"],
        "second_cards": sum(n - 1 for n in cards_per_pair.values()),  # a channel's repeat got a card, not a note
        "repeat_notes": report["repeat_notes"],
        "failure_notes": report["failures"],
        "duplicates": sum(n - 1 for n in replies.values() if n > 1),
        "lost": len(acked - replies.keys()),
        "all_replied_after_s": drained_at,
        "bot_peak_rss_mib (VmHWM)": round(bot_hwm_mib),
        "bot_rss_mib first/middle/last third (mean)": thirds([s.bot_rss_mib for s in samples]),
        "workers_and_extraction_peak_rss_mib (sum)": max((s.workers_rss_mib for s in samples), default=0),
        "workers_and_extraction_rss_mib first/middle/last third (mean)": thirds([s.workers_rss_mib for s in samples]),
        "cpu_seconds": cpu,
        "machine_load_1m max": max((s.load_1m for s in samples), default=0.0),
        "stand_in": report,
        "samples": [asdict(s) for s in samples],
    }


def vm_hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    figures = run_soak(Plan.from_env())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps({k: v for k, v in figures.items() if k != "samples"}, indent=2))
    sys.exit(0 if figures["duplicates"] == figures["lost"] == figures["second_cards"] == 0 else 1)
