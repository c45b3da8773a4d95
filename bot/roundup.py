"""A channel's weekly roundup: what it shared since its last roundup, most shared first, and related reading
it has not seen.

Slack-free: handlers/roundups.py turns a Roundup into Block Kit, bot/runtime/scheduler.py decides when to build one.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field

from bot.memory.channels import Share
from bot.memory.related.models import RelatedHit, RelatedQuery
from bot.memory.related.record import one_line
from bot.memory.related.story import SAME_STORY_TITLE
from bot.memory.scripts import MOVE_ROUNDUP_END
from bot.memory.textvec import title_tokens
from bot.models import Digest, Kind
from bot.service import DigestService

log = logging.getLogger(__name__)

MAX_ITEMS = 15  # a roundup is a digest of the week, not its full log
MAX_CANDIDATES = 500  # bounds the work for a channel that shared hundreds of links in a week
MAX_RELATED = 5
RELATED_SEEDS = 5  # the week's top links that related reading is looked up for
HITS_PER_SEED = 20  # more than MAX_RELATED: many hits are dropped as already seen here
WEEK = timedelta(days=7)
# A roundup lists the links shared since the channel's last one ended. Its first, or one after a pause longer than
# LONGEST (two weekly roundups, one of them missed, and a daylight-saving hour), lists the WEEK before it.
LONGEST = timedelta(days=15)
END_WRITE_TRIES = 3  # a Redis blip after a post must not have the next roundup repeat its links
END_RETRY_S = 2.0  # longer than the Redis guard's cool-off after a timeout, so each try reaches Redis


class MemoryUnavailable(Exception):
    """Redis could not be read: a roundup built now would look like a quiet week."""


class RoundupItem(BaseModel):
    title: str
    canonical_url: str
    shared_by: str  # the user id of the first share in the channel
    shared_at: datetime
    one_line: str  # from the cached digest's summary; empty when no digest is cached
    shares: int  # times shared in the channel in all
    kind: Kind = "article"  # what the link is (a PDF, a video, ...), from the cached digest


class RelatedReading(BaseModel):
    canonical_url: str
    title: str
    one_line: str
    domain: str
    shared_at: datetime  # its first share that a reader in the roundup's channel may see


class Roundup(BaseModel):
    team_id: str
    channel_id: str
    week: str  # ISO week of `end` in UTC, e.g. "2026-W48"
    start: datetime
    end: datetime
    items: list[RoundupItem]
    more: int = 0  # links shared that week beyond the ones listed
    related: list[RelatedReading] = Field(default_factory=list)


def iso_week(moment: datetime) -> str:
    """The ISO week of a moment in UTC (naive means UTC), like "2026-W48"."""
    year, week, _ = _utc(moment).isocalendar()
    return f"{year}-W{week:02d}"


async def build_roundup(
    service: DigestService, team_id: str, channel_id: str, start: datetime, end: datetime
) -> Roundup | None:
    """The roundup of links first shared in the channel within [start, end]; None for a quiet week.
    Raises MemoryUnavailable if Redis could not say what was shared."""
    top = await service.store.channels.top_shared(channel_id, start, MAX_CANDIDATES)
    week = [(share, count) for share, count in top if share.shared_at <= _utc(end)]
    if not week:
        _check_memory(service)
        return None
    liked = await service.store.channels.reactions(channel_id, [share.canonical_url for share, _ in week])
    week.sort(key=lambda pair: (-pair[1], -liked[pair[0].canonical_url], pair[0].shared_at))  # most shared/reacted
    digests = [await service.store.cache.get(share.canonical_url) for share, _ in week[:MAX_ITEMS]]
    items = [_item(share, count, digest) for (share, count), digest in zip(week, digests, strict=False)]
    exclude = [share.canonical_url for share, _ in week]
    queries = [_query(team_id, channel_id, item, digest, exclude) for item, digest in zip(items, digests, strict=True)]
    return Roundup(
        team_id=team_id, channel_id=channel_id, week=iso_week(end), start=_utc(start), end=_utc(end), items=items,
        more=len(week) - len(items), related=await _unseen_related(service, channel_id, items, queries),
    )  # fmt: skip


async def channel_roundup(
    service: DigestService, channel_id: str, end: datetime, start: datetime | None = None
) -> Roundup | None:
    """The roundup of [start, end] (from `roundup_start` unless told), for a channel known only by its id
    (scheduler, CLI)."""
    recent = await service.store.channels.recent(channel_id, 1)  # channel settings carry no team: its shares do
    if not recent:
        _check_memory(service)
        return None
    start = start or await roundup_start(service, channel_id, end)
    return await build_roundup(service, recent[0].team_id, channel_id, start, end)


async def roundup_start(service: DigestService, channel_id: str, end: datetime) -> datetime:
    """Where the channel's roundup ending at `end` starts: where its last posted one ended, so that no link falls
    between two roundups or shows in both; the WEEK before `end` for its first, or after a pause longer than
    LONGEST. Raises MemoryUnavailable if Redis could not say."""
    key = service.store.keys.roundup_end(channel_id)
    raw = await service.guard.run(lambda: service.redis.get(key), None)
    if not service.store.healthy:
        raise MemoryUnavailable("the end of the channel's last roundup is unknown")
    try:
        last = datetime.fromtimestamp(float(raw), UTC) if raw else None
    except (ValueError, OverflowError):  # not written by us (nan, inf, text): as if there were no last roundup
        last = None
    return last if last is not None and _utc(end) - last <= LONGEST else _utc(end) - WEEK


async def record_end(service: DigestService, channel_id: str, end: datetime) -> None:
    """Note that the channel's roundup up to `end` went out (posted, or its quiet line): the next one starts there.
    Tried a few times, as a missed write makes the next roundup repeat this one's links."""
    key = service.store.keys.roundup_end(channel_id)
    # To the microsecond: the window is [start, end] at both ends, so a rounded end would list a link twice or never.
    value, ttl = f"{_utc(end).timestamp():.6f}", int(LONGEST.total_seconds())
    for attempt in range(END_WRITE_TRIES):
        if attempt:
            await asyncio.sleep(END_RETRY_S)
        if await service.guard.run(lambda: service.redis.eval(MOVE_ROUNDUP_END, 1, key, value, ttl), None):
            return
    log.error("could not record the end of the roundup of %s: its next roundup repeats these links", channel_id)


