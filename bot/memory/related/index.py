"""The workspace-wide related-reading index (RelatedIndex): what the bot calls, shared by every replica through Redis.

Redis holds, per team (keys share the `{team}` hash tag, so MGET works on a cluster too):

| key | type | what |
| --- | --- | --- |
| `<prefix>{team}:i:<url hash>` | string | an article: packed terms, sketch, neighbours, title, line, domain, channels |
| `<prefix>{team}:log` | list | url hashes in the order they were added or re-shared; replicas tail it |
| `<prefix>{team}:df` | hash | articles per 3-byte term hash; `n` articles in all, `l:<language>` in a language |

Each replica rebuilds an inverted index (TeamIndex) from these on its first use of a team and then, before every
call, reads the log entries it has not seen yet (one LRANGE when nothing changed).
"""

from __future__ import annotations

import asyncio
import logging
import struct
from datetime import UTC, datetime

import numpy as np
import redis.asyncio
from redis.exceptions import WatchError

from bot.memory import textvec
from bot.memory.keys import Keys
from bot.memory.related.models import RelatedHit, RelatedItem, RelatedQuery
from bot.memory.related.ranking import FirstPass
from bot.memory.related.record import LINE_BYTES, TITLE_BYTES, Doc, doc_id, one_line
from bot.memory.related.story import same_story
from bot.memory.related.team import TeamIndex
from bot.models import clip_bytes

log = logging.getLogger(__name__)

