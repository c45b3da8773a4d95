"""The bot's memory in Redis, in parts over one client and one outage policy (bot/memory/guard.py).

| part | module | what it keeps |
| --- | --- | --- |
| `cache` | cache.py | digests and failures, one fetch per article across replicas |
| `channels` | channels.py | who shared what first in each channel, repeats, reactions; which channels saw a link |
| `channel_settings` | channel_settings.py | each channel's roundup, mute and repeat-note choices |
| `events`, `budgets` | dedupe.py | Slack events handled once; per-minute budgets every replica shares |

Every key is listed in bot/memory/keys.py and every script in bot/memory/scripts.py. Every value is validated on
read; one that fails is deleted and read as a miss. While Redis is unreachable reads miss and writes are skipped,
so the bot keeps making digests uncached; the outage is logged once, and once more when Redis answers again
(redis-py reconnects by itself).
"""

from __future__ import annotations

from bot.config import Settings
from bot.memory.cache import DigestCache
from bot.memory.channel_settings import ChannelSettingsStore
from bot.memory.channels import ChannelMemory
from bot.memory.connection import Client, connect
from bot.memory.dedupe import Budgets, Events
from bot.memory.guard import RedisGuard
from bot.memory.keys import Keys


class Store:
    def __init__(self, client: Client, settings: Settings, guard: RedisGuard | None = None) -> None:
        self.client = client
        self.guard = guard or RedisGuard(client)
        self.keys = Keys(settings.redis_prefix)
        parts = (client, self.guard, self.keys)
        self.cache = DigestCache(*parts, settings)
        self.channels = ChannelMemory(*parts)
        self.channel_settings = ChannelSettingsStore(*parts)
        self.events = Events(*parts)
        self.budgets = Budgets(*parts)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """A store with a client of its own (close() closes it), as a second replica in a test has."""
        return cls(connect(settings), settings)

    @property
    def healthy(self) -> bool:
        """False from a failed Redis call until the next call that succeeds (readiness)."""
        return self.guard.healthy

    async def ping(self) -> bool:
        return bool(await self.guard.run(self.client.ping, False))

    async def close(self) -> None:
        await self.client.aclose()
