"""One outage policy for every part that talks to Redis: bounded calls, a default when Redis is away, one log line.

Each process's parts share one RedisGuard (DigestService owns it with the client): while Redis is unreachable a
call returns its caller's default at once after the deadline, the outage is logged once and its end once, and
`healthy` says which state the process is in (readiness, the scheduler's retries). A refused command (a bug or a
bad key) is logged each time and also returns the default.

A circuit breaker: once TRIP_AFTER calls in a row timed out (no call succeeded between them, each started after the
last one counted timed out, so calls cut off together by one pause count once), calls return their
default without trying Redis for COOL_OFF_S, then all try again; a success closes it, and one more timeout before
any success opens it again. A Redis that accepts and never answers would otherwise cost every call the full
deadline: 15-20 s a card. Skipping is safe: a skipped call returns exactly what a timed-out one would have (its
caller's default), only sooner. A healthy Redis is never skipped: a single timeout (a failover's pause) trips
nothing, and a deadline that fired well after it fell due (LATE_S) counts for nothing, since the event loop was
stalled (a CPU-bound stretch), not Redis slow; such a call still marks Redis unhealthy, since its answer is
unknown and callers must not take the default for one. A refused connection trips nothing either: it fails in
milliseconds, so trying costs nothing and finds a restarted or failed-over Redis at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis import exceptions as redis_errors

from bot.memory.connection import Client, load_topology
from bot.runtime.metrics import REDIS_ERRORS

log = logging.getLogger(__name__)
T = TypeVar("T")

CALL_DEADLINE_S = 1.5  # hard bound on one call: redis-py's retry + reconnect health check can take 2 s
COOL_OFF_S = 1.0  # once the breaker opens, calls skip Redis this long: one call in ~2.5 s waits out a hung Redis
TRIP_AFTER = 2  # timeouts in a row that open the breaker: one alone may be a failover or a blip
LATE_S = 0.25  # a deadline that fired this long after it fell due was held up by a stalled event loop
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
    "and settings are unavailable, and event dedupe is in-process only until it is back"
)


class RedisGuard:
    def __init__(
        self, client: Client | None = None, deadline_s: float = CALL_DEADLINE_S, cool_off_s: float = COOL_OFF_S
    ) -> None:
        self.deadline_s = deadline_s
        self.cool_off_s = cool_off_s
        self.healthy = True  # False from a failed call until the next call that succeeds
        # What an outage stops in this process, for its one log line: serve's by default; a command line names its
        # own, or None where the command reports the outage itself (with `cause`).
        self.what_stops: str | None = WHAT_STOPS
        self.cause = ""  # the last outage's error, as "ConnectionError: ..."
        self._client = client  # a cluster client's topology is loaded before the calls that use it
        self._timeouts = 0  # calls that timed out since the last one that succeeded
        self._counted_at = 0.0  # monotonic time of the last timeout counted
        self._skip_until = 0.0  # monotonic time before which calls skip Redis (the breaker is open)

    async def run(self, call: Callable[[], Awaitable[T]], default: T, *, bounded: bool = True) -> T:
        """`call()`, or `default` if Redis is away or refused it. `bounded=False` for calls that may rightly take
        long (loading a workspace's related index): redis-py's socket timeouts still bound each command."""
        if time.monotonic() < self._skip_until:
            return default  # Redis did not answer calls in a row a moment ago: skipped, not waited out again
        started = time.monotonic()
        deadline = asyncio.timeout(self.deadline_s if bounded else None)
        try:
            async with deadline:
                if self._client is not None:
                    await load_topology(self._client)
                result = await call()
        except (*OUTAGE_ERRORS, TimeoutError) as exc:
            REDIS_ERRORS.inc()
            if not isinstance(exc, (TimeoutError, redis_errors.TimeoutError)):
                self.outage(exc)
            elif (late_s := _late_by(deadline)) > LATE_S:
                log.warning("a Redis call was cut off %.1f s late: the event loop was stalled, not Redis", late_s)
                self.outage(exc)
            else:
                self._timed_out(exc, started)
            return default
        except redis_errors.RedisError as exc:
            REDIS_ERRORS.inc()
            log.warning("Redis refused a command: %s: %s", type(exc).__name__, exc)
            return default
        self.recovered()
        return result

    def _timed_out(self, exc: BaseException, started: float) -> None:
        if started >= self._counted_at:  # not one more call cut off by a pause already counted
            self._timeouts += 1
            self._counted_at = time.monotonic()
        if self._timeouts >= TRIP_AFTER:
            self._skip_until = time.monotonic() + self.cool_off_s
        self.outage(exc)

    def outage(self, exc: BaseException) -> None:
        """Redis failed a call (also one made outside run(): the queue's consumers). Trips no breaker: only the
        guard's own calls can tell a timeout from a stalled event loop."""
        if self.healthy:
            self.healthy = False
            self.cause = f"{type(exc).__name__}: {str(exc) or f'no answer within {self.deadline_s:g} s'}"
            if self.what_stops:
                log.error("Redis is unreachable (%s): %s", self.cause, self.what_stops)

    def recovered(self) -> None:
        self._timeouts, self._skip_until = 0, 0.0
        if not self.healthy:
            self.healthy = True
            log.warning("Redis is reachable again: cache, queue, channel memory and dedupe are back")


def _late_by(deadline: asyncio.Timeout) -> float:
    """How long after its deadline a call was cut off (negative before it, 0 for an unbounded call)."""
    when = deadline.when()
    return 0.0 if when is None else asyncio.get_running_loop().time() - when
