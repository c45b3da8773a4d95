"""Writes that decide what a user sees, kept across a failover: each is followed by WAIT on the connection that made it.

Replication is asynchronous: a master that dies takes with it the writes it acknowledged but had not yet sent to a
replica, and the replica promoted in its place never saw them. Two writes decide what a user gets: a queued job (no
job, no card) and a channel's share record (card or "first shared" note). `WAIT numreplicas timeout` blocks until
that many replicas acknowledged every write made earlier on the same connection, so it must follow the write on
that connection. A standalone or Sentinel client's pipeline holds one connection for both. On a cluster both go to
the master of the key's slot over one of that node's own connections: redis-py's cluster client sends a bare WAIT
to every master over other connections, which says nothing about this write. A MOVED, ASK or lost connection falls
back to the client's own routing (which follows the new topology), and that write counts as unconfirmed.

Only a master that has a replica is waited on: each master's replica count comes from its INFO (kept REPLICAS_TTL_S,
asked again after a WAIT fell short or a connection was lost), so a Redis without replicas never sends WAIT, whose
`WAIT 1` there would always run into its timeout. A WAIT that times out leaves the write on the master alone: the
bot carries on (the user still gets the card; the job still runs), counts it in
digestbot_redis_unconfirmed_writes_total and logs once until a WAIT succeeds again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from cachetools import TTLCache
from redis import exceptions as redis_errors
from redis.asyncio.cluster import PipelineCommand, RedisCluster

from bot.memory.connection import Client
from bot.runtime.metrics import UNCONFIRMED_WRITES

log = logging.getLogger(__name__)

# A healthy replica acknowledges within one network round trip (under 1 ms on a LAN, a few ms across zones); 100 ms
# covers that many times over, stays well below the clients' 0.5 s socket timeout (a WAIT that times out is never
# taken for a dead server) and bounds what a lagging replica adds to each decisive write.
WAIT_TIMEOUT_MS = 100
REPLICAS_TTL_S = 10  # how long a master's replica count is trusted (a replica added later is waited on after this)
# Replies that mean the write went to the wrong node or maybe nowhere: the client's own routing sends it again.
REROUTED = (
    redis_errors.MovedError,
    redis_errors.AskError,
    redis_errors.TryAgainError,
    redis_errors.ClusterDownError,
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
)
SERVER = ""  # the replica count's key for a standalone or Sentinel client: one master at a time


class ReplicatedWrites:
    """Decisive writes through one client: `write()` runs a command and, where its master has a replica, waits
    for one to have it. `what` names them in the log and the metric ("queue", "share")."""

    def __init__(self, client: Client, what: str, timeout_ms: int = WAIT_TIMEOUT_MS) -> None:
        self._r, self._what, self._timeout_ms = client, what, timeout_ms
        self._replicas: TTLCache[str, int] = TTLCache(maxsize=256, ttl=REPLICAS_TTL_S)  # master -> replicas
        self._short = False  # a WAIT fell short and none succeeded since (logged once)
        self._info_refused = False  # logged once

    async def write(self, key: str, *command: Any) -> Any:
        """`command`'s reply (a command on `key`'s slot); raises what the client raises, as execute_command does."""
        if isinstance(self._r, RedisCluster):
            reply, confirmed = await self._on_cluster(self._r, key, command)
        else:
            reply, confirmed = await self._on_server(command)
        self._note(confirmed)
        return reply

    async def replicas(self, master: str, info: Callable[[], Awaitable[dict[str, Any]]]) -> int:
        """The replicas connected to `master` (its INFO replication), as known within REPLICAS_TTL_S."""
        if master not in self._replicas:
            try:
                self._replicas[master] = int((await info()).get("connected_slaves", 0))
            except redis_errors.ResponseError as exc:
                if isinstance(exc, REROUTED):
                    raise
                # INFO refused (an ACL without @dangerous, a renamed command): the writes go alone, as before WAIT.
                if not self._info_refused:
                    self._info_refused = True
                    log.warning("Redis refused INFO (%s): %s writes are not confirmed by a replica", exc, self._what)
                self._replicas[master] = 0
        return self._replicas[master]

    async def _on_server(self, command: tuple[Any, ...]) -> tuple[Any, bool | None]:
        """A standalone or Sentinel master: the write and WAIT in one pipeline, so on one connection."""
        client = self._r
        try:
            if not await self.replicas(SERVER, lambda: client.info("replication")):
                return await client.execute_command(*command), None
            async with client.pipeline(transaction=False) as pipe:
                pipe.execute_command(*command)
                pipe.execute_command("WAIT", 1, self._timeout_ms)
                reply, acked = await pipe.execute(raise_on_error=False)
        except (redis_errors.ConnectionError, redis_errors.TimeoutError):
            self._replicas.clear()  # a Sentinel failover may have put another master behind this client
            raise
        if isinstance(reply, Exception):
            raise reply
        return reply, _acked(acked)

    async def _on_cluster(self, client: RedisCluster, key: str, command: tuple[Any, ...]) -> tuple[Any, bool | None]:
        """The master of `key`'s slot: the write and WAIT over one of its connections; rerouted as redis-py would."""
        node = client.get_node_from_key(key)
        assert node is not None  # get_node_from_key raises SlotNotCoveredError for a slot no node serves
        try:
            replicas = await self.replicas(node.name, lambda: node.execute_command("INFO", "replication"))
        except REROUTED:  # that master is gone or going: the client's routing finds the one that took over
            return await client.execute_command(*command), False
        if not replicas:
            return await client.execute_command(*command), None
        write, wait = PipelineCommand(0, *command), PipelineCommand(1, "WAIT", 1, self._timeout_ms)
        try:
            await node.execute_pipeline([write, wait])  # an error reply is kept in .result, not raised
        except REROUTED as exc:
            write.result = exc
        if isinstance(write.result, REROUTED):  # not written there (or maybe): the client's routing writes it
            self._replicas.pop(node.name, None)
            return await client.execute_command(*command), False
        if isinstance(write.result, Exception):
            raise write.result
        return write.result, _acked(wait.result)

    def _note(self, confirmed: bool | None) -> None:
        """Count and log a write no replica confirmed; log once when one is confirmed again."""
        if confirmed is False:
            UNCONFIRMED_WRITES.labels(self._what).inc()
            self._replicas.clear()  # the replica may be gone: ask the masters again
            if not self._short:
                self._short = True
                log.warning("Redis: a %s write was not confirmed by a replica within %d ms; a failover now could "
                            "lose it (counted in digestbot_redis_unconfirmed_writes_total)", self._what,
                            self._timeout_ms)  # fmt: skip
        elif confirmed and self._short:
            self._short = False
            log.info("Redis: %s writes are confirmed by a replica again", self._what)


def _acked(reply: object) -> bool:
    return isinstance(reply, int) and reply >= 1
