"""The decisive writes (a queued job, a channel's share record) across failovers, on real topologies
(bot/memory/replication.py): each is followed by WAIT on the connection that wrote it, where its master has a replica.

On the cluster and the Sentinel: a job and a share confirmed by a replica survive their master SIGKILLed right
after, and a graceful switch-over; a replica that does not answer (CLIENT PAUSE) makes the WAIT time out, which is
counted and logged once while the bot carries on. On a server without replicas no WAIT is ever sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from prometheus_client import REGISTRY
from redis.cluster import RedisCluster

from bot.config import Settings
from bot.memory.channels import Share
from bot.memory.connection import Client, connect
from bot.memory.keys import Keys, url_hash
from bot.memory.replication import ReplicatedWrites
from bot.memory.store import Store
from bot.runtime.queue import Job, WorkQueue
from tests.support.redis_server import RedisServer, make_settings
from tests.support.topologies import Cluster, SentinelSet, sync_client
from tests.support.waiting import HANG_S

URL = "https://example.com/a-story"
Topology = Cluster | SentinelSet


def unconfirmed(what: str) -> float:
    return REGISTRY.get_sample_value("digestbot_redis_unconfirmed_writes_total", {"what": what}) or 0.0


def share(channel: str, ts: str, user: str = "U1") -> Share:
    return Share(team_id="T1", channel_id=channel, channel_is_private=False, canonical_url=URL, user_id=user, ts=ts,
                 title="A story", shared_at=datetime.fromtimestamp(float(ts), UTC))  # fmt: skip


class BotParts:
    """What one replica writes with: its client, the work queue and the store, on a prefix of the test's own."""

    def __init__(self, settings: Settings) -> None:
        self.settings, self.keys = settings, Keys(settings.redis_prefix)
        self.client: Client = connect(settings)
        self.store = Store(self.client, settings)
        self.queue = WorkQueue.open(settings, self.client, self.store.guard, consumers=1, visibility_timeout_s=5)

    async def close(self) -> None:
        await self.queue.stop()
        await self.client.aclose()


