"""What waiting for a replica costs the decisive writes (bot/memory/replication.py), on each topology.

    python -m bench replication          # BENCH_TOPOLOGIES=single,cluster,sentinel  BENCH_REPLICATION_OPS=2000

On a freshly started topology (tests/support/topologies.py; `single` is a throwaway server without replicas), one
client queues jobs (WorkQueue.enqueue: XADD) and records first shares (ChannelMemory.record_share), one at a time,
timing each: with the product's writers (WAIT on the connection that wrote, where the master has a replica) and,
as the peer, with writers that see no replica (the writes as they were before WAIT). The two take turns write by
write (which goes first alternating), so a shared machine's load weighs on both alike. Printed: p50 / p99 in ms of
each write and mode, the ratio of the p50s, and how many writes no replica confirmed in time.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from prometheus_client import REGISTRY

from bench.topology import topology
from bot.config import Settings
from bot.memory.channels import Share
from bot.memory.connection import connect
from bot.memory.replication import ReplicatedWrites
from bot.memory.store import Store
from bot.runtime.queue import WorkQueue


class NoReplicas(ReplicatedWrites):
    """The peer: writers that never see a replica, so every write goes alone."""

    async def replicas(self, master: str, info: Callable[[], Awaitable[dict[str, Any]]]) -> int:
        return 0


def unconfirmed() -> float:
    return sum(REGISTRY.get_sample_value("digestbot_redis_unconfirmed_writes_total", {"what": w}) or 0.0
               for w in ("queue", "share"))  # fmt: skip


async def timed(write: Callable[[], Awaitable[object]]) -> float:
    started = perf_counter()
    await write()
    return (perf_counter() - started) * 1000


async def measure(url: str, data_dir: Path, ops: int) -> dict[str, object]:
    settings = Settings.model_validate({"REDIS_URL": url, "DIGESTBOT_DATA_DIR": data_dir,
                                        "DIGESTBOT_REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}:"})  # fmt: skip
    client = connect(settings)
    store = Store(client, settings)
    queue = WorkQueue.open(settings, client, store.guard)
    writers = {"wait": (queue.writes, store.channels.writes),
               "alone": (NoReplicas(client, "queue"), NoReplicas(client, "share"))}  # fmt: skip
    times: dict[str, list[float]] = {f"{w} {m}": [] for w in ("enqueue", "record_share") for m in writers}
    missed, modes = unconfirmed(), list(writers.items())
    try:
        for n in range(ops):
            for mode, (queue_writes, share_writes) in modes if n % 2 == 0 else modes[::-1]:
                queue.writes, store.channels.writes = queue_writes, share_writes
                share = Share(team_id="T1", channel_id=f"C{n % 50}", channel_is_private=False,
                              canonical_url=f"https://example.com/{mode}/{n}", user_id="U1", ts=f"1767000000.{n:06d}",
                              title="A story", shared_at=datetime.now(UTC))  # fmt: skip
                times[f"enqueue {mode}"].append(await timed(lambda n=n: queue.enqueue({"n": n})))
                times[f"record_share {mode}"].append(await timed(lambda s=share: store.channels.record_share(s)))
    finally:
        await client.aclose()
    result: dict[str, object] = {}
    for name, values in times.items():
        values.sort()
        result[name] = f"{statistics.median(values):.2f} / {values[int(len(values) * 0.99)]:.2f} ms"
    for write in ("enqueue", "record_share"):
        ratio = statistics.median(times[f"{write} wait"]) / statistics.median(times[f"{write} alone"])
        result[f"{write} p50 ratio"] = f"{ratio:.2f}x"
    result["unconfirmed"] = int(unconfirmed() - missed)
    return result


def main() -> None:
    ops = int(os.environ.get("BENCH_REPLICATION_OPS", "2000"))
    for name in os.environ.get("BENCH_TOPOLOGIES", "single,cluster,sentinel").split(","):
        with tempfile.TemporaryDirectory(prefix="digestbot-replication-") as tmp, topology(name, Path(tmp)) as (url, _):
            print({"topology": name, "load_1m": round(os.getloadavg()[0], 1),
                   **asyncio.run(measure(url, Path(tmp), ops))}, flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
