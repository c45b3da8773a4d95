"""Coordination between replicas: an event handled once, and per-minute budgets every replica shares."""

from __future__ import annotations

import time
from collections import OrderedDict
from time import monotonic

from bot.memory.connection import Client
from bot.memory.guard import RedisGuard
from bot.memory.keys import Keys
from bot.memory.records import Part

LOCAL_DEDUPE_MAX = 10_000


class Events(Part):
    """Slack events answered in the process that acked them (App Home, reactions, and all work while Redis is away)."""

    def __init__(self, client: Client, guard: RedisGuard, keys: Keys) -> None:
        super().__init__(client, guard, keys)
        self._local: OrderedDict[str, float] = OrderedDict()  # event id -> expiry (monotonic)

    async def first_time(self, event_id: str, ttl_s: int = 3600) -> bool:
        """True the first time an event id is seen (SET NX EX), False for a retry.

        Every id is also kept in a bounded in-process LRU, so a retry is still caught while Redis is away.
        """
        now = monotonic()
        expiry = self._local.get(event_id)
        if expiry is not None and expiry > now:
            return False
        self._local[event_id] = now + ttl_s
        self._local.move_to_end(event_id)
        while len(self._local) > LOCAL_DEDUPE_MAX:
            self._local.popitem(last=False)
        key = self.keys.event(event_id)
        return bool(await self.guard.run(lambda: self.r.set(key, b"1", nx=True, ex=ttl_s), True))

    async def forget(self, event_id: str) -> None:
        """Let `event_id` be seen for the first time again: a claim whose work failed, so that a retry can do it."""
        self._local.pop(event_id, None)
        key = self.keys.event(event_id)
        await self.guard.run(lambda: self.r.delete(key), 0)


class Budgets(Part):
    """Budgets of a cosmetic Slack call (the working sign's reactions) that every replica draws from."""

    def __init__(self, client: Client, guard: RedisGuard, keys: Keys) -> None:
        super().__init__(client, guard, keys)
        self._spent: dict[str, int] = {}  # budget name -> the minute it ran out

    async def take(self, name: str, per_minute: int) -> bool:
        """Take one of `per_minute` units this minute; False once they are gone, and while Redis is away (what a
        budget guards can always be skipped). A budget found spent is not asked for again this minute."""
        minute = int(time.time()) // 60
        if self._spent.get(name) == minute:
            return False
        key = self.keys.budget(name, minute)

        async def call() -> int:
            async with self.r.pipeline(transaction=False) as pipe:
                pipe.incr(key)
                pipe.expire(key, 120)
                taken, _ = await pipe.execute()
            return int(taken)

        if await self.guard.run(call, per_minute + 1) <= per_minute:
            return True
        self._spent[name] = minute
        return False