@pytest.fixture(scope="module", params=("cluster", "sentinel"))
def topology(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    """A topology of this module's own: its kills, pauses and failovers leave no state (a Sentinel still settling
    after a failover, a restarted node resyncing) for the modules that share the session's topologies."""
    made = (Cluster if request.param == "cluster" else SentinelSet)(tmp_path_factory.mktemp(request.param))
    try:
        yield made.start()
    finally:
        made.stop()


@pytest.fixture
async def parts(topology: Topology, tmp_path: Path) -> AsyncIterator[BotParts]:
    made = BotParts(make_settings(topology.url, tmp_path))
    yield made
    await made.close()
    client = sync_client(topology.url)
    try:
        for key in client.scan_iter(match=f"{made.settings.redis_prefix}*"):
            client.delete(key)
    finally:
        client.close()


def beside_the_queue(topology: Topology, keys: Keys, n: int = 1) -> list[str]:
    """Channels whose records live on the master of the work queue's stream, so one kill or pause tests both."""
    if isinstance(topology, SentinelSet):
        return [f"CREPL{i}" for i in range(n)]
    client = sync_client(topology.url)
    try:
        assert isinstance(client, RedisCluster)
        owner = client.get_node_from_key(keys.queue("digest"))
        candidates = (f"CREPL{i}" for i in range(10_000))
        return [c for c in candidates if client.get_node_from_key(keys.channel(c, "first")) == owner][:n]
    finally:
        client.close()


def master_and_replica(topology: Topology, key: str) -> tuple[RedisServer, RedisServer]:
    if isinstance(topology, SentinelSet):
        return topology.roles()
    return topology.master_of(key), topology.replica_of(key)


def stored(topology: Topology, bot: BotParts, channel: str) -> tuple[list[Job], bytes | None]:
    """The jobs in the stream and the channel's first share of URL, as the master now has them."""
    client = sync_client(topology.url)
    try:
        entries = client.xrange(bot.queue.key)
        first = client.hget(bot.keys.channel(channel, "first"), url_hash(URL))
    finally:
        client.close()
    return [{"event_id": fields[b"once"].decode()} for _, fields in entries], first


async def job_runs(bot: BotParts, event_id: str) -> None:
    """Until a consumer of the queue ran the job queued for `event_id`."""
    ran = asyncio.Event()

    async def handler(job: Job) -> None:
        if job.get("event_id") == event_id:
            ran.set()

    await bot.queue.start(handler, handler)
    await asyncio.wait_for(ran.wait(), HANG_S)


async def write_both(bot: BotParts, channel: str, event_id: str) -> None:
    """Queue a job and record a first share, as a link's event and its job do; both confirmed by a replica."""
    before = unconfirmed("queue"), unconfirmed("share")
    assert await bot.queue.enqueue({"event_id": event_id}, once=event_id)
    assert (await bot.store.channels.record_share(share(channel, "1766000000.000100"))).is_first
    assert (unconfirmed("queue"), unconfirmed("share")) == before


async def test_a_confirmed_job_and_share_survive_their_master_killed_right_after(
    topology: Topology, parts: BotParts
) -> None:
    [channel] = beside_the_queue(topology, parts.keys)
    if isinstance(topology, SentinelSet):
        topology.wait_whole()  # the Sentinel could promote the replica
    master, _ = master_and_replica(topology, parts.queue.key)
    await write_both(parts, channel, "EvKilled")
    master.kill()  # right after the writes were acknowledged
    topology.recover(master)

    assert await parts.queue.enqueue({"event_id": "EvAfter"}, once="EvAfter")  # the client follows the failover
    assert [job["event_id"] for job in stored(topology, parts, channel)[0]] == ["EvKilled", "EvAfter"]
    again = await parts.store.channels.record_share(share(channel, "1766000001.000100", user="U2"))
    assert (again.is_first, again.first.ts, again.repeats) == (False, "1766000000.000100", 1)  # a note, not a card
    await job_runs(parts, "EvKilled")


async def test_a_switch_over_keeps_the_job_and_the_share(topology: Topology, parts: BotParts) -> None:
    [channel] = beside_the_queue(topology, parts.keys)
    await write_both(parts, channel, "EvSwitched")
    if isinstance(topology, SentinelSet):
        topology.switch_over()
    else:
        topology.switch_over(parts.queue.key)

    again = await parts.store.channels.record_share(share(channel, "1766000001.000100", user="U2"))
    assert (again.is_first, again.first.ts) == (False, "1766000000.000100")
    await job_runs(parts, "EvSwitched")


async def test_a_replica_that_does_not_confirm_is_counted_and_logged_once_and_the_bot_carries_on(
    topology: Topology, parts: BotParts, caplog: pytest.LogCaptureFixture
) -> None:
    channel, *others = beside_the_queue(topology, parts.keys, 3)
    await write_both(parts, channel, "EvWarm")  # replica counts known, writes confirmed
    _, replica = master_and_replica(topology, parts.queue.key)
    paused = redis.Redis(port=replica.port, socket_timeout=1)
    before = unconfirmed("queue"), unconfirmed("share")
    caplog.set_level(logging.INFO, "bot.memory.replication")
    # A paused replica applies nothing: a WAIT on the connection that wrote (and only there) waits for it in vain.
    paused.execute_command("CLIENT", "PAUSE", 10_000, "WRITE")
    try:
        for n in range(2):
            assert await parts.queue.enqueue({"event_id": f"EvPaused{n}"}, once=f"EvPaused{n}")
            result = await parts.store.channels.record_share(share(others[n], "1766000002.000100"))
            assert result.is_first  # the card goes out
    finally:
        paused.execute_command("CLIENT", "UNPAUSE")
        paused.close()
    assert (unconfirmed("queue"), unconfirmed("share")) == (before[0] + 2, before[1] + 2)
    logged = [r for r in caplog.records if r.name == "bot.memory.replication"]
    warned = [r.getMessage() for r in logged if r.levelno == logging.WARNING]
    assert len(warned) == 2 and "queue write was not confirmed" in warned[0] and "share write" in warned[1]

    deadline = time.monotonic() + HANG_S  # the replica catches up: writes are confirmed again, and that is said
    while not any("queue writes are confirmed by a replica again" in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, "no write confirmed after the pause"
        assert await parts.queue.enqueue({"event_id": "EvResumed"}, once="EvResumed")
    jobs, _ = stored(topology, parts, channel)
    assert {"EvPaused0", "EvPaused1"} <= {job["event_id"] for job in jobs}


# --- a Redis without replicas ------------------------------------------------------------------------------------


def commands_run(port: int) -> dict[str, int]:
    client = redis.Redis(port=port, socket_timeout=1)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return {name.removeprefix("cmdstat_"): int(stat["calls"]) for name, stat in stats.items()}


async def test_a_redis_without_replicas_is_never_sent_wait(throwaway_redis: RedisServer, tmp_path: Path) -> None:
    """The decision, not a timing: a master with no replica has no WAIT to wait for (`WAIT 1` would always time
    out there), so the decisive writes go alone, and its replica count is asked once per REPLICAS_TTL_S."""
    settings = make_settings(throwaway_redis.url, tmp_path)
    bot = BotParts(settings)
    try:
        for n in range(5):
            assert await bot.queue.enqueue({"event_id": f"Ev{n}"}, once=f"Ev{n}")
            await bot.store.channels.record_share(share("CSOLO", f"176600000{n}.000100"))
        writes = ReplicatedWrites(bot.client, "test")
        assert await writes.write("k", "SET", "k", "v") is True
    finally:
        await bot.close()
    ran = commands_run(throwaway_redis.port)
    assert "wait" not in ran
    assert (ran["xadd"], ran["eval"], ran["set"]) == (5, 10, 1)
    assert ran["info"] == 3  # the queue's, the channel memory's and the last writer's one look at their master


async def test_a_user_not_allowed_info_still_writes_without_waiting(
    throwaway_redis: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An ACL without @dangerous (INFO's category) refuses the replica count: the writes go alone, said once."""
    admin = redis.Redis(port=throwaway_redis.port)
    admin.acl_setuser("bot", enabled=True, passwords=["+secret"], keys=["*"], commands=["+@all", "-@dangerous"])
    admin.close()
    settings = make_settings(f"redis://bot:secret@127.0.0.1:{throwaway_redis.port}/0", tmp_path)
    bot = BotParts(settings)
    try:
        for n in range(2):
            assert await bot.queue.enqueue({"event_id": f"Ev{n}"}, once=f"Ev{n}")
    finally:
        await bot.close()
    assert commands_run(throwaway_redis.port)["xadd"] == 2
    refused = [r for r in caplog.records if r.name == "bot.memory.replication" and "refused INFO" in r.getMessage()]
    assert len(refused) == 1