def _check_memory(service: DigestService) -> None:
    """After a read that found nothing: was that a quiet week, or Redis failing the read?"""
    if not service.store.healthy:
        raise MemoryUnavailable("the channel's memory (Redis) is unreachable")


def _item(share: Share, count: int, digest: Digest | None) -> RoundupItem:
    return RoundupItem(
        title=(digest.title if digest else None) or share.title or share.canonical_url,
        canonical_url=share.canonical_url,
        shared_by=share.user_id,
        shared_at=share.shared_at,
        one_line=one_line(digest.summary) if digest else "",
        shares=count,
        kind=digest.kind if digest else "article",
    )


def _query(team_id: str, channel_id: str, item: RoundupItem, digest: Digest | None, exclude: list[str]) -> RelatedQuery:
    return RelatedQuery(
        team_id=team_id,
        channel_id=channel_id,  # the index only returns what a reader in this channel may see
        canonical_url=item.canonical_url,
        title=item.title,
        text=digest.text if digest else item.one_line,
        exclude_urls=exclude,
        language=digest.language if digest else None,
    )


async def _unseen_related(
    service: DigestService, channel_id: str, items: list[RoundupItem], queries: list[RelatedQuery]
) -> list[RelatedReading]:
    """Related reading for the week's top links, best first, minus anything this channel ever shared."""
    hits: list[RelatedHit] = []
    for query in queries[:RELATED_SEEDS]:
        hits += await service.related_index.related(query, HITS_PER_SEED)
    seen_titles = [title_tokens(item.title) for item in items]
    chosen: dict[str, RelatedReading] = {}
    for hit in sorted(hits, key=lambda h: -h.score):
        if len(chosen) == MAX_RELATED:
            break
        tokens = title_tokens(hit.title)
        if hit.canonical_url in chosen or any(_same_title(tokens, t) for t in seen_titles):
            continue  # one story listed once, even when two sites carried it
        if await service.store.channels.first_share(channel_id, hit.canonical_url):
            continue  # this channel saw it in an earlier week
        seen_titles.append(tokens)
        chosen[hit.canonical_url] = RelatedReading.model_validate(hit.model_dump())
    return list(chosen.values())


def _same_title(a: frozenset[str], b: frozenset[str]) -> bool:
    """Near-identical titles of 4+ words (the related index's title bar): with only hits' titles to go by, the
    roundup lists one headline once, even where the index would tell a follow-up from a copy by their texts."""
    return min(len(a), len(b)) >= 4 and len(a & b) / len(a | b) >= SAME_STORY_TITLE


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
