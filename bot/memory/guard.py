"""One outage policy for every part that talks to Redis: bounded calls, a default when Redis is away, one log line.

Each process's parts share one RedisGuard (DigestService owns it with the client): while Redis is unreachable a
call returns its caller's default at once after the deadline, the outage is logged once and its end once, and
`healthy` says which state the process is in (readiness, the scheduler's retries). A refused command (a bug or a
bad key) is logged each time and also returns the default.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis import exceptions as redis_errors

from bot.memory.connection import Client, load_topology
from bot.runtime.metrics import REDIS_ERRORS

log = logging.getLogger(__name__)
T = TypeVar("T")

CALL_DEADLINE_S = 1.5  # hard bound on one call: redis-py's retry + reconnect health check can take 2 s
# Redis being away (or loading, or a cluster not ready: RedisClusterException is no RedisError) is an outage;
# any other RedisError is a bug or a bad key.
OUTAGE_ERRORS = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ClusterError,
    redis_errors.RedisClusterException,
    OSError,
)
WHAT_STOPS = (
    "digests are made uncached, new work runs in the replica that received it, channel memory, related reading "
    "and settings are unavailable, and event dedupe is in-process only"
)


class RedisGuard:
    def __init__(self, client: Client | None = None, deadline_s: float = CALL_DEADLINE_S) -> None:
        self.deadline_s = deadline_s
        self.healthy = True  # False from a failed call until the next call that succeeds
        self._client = client  # a cluster client's topology is loaded before the calls that use it

    async def run(self, call: Callable[[], Awaitable[T]], default: T, *, bounded: bool = True) -> T:
        """`call()`, or `default` if Redis is away or refused it. `bounded=False` for calls that may rightly take
        long (loading a workspace's related index): redis-py's socket timeouts still bound each command."""
        try:
            async with asyncio.timeout(self.deadline_s if bounded else None):
                if self._client is not None:
                    await load_topology(self._client)
                result = await call()
        except (*OUTAGE_ERRORS, TimeoutError) as exc:
            REDIS_ERRORS.inc()
            self.outage(exc)
            return default
        except redis_errors.RedisError as exc:
            REDIS_ERRORS.inc()
            log.warning("Redis refused a command: %s: %s", type(exc).__name__, exc)
            return default
        self.recovered()
        return result

    def outage(self, exc: BaseException) -> None:
        if self.healthy:
            self.healthy = False
            why = str(exc) or f"no answer within {self.deadline_s:g} s"
            log.error("Redis is unreachable (%s: %s): %s until it is back", type(exc).__name__, why, WHAT_STOPS)

    def recovered(self) -> None:
        if not self.healthy:
            self.healthy = True
            log.warning("Redis is reachable again: cache, queue, channel memory and dedupe are back")