DF_RELOAD_GROWTH = 0.05  # reload document frequencies once other replicas have added 5% more articles
# A new article in one round trip: its record (unless another replica stored it first: nil), its distinct terms
# counted in the document frequencies (a pipeline of ~150 HINCRBY costs ~3 ms of parsing), and its log entry.
# KEYS: record, df, log. ARGV: record, url hash, terms... Returns {articles counted, log length}.
_ADD_ARTICLE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return nil end
for i = 3, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
return {redis.call('HINCRBY', KEYS[2], 'n', 1), redis.call('RPUSH', KEYS[3], ARGV[2])}
"""
# A young index's IDF moves fast: re-weigh all postings each time it doubles, up to this size (~0.2 s then);
# past it the IDF is settled, and a restart re-weighs everything anyway.
REWEIGH_UNTIL = 4096
LOG_SLICE = 5000  # log entries read (and records fetched) per round trip
_LANGUAGE = b"l:"  # in the df hash: how many articles of each language the index holds (its IDF counts theirs)


class RelatedIndex:
    """The workspace-wide related-reading index shared by every replica through Redis."""

    def __init__(self, redis: redis.asyncio.Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self._teams: dict[str, TeamIndex] = {}
        self._add_script = redis.register_script(_ADD_ARTICLE)

    def _key(self, team_id: str, name: str) -> str:
        return self.keys.related(team_id, name)

    def item_key(self, team_id: str, canonical_url: str) -> str:
        return self._key(team_id, "i:" + doc_id(canonical_url).hex())

    async def add(self, item: RelatedItem) -> None:
        """Index an article shared in a channel; a URL already indexed just gains the channel.

        The index as last synced is recent enough to compute the signature from (a lookup usually just ran):
        the record is stored only if no replica stored it meanwhile, and whatever was logged since is applied.
        """
        language = await _loaded(textvec.language_of(item.language))  # before the team is read: this may await
        team = self._teams.get(item.team_id)
        if team is None or team.log_offset == 0:
            team = await self._synced(item.team_id)
        h = doc_id(item.canonical_url)
        key = self.item_key(item.team_id, item.canonical_url)
        if h not in team.by_hash:
            title = clip_bytes(item.title, TITLE_BYTES)
            line = clip_bytes(one_line(item.summary or item.text), LINE_BYTES)
            neighbours = team.neighbours(h, item.channel_id, item.title, item.text, language)
            at = item.shared_at.timestamp()
            doc = Doc(item.canonical_url, title, line, item.domain, at, {item.channel_id: item.channel_is_private},
                      team.signature(item.title, item.text, language), textvec.shingle_sketch(item.text),
                      neighbours, {item.channel_id: at} if item.channel_is_private else {})  # fmt: skip
            blob = doc.encode()
            terms = textvec.term_weights(item.title, item.text, language).keys()  # every distinct term of both
            keys = [key, self._key(item.team_id, "df"), self._key(item.team_id, "log")]
            counted = [*(t.to_bytes(3, "little") for t in terms), _LANGUAGE + language.encode()]
            added = await self._add_script(keys=keys, args=[blob, h, *counted])
            if added is not None:
                team.local.add(h)
                team.n_df = int(added[0])  # and counted locally too (exact counts come on reload)
                for t in terms:
                    team.df[t] = team.df.get(t, 0) + 1
                team.languages[language] = team.languages.get(language, 0) + 1
                await self._synced(item.team_id, own=(int(added[1]), h, blob))
                return
        await self._add_share(key, item)
        await self.redis.rpush(self._key(item.team_id, "log"), h)
        await self._synced(item.team_id)

    async def _add_share(self, key: str, item: RelatedItem) -> None:
        """Add the channel (and its first-share time) to a stored article, safe against races."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for _ in range(10):
                try:
                    await pipe.watch(key)
                    blob = await pipe.get(key)
                    if blob is None:
                        return
                    doc = Doc.decode(blob)
                    doc.add_share(item.channel_id, item.channel_is_private, item.shared_at.timestamp())
                    pipe.multi()
                    pipe.set(key, doc.encode())
                    await pipe.execute()
                    return
                except WatchError:
                    continue
            log.warning("gave up adding channel %s to a related-reading record: it kept changing", item.channel_id)

    async def related(self, query: RelatedQuery, k: int = 5, threshold: float | None = None) -> list[RelatedHit]:
        """Up to k earlier articles on the same topic that the reader's channel may see, best first: what a card
        shows, chosen among the k best candidates. `threshold` replaces the card's rule (see ranking()), and a
        search chooses among all candidates: a few words rank weakly, and what clears it still means it."""
        hits = await self.ranking(query, k if threshold is None else None, threshold)
        return [hit for hit in hits if hit.shown][:k]

    async def ranking(
        self, query: RelatedQuery, k: int | None = None, threshold: float | None = None
    ) -> list[RelatedHit]:
        """The best candidates (the k best, or all that were ranked), best first, each saying whether it is shown.

        The rule (Shortlist.shown()) judges these candidates only, so a card, `digestbot related --corpus` and
        the bench show the same items. `threshold`, a direct cosine, replaces it: a search for a few words matches
        weakly but still means it.
        """
        if query.language:
            await _loaded(textvec.language_of(query.language))  # before the team is read: this may await
        team = await self._synced(query.team_id)
        if not team.docs:
            return []
        own = doc_id(query.canonical_url)
        excluded = {team.by_hash[h] for h in [own, *map(doc_id, query.exclude_urls)] if h in team.by_hash}
        visible = team.visible(query.channel_id)
        first = _first_pass(team, query, visible)
        ids, scores, direct = team.rank(first, visible, excluded)
        if query.language and own not in team.by_hash and set(query.exclude_urls) <= {query.canonical_url}:
            team.keep_lookup((own, query.channel_id, query.title, textvec.language_of(query.language)), ids)
        ids, agreed, agreement = team.by_agreement(ids, scores)
        sketch, title = textvec.shingle_sketch(query.text), textvec.title_tokens(query.title)
        own_story = [same_story(sketch, title, team.docs[i], lambda i=i: float(direct[i])) for i in ids.tolist()]
        shortlist = team.shortlist(ids[:k], direct, own_story[:k])
        if threshold is None:
            best = max((float(direct[i]) for i, mine in zip(ids.tolist(), own_story, strict=True) if not mine),
                       default=0.0)  # fmt: skip
            chances = team.on_topic(first, ids, agreement, scores, direct, best, int(np.count_nonzero(visible)))
            shows = shortlist.shown(chances[: len(shortlist.direct)].tolist())
        else:
            shows = shortlist.above(threshold)
        return [_hit(team.docs[i], query.channel_id, float(agreed[i]), float(direct[i]), s)
                for i, s in zip(ids[:k].tolist(), shows, strict=True)]  # fmt: skip

    async def drop(self, team_id: str) -> None:
        """Delete a team's whole index: every record its log names, the log and the term counts."""
        log_key = self._key(team_id, "log")
        hashes = list(dict.fromkeys(await self.redis.lrange(log_key, 0, -1)))
        for start in range(0, len(hashes), LOG_SLICE):
            await self.redis.delete(*(self._key(team_id, "i:" + h.hex()) for h in hashes[start : start + LOG_SLICE]))
        await self.redis.delete(log_key, self._key(team_id, "df"))
        self._teams.pop(team_id, None)

    async def _synced(self, team_id: str, own: tuple[int, bytes, bytes] | None = None) -> TeamIndex:
        """This team's index with every logged addition applied (built from Redis on first use).

        `own` is (log length after, hash, record) of an article this replica just logged: when nothing else was
        logged since the last read, it is applied as read back would be, without the two round trips (LRANGE and
        MGET); otherwise the log is read up to that length.
        """
        team = self._teams.setdefault(team_id, TeamIndex())
        async with team.lock:
            if team.log_offset == 0:
                await self._load_df(team_id, team)
            if own and own[0] == team.log_offset + 1:
                team.apply(own[1], Doc.decode(own[2]))
                team.log_offset = own[0]
            else:
                await self._read_log(team_id, team, own[0] if own else None)
            if team.foreign > max(20, DF_RELOAD_GROWTH * len(team.docs)):
                await self._load_df(team_id, team)
            if team.next_reweigh <= len(team.docs) <= REWEIGH_UNTIL:
                team.reweigh()
        return team

    async def _read_log(self, team_id: str, team: TeamIndex, end: int | None = None) -> None:
        """Apply what was logged since the team's offset (by any replica) up to `end` (the whole log), in slices.

        The first slice is also the check for news: one round trip when nothing was logged.
        """
        log_key = self._key(team_id, "log")
        while end is None or team.log_offset < end:
            start = team.log_offset
            stop = start + LOG_SLICE if end is None else min(end, start + LOG_SLICE)
            hashes = await self.redis.lrange(log_key, start, stop - 1)
            await self._load(team_id, team, list(dict.fromkeys(hashes)))
            team.log_offset = start + len(hashes)
            if len(hashes) < stop - start:  # the end of the log
                return

    async def _load(self, team_id: str, team: TeamIndex, hashes: list[bytes]) -> None:
        blobs = await self.redis.mget([self._key(team_id, "i:" + h.hex()) for h in hashes]) if hashes else []
        for h, blob in zip(hashes, blobs, strict=True):
            if blob is None:
                continue
            try:
                team.apply(h, Doc.decode(blob))
            except (ValueError, struct.error, UnicodeDecodeError) as error:
                log.warning("skipping an unreadable related-reading record %s: %s", h.hex(), error)

    async def _load_df(self, team_id: str, team: TeamIndex) -> None:
        raw = await self.redis.hgetall(self._key(team_id, "df"))
        n_df = int(raw.pop(b"n", 0))
        languages: dict[str, int] = {}
        for key in [key for key in raw if len(key) != 3]:  # terms are 3 bytes, the other fields count languages
            language = textvec.language_of(key.removeprefix(_LANGUAGE).decode(errors="replace"))
            languages[language] = languages.get(language, 0) + int(raw.pop(key))
        for language in languages:  # awaited before the team changes: an add meanwhile reads it whole
            await _loaded(language)
        team.n_df, team.languages = n_df, languages
        team.df = {int.from_bytes(t, "little"): int(n) for t, n in raw.items()}
        team.vectors = {}
        team.foreign = 0


