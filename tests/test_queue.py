"""The digest work queue (bot/runtime/queue.py) against real Redis: delivery, crash recovery, renewal, poison jobs."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio
from prometheus_client import REGISTRY

from bot.config import Settings
from bot.memory.connection import Client, connect
from bot.memory.guard import RedisGuard
from bot.runtime.queue import GROUP, MAX_DELIVERIES, Job, WorkQueue
from tests.support.redis_server import delete_prefix, make_settings
from tests.support.waiting import HANG_S, hang_report

VISIBILITY_S = 0.6
Handler = Callable[[Job], Awaitable[None]]


async def until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + HANG_S
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(hang_report(what))
        await asyncio.sleep(0.02)


async def drained(queue: WorkQueue) -> None:
    """Until no entry is left: each job finished (acknowledged and deleted), so none can run again."""
    deadline = time.monotonic() + HANG_S
    while await queue.refresh_depth():
        if time.monotonic() > deadline:
            raise AssertionError(hang_report("the queue to drain"))
        await asyncio.sleep(0.02)


async def nothing(job: Job) -> None:
    """A give-up handler for tests that never give up."""


class Queues:
    """Makes WorkQueues on one test's prefix and stops whatever is still running afterwards."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.made: dict[WorkQueue, tuple[Handler, Handler, Client]] = {}

    def make(self, handler: Handler, give_up: Handler = nothing, consumers: int = 1) -> WorkQueue:
        client = connect(self.settings)  # a replica's own client, as each process has
        sizing = {"consumers": consumers, "visibility_timeout_s": VISIBILITY_S}
        queue = WorkQueue.open(self.settings, client, RedisGuard(), **sizing)
        self.made[queue] = (handler, give_up, client)
        return queue

    async def start(self, queue: WorkQueue) -> None:
        handler, give_up, _ = self.made[queue]
        await queue.start(handler, give_up)

    async def stop_all(self) -> None:
        for queue, (_, _, client) in self.made.items():
            await queue.stop(grace_s=0)
            await client.aclose()


@pytest.fixture
async def queues(redis_url: str, tmp_path: Path) -> AsyncIterator[Queues]:
    settings = make_settings(redis_url, tmp_path)
    made = Queues(settings)
    try:
        yield made
        await made.stop_all()
    finally:  # the keys go whatever happened
        cleanup = redis.asyncio.Redis.from_url(redis_url)
        await delete_prefix(cleanup, settings.redis_prefix)
        await cleanup.aclose()


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_url)
    yield client
    await client.aclose()


class Poster:
    """A job that "posts" once per job id (with the queue's done marks), optionally hanging around it."""

    def __init__(self) -> None:
        self.posted: list[int] = []
        self.runs: Counter[int] = Counter()
        self.started = asyncio.Event()

    def handler(self, queue_ref: Callable[[], WorkQueue], hang: str = "", sleep_s: float = 0) -> Handler:
        async def run(job: Job) -> None:
            self.runs[job["n"]] += 1
            self.started.set()
            queue, mark = queue_ref(), f"job-{job['n']}"
            if hang == "before":
                await asyncio.Event().wait()
            await asyncio.sleep(sleep_s)
            if await queue.done(mark):
                return
            self.posted.append(job["n"])
            await queue.mark_done(mark)
            if hang == "after":
                await asyncio.Event().wait()

        return run


async def test_each_job_is_consumed_once(queues: Queues, raw: redis.asyncio.Redis) -> None:
    seen: list[int] = []

    async def handler(job: Job) -> None:
        seen.append(job["n"])

    queue = queues.make(handler, consumers=4)
    await queues.start(queue)
    for n in range(20):
        assert await queue.enqueue({"n": n})
    await until(lambda: len(seen) == 20, "20 jobs run")
    await drained(queue)
    assert sorted(seen) == list(range(20))
    assert await raw.xlen(queue.key) == 0  # done entries are acknowledged and deleted
    assert (await raw.xpending(queue.key, GROUP))["pending"] == 0


async def test_depth_counts_queued_jobs_and_is_exported(queues: Queues) -> None:
    queue = queues.make(nothing)
    for n in range(3):
        await queue.enqueue({"n": n})
    assert await queue.refresh_depth() == 3
    assert REGISTRY.get_sample_value("digestbot_queue_depth") == 3


@pytest.mark.parametrize("hang", ["before", "after"])
async def test_a_job_whose_consumer_died_is_finished_by_another_and_posted_once(queues: Queues, hang: str) -> None:
    poster = Poster()
    first = queues.make(poster.handler(lambda: first, hang=hang))
    await queues.start(first)
    await first.enqueue({"n": 7})
    await asyncio.wait_for(poster.started.wait(), HANG_S)
    await first.stop(grace_s=0)  # the consumer dies mid-job: cancelled before its XACK
    second = queues.make(poster.handler(lambda: second))
    await queues.start(second)
    await until(lambda: poster.runs[7] == 2, "the job run again")
    await drained(second)
    await second.stop()  # a run under way finishes first
    assert poster.runs[7] == 2 and poster.posted == [7]  # "after": the second run saw the first one's done mark


