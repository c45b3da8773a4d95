"""One workspace's in-memory related-reading index (TeamIndex): its articles as read from Redis, their postings
weighed with the index's document frequencies, and what reads them: the ranking (its parameters in ranking.py),
the on-topic signals (their weights in show.py) and the neighbour lists new articles store.

One class, whole: every part reads the same articles, postings and cached vectors.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from array import array
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np

from bot.memory import textvec
from bot.memory.related.ranking import (
    CANDIDATES,
    EXPANDED_QUERY_TERMS,
    FEEDBACK_DOCS,
    FEEDBACK_ROUNDS,
    FEEDBACK_WEIGHT,
    NEIGHBOUR_BONUS,
    NEIGHBOURS,
    QUERY_TERMS,
    FirstPass,
    best_first,
    clearing,
    normalised,
)
from bot.memory.related.record import SHORT_ID, Doc
from bot.memory.related.show import FITTED_SIZES, ON_TOPIC_INTERCEPT, ON_TOPIC_WEIGHTS, STRONGEST_TERMS, Shortlist
from bot.memory.related.story import same_story

TERMS_PER_DOC = 96  # stored signature size: 4 bytes a term (64 terms cost ~0.7 points of P@5)
# General-English pseudo-articles (each term in its share of them, textvec.general_shares) added to the index's
# document frequencies: a young index alone gives "think" or "use" the IDF of a topic word, and a fixed show
# threshold meant something else at 30 and at 3,000 articles; past a few thousand articles the index's own
# counts dominate.
IDF_PRIOR_DOCS = 1000
QUERY_LANGUAGES = 4  # a query of unknown language is analysed in at most this many of the index's languages
VECTOR_CACHE = 4096  # weighed document vectors kept per team (~1 KB each)
LOOKUPS_KEPT = 64  # new articles' neighbours kept from their cards' lookups until they are added
# Neighbour lists are ranked as a reader who sees public articles only (a channel with no private article): a list
# is used in every channel the article is later shared to, so a private channel's articles must not choose it.
PUBLIC_READER = ""


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
        """Add a new article, or take a known one's channels and first-share times from its newer record."""
        i = self.by_hash.get(h)
        known = set(self.docs[i].channels) if i is not None else set()
        self.applied += 1
        if i is None:
            i = self.by_hash[h] = len(self.docs)
            self.docs.append(doc)
            self.short_ids += h[:SHORT_ID]
            self.public.append(0)
            self.foreign += h not in self.local
            self.local.discard(h)
            self._post(i)
        else:
            kept = self.docs[i]
            kept.channels, kept.shared_at, kept.private_since = doc.channels, doc.shared_at, doc.private_since
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
        return normalised(dict(zip(terms.tolist(), weights.tolist(), strict=True)))

    def first_pass(self, title: str, text: str, language: str) -> FirstPass:
        """An article's vector, and the first-pass scores of its QUERY_TERMS heaviest terms against every article."""
        own = self.vector(title, text, language)
        heaviest = dict(heapq.nlargest(QUERY_TERMS, own.items(), key=lambda kv: kv[1]))
        query = normalised(heaviest)
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
        near = clearing(direct, FEEDBACK_DOCS)
        if not near:  # nothing to learn from: the direct ranking, which shows nothing
            top = best_first(direct, CANDIDATES)
            return top[allowed[top]], direct, direct
        s = direct
        for _ in range(FEEDBACK_ROUNDS):
            expanded = dict(first.query)
            # Feedback weighed by squared cosine: a weak 10th match pulls the query less toward a big
            # neighbouring topic (on the bench +0.5 points of P@5 macro over equal weights).
            for t, w in self.centroid(near, [float(s[i]) ** 2 for i in near]).items():
                expanded[t] = expanded.get(t, 0.0) + FEEDBACK_WEIGHT * w
            top_terms = heapq.nlargest(EXPANDED_QUERY_TERMS, expanded.items(), key=lambda kv: kv[1])
            s = np.where(allowed, self.scores(normalised(dict(top_terms))), -1.0)
            near = clearing(s, FEEDBACK_DOCS)
        top = best_first(s, CANDIDATES)
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
        owners = np.repeat(np.arange(len(ids)), [len(b) // SHORT_ID for b in stored])
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