async def _loaded(language: str) -> str:
    """`language`, its stop words and general word shares loaded: read in a thread the first time this process meets
    it, as 0.3-0.5 s of wordfreq's lists on the event loop would leave every other job's Redis replies unread; merged
    on the loop, so that no ranking reads half of them."""
    if not textvec.language_used(language):
        shares = await asyncio.to_thread(textvec.language_shares, language)
        textvec.merge_shares(language, shares)
    return language


def _first_pass(team: TeamIndex, query: RelatedQuery, visible: np.ndarray) -> FirstPass:
    """The query analysed in its language, or, when unknown (a search's few words), in each language the index
    holds: the one whose terms best match a `visible` article (one the reader may see) wins."""
    if query.language:
        return team.first_pass(query.title, query.text, textvec.language_of(query.language))
    tries = [team.first_pass(query.title, query.text, language) for language in team.query_languages()]
    return max(tries, key=lambda first: float(np.max(first.scores, where=visible, initial=0.0)))


def _hit(doc: Doc, reader_channel: str, score: float, similarity: float, shown: bool) -> RelatedHit:
    """What a reader in `reader_channel` sees of an article: when it was first shared where they may see it."""
    return RelatedHit(
        canonical_url=doc.url, title=doc.title, one_line=doc.one_line, domain=doc.domain,
        shared_at=datetime.fromtimestamp(doc.first_seen_by(reader_channel), UTC), score=round(score, 4),
        similarity=round(similarity, 4), shown=shown,
    )  # fmt: skip
