"""What each channel has seen: who shared a link first and when, who shared it again, reactions, and the
channels of a workspace that saw a link (with their privacy), for repeat notes, roundups and App Home."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter, field_validator

from bot.ages import utc
from bot.memory.connection import Client
from bot.memory.guard import RedisGuard
from bot.memory.keys import Keys, url_hash
from bot.memory.records import Part, pack, unpack
from bot.memory.replication import ReplicatedWrites
from bot.memory.scripts import COUNT_REACTION, RECORD_SHARE, SEEN_IN_TEAM
from bot.models import clip_bytes

HISTORY_TTL_S = 400 * 86400  # a channel silent for over a year is forgotten
MAX_CHANNEL_URLS = 100_000  # the oldest record is dropped past this
MAX_SHARERS_BYTES = 1024
TITLE_BYTES = 300  # a share record's title, in UTF-8 bytes
PARTS = ("first", "n", "who", "time", "msg", "reacts")  # a channel's keys, in RECORD_SHARE's KEYS order


class Share(BaseModel):
    """One message in a channel that shared a link."""

    team_id: str
    channel_id: str
    channel_is_private: bool
    canonical_url: str
    user_id: str
    ts: str  # Slack message ts
    title: str | None = None
    shared_at: datetime  # naive means UTC

    @field_validator("shared_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return utc(value)

    @field_validator("title")
    @classmethod
    def _short(cls, value: str | None) -> str | None:
        # Any title, in any script, leaves the record under 1 KB (plus its link's own length).
        return clip_bytes(value, TITLE_BYTES) if value else value


class ShareResult(BaseModel):
    """What record_share learned: the first share of that URL in the channel, and how often it came back."""

    first: Share
    is_first: bool  # this share's message is the first (also when its job runs again after a crash)
    repeats: int  # times shared again after the first
    sharers: list[str]  # distinct users who shared it, the first sharer first


class _ShareRecord(Share):
    v: Literal[1] = 1


_CHANNEL_MAP = TypeAdapter(dict[str, Literal[0, 1]])


def _share(raw: bytes) -> Share:
    return Share.model_validate(unpack(_ShareRecord, raw).model_dump(exclude={"v"}))


class ChannelMemory(Part):
    def __init__(self, client: Client, guard: RedisGuard, keys: Keys) -> None:
        super().__init__(client, guard, keys)
        self.writes = ReplicatedWrites(client, "share")

    def _keys(self, channel_id: str) -> dict[str, str]:
        return {part: self.keys.channel(channel_id, part) for part in PARTS}

    async def record_share(self, share: Share) -> ShareResult:
        """Remember a share; report whether the channel saw this URL before, first when and by whom.

        The same message recorded again (its job ran again after a crash) counts once.
        """
        keys = list(self._keys(share.channel_id).values())
        field = url_hash(share.canonical_url)
        args = [
            field, pack(_ShareRecord.model_validate(share.model_dump())), share.shared_at.timestamp(),
            share.user_id, HISTORY_TTL_S, MAX_CHANNEL_URLS, MAX_SHARERS_BYTES, share.ts,
        ]  # fmt: skip
        team_args = [field, share.channel_id, int(share.channel_is_private), HISTORY_TTL_S]

        async def call() -> list[Any]:
            # The share record decides card or note, so it waits for a replica (bot/memory/replication.py); the
            # team's map lives in another cluster slot and is written meanwhile (its privacy flag kept current).
            # EVAL, not a registered script: a pipeline cannot reload one.
            reply, _ = await asyncio.gather(
                self.writes.write(keys[0], "EVAL", RECORD_SHARE, len(keys), *keys, *args),
                self.r.eval(SEEN_IN_TEAM, 1, self.keys.team_seen(share.team_id), *team_args),
            )
            return list(reply)

        reply = await self.guard.run(call, None)
        if reply is None:
            return ShareResult(first=share, is_first=True, repeats=0, sharers=[share.user_id])
        raw_first, repeats, who = reply
        first = await self.parsed(keys[0], raw_first, _share, field)
        if first is None:  # a poisoned record was dropped: this share becomes the first
            return await self.record_share(share)
        sharers = list(dict.fromkeys([first.user_id, *who.decode().split()]))
        return ShareResult(first=first, is_first=first.ts == share.ts, repeats=repeats, sharers=sharers)

    async def note_card(self, channel_id: str, canonical_url: str, card_ts: str) -> None:
        """The bot's card for a share: reactions to it count for its link as reactions to the share do."""
        key = self.keys.channel(channel_id, "msg")

        async def call() -> None:
            async with self.r.pipeline(transaction=False) as pipe:
                pipe.hset(key, card_ts, url_hash(canonical_url))
                pipe.expire(key, HISTORY_TTL_S)
                await pipe.execute()

        await self.guard.run(call, None)

    async def first_share(self, channel_id: str, canonical_url: str) -> Share | None:
        """The first share of this URL in the channel: None if the channel has not seen it."""
        key, field = self.keys.channel(channel_id, "first"), url_hash(canonical_url)
        return await self.parsed(key, await self.guard.run(lambda: self.r.hget(key, field), None), _share, field)

    async def _shares(self, channel_id: str, fields: list[bytes]) -> list[Share]:
        if not fields:
            return []
        key = self.keys.channel(channel_id, "first")
        raws = await self.guard.run(lambda: self.r.hmget(key, fields), [])
        shares = [await self.parsed(key, raw, _share, f.decode()) for f, raw in zip(fields, raws, strict=False)]
        return [s for s in shares if s is not None]

    async def shares_between(self, channel_id: str, start: datetime, end: datetime) -> list[Share]:
        """URLs first shared in the channel within [start, end], oldest first (for roundups)."""
        key = self.keys.channel(channel_id, "time")
        lo, hi = utc(start).timestamp(), utc(end).timestamp()
        return await self._shares(channel_id, await self.guard.run(lambda: self.r.zrangebyscore(key, lo, hi), []))

    async def recent(self, channel_id: str, n: int = 10) -> list[Share]:
        """The n URLs most recently first shared in the channel, newest first."""
        key = self.keys.channel(channel_id, "time")
        return await self._shares(channel_id, await self.guard.run(lambda: self.r.zrange(key, 0, n - 1, desc=True), []))

    async def top_shared(self, channel_id: str, since: datetime, n: int = 10) -> list[tuple[Share, int]]:
        """URLs first shared since `since`, most shared first, with how many times each was shared in all."""
        keys = self._keys(channel_id)
        start = utc(since).timestamp()
        fields = await self.guard.run(lambda: self.r.zrevrangebyscore(keys["time"], "+inf", start), [])
        if not fields:
            return []
        counts = await self.guard.run(lambda: self.r.hmget(keys["n"], fields), [None] * len(fields))
        totals = {f: 1 + int(c or 0) for f, c in zip(fields, counts, strict=False)}
        best = sorted(fields, key=lambda f: -totals[f])[:n]  # stable: newest first among equals
        return [(s, totals[url_hash(s.canonical_url).encode()]) for s in await self._shares(channel_id, best)]

    async def reactions(self, channel_id: str, canonical_urls: list[str]) -> dict[str, int]:
        """How many reactions the messages sharing each URL in the channel got (0 when none or unknown)."""
        if not canonical_urls:
            return {}
        key = self.keys.channel(channel_id, "reacts")
        fields = [url_hash(url) for url in canonical_urls]
        counts = await self.guard.run(lambda: self.r.hmget(key, fields), [None] * len(fields))
        return {url: max(0, int(c or 0)) for url, c in zip(canonical_urls, counts, strict=True)}

    async def count_reaction(self, channel_id: str, ts: str, delta: int) -> None:
        """A reaction added (+1) or removed (-1) on a message that shared a link counts for that link."""
        keys = [self.keys.channel(channel_id, "msg"), self.keys.channel(channel_id, "reacts")]
        await self.guard.run(lambda: self.r.eval(COUNT_REACTION, 2, *keys, ts, delta), None)

    async def channels_for_url(self, team_id: str, canonical_url: str) -> dict[str, bool]:
        """Every channel of the team that saw this URL -> whether that channel is private."""
        key, field = self.keys.team_seen(team_id), url_hash(canonical_url)
        raw = await self.guard.run(lambda: self.r.hget(key, field), None)
        seen = await self.parsed(key, raw, _CHANNEL_MAP.validate_json, field)
        return {channel: flag == 1 for channel, flag in (seen or {}).items()}