async def test_of_the_jobs_sharing_a_once_key_only_the_first_runs_even_after_a_crash(
    queues: Queues, raw: redis.asyncio.Redis
) -> None:
    poster = Poster()
    dropped = REGISTRY.get_sample_value("digestbot_events_duplicate_total") or 0
    first = queues.make(poster.handler(lambda: first, hang="before"))
    await queues.start(first)
    await first.enqueue({"n": 5}, once="Ev5")
    await asyncio.wait_for(poster.started.wait(), HANG_S)
    await first.stop(grace_s=0)  # the owner of Ev5 dies mid-job
    await first.enqueue({"n": 5}, once="Ev5")  # Slack's retry of the same event
    await first.enqueue({"n": 6}, once="Ev6")
    second = queues.make(poster.handler(lambda: second))
    await queues.start(second)
    await drained(second)
    assert poster.runs == Counter({5: 2, 6: 1})  # Ev5's first job ran again after the crash; its retry never ran
    assert sorted(poster.posted) == [5, 6]
    assert REGISTRY.get_sample_value("digestbot_events_duplicate_total") == dropped + 1
    assert [key async for key in raw.scan_iter(f"{queues.settings.redis_prefix}*once:Ev5")]


async def test_a_job_run_in_place_claims_its_event_so_a_copy_that_landed_after_all_never_runs(
    queues: Queues,
) -> None:
    """enqueue() says False also when its XADD landed but the reply missed the guard's deadline; the caller then
    runs the job itself after claim_here(), and the entry that did land is dropped. A caller whose event a queued
    job already claimed does not run it."""
    poster = Poster()
    dropped = REGISTRY.get_sample_value("digestbot_events_duplicate_total") or 0
    queue = queues.make(poster.handler(lambda: queue))
    assert await queue.enqueue({"n": 1}, once="Ev1")  # landed; its caller heard nothing in time
    assert await queue.claim_here("Ev1")  # so the caller runs it itself
    assert await queue.claim_here("Ev1") is False  # a retry of Ev1 reaching the same fallback does not
    await queue.enqueue({"n": 2}, once="Ev2")
    await queues.start(queue)
    await drained(queue)
    assert poster.runs == Counter({2: 1})  # Ev1's entry never ran
    assert REGISTRY.get_sample_value("digestbot_events_duplicate_total") == dropped + 1
    assert await queue.claim_here("Ev2") is False  # Ev2 was run by the queue


async def test_a_long_job_on_a_live_consumer_is_not_taken_over(queues: Queues) -> None:
    poster = Poster()
    slow = queues.make(poster.handler(lambda: slow, sleep_s=4 * VISIBILITY_S))
    await queues.start(slow)
    await slow.enqueue({"n": 1})
    await asyncio.wait_for(poster.started.wait(), HANG_S)
    idle = queues.make(poster.handler(lambda: idle), consumers=2)
    await queues.start(idle)
    await until(lambda: poster.posted == [1], "the long job done")
    await drained(slow)
    await idle.stop()  # had it claimed the job, its run would be counted by now
    assert poster.runs[1] == 1  # renewed every third of the timeout, so never claimed


async def test_a_poison_job_is_given_up_after_three_deliveries(queues: Queues) -> None:
    attempts: list[int] = []
    gave_up: list[int] = []

    async def explode(job: Job) -> None:
        attempts.append(job["n"])
        raise RuntimeError("a bug")

    async def give_up(job: Job) -> None:
        gave_up.append(job["n"])

    queue = queues.make(explode, give_up, consumers=2)
    await queues.start(queue)
    await queue.enqueue({"n": 3})
    await until(lambda: gave_up == [3], "the job given up")
    await drained(queue)
    await queue.stop()
    assert attempts == [3] * MAX_DELIVERIES and gave_up == [3]


async def test_a_malformed_entry_is_dropped(queues: Queues, raw: redis.asyncio.Redis) -> None:
    seen: list[Job] = []

    async def handler(job: Job) -> None:
        seen.append(job)

    queue = queues.make(handler)
    await queues.start(queue)
    await raw.xadd(queue.key, {"job": b"not json"})
    await raw.xadd(queue.key, {"other": b"{}"})
    await queue.enqueue({"n": 1})
    await until(lambda: seen == [{"n": 1}], "the good job run")
    await drained(queue)


async def test_with_redis_unreachable_enqueue_says_so(refused_url: str, tmp_path: Path) -> None:
    settings = make_settings(refused_url, tmp_path)
    client = connect(settings)
    queue = WorkQueue.open(settings, client, RedisGuard())
    assert not await queue.enqueue({"n": 1})  # False: the caller does the work itself (its speed: bench events)
    assert not await queue.done("anything")
    await queue.stop()
    await client.aclose()
