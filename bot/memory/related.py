"""Related reading: a per-workspace index of shared articles, kept in Redis and searched in memory.

Redis holds, per team (keys share the `{team}` hash tag, so MGET works on a cluster too):

| key | type | what |
| --- | --- | --- |
| `<prefix>{team}:i:<url hash>` | string | an article: packed terms, sketch, neighbours, title, line, domain, channels |
| `<prefix>{team}:log` | list | url hashes in the order they were added or re-shared; replicas tail it |
| `<prefix>{team}:df` | hash | articles per 3-byte term hash; `n` articles in all, `l:<language>` in a language |

Each replica rebuilds an inverted index from these on its first use of a team and then, before every call,
reads the log entries it has not seen yet (one LRANGE when nothing changed).

Ranking (measured on 20 Newsgroups, see bench/related.py): TF-IDF cosine over Snowball stems, with BM25's
saturated term frequency and a title boost, the IDF backed by general English word frequencies so that a score
means the same in a young index and a big one; each query is expanded with its top results weighted by squared
cosine (Rocchio pseudo-relevance feedback); the candidates are then re-ranked by how many of the neighbours each
stored when it was added are candidates too (shared nearest neighbours). What a card shows is decided by each
candidate's chance of being on the query's topic, a small logistic model over the direct cosine and other signals
(ON_TOPIC_WEIGHTS): no related reading is better than unrelated reading. Stored
signatures are the articles' own terms: expanding them with their neighbours at indexing time gained ranking in a
big index but, in a young one, filled early articles with the vocabulary of whatever topics came first (a stored
list of neighbours only re-orders what a query finds by its own terms).
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import logging
import math
import struct
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from itertools import repeat

import numpy as np
import redis.asyncio
from pydantic import BaseModel, Field
from redis.exceptions import WatchError

from bot.memory import textvec
from bot.memory.keys import Keys
from bot.models import clip_bytes

log = logging.getLogger(__name__)

TERMS_PER_DOC = 96  # stored signature size: 4 bytes a term (64 terms cost ~0.7 points of P@5)
QUERY_TERMS = 100
EXPANDED_QUERY_TERMS = 150
FEEDBACK_DOCS = 10
FEEDBACK_WEIGHT = 2.0  # Rocchio beta
FEEDBACK_ROUNDS = 2  # the query expanded again from its expanded ranking: +1 point of P@5 on the tuning half
MIN_FEEDBACK_SCORE = 0.05  # a first-pass neighbour must share at least this much to steer anything
CANDIDATES = 4 * FEEDBACK_DOCS  # ranked per query, then re-ranked by neighbourhood agreement
# Shared-nearest-neighbour re-ranking: each article stores the NEIGHBOURS it ranked best when it was added (among
# the articles before it), and a candidate gains NEIGHBOUR_BONUS for each of them among the query's candidates: an
# article whose own neighbours the query finds too sits in the query's topic, one that merely shares some words
# with it does not. On the bench +1.7 points of P@5 on the tuning half and +1.7 held out (see bench/README);
# offline, 15 stored neighbours gained 0.2 more and 40 none (for 20 and 120 more bytes a record), neighbours of
# the direct ranking gained less (+1.2), and agreement inside the candidate list alone (no stored lists) nothing.
NEIGHBOURS = 10
NEIGHBOUR_BONUS = 0.025
LOOKUPS_KEPT = 64  # new articles' neighbours kept from their cards' lookups until they are added
# Neighbour lists are ranked as a reader who sees public articles only (a channel with no private article): a list
# is used in every channel the article is later shared to, so a private channel's articles must not choose it.
PUBLIC_READER = ""
# What a card shows: each candidate's chance of being on the query's topic, from a logistic model over signals that
# mean the same at any index size, and the index's size itself (a cosine of 0.15 is weaker evidence among 30
# articles, where the query's topic often has no other article, than among 1,000). Fitted by bench/related_fit.py
# on the bench's tuning half only (the whole half and 16 random draws each of 30, 100 and 300 of its articles,
# every query's top 5 candidates, judged by the card's own rule, Shortlist.shown()): intercept, then the weights
# of log direct cosine, log ranking score (before the neighbourhood agreement), stored neighbours among the
# candidates, how many of the query's STRONGEST_TERMS the candidate's signature holds, log index size (clamped to
# the sizes it was fitted on), and direct cosine over the best candidate's. A card shows the likeliest candidate
# from SHOW_FIRST and any other from SHOW_OTHER (the script's pick: 85% of shown items on topic, 80% at every young
# size, the most on-topic share plus coverage). Against the
# earlier rule (direct cosine 0.115 for the best, 0.16 for others), held out: coverage 66.8% -> 77.8% for on topic
# 86.3% -> 85.1%; young draws of 30 / 100 articles more often on topic (72.7 -> 100%, 72.6 -> 76.2%) for less
# coverage (20.9 -> 6.1%, 24.9 -> 19.9%), and 300 more coverage (46.2 -> 52.1%) for less on topic (82.6 -> 80.6%).
# Refitted once cards chose among their 5 best candidates only (before, the likeliest among all 40): held out, on
# topic 85.1% -> 84.8%, coverage 77.8% -> 80.5%, queries off topic 20.8% -> 21.7%.
ON_TOPIC_INTERCEPT = 0.055
ON_TOPIC_WEIGHTS = np.array([0.598, 0.486, 0.050, 0.348, 0.487, -1.424])
STRONGEST_TERMS = 10
FITTED_SIZES = (30, 1000)
SHOW_FIRST = 0.65
SHOW_OTHER = 0.875
# ...and any candidate from this direct cosine, whatever its chance: the model, additive in the log index size,
# under-rates strong matches in a young index (on the tuning half, 93-100% of them are on topic at every size).
SHOW_SURE = 0.2
SAME_STORY_SKETCH = 0.5  # shingle Jaccard from which two texts are one story, whatever their titles
SAME_STORY_TITLE = 0.8  # title-token Jaccard from which two titles (4+ words) match; one story only if, besides,
SAME_TITLE_SKETCH = 0.25  # the texts share this much (a lightly edited copy)...
SAME_TITLE_COSINE = 0.6  # ...or are this close (a rewrite). On the bench's tuning half, same-titled pairs share
# either 0.31 or more of their shingles (re-posts) or 0.125 at most (replies in a thread), and all but one of the
# latter have a cosine under 0.5.
# General-English pseudo-articles (each term in its share of them, textvec.general_shares) added to the index's
# document frequencies: a young index alone gives "think" or "use" the IDF of a topic word, and a fixed show
# threshold meant something else at 30 and at 3,000 articles; past a few thousand articles the index's own
# counts dominate.
IDF_PRIOR_DOCS = 1000
QUERY_LANGUAGES = 4  # a query of unknown language is analysed in at most this many of the index's languages
ONE_LINE_CHARS = 140
# A record's title and line in UTF-8 bytes (not characters: 140 of them can be 560 bytes): with the 508 bytes of
# terms, sketch and neighbours, a record stays under 1 KB for any page, plus its link's own length.
TITLE_BYTES = LINE_BYTES = 200
VECTOR_CACHE = 4096  # weighed document vectors kept per team (~1 KB each)
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
_FORMAT = 2
_HEADER = struct.Struct("<BdBBB")  # format, first shared (epoch s), terms, sketch hashes, neighbours
_HEADER_V1 = struct.Struct("<BdBB")  # records stored before neighbours: read as having none
_SHORT_ID = 4  # bytes of doc_id() a neighbour list keeps: a clash among a query's 40 candidates is negligible
_SEP = "\x1f"
_LANGUAGE = b"l:"  # in the df hash: how many articles of each language the index holds (its IDF counts theirs)


class RelatedItem(BaseModel):
    team_id: str
    canonical_url: str
    title: str = ""
    summary: str = ""
    text: str = ""
    domain: str = ""
    channel_id: str
    channel_is_private: bool = False
    shared_at: datetime
    language: str | None = None  # ISO 639-1, as the digest detected it: the article is analysed in it


class RelatedQuery(BaseModel):
    team_id: str
    channel_id: str  # the reader's channel
    canonical_url: str
    title: str = ""
    text: str = ""
    exclude_urls: list[str] = Field(default_factory=list)
    language: str | None = None  # None (a search's words): tried in the languages the index holds


class RelatedHit(BaseModel):
    canonical_url: str
    title: str
    one_line: str
    domain: str
    shared_at: datetime  # first share
    score: float  # ranking score: cosine with the query expanded by its top matches, plus neighbourhood agreement
    similarity: float  # direct cosine with the query (SHOW_SURE and a search's threshold apply to it)
    shown: bool = True  # whether a card shows it (ranking() lists the ones it does not, too)


def one_line(summary: str, limit: int = ONE_LINE_CHARS) -> str:
    """The summary on one line, cut at a word boundary with an ellipsis when longer than `limit`."""
    flat = " ".join(summary.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,;:.-–—") + "…"


def doc_id(url: str) -> bytes:
    """An article's 8-byte id inside a team's index (its record key, its log, the in-memory maps): shorter than
    the key table's url_hash (keys.py), since the log and every replica's maps hold one per article."""
    return hashlib.blake2b(url.encode(), digest_size=8).digest()


@dataclass
class Doc:
    """One indexed article, as stored (the signature stays packed until it is needed)."""

    url: str
    title: str
    one_line: str
    domain: str
    shared_at: float
    channels: dict[str, bool]  # channel id -> is private
    signature: bytes
    sketch: tuple[int, ...]
    neighbours: bytes = b""  # short ids of the articles it ranked best when added (TeamIndex.neighbours())

    @cached_property
    def title_tokens(self) -> frozenset[str]:
        return textvec.title_tokens(self.title)

    @property
    def public(self) -> bool:
        return not all(self.channels.values())

    def encode(self) -> bytes:
        n_terms, n_sketch = len(self.signature) // 4, len(self.sketch)
        head = _HEADER.pack(_FORMAT, self.shared_at, n_terms, n_sketch, len(self.neighbours) // _SHORT_ID)
        channels = " ".join(("!" if private else "") + cid for cid, private in self.channels.items())
        fields = (self.url, self.title, self.one_line, self.domain, channels)
        text = _SEP.join(f.replace(_SEP, " ") for f in fields).encode()
        return head + self.signature + struct.pack(f"<{n_sketch}I", *self.sketch) + self.neighbours + text

    @classmethod
    def decode(cls, blob: bytes) -> Doc:
        if blob[:1] == bytes([1]):
            _, shared_at, n_terms, n_sketch = _HEADER_V1.unpack_from(blob)
            start, n_neighbours = _HEADER_V1.size, 0
        else:
            fmt, shared_at, n_terms, n_sketch, n_neighbours = _HEADER.unpack_from(blob)
            if fmt != _FORMAT:
                raise ValueError(f"unknown related record format {fmt}")
            start = _HEADER.size
        at = start + 4 * n_terms
        sketch = struct.unpack_from(f"<{n_sketch}I", blob, at)
        at += 4 * n_sketch
        neighbours = blob[at : at + _SHORT_ID * n_neighbours]
        url, title, line, domain, channels = blob[at + len(neighbours) :].decode().split(_SEP)
        chans = {c.lstrip("!"): c.startswith("!") for c in channels.split()}
        return cls(url, title, line, domain, shared_at, chans, blob[start : start + 4 * n_terms], sketch, neighbours)


@dataclass
class TeamIndex:
    """One workspace's in-memory inverted index over the stored signatures."""

    docs: list[Doc] = field(default_factory=list)
    by_hash: dict[bytes, int] = field(default_factory=dict)
    short_ids: bytearray = field(default_factory=bytearray)  # each article's id as neighbour lists name it
    postings: dict[int, tuple[array, array]] = field(default_factory=dict)
    public: bytearray = field(default_factory=bytearray)
    private: dict[str, array] = field(default_factory=dict)
    df: dict[int, int] = field(default_factory=dict)
    n_df: int = 0  # articles counted in df
    languages: dict[str, int] = field(default_factory=dict)  # articles per language, as df counts them
    foreign: int = 0  # articles other replicas added since df was loaded
    local: set[bytes] = field(default_factory=set)  # hashes this replica added and has not applied yet
    next_reweigh: int = 16
    vectors: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # recent doc_vector()s
    log_offset: int = 0
    # (url hash, channel, title, language) -> (index state, neighbours): a card's lookup of a new article from a
    # channel that sees public articles only ranks it as its add() would, a moment before; the add reuses that
    # ranking while the index is unchanged.
    lookups: dict[tuple[bytes, str, str, str], tuple[tuple[int, int], bytes]] = field(default_factory=dict)
    applied: int = 0  # records applied (new articles and re-shares): a re-share can change what a reader sees
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def apply(self, h: bytes, doc: Doc) -> None:
        """Add a new article, or take a known one's channels and first-share time from its newer record."""
        i = self.by_hash.get(h)
        known = set(self.docs[i].channels) if i is not None else set()
        self.applied += 1
        if i is None:
            i = self.by_hash[h] = len(self.docs)
            self.docs.append(doc)
            self.short_ids += h[:_SHORT_ID]
            self.public.append(0)
            self.foreign += h not in self.local
            self.local.discard(h)
            self._post(i)
        else:
            self.docs[i].channels, self.docs[i].shared_at = doc.channels, doc.shared_at
        self.public[i] = int(self.docs[i].public)
        for cid, private in doc.channels.items():
            if private and cid not in known:
                self.private.setdefault(cid, array("i")).append(i)

    def _post(self, i: int) -> None:
        terms, weights = self.doc_vector(i)
        for t, w in zip(terms.tolist(), weights.tolist(), strict=True):
            ids, ws = self.postings.setdefault(t, (array("i"), array("f")))
            ids.append(i)
            ws.append(w)

    def reweigh(self) -> None:
        """Rebuild the postings with today's IDF (posting weights are fixed when an article is applied).

        All articles at once: one IDF lookup and one sort by term, instead of a doc_vector() and ~100 appends
        per article (about a sixth of the time).
        """
        self.vectors = {}
        lengths = [len(doc.signature) // 4 for doc in self.docs]
        terms, weights = textvec.unpack_terms(b"".join(doc.signature for doc in self.docs))
        ids = np.repeat(np.arange(len(self.docs), dtype=np.int32), lengths)
        weighted = weights * self.idf(terms)
        norms = np.sqrt(np.bincount(ids, weights=weighted * weighted, minlength=len(self.docs)))
        weighted = (weighted / np.where(norms > 0, norms, 1.0)[ids]).astype(np.float32)
        order = np.argsort(terms, kind="stable")  # stable: each term's articles stay in index order
        terms, ids, weighted = terms[order], ids[order], weighted[order]
        starts = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])
        ends = np.r_[starts[1:], len(terms)]
        self.postings = {
            t: (array("i", ids[a:b].tobytes()), array("f", weighted[a:b].tobytes()))
            for t, a, b in zip(terms[starts].tolist(), starts.tolist(), ends.tolist(), strict=True)
        }
        self.next_reweigh = 2 * len(self.docs)

    def doc_vector(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """An article's stored terms and their weights under the IDF, normalised (signatures keep IDF-free
        weights). The last VECTOR_CACHE are kept, weighed as when first asked for, like postings, until the
        IDF is renewed: the same neighbours feed many centroids."""
        if (cached := self.vectors.get(i)) is not None:
            return cached
        terms, weights = textvec.unpack_terms(self.docs[i].signature)
        weighted = weights * self.idf(terms)
        cached = self.vectors[i] = terms, weighted / (np.sqrt(np.dot(weighted, weighted)) or 1.0)
        if len(self.vectors) > VECTOR_CACHE:
            del self.vectors[next(iter(self.vectors))]
        return cached

    def idf(self, terms: np.ndarray) -> np.ndarray:
        df = np.fromiter(map(self.df.get, terms.tolist(), repeat(0)), dtype=np.float64, count=len(terms))
        prior = IDF_PRIOR_DOCS * textvec.general_shares(terms)
        return np.log((1 + IDF_PRIOR_DOCS + self.n_df) / (1 + df + prior)) + 1.0

    def vector(self, title: str, text: str, language: str) -> dict[int, float]:
        """The normalised TF-IDF vector of an article."""
        counted = textvec.term_weights(title, text, language)
        terms = np.fromiter(counted, dtype=np.int64, count=len(counted))
        weights = np.fromiter(counted.values(), dtype=np.float64, count=len(counted)) * self.idf(terms)
        return _normalised(dict(zip(terms.tolist(), weights.tolist(), strict=True)))

    def first_pass(self, title: str, text: str, language: str) -> FirstPass:
        """An article's vector, and the first-pass scores of its QUERY_TERMS heaviest terms against every article."""
        own = self.vector(title, text, language)
        heaviest = dict(heapq.nlargest(QUERY_TERMS, own.items(), key=lambda kv: kv[1]))
        query = _normalised(heaviest)
        return FirstPass(query, self.scores(query))

    def scores(self, query: dict[int, float]) -> np.ndarray:
        """Dot product of the query with every stored signature (only the query terms' postings are read)."""
        hits = [(self.postings[t], w) for t, w in query.items() if t in self.postings]
        if not hits:
            return np.zeros(len(self.docs))
        # One join per array instead of a numpy call per term: the same float32 products, a fraction of the calls.
        ids = np.frombuffer(b"".join(p[0] for p, _ in hits), dtype=np.int32)
        postings = np.frombuffer(b"".join(p[1] for p, _ in hits), dtype=np.float32)
        query_weights = np.repeat(np.array([w for _, w in hits], dtype=np.float32), [len(p[0]) for p, _ in hits])
        return np.bincount(ids, weights=postings * query_weights, minlength=len(self.docs))

    def query_languages(self) -> list[str]:
        """The languages a query of unknown language is tried in: the index's QUERY_LANGUAGES commonest."""
        common = sorted(self.languages, key=self.languages.__getitem__, reverse=True)[:QUERY_LANGUAGES]
        return common or [textvec.ENGLISH]

    def visible(self, channel_id: str) -> np.ndarray:
        """Which articles a reader in `channel_id` may see: public ones, and the private ones of this channel."""
        mask = np.frombuffer(self.public, dtype=np.uint8).astype(bool)
        own = self.private.get(channel_id)
        if own:
            mask[np.frombuffer(own, dtype=np.int32)] = True
        return mask

    def centroid(self, ids: list[int], shares: list[float]) -> dict[int, float]:
        """The weighted mean of some articles' stored (normalised) signatures."""
        whole = sum(shares)
        vectors = [self.doc_vector(i) for i in ids]
        terms, where = np.unique(np.concatenate([t for t, _ in vectors]), return_inverse=True)
        weights = np.concatenate([w * (share / whole) for (_, w), share in zip(vectors, shares, strict=True)])
        return dict(zip(terms.tolist(), np.bincount(where, weights=weights).tolist(), strict=True))

    def signature(self, title: str, text: str, language: str) -> bytes:
        """A new article's stored terms: the heaviest of its TF-IDF vector, with the IDF divided out again so that
        a replica loading them later weighs them with the IDF of that day."""
        top = heapq.nlargest(TERMS_PER_DOC, self.vector(title, text, language).items(), key=lambda kv: kv[1])
        terms = np.array([t for t, _ in top], dtype=np.int64)
        weights = np.array([w for _, w in top]) / self.idf(terms)
        return textvec.pack_terms(dict(zip(terms.tolist(), weights.tolist(), strict=True)), TERMS_PER_DOC)

    def cosine(self, a: int, b: int) -> float:
        """The cosine of two indexed articles' weighed signatures."""
        (terms_a, weights_a), (terms_b, weights_b) = self.doc_vector(a), self.doc_vector(b)
        _, at_a, at_b = np.intersect1d(terms_a, terms_b, assume_unique=True, return_indices=True)
        return float(np.dot(weights_a[at_a], weights_b[at_b]))

    def same_story(self, a: int, b: int) -> bool:
        """Whether two indexed articles are one story under two URLs (see same_story())."""
        first = self.docs[a]
        return same_story(first.sketch, first.title_tokens, self.docs[b], lambda: self.cosine(a, b))

    def shortlist(self, ids: np.ndarray, direct: np.ndarray, own_story: list[bool]) -> Shortlist:
        """The rule's view of the candidates `ids` (best first)."""
        places = ids.tolist()
        return Shortlist([float(direct[i]) for i in places], own_story,
                         lambda earlier, later: self.same_story(places[earlier], places[later]))  # fmt: skip

    def rank(
        self, first: FirstPass, visible: np.ndarray, excluded: set[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate ids among the `visible` ones (a visible() mask), best first; their ranking scores
        (Rocchio-expanded cosine); their direct cosines."""
        allowed = visible.copy()
        allowed[list(excluded)] = False
        direct = np.where(allowed, first.scores, -1.0)
        near = _clearing(direct, FEEDBACK_DOCS)
        if not near:  # nothing to learn from: the direct ranking, which shows nothing
            top = _top(direct, CANDIDATES)
            return top[allowed[top]], direct, direct
        s = direct
        for _ in range(FEEDBACK_ROUNDS):
            expanded = dict(first.query)
            # Feedback weighed by squared cosine: a weak 10th match pulls the query less toward a big
            # neighbouring topic (on the bench +0.5 points of P@5 macro over equal weights).
            for t, w in self.centroid(near, [float(s[i]) ** 2 for i in near]).items():
                expanded[t] = expanded.get(t, 0.0) + FEEDBACK_WEIGHT * w
            top_terms = heapq.nlargest(EXPANDED_QUERY_TERMS, expanded.items(), key=lambda kv: kv[1])
            s = np.where(allowed, self.scores(_normalised(dict(top_terms))), -1.0)
            near = _clearing(s, FEEDBACK_DOCS)
        top = _top(s, CANDIDATES)
        return top[allowed[top]], s, direct

    def neighbours(self, h: bytes, channel_id: str, title: str, text: str, language: str) -> bytes:
        """The short ids of a new article's NEIGHBOURS best-ranked public articles, in the index as it stands: what
        its record keeps for by_agreement(), whichever channels it is shared to."""
        state, kept = self.lookups.pop((h, channel_id, title, language), (None, b""))
        if state == self._state():
            return kept
        ids, _, _ = self.rank(self.first_pass(title, text, language), self.visible(PUBLIC_READER), set())
        return self._short_ids(ids[:NEIGHBOURS]).tobytes()

    def keep_lookup(self, key: tuple[bytes, str, str, str], ids: np.ndarray) -> None:
        """Keep the neighbours a lookup of a new article found (rank()'s order), for its add(), where the lookup's
        channel sees no private article (its ranking is then the public reader's)."""
        if key[1] in self.private:
            return
        self.lookups[key] = self._state(), self._short_ids(ids[:NEIGHBOURS]).tobytes()
        if len(self.lookups) > LOOKUPS_KEPT:
            del self.lookups[next(iter(self.lookups))]

    def _state(self) -> tuple[int, int]:
        """What a ranking depends on besides the query: the articles and their channels, and the counts their IDF
        comes from."""
        return self.applied, self.n_df

    def by_agreement(self, ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The candidates re-ranked, best first; the scores with each candidate's NEIGHBOUR_BONUS for every one of
        its stored neighbours that is a candidate too (shared-nearest-neighbour re-ranking); and how many those
        are for each (aligned with the re-ranked ids)."""
        agreement = self.agreement(ids)
        agreed = scores.copy()
        agreed[ids] += NEIGHBOUR_BONUS * agreement
        order = np.argsort(-agreed[ids], kind="stable")
        return ids[order], agreed, agreement[order]

    def agreement(self, ids: np.ndarray) -> np.ndarray:
        """How many of each candidate's stored neighbours are candidates too (aligned with `ids`)."""
        stored = [self.docs[i].neighbours for i in ids.tolist()]
        owners = np.repeat(np.arange(len(ids)), [len(b) // _SHORT_ID for b in stored])
        found = np.isin(np.frombuffer(b"".join(stored), dtype=np.uint32), self._short_ids(ids))
        return np.bincount(owners, weights=found, minlength=len(ids))

    def on_topic(self, first: FirstPass, ids: np.ndarray, agreement: np.ndarray, scores: np.ndarray,
                 direct: np.ndarray, best: float, readable: int) -> np.ndarray:  # fmt: skip
        """Each candidate's chance of being on the query's topic (aligned with `ids`): ON_TOPIC_WEIGHTS over its
        signals()."""
        signals = self.signals(first, ids, agreement, scores, direct, best, readable)
        return 0.5 + 0.5 * np.tanh((ON_TOPIC_INTERCEPT + signals @ ON_TOPIC_WEIGHTS) / 2)  # the logistic, sans overflow

    def signals(self, first: FirstPass, ids: np.ndarray, agreement: np.ndarray, scores: np.ndarray,
                direct: np.ndarray, best: float, readable: int) -> np.ndarray:  # fmt: skip
        """A row per candidate, a column per ON_TOPIC_WEIGHTS signal: `agreement` is by_agreement()'s count of
        stored neighbours among the candidates (aligned with `ids`), `scores` are rank()'s (before the
        neighbourhood agreement), `best` the best direct cosine of a candidate that is not the query's own story,
        `readable` how many articles the reader may see (the index's size for them: a private channel's articles
        must not change what other channels are shown)."""
        strongest = np.array(heapq.nlargest(STRONGEST_TERMS, first.query, key=first.query.__getitem__))
        stored = [self.docs[i].signature for i in ids.tolist()]  # one isin over all of them: 40 cost ~10 ms
        owners = np.repeat(np.arange(len(ids)), [len(b) // 4 for b in stored])
        terms = np.frombuffer(b"".join(stored), dtype="<u4") & textvec.HASH_MASK
        shared = np.bincount(owners, weights=np.isin(terms, strongest), minlength=len(ids))
        cosines = np.maximum(direct[ids], 1e-3)
        size = math.log(min(max(readable, FITTED_SIZES[0]), FITTED_SIZES[1]))
        return np.column_stack([
            np.log(cosines), np.log(np.maximum(scores[ids], 1e-3)), agreement, shared,
            np.full(len(ids), size), np.minimum(cosines / max(best, 1e-3), 1.0),  # above 1 only the same story
        ])  # fmt: skip

    def _short_ids(self, ids: np.ndarray) -> np.ndarray:
        return np.frombuffer(self.short_ids, dtype=np.uint32)[ids]


@dataclass
class Shortlist:
    """The candidates a card chooses from, best first, and what its rule needs of them besides their chances."""

    direct: list[float]  # direct cosine with the query
    own_story: list[bool]  # the query's own story under another URL: never shown
    one_story: Callable[[int, int], bool]  # whether the candidates at two places are one story (TeamIndex.same_story)
    _checked: dict[tuple[int, int], bool] = field(default_factory=dict, repr=False)

    def shown(self, chances: list[float], first: float = SHOW_FIRST, other: float = SHOW_OTHER) -> list[bool]:
        """The card's rule: the candidate likeliest on the query's topic (TeamIndex.on_topic()) is shown if its
        chance reaches `first`, any other if its chance reaches `other`, any whose direct cosine reaches
        SHOW_SURE; never the query's own story, nor a story shown before."""
        places = [n for n, mine in enumerate(self.own_story) if not mine]
        likeliest = max(places, key=chances.__getitem__, default=None)
        cuts = [first if n == likeliest else other for n in range(len(chances))]
        return self._unrepeated([not mine and (chance >= cut or cosine >= SHOW_SURE) for chance, cut, cosine, mine
                                 in zip(chances, cuts, self.direct, self.own_story, strict=True)])  # fmt: skip

    def above(self, threshold: float) -> list[bool]:
        """A search's rule: a direct cosine from `threshold`, never the query's own story nor a repeat."""
        return self._unrepeated([not mine and cosine >= threshold
                                 for cosine, mine in zip(self.direct, self.own_story, strict=True)])  # fmt: skip

    def _unrepeated(self, alone: list[bool]) -> list[bool]:
        """`alone` without a candidate that is the story of one shown before it (checked against shown ones only:
        a search's 40 candidates would cost 780 checks)."""
        shown: list[int] = []
        for n, shows in enumerate(alone):
            if shows and not any(self._one(p, n) for p in shown):
                shown.append(n)
        return [n in shown for n in range(len(alone))]

    def _one(self, earlier: int, later: int) -> bool:
        if (pair := (earlier, later)) not in self._checked:
            self._checked[pair] = self.one_story(earlier, later)
        return self._checked[pair]


@dataclass
class FirstPass:
    query: dict[int, float]  # an article's QUERY_TERMS heaviest TF-IDF terms, normalised
    scores: np.ndarray  # `query` against every article in the index


def _clearing(scores: np.ndarray, limit: int) -> list[int]:
    """The `limit` best that clear MIN_FEEDBACK_SCORE (masked-out articles score -1)."""
    return [int(i) for i in _top(scores, limit) if scores[i] >= MIN_FEEDBACK_SCORE]


def _normalised(weights: dict[int, float]) -> dict[int, float]:
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


def _top(scores: np.ndarray, limit: int) -> np.ndarray:
    if len(scores) > limit:
        part = np.argpartition(-scores, limit)[:limit]
        return part[np.argsort(-scores[part], kind="stable")]
    return np.argsort(-scores, kind="stable")


def same_story(sketch: tuple[int, ...], title: frozenset[str], doc: Doc, cosine: Callable[[], float]) -> bool:
    """One story under two URLs: near-duplicate texts (shingle Jaccard), or near-identical titles of 4+ words over
    texts that share some shingles or whose `cosine` is high. A title alone proves nothing: a reply, a follow-up,
    a "part 2" or a generic headline is another article (on the bench's tuning half, 11% of the articles share
    their exact title with another, in 32 of 34 such groups on one topic: worth showing)."""
    shared = textvec.sketch_jaccard(sketch, doc.sketch)
    if shared >= SAME_STORY_SKETCH:
        return True
    other = doc.title_tokens
    if min(len(title), len(other)) < 4 or len(title & other) / len(title | other) < SAME_STORY_TITLE:
        return False
    return shared >= SAME_TITLE_SKETCH or cosine() >= SAME_TITLE_COSINE


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
        team = self._teams.get(item.team_id)
        if team is None or team.log_offset == 0:
            team = await self._synced(item.team_id)
        h = doc_id(item.canonical_url)
        key = self.item_key(item.team_id, item.canonical_url)
        if h not in team.by_hash:
            language = textvec.language_of(item.language)
            title = clip_bytes(item.title, TITLE_BYTES)
            line = clip_bytes(one_line(item.summary or item.text), LINE_BYTES)
            neighbours = team.neighbours(h, item.channel_id, item.title, item.text, language)
            doc = Doc(item.canonical_url, title, line, item.domain,
                      item.shared_at.timestamp(), {item.channel_id: item.channel_is_private},
                      team.signature(item.title, item.text, language), textvec.shingle_sketch(item.text),
                      neighbours)  # fmt: skip
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
        """Add the channel (and an earlier first-share time) to a stored article, safe against races."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for _ in range(10):
                try:
                    await pipe.watch(key)
                    blob = await pipe.get(key)
                    if blob is None:
                        return
                    doc = Doc.decode(blob)
                    private = doc.channels.get(item.channel_id, True) and item.channel_is_private
                    doc.channels[item.channel_id] = private
                    doc.shared_at = min(doc.shared_at, item.shared_at.timestamp())
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
        return [_hit(team.docs[i], float(agreed[i]), float(direct[i]), s)
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
        team.n_df = int(raw.pop(b"n", 0))
        team.languages = {}
        for key in [key for key in raw if len(key) != 3]:  # terms are 3 bytes, the other fields count languages
            language = textvec.language_of(key.removeprefix(_LANGUAGE).decode(errors="replace"))
            team.languages[language] = team.languages.get(language, 0) + int(raw.pop(key))
            textvec.use_language(language)
        team.df = {int.from_bytes(t, "little"): int(n) for t, n in raw.items()}
        team.vectors = {}
        team.foreign = 0


def _first_pass(team: TeamIndex, query: RelatedQuery, visible: np.ndarray) -> FirstPass:
    """The query analysed in its language, or, when unknown (a search's few words), in each language the index
    holds: the one whose terms best match a `visible` article (one the reader may see) wins."""
    if query.language:
        return team.first_pass(query.title, query.text, textvec.language_of(query.language))
    tries = [team.first_pass(query.title, query.text, language) for language in team.query_languages()]
    return max(tries, key=lambda first: float(np.max(first.scores, where=visible, initial=0.0)))


def _hit(doc: Doc, score: float, similarity: float, shown: bool) -> RelatedHit:
    return RelatedHit(
        canonical_url=doc.url, title=doc.title, one_line=doc.one_line, domain=doc.domain,
        shared_at=datetime.fromtimestamp(doc.shared_at, UTC), score=round(score, 4),
        similarity=round(similarity, 4), shown=shown,
    )  # fmt: skip
