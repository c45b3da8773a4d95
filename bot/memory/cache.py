"""The digest cache: one fetch per article, whatever tracking parameters its link carries, however many replicas ask.

A digest is kept under the link's canonical form (trackers, userinfo and the fragment dropped) and under the
address its page was fetched from after redirects, never under the canonical URL a page declares: any page can
name any same-site address, and a digest kept there would replace that article's card for everyone.

A failure is kept for negative_cache_minutes under the link exactly as it was asked for (in the canonical form's
slot), so a variant that fails (a 70 kB tracker, a user name) never fails the plain link for everyone. A passing
failure (a busy site's 503 or 429, a timeout, a failed connection) is kept no longer than the site's Retry-After
asks, or 30 s without one (bot/pipeline/fetch.py): enough for the askers of one moment to share it. Refusals of
a link's form or of the address policy (`bad_url`, `blocked_address`) are not kept at all: they cost nothing to
decide again, and a policy change (DIGESTBOT_ALLOW_PRIVATE_NETWORKS) takes effect at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import secrets
from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Literal
from urllib.parse import urldefrag

from pydantic import BaseModel, Field

from bot.config import Settings
from bot.errors import DigestError
from bot.memory.connection import Client
from bot.memory.guard import RedisGuard
from bot.memory.keys import Keys
from bot.memory.records import MAX_VALUE_BYTES, Part, pack, unpack
from bot.memory.scripts import RELEASE_LOCK, RENEW_LOCK
from bot.models import Digest
from bot.pipeline.urls import canonicalize
from bot.runtime.metrics import DIGEST_CACHE

LOCK_TTL_MS = 10_000  # renewed while the holder works, so a crashed holder frees it within seconds
LOCK_WAIT_S = 60.0  # a waiting replica gives up and produces the digest itself after this
LOCK_POLL_S = 0.05
MAX_MESSAGE_CHARS = 1000
# Failures that say nothing of the page: the link's own form, the address policy, or an unexpected error of ours
# (often a passing one: a broken worker pool, memory running out), which kept would fail the link for everyone.
NEVER_KEPT = frozenset({"bad_url", "blocked_address", "internal"})
# The article text a digest keeps: its readers are related reading and search (a related record's terms and sketch,
# a card's or roundup's query), which need no more of it than a code host's README gives them (codehosts.TEXT_CHARS),
# and `digestbot digest --json`, which prints it. Uncut, a 933 KB page made a 569 KB cache record.
KEPT_TEXT_CHARS = 20_000

Produce = Callable[[], Awaitable[Digest]]
Write = tuple[str, bytes, int]  # key, value, TTL s


class _DigestRecord(Digest):
    # 2: dates carry their precision; a v1 record (any year-only date read as a January 1st) is a miss, re-digested
    v: Literal[2] = 2


class _FailureRecord(BaseModel):
    v: Literal[1] = 1
    reason: str = Field(max_length=64)
    message: str = Field(max_length=MAX_MESSAGE_CHARS)


class DigestCache(Part):
    def __init__(self, client: Client, guard: RedisGuard, keys: Keys, settings: Settings) -> None:
        super().__init__(client, guard, keys)
        self._settings = settings

    # --- reading ------------------------------------------------------------------------------------------

    def _failure_key(self, link: str) -> str:
        """The failure of a link as asked for, in its canonical form's slot."""
        asked = urldefrag(link.strip())[0]
        return self.keys.url("fail", canonicalize(link)) + ":" + hashlib.sha1(asked.encode()).hexdigest()

    async def get(self, canonical_url: str) -> Digest | None:
        key = self.keys.url("digest", canonical_url)
        return await self.parsed(key, await self.guard.run(lambda: self.r.get(key), None), self._digest)

    def _digest(self, raw: bytes) -> Digest | None:
        digest = Digest.model_validate(unpack(_DigestRecord, raw).model_dump(exclude={"v"}))
        if digest.private_address and not self._settings.allow_private_networks:
            return None  # made while private addresses were allowed; barred now, so the fetch must refuse it
        return digest

    async def failure(self, link: str) -> DigestError | None:
        """The cached failure of this link as asked for, if it failed lately."""
        key = self._failure_key(link)
        return await self.parsed(key, await self.guard.run(lambda: self.r.get(key), None), _failure)

    async def _outcome(self, link: str) -> Digest | DigestError | None:
        keys = [self.keys.url("digest", canonicalize(link)), self._failure_key(link)]  # one slot: one MGET
        raw_digest, raw_failure = await self.guard.run(lambda: self.r.mget(keys), [None, None])
        return await self.parsed(keys[0], raw_digest, self._digest) or await self.parsed(keys[1], raw_failure, _failure)

    # --- writing ------------------------------------------------------------------------------------------

    async def put(self, digest: Digest) -> None:
        """Cache a digest under the address its page was fetched from."""
        await self._write(self._digest_writes(digest.url, digest))

    async def put_failure(self, link: str, error: DigestError) -> None:
        await self._write(self._failure_writes(link, error))

    def _digest_writes(self, link: str, digest: Digest) -> list[Write]:
        value = pack(_DigestRecord.model_validate(_kept(digest).model_dump()), compress=True)
        if len(value) > MAX_VALUE_BYTES:
            return []  # would be dropped as poison on read
        ttl = self._settings.cache_ttl_days * 86400
        urls = dict.fromkeys((canonicalize(link), canonicalize(digest.url)))  # asked for, and fetched from
        return [(self.keys.url("digest", url), value, ttl) for url in urls]

    def _failure_writes(self, link: str, error: DigestError) -> list[Write]:
        ttl = self._failure_ttl(error)
        if ttl <= 0:
            return []
        value = pack(_FailureRecord(reason=error.reason[:64], message=str(error)[:MAX_MESSAGE_CHARS]))
        return [(self._failure_key(link), value, ttl)]

    def _failure_ttl(self, error: DigestError) -> int:
        """Seconds a failure is kept: negative_cache_minutes, but a passing one (a busy site's 503 or 429, a timeout)
        no longer than the site asked to wait, so a page that is back is digested at the next share."""
        if error.reason in NEVER_KEPT:
            return 0
        ttl = self._settings.negative_cache_minutes * 60
        return ttl if error.retry_after is None else min(ttl, math.ceil(error.retry_after))

    async def _write(self, writes: list[Write], release: tuple[str, str] | None = None) -> None:
        """SET each (key, value, TTL), then release our lock (key, token), in one round trip."""

        async def call() -> None:
            async with self.r.pipeline(transaction=False) as pipe:
                for key, value, ttl in writes:
                    pipe.set(key, value, ex=ttl)
                if release is not None:
                    pipe.eval(RELEASE_LOCK, 1, *release)
                await pipe.execute()

        if writes or release is not None:
            await self.guard.run(call, None)

    # --- one fetch across replicas ------------------------------------------------------------------------

    async def digest_once(self, link: str, produce: Produce) -> Digest:
        """The cached digest, or the cached failure raised, or produce() run once across all replicas; a digest made
        here is returned as it is kept (_kept), so the first asker and every later one get the same.

        The caller that wins a short lock produces and caches; the others poll the cache until the result (or
        failure) lands, the lock vanishes without one (they then compete again), or LOCK_WAIT_S passes (they
        then produce it themselves). With Redis away, produce() simply runs.
        """
        deadline = monotonic() + LOCK_WAIT_S
        while True:
            outcome = await self._outcome(link)
            DIGEST_CACHE.labels("miss" if outcome is None else "hit").inc()
            if isinstance(outcome, Digest):
                return _as_asked(outcome, link)
            if isinstance(outcome, DigestError):
                raise outcome
            if not self.guard.healthy:  # Redis is away: nothing to coordinate with or cache in
                return _kept(await produce())
            if monotonic() > deadline:
                return await self._produce(link, produce, None)
            token = secrets.token_hex(16)
            if await self._lock(link, token):
                return await self._produce(link, produce, token)
            await asyncio.sleep(LOCK_POLL_S)

    async def _lock(self, link: str, token: str) -> bool:
        """True if we hold the lock for this link's article now, or Redis is away (so nobody can coordinate)."""
        key = self.keys.url("lock", canonicalize(link))
        return bool(await self.guard.run(lambda: self.r.set(key, token, nx=True, px=LOCK_TTL_MS), True))

    async def _keep_lock(self, key: str, token: str) -> None:
        """Renew our lock while the digest is being made: a slow page keeps it, a dead replica loses it fast."""
        while True:
            await asyncio.sleep(LOCK_TTL_MS / 3000)
            await self.guard.run(lambda: self.r.eval(RENEW_LOCK, 1, key, token, LOCK_TTL_MS), 0)

    async def _produce(self, link: str, produce: Produce, token: str | None) -> Digest:
        lock = self.keys.url("lock", canonicalize(link))
        renewal = asyncio.create_task(self._keep_lock(lock, token)) if token else None
        writes: list[Write] = []
        try:
            digest = _kept(await produce())  # as every later asker gets it: one text for the related index
            writes = self._digest_writes(link, digest)
            return digest
        except DigestError as exc:
            writes = self._failure_writes(link, exc)
            raise
        finally:
            if renewal is not None:
                renewal.cancel()
            # The outcome lands before the lock goes, so a replica waiting for it finds it.
            await self._write(writes, (lock, token) if token else None)


def _kept(digest: Digest) -> Digest:
    """The digest as the cache keeps it: its text cut at KEPT_TEXT_CHARS."""
    if len(digest.text) <= KEPT_TEXT_CHARS:
        return digest
    return digest.model_copy(update={"text": digest.text[:KEPT_TEXT_CHARS]})


def _failure(raw: bytes) -> DigestError:
    record = unpack(_FailureRecord, raw)
    return DigestError(record.reason, record.message)


def _as_asked(cached: Digest, link: str) -> Digest:
    """A cached digest as this asker's link gets it: their own link as the source, and the address it was fetched
    from without the first asker's tracking parameters (a newsletter's user id must not reach someone else)."""
    return cached.model_copy(update={"source": link, "url": canonicalize(cached.url)})
