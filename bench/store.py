"""Store benchmark: cached digest lookups (rate, p50/p99) beside a bare redis-py GET of the same bytes, and Redis
memory per 10,000 cached digests and per 100,000 channel-seen records.

Runs against REDIS_URL, else the local Redis at 127.0.0.1:6379, else the embedded server (in a temp dir). All
keys live under a fresh prefix as long as the default "digestbot:" (so key sizes are realistic) and are deleted
at the end. Digests are built from the real news articles in ../shared/bench/summaries, cut to about 4 KB of text.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import json
import os
import statistics
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter

import redis
from redis.asyncio import Redis

from bot.config import Settings
from bot.memory.channels import Share
from bot.memory.connection import Client, connect
from bot.memory.keys import url_hash
from bot.memory.store import Store
from bot.models import Digest

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "summaries" / "articles.jsonl.gz"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
TEXT_CHARS = 4096
LOOKUPS = 20_000
ROUNDS = 40
CONCURRENT_TASKS = 32
DIGESTS = 10_000
RECORDS = 100_000
CHANNELS = 200  # 500 URLs each, a few hundred shared again


def load_digests() -> list[Digest]:
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    digests = []
    for row in rows:
        text = row["text"]
        while len(text) < TEXT_CHARS:  # a few stories are short; repeat them to a full-size digest
            text += "\n\n" + row["text"]
        url = f"https://news.example.com/{row['id']}"
        digests.append(
            Digest(
                source=url, url=url, canonical_url=url, title=row.get("title") or "A story", site_name="CNN",
                author="Staff", language="en", reading_minutes=4, summary=row["reference"],
                quotes=row["reference"].split(". ")[:2], text=text[:TEXT_CHARS],
            )
        )  # fmt: skip
    return digests


def target_url() -> str | None:
    """REDIS_URL, else the local Redis if it answers, else None (the embedded server)."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    probe = redis.Redis.from_url(LOCAL_REDIS, socket_timeout=0.3, socket_connect_timeout=0.3)
    try:
        return LOCAL_REDIS if probe.ping() else None
    except (redis.RedisError, OSError):
        return None
    finally:
        probe.close()


async def latencies(peers: dict[str, Callable[[], Awaitable[object]]], n: int) -> dict[str, list[float]]:
    """Sequential call times per peer, measured in interleaved rounds so drift and GC hit every peer alike."""
    times: dict[str, list[float]] = {name: [] for name in peers}
    gc.collect()
    gc.disable()  # a collection pause would land on whichever peer happens to be running
    try:
        await _rounds(peers, n, times)
    finally:
        gc.enable()
    return times


