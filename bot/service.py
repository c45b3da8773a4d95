"""The bot's memory-aware core, still Slack-free: cached digests, what channels shared, related reading."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.memory.channels import Share, ShareResult
from bot.memory.connection import Client, connect
from bot.memory.guard import RedisGuard
from bot.memory.related.index import RelatedIndex
from bot.memory.related.models import RelatedHit, RelatedItem, RelatedQuery
from bot.memory.store import Store
from bot.models import Digest
from bot.pipeline.digest import digest_url
from bot.pipeline.extract.pool import shutdown_workers, start_workers
from bot.pipeline.slots import FetchSlots
from bot.pipeline.urls import domain

SEARCH_THRESHOLD = 0.02  # a few query words share little with a whole article; any real match counts


def warm_up() -> None:
    """Pay a digesting process's first-use costs before its event loop has Redis calls in flight: the extraction
    workers (their fork server's start waits for its preload), the link kinds' modules, the TLS roots, English's
    general word shares for related reading. Paid inside the first job, they held the loop for up to 2 s on a busy
    machine, and the Redis guard took another job's call, its answer unread meanwhile, for an outage."""
    import bot.pipeline.kinds  # noqa: F401  (digest_url imports it when first needed)
    from bot.memory import textvec
    from bot.pipeline.netguard import ssl_context

    start_workers()
    ssl_context()
    textvec.use_language(textvec.ENGLISH)


@dataclass
class DigestService:
    """The core for one process: its one Redis client (every part shares it) and what is kept there."""

    settings: Settings
    redis: Client
    store: Store
    related_index: RelatedIndex
    fetch_slots: FetchSlots  # every digest this process makes shares them: one slow site cannot take them all

    @classmethod
    def open(cls, settings: Settings) -> DigestService:
        redis = connect(settings)
        store = Store(redis, settings)
        return cls(settings, redis, store, RelatedIndex(redis, store.keys), FetchSlots(settings.fetches_per_host))

    @property
    def guard(self) -> RedisGuard:
        """The process's one outage policy, for every part that talks to Redis."""
        return self.store.guard

    async def close(self) -> None:
        await self.redis.aclose()
        shutdown_workers()  # the extraction workers live as long as the service that digests

    async def digest(self, url: str) -> Digest:
        """One fetch per article, whatever tracking parameters the link carries, however many replicas ask."""
        return await self.store.cache.digest_once(url, lambda: digest_url(url, self.settings, self.fetch_slots))

    async def remember(self, share: Share, digest: Digest) -> ShareResult:
        """Record a share in the channel's memory and add the article to the workspace's related index."""
        result = await self.store.channels.record_share(share)
        if result.is_first:
            await self._index(share, digest)
        return result

    async def _index(self, share: Share, digest: Digest) -> None:
        """With Redis away the article just misses the related index (the guard logs the outage)."""
        item = RelatedItem(
            team_id=share.team_id,
            canonical_url=digest.canonical_url,
            title=digest.title or digest.canonical_url,
            summary=digest.summary,
            text=digest.text,
            domain=domain(digest.canonical_url),
            channel_id=share.channel_id,
            channel_is_private=share.channel_is_private,
            shared_at=share.shared_at,
            language=digest.language,
        )
        await self.guard.run(lambda: self.related_index.add(item), None, bounded=False)

    async def search(self, words: str, team_id: str, channel_id: str, k: int = 10) -> list[RelatedHit]:
        """Digests this workspace has seen that match some words, from channels the caller's channel may see."""
        query = RelatedQuery(team_id=team_id, channel_id=channel_id, canonical_url="", title=words, text=words)
        return await self._related(query, k, SEARCH_THRESHOLD)

    async def related(self, digest: Digest, team_id: str, channel_id: str, k: int = 5) -> list[RelatedHit]:
        query = RelatedQuery(
            team_id=team_id,
            channel_id=channel_id,
            canonical_url=digest.canonical_url,
            title=digest.title or "",
            text=digest.text,
            exclude_urls=[digest.canonical_url],
            language=digest.language,
        )
        return await self._related(query, k)

    async def _related(self, query: RelatedQuery, k: int, threshold: float | None = None) -> list[RelatedHit]:
        """Related reading is an extra: with Redis away a card goes out without it."""
        return await self.guard.run(lambda: self.related_index.related(query, k=k, threshold=threshold), [],
                                    bounded=False)  # fmt: skip
