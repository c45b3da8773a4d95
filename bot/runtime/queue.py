"""A durable work queue on a Redis stream with a consumer group, shared by every replica.

Its keys (bot/memory/keys.py): the stream `queue:N` (entries `{"job": JSON[, "once": K]}`, group `workers`; `N`
is `digest` for the digest work), `done:M` marks (digest replies use `M` = `{C}:<message ts>:U`, answers to a
queued `/digest` `M` = `cmd:<sha256 of its response_url>`) and `once:K` claims (K a Slack event id).

How a job travels: enqueue() XADDs it, with a `once` key if only one job per key may run (Slack retries an event
it thinks we missed: each delivery is queued, the first entry to start claims the key, the others are dropped;
the claiming entry itself still runs again after a crash), and waits for a replica to have it, if the stream's
master has one (bot/memory/replication.py). Each worker process (handlers/worker.py) runs
DIGESTBOT_QUEUE_CONSUMERS tasks; each one looks for an entry idle longer than the visibility timeout
(DIGESTBOT_QUEUE_VISIBILITY_TIMEOUT: its owner died) with XAUTOCLAIM, at most once per BLOCK interval while it
finds none, and otherwise waits in XREADGROUP ... BLOCK for a new one. While a job runs, its owner renews the
entry every third of the visibility timeout (XCLAIM JUSTID, which resets the idle time without counting a
delivery), so only a dead or frozen owner loses a job, however long the job takes.
A finished job is XACKed and XDELed. A job that raised stays pending and is claimed again; on its MAX_DELIVERIES-th
delivery the give-up handler runs instead (an honest reply), and the entry is dropped.

Jobs run at least once. The handler makes its side effects exactly once with done() / mark_done(): see the
window described in handlers/listeners/messages.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis import exceptions as redis_errors

from bot.config import Settings
from bot.memory.connection import Client, connect, load_topology
from bot.memory.guard import OUTAGE_ERRORS, RedisGuard
from bot.memory.keys import Keys
from bot.memory.replication import ReplicatedWrites
from bot.memory.scripts import CLAIM_ONCE, RENEW_ENTRY
from bot.runtime.metrics import EVENTS_DUPLICATE, QUEUE_DEPTH

log = logging.getLogger(__name__)
T = TypeVar("T")

CONSUMERS: int = Settings.model_fields["queue_consumers"].default  # the default, for the benchmarks' sizing
GROUP = "workers"
MAX_DELIVERIES = 3
MAX_ENTRIES = 10_000  # a backlog this deep means the workers are gone; the oldest jobs are trimmed
DONE_TTL_S = 7 * 86400
ONCE_TTL_S = 3600  # Slack retries an event within minutes; replays of a signed request are refused after 5
BLOCK_MS = 2_000  # also how often an idle consumer looks for abandoned jobs
READ_TIMEOUT_S = BLOCK_MS / 1000 + 5  # the blocking client's socket timeout must outlast BLOCK
OUTAGE_PAUSE_S = 1.0
STOP_GRACE_S = 10.0  # on shutdown, running jobs get this long to finish before they are left to other replicas
IDLE_CONSUMER_MS = 86_400_000  # consumers of replicas long gone, with nothing pending, are forgotten at start

Job = dict[str, Any]
Entry = tuple[bytes, dict[bytes, bytes], int]  # entry id, fields, deliveries so far
Handler = Callable[[Job], Awaitable[None]]


async def _not_consuming(job: Job) -> None:
    raise RuntimeError("a queue runs jobs only after start()")


class TakenOver(Exception):
    """Another consumer claimed the job this one was running (this one looked dead for too long)."""


def blocking_client(settings: Settings) -> Client:
    """A client of its own for XREADGROUP ... BLOCK: connect()'s server, with a socket timeout past BLOCK.

    The shared clients time out after 0.5 s to protect Slack's ack; these reads wait for BLOCK by design.
    """
    return connect(settings, socket_timeout=READ_TIMEOUT_S)


def _decode(fields: dict[bytes, bytes]) -> Job | None:
    try:
        job = json.loads(fields[b"job"])
    except (KeyError, ValueError):
        return None
    return job if isinstance(job, dict) else None


class WorkQueue:
    """enqueue() from any process; start() runs this process's consumers, which call `handler` for each job.

    The queue borrows its owner's Redis client for everything but the consumers' blocking reads, which get a
    client of their own at start() (a process that only enqueues never opens one).
    """

    def __init__(
        self,
        settings: Settings,
        client: Client,
        guard: RedisGuard,
        *,
        name: str = "digest",
        consumers: int,
        visibility_timeout_s: float,
    ) -> None:
        self._settings = settings
        self._r, self._guard, self._keys = client, guard, Keys(settings.redis_prefix)
        self._reader: Client | None = None  # the consumers' own, from start() to stop()
        self.key = self._keys.queue(name)
        self._handler: Handler = _not_consuming
        self._give_up: Handler = _not_consuming
        self._consumers = consumers
        self._idle_ms = int(visibility_timeout_s * 1000)
        self._block_ms = min(BLOCK_MS, self._idle_ms // 2)  # look for abandoned jobs at least twice per timeout
        self._renew_every_s = visibility_timeout_s / 3
        self._renew = client.register_script(RENEW_ENTRY)
        self._claim_once = client.register_script(CLAIM_ONCE)
        self.writes = ReplicatedWrites(client, "queue")  # a job queued is on a replica before its card is due
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    @classmethod
    def open(cls, settings: Settings, client: Client, guard: RedisGuard, **options: Any) -> WorkQueue:
        """A queue on `client`, sized by settings (DIGESTBOT_QUEUE_*); `options` override them, as tests do."""
        sizing = {"consumers": settings.queue_consumers, "visibility_timeout_s": settings.queue_visibility_timeout_s}
        return cls(settings, client, guard, **(sizing | options))

    # --- producers ----------------------------------------------------------------------------------------

    async def enqueue(self, job: Job, once: str = "") -> bool:
        """Queue a job (of all those queued with the same `once` key, only one runs); False if Redis cannot take
        it (the caller then does the work itself)."""
        fields = [b"job", json.dumps(job).encode(), *([b"once", once.encode()] if once else [])]
        xadd = ("XADD", self.key, "MAXLEN", "~", MAX_ENTRIES, "*", *fields)
        entry = await self._call(lambda: self.writes.write(self.key, *xadd))
        return entry is not None

    async def claim_here(self, once: str) -> bool:
        """For a job its caller runs itself because enqueue() said False: claim its `once` key as a queued entry
        would. enqueue() says False also when its XADD landed but the reply came too late (a stalled process, a
        slow replica); then the entry in the stream, or a Slack retry queued by another replica, is dropped if this
        claim came first, and this caller drops the job if one of them did. True if this caller may run it, also
        when Redis cannot say."""
        return await self._first_for(once.encode(), f"here/{socket.gethostname()}/{secrets.token_hex(6)}".encode())

    async def done(self, mark: str) -> bool:
        """True if mark_done(mark) happened (False while Redis is away: the work is then done again)."""
        return bool(await self._call(lambda: self._r.exists(self._keys.done(mark))))

    async def mark_done(self, mark: str) -> None:
        await self._call(lambda: self._r.set(self._keys.done(mark), b"1", ex=DONE_TTL_S))

    async def refresh_depth(self) -> int:
        """Jobs queued or running, also published as the digestbot_queue_depth gauge."""
        depth = await self._call(lambda: self._r.xlen(self.key))
        if depth is not None:
            QUEUE_DEPTH.set(depth)
        return depth or 0

    # --- lifecycle ----------------------------------------------------------------------------------------

    async def start(self, handler: Handler, give_up: Handler) -> None:
        """Run this process's consumers: `handler` for each job, `give_up` for one that failed MAX_DELIVERIES times."""
        self._handler, self._give_up = handler, give_up
        self._reader = reader = blocking_client(self._settings)
        await self._ensure_group()
        await self._forget_idle_consumers()
        # host/pid/instance/n: readable in XINFO CONSUMERS, unique even for two queues in one process.
        me = f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(3)}"
        self._tasks = [asyncio.create_task(self._consume(f"{me}/{i}", reader)) for i in range(self._consumers)]

    async def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop taking jobs; running ones get grace_s to finish, the rest stay pending for another replica."""
        self._stopping = True
        if self._tasks:
            _, running = await asyncio.wait(self._tasks, timeout=grace_s)
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        if self._reader is not None:
            await self._reader.aclose()
            self._reader = None

    async def _ensure_group(self) -> None:
        try:
            await self._r.xgroup_create(self.key, GROUP, id="0", mkstream=True)
        except redis_errors.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        except (*OUTAGE_ERRORS, TimeoutError) as exc:
            self._guard.outage(exc)  # the consumers create it once Redis answers

    async def _forget_idle_consumers(self) -> None:
        found = await self._call(lambda: self._r.xinfo_consumers(self.key, GROUP)) or []
        for consumer in found:
            if consumer["pending"] == 0 and consumer["idle"] > IDLE_CONSUMER_MS:
                await self._call(lambda c=consumer: self._r.xgroup_delconsumer(self.key, GROUP, c["name"]))

    # --- consumers ----------------------------------------------------------------------------------------

    async def _consume(self, name: str, reader: Client) -> None:
        cursor = b"0-0"
        look_again_at = 0.0  # when this consumer next looks for abandoned jobs
        while not self._stopping:
            try:
                for client in (self._r, reader):  # at start, and after a failover made a client drop it
                    await load_topology(client)
                claimed = None
                # Abandoned jobs are rare: a busy consumer looks once per block interval, not before every job.
                if time.monotonic() >= look_again_at:
                    claimed, cursor = await self._claim(name, cursor)
                    look_again_at = 0.0 if claimed else time.monotonic() + self._block_ms / 1000
                entry = claimed or await self._read(name, reader)
            except (*OUTAGE_ERRORS, TimeoutError) as exc:
                self._guard.outage(exc)
                await asyncio.sleep(OUTAGE_PAUSE_S)
                continue
            except redis_errors.ResponseError as exc:
                if "NOGROUP" in str(exc):  # the stream was deleted (FLUSHDB, eviction): recreate it
                    await self._ensure_group()
                else:
                    log.error("work queue read failed: %s", exc)
                    await asyncio.sleep(OUTAGE_PAUSE_S)
                continue
            self._guard.recovered()
            if entry is not None:
                await self._process(name, *entry)

    async def _claim(self, name: str, cursor: bytes) -> tuple[Entry | None, bytes]:
        """An entry whose owner went quiet for the visibility timeout, with how often it was delivered."""
        reply = await self._r.xautoclaim(self.key, GROUP, name, self._idle_ms, cursor, count=1)
        cursor, entries = reply[0], reply[1]
        if not entries:
            return None, cursor
        entry_id, fields = entries[0]
        pending = await self._r.xpending_range(self.key, GROUP, entry_id, entry_id, 1, consumername=name)
        deliveries = pending[0]["times_delivered"] if pending else MAX_DELIVERIES
        return (entry_id, fields or {}, deliveries), cursor

    async def _read(self, name: str, reader: Client) -> Entry | None:
        reply = await reader.xreadgroup(GROUP, name, {self.key: ">"}, count=1, block=self._block_ms)
        if not reply:
            return None
        entry_id, fields = reply[0][1][0]
        return entry_id, fields or {}, 1

    async def _process(self, name: str, entry_id: bytes, fields: dict[bytes, bytes], deliveries: int) -> None:
        job = _decode(fields)
        if job is None:
            log.warning("dropping malformed work queue entry %s", entry_id.decode())
        elif deliveries > MAX_DELIVERIES:  # its owners kept dying mid-job
            await self._abandon(entry_id, job, deliveries)
            return
        elif b"once" in fields and not await self._first_for(fields[b"once"], entry_id):
            EVENTS_DUPLICATE.inc()
            log.info("dropping job %s: another job for its event ran", entry_id.decode())
        else:
            try:
                await self._run_owned(name, entry_id, job)
            except TakenOver:
                log.warning("job %s was taken over by another consumer", entry_id.decode())
                return
            except Exception:  # whatever the job raised, it is retried (or given up on), never lost
                log.warning("job %s failed (delivery %d of %d)", entry_id.decode(), deliveries, MAX_DELIVERIES,
                            exc_info=True)  # fmt: skip
                if deliveries >= MAX_DELIVERIES:
                    await self._abandon(entry_id, job, deliveries)
                return  # left pending: claimed again after the visibility timeout
        await self._finish(entry_id)

    async def _run_owned(self, name: str, entry_id: bytes, job: Job) -> None:
        """Run the job, renewing the entry meanwhile; raises what the job raised, or TakenOver."""
        work = asyncio.create_task(self._handler(job))
        try:
            while True:
                finished, _ = await asyncio.wait({work}, timeout=self._renew_every_s)
                if finished:
                    return work.result()
                renewed = await self._call(lambda: self._renew(keys=[self.key], args=[GROUP, name, entry_id]))
                if renewed == 0:  # None (Redis away) keeps working: nobody else can claim it either
                    raise TakenOver
        finally:
            work.cancel()

    async def _first_for(self, once: bytes, entry_id: bytes) -> bool:
        """Whether this entry owns its `once` key (or Redis cannot say: then it runs, as at-least-once allows)."""
        key = self._keys.once(once.decode(errors="replace"))
        owned = await self._call(lambda: self._claim_once(keys=[key], args=[entry_id, ONCE_TTL_S]))
        return owned != 0

    async def _abandon(self, entry_id: bytes, job: Job, deliveries: int) -> None:
        log.error("giving up on job %s after %d deliveries", entry_id.decode(), deliveries)
        try:
            await self._give_up(job)
        except Exception:  # the give-up reply is best effort; the entry must go either way
            log.warning("give-up handler failed for job %s", entry_id.decode(), exc_info=True)
        await self._finish(entry_id)

    async def _finish(self, entry_id: bytes) -> None:
        async def ack_and_delete() -> None:
            async with self._r.pipeline(transaction=False) as pipe:
                pipe.xack(self.key, GROUP, entry_id)
                pipe.xdel(self.key, entry_id)
                await pipe.execute()

        await self._call(ack_and_delete)

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T | None:
        """One bounded Redis call; None when Redis is away or refused it (the guard logs the outage once)."""
        return await self._guard.run(call, None)