async def _rounds(peers: dict[str, Callable[[], Awaitable[object]]], n: int, times: dict[str, list[float]]) -> None:
    for _ in range(ROUNDS):
        for name, call in peers.items():
            for _ in range(50):  # warm this path again
                await call()
            for _ in range(n // ROUNDS):
                started = perf_counter()
                await call()
                times[name].append(perf_counter() - started)


async def rate(call: Callable[[], Awaitable[object]], n: int) -> float:
    async def worker() -> None:
        for _ in range(n // CONCURRENT_TASKS):
            await call()

    started = perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENT_TASKS)))
    return (n // CONCURRENT_TASKS) * CONCURRENT_TASKS / (perf_counter() - started)


async def used_memory(client: Client) -> int:
    return int((await client.info("memory"))["used_memory"])


async def bench_lookups(store: Store, raw: Redis, digest: Digest, prefix: str) -> None:
    await store.cache.put(digest)
    key = f"{prefix}v1:digest:{{{url_hash(digest.canonical_url)}}}"
    stored = await raw.get(key)
    print(f"Cached digest lookups: {len(digest.text)} chars of text, {len(digest.model_dump_json())} B JSON, "
          f"stored as {len(stored)} B ({'zlib' if stored[:1] == b'z' else 'plain JSON'})")  # fmt: skip
    peers: dict[str, Callable[[], Awaitable[object]]] = {
        "redis-py GET, same bytes (floor)": lambda: raw.get(key),
        "Store.get_digest": lambda: store.cache.get(digest.canonical_url),
        "Store.digest_once (cached)": lambda: store.cache.digest_once(digest.canonical_url, _never),
    }
    print(f"{'path':<34} {'lookups/s':>10} {'p50 µs':>8} {'p99 µs':>8} {'p99 vs GET':>10} {'x32 tasks/s':>12}")
    floor = 0.0
    for name, times in (await latencies(peers, LOOKUPS)).items():
        times.sort()
        p50, p99 = statistics.median(times), times[int(len(times) * 0.99)]
        floor = floor or p99
        print(
            f"{name:<34} {len(times) / sum(times):10.0f} {p50 * 1e6:8.0f} {p99 * 1e6:8.0f} "
            f"{p99 / floor:9.2f}x {await rate(peers[name], LOOKUPS):12.0f}"
        )
    print("target: Store p99 within 2x of the bare GET")


async def _never() -> Digest:
    raise AssertionError("a cached lookup must not produce")


async def bench_digest_memory(store: Store, raw: Redis, digests: list[Digest]) -> None:
    before = await used_memory(raw)
    for start in range(0, DIGESTS, 500):
        batch = []
        for i in range(start, start + 500):
            base = digests[i % len(digests)]
            url = f"{base.canonical_url}/{i}"
            batch.append(base.model_copy(update={"url": url, "canonical_url": url, "title": f"{base.title} #{i}"}))
        await asyncio.gather(*(store.cache.put(d) for d in batch))
    grown = await used_memory(raw) - before
    json_bytes = statistics.mean(len(d.model_dump_json()) for d in digests)
    print(f"Memory: {DIGESTS:,} cached digests use {grown / 2**20:.1f} MiB in Redis, {grown / DIGESTS:,.0f} B each "
          f"(their JSON averages {json_bytes:,.0f} B; stored compressed when smaller)")  # fmt: skip


async def bench_share_memory(store: Store, raw: Redis, prefix: str) -> None:
    before = await used_memory(raw)
    start = datetime(2025, 1, 6, tzinfo=UTC)
    per_channel = RECORDS // CHANNELS
    for c in range(CHANNELS):
        shares = [
            Share(
                team_id="T0123456789", channel_id=f"C{c:010d}", channel_is_private=c % 5 == 0,
                canonical_url=f"https://www.example-news-site.com/2025/01/section/story-about-topic-number-{c}-{u}",
                user_id=f"U{u % 40:010d}", ts=f"{1736150400 + u * 600}.{u:06d}",
                permalink=f"https://acme.slack.com/archives/C{c:010d}/p{1736150400 + u * 600}{u:06d}",
                title=f"An ordinary headline of about sixty characters, number {u}",
                shared_at=start + timedelta(minutes=10 * u),
            )
            for u in range(per_channel)
        ]  # fmt: skip
        await asyncio.gather(*(store.channels.record_share(s) for s in shares))
        again = [s.model_copy(update={"user_id": "U9", "ts": s.ts + "1"}) for s in shares[:25]]  # new messages
        await asyncio.gather(*(store.channels.record_share(s) for s in again))
    grown = await used_memory(raw) - before
    stored = sum([await raw.zcard(f"{prefix}v1:ch:{{C{c:010d}}}:time") for c in range(CHANNELS)])
    assert stored == RECORDS, f"only {stored} of {RECORDS} records were stored"
    print(f"Memory: {RECORDS:,} channel-seen records ({CHANNELS} channels, 5% shared again) use "
          f"{grown / 2**20:.1f} MiB, {grown / RECORDS:,.0f} B per record (target < 1 KB)")  # fmt: skip


async def delete_prefix(raw: Redis, prefix: str) -> None:
    batch = [key async for key in raw.scan_iter(match=f"{prefix}*", count=5000)]
    for i in range(0, len(batch), 1000):
        await raw.unlink(*batch[i : i + 1000])


async def run(settings: Settings) -> None:
    digests = load_digests()
    store = Store.from_settings(settings)
    raw = connect(settings)  # a bare client with the store's connection options, on the same server
    prefix = settings.redis_prefix
    try:
        await bench_lookups(store, raw, digests[0], prefix)
        await delete_prefix(raw, prefix)
        await bench_digest_memory(store, raw, digests)
        await delete_prefix(raw, prefix)
        await bench_share_memory(store, raw, prefix)
    finally:
        await delete_prefix(raw, prefix)
        await raw.aclose()
        await store.close()


def main() -> None:
    if not DATA.exists():
        print(f"store: {DATA} not found; skipping")
        return
    url = target_url()
    with tempfile.TemporaryDirectory(prefix="digestbot-bench-") as data_dir:
        env = {"REDIS_URL": url, "DIGESTBOT_REDIS_PREFIX": f"db{uuid.uuid4().hex[:7]}:", "DIGESTBOT_DATA_DIR": data_dir}
        settings = Settings.model_validate(env)
        print(f"Store benchmark against {url or 'the embedded redis-server'}")
        asyncio.run(run(settings))


if __name__ == "__main__":
    main()
