"""Related-reading benchmark: ranking and what cards show on 20 Newsgroups, beside TF-IDF and BM25; young
workspaces; then speed and memory at scale.

Quality follows ../shared/bench/related/README.md: every article in turn is the new one, all others are the
index; rank on title + blank line + text. digestbot runs through the product's path: `digestbot related
--corpus` (bot/memory/corpus.py: RelatedIndex on the local Redis at 127.0.0.1:6379 under a unique prefix, dropped
afterwards), whose `shown` is what a card would show. The baselines (scikit-learn TF-IDF with sublinear tf and
English stop words, shown at the 0.10 cosine threshold; BM25 k1 1.5 b 0.75 on the same tokens) run in the same
process on the same articles.

The set is split in two halves by a fixed hash of each article's id, decided before any tuning: the engine is
tuned on the first half only, and the second ("held-out") says whether a choice holds on articles it was not
tuned on. Each half is also scored on its own, as a corpus of its own; "whole" is the shared set.

Young workspaces: 30, 100 and 300 random articles of a half (SEEDS draws each), each draw a corpus of its own.

Scale: synthetic articles made by splicing the first half of one 20NG article onto the second half of another
of the same topic (the first one's title, a fresh URL, one of 10 channels of which 2 are private), indexed
through RelatedIndex.add to 1,000, 10,000 and 100,000 articles; 300 held-out queries at each size.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import random
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import redis.asyncio
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from bot.config import Settings
from bot.memory.corpus import CorpusArticle, related_lines
from bot.memory.keys import Keys
from bot.memory.related.index import RelatedIndex
from bot.memory.related.models import RelatedItem, RelatedQuery

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "related" / "articles.jsonl.gz"
REDIS_URL = "redis://127.0.0.1:6379/0"
TEAM = "TBENCH"
K = 5
SCALES = (1_000, 10_000, 100_000)
YOUNG_SIZES = (30, 100, 300)
SEEDS = 5
TFIDF_SHOWN = 0.10  # the cosine from which the plain TF-IDF peer "shows" an item (the issue's comparison)


@dataclass(frozen=True)
class Doc:
    id: str
    topic: str
    title: str
    text: str

    @property
    def url(self) -> str:
        return f"https://ng.example/{self.id}"

    @property
    def tuning(self) -> bool:
        """The fixed split: an article whose id hashes even is in the tuning half."""
        return int(hashlib.sha1(self.id.encode()).hexdigest(), 16) % 2 == 0


def load_docs(path: Path = DATA) -> list[Doc]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [Doc(r["id"], r["topic"], r["title"], r["text"]) for r in rows]


def halves(docs: Sequence[Doc]) -> dict[str, list[Doc]]:
    return {"tune": [d for d in docs if d.tuning], "held-out": [d for d in docs if not d.tuning], "whole": list(docs)}


# --- what an engine picks: per query, its top K as (on the query's topic, shown) -------------------------------

Picks = list[list[tuple[bool, bool]]]


@dataclass
class Run:
    name: str
    picks: Picks
    seconds: float
    shows: bool = True  # whether the engine decides what to show (BM25 only ranks)


async def digestbot(docs: Sequence[Doc]) -> Run:
    """`digestbot related --corpus` on these articles, in process (the same generator the command prints)."""
    topic = {d.id: d.topic for d in docs}
    articles = [CorpusArticle(id=d.id, title=d.title, text=d.text) for d in docs]
    picks: Picks = []
    start = time.perf_counter()
    async for line in related_lines(articles, Settings(REDIS_URL=REDIS_URL), K):
        row = json.loads(line)
        picks.append([(topic[r["id"]] == topic[row["id"]], r["shown"]) for r in row["related"]])
    return Run("digestbot (`related --corpus`, as cards)", picks, time.perf_counter() - start)


def matrix_run(name: str, docs: Sequence[Doc], build: Callable[[list[str]], np.ndarray], shown_from: float) -> Run:
    """Rank with a dense similarity matrix from `build` (leave-one-out); items from `shown_from` are shown."""
    start = time.perf_counter()
    sims = build([f"{d.title}\n\n{d.text}" for d in docs])
    np.fill_diagonal(sims, -np.inf)
    top = np.argsort(-sims, axis=1, kind="stable")[:, :K]
    picks = [[(docs[j].topic == d.topic, bool(sims[i, j] >= shown_from)) for j in row]
             for i, (d, row) in enumerate(zip(docs, top, strict=True))]  # fmt: skip
    return Run(name, picks, time.perf_counter() - start, shows=shown_from < np.inf)


def tfidf_run(docs: Sequence[Doc]) -> Run:
    return matrix_run(f"TF-IDF (sublinear tf, English stop words), shown from {TFIDF_SHOWN}", docs, tfidf_sims,
                      TFIDF_SHOWN)  # fmt: skip


def bm25_run(docs: Sequence[Doc]) -> Run:
    return matrix_run("BM25 (k1 1.5, b 0.75, whole article as query)", docs, bm25_sims, np.inf)


def tfidf_sims(texts: list[str]) -> np.ndarray:
    x = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    return (x @ x.T).toarray()


def bm25_sims(texts: list[str], k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    counts = CountVectorizer(stop_words="english").fit_transform(texts).tocsr().astype(float)
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    docs = counts.copy()
    rows = np.repeat(np.arange(n), np.diff(docs.indptr))
    tf = docs.data
    docs.data = tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[rows] / lengths.mean())) * idf[docs.indices]
    queries = counts.copy()
    queries.data = np.ones_like(queries.data)  # the whole article, each distinct term once
    return (queries @ docs.T).toarray()


# --- the figures ------------------------------------------------------------------------------------------------


@dataclass
class Shown:
    shown: int  # items shown
    right: int  # of which on the query's topic
    covered: int  # queries having another article of their topic that show one
    coverable: int  # queries having another article of their topic
    off: int  # queries showing an off-topic item
    queries: int

    def __add__(self, other: Shown) -> Shown:
        return Shown(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (self.shown, self.right, self.covered, self.coverable, self.off, self.queries)

    def cells(self) -> str:
        precision = self.right / self.shown if self.shown else float("nan")
        return (f"{precision:8.1%} {self.covered / max(self.coverable, 1):9.1%} {self.off / self.queries:10.1%}"
                f" {self.shown / self.queries:6.2f}")  # fmt: skip


def p_at_k(docs: Sequence[Doc], picks: Picks) -> float:
    """P@K macro: the mean per topic of the share of each query's top K on its topic."""
    by_topic: dict[str, list[float]] = {}
    for d, p in zip(docs, picks, strict=True):
        by_topic.setdefault(d.topic, []).append(sum(right for right, _ in p) / K)
    return statistics.mean(statistics.mean(v) for v in by_topic.values())


def shown(docs: Sequence[Doc], picks: Picks) -> Shown:
    sizes: dict[str, int] = {}
    for d in docs:
        sizes[d.topic] = sizes.get(d.topic, 0) + 1
    coverable = [sizes[d.topic] > 1 for d in docs]
    return Shown(
        shown=sum(s for p in picks for _, s in p),
        right=sum(r and s for p in picks for r, s in p),
        covered=sum(c and any(r and s for r, s in p) for c, p in zip(coverable, picks, strict=True)),
        coverable=sum(coverable),
        off=sum(any(s and not r for r, s in p) for p in picks),
        queries=len(picks),
    )


async def ranking_table(parts: dict[str, list[Doc]]) -> None:
    runs = {name: [await digestbot(docs), tfidf_run(docs), bm25_run(docs)] for name, docs in parts.items()}
    names = [r.name for r in next(iter(runs.values()))]
    print(f"20 Newsgroups, leave-one-out, top {K}: " + ", ".join(f"{n} {len(d):,} articles" for n, d in parts.items()))
    print(f"\nRanking, P@{K} macro:")
    print(f"{'engine':60} " + " ".join(f"{n:>9}" for n in parts))
    for i, name in enumerate(names):
        print(f"{name:60} " + " ".join(f"{p_at_k(parts[n], runs[n][i].picks):9.1%}" for n in parts))
    print("\nWhat cards show: items on topic / queries with a same-topic article that show one / queries showing an")
    print("off-topic item / items shown per query:")
    print(f"{'engine':60} {'half':>8} {'on topic':>8} {'coverage':>9} {'off-topic':>10} {'shown':>6} {'s':>5}")
    for i, name in enumerate(names):
        for n, docs in parts.items():
            run = runs[n][i]
            if run.shows:
                print(f"{name:60} {n:>8} {shown(docs, run.picks).cells()} {run.seconds:5.1f}")


async def young_table(parts: dict[str, list[Doc]], seeds: int = SEEDS) -> None:
    print(f"\nYoung workspaces: {seeds} random draws of each size from a half, each a corpus of its own (pooled):")
    print(f"{'engine':60} {'half':>8} {'size':>5} {'on topic':>8} {'coverage':>9} {'off-topic':>10} {'shown':>6}")
    for name, docs in parts.items():
        for size in YOUNG_SIZES:
            totals: dict[str, Shown] = {}
            for seed in range(seeds):
                draw = random.Random(seed).sample(docs, size)
                for run in (await digestbot(draw), tfidf_run(draw)):
                    totals[run.name] = totals.get(run.name, Shown(0, 0, 0, 0, 0, 0)) + shown(draw, run.picks)
            for engine, total in totals.items():
                print(f"{engine:60} {name:>8} {size:5} {total.cells()}")


# --- scale ------------------------------------------------------------------------------------------------------


def item(doc: Doc, url: str, channel: str = "C0", private: bool = False) -> RelatedItem:
    return RelatedItem(team_id=TEAM, canonical_url=url, title=doc.title, summary=doc.text[:300], text=doc.text,
                       domain="ng.example", channel_id=channel, channel_is_private=private,
                       shared_at=datetime(2024, 1, 1, tzinfo=UTC))  # fmt: skip


def query(doc: Doc, url: str) -> RelatedQuery:
    return RelatedQuery(team_id=TEAM, channel_id="C0", canonical_url=url, title=doc.title, text=doc.text)


def synthetic(docs: Sequence[Doc], n: int, rng: random.Random) -> list[RelatedItem]:
    by_topic: dict[str, list[Doc]] = {}
    for d in docs:
        by_topic.setdefault(d.topic, []).append(d)
    topics = sorted(by_topic)
    out = []
    for _ in range(n):
        a, b = rng.sample(by_topic[rng.choice(topics)], 2)
        wa, wb = a.text.split(), b.text.split()
        text = " ".join(wa[: len(wa) // 2] + wb[len(wb) // 2 :])
        channel = rng.randrange(10)
        spliced = Doc(uuid.uuid4().hex, a.topic, a.title, text)
        out.append(item(spliced, spliced.url, f"C{channel}", private=channel >= 8))
    return out


async def scale(docs: Sequence[Doc], client: redis.asyncio.Redis, sizes: Sequence[int]) -> None:
    rng = random.Random(5)
    held_out = rng.sample(list(docs), 300)
    index = RelatedIndex(client, Keys(f"bench:{uuid.uuid4().hex}:"))
    items = synthetic(docs, sizes[-1], rng)
    print("\nScale (synthetic spliced 20NG articles; 300 held-out 20NG queries from a public channel):")
    print(f"{'indexed':>8} {'index/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'record B':>8} {'all keys B/article':>18}")
    done = 0
    try:
        for size in sizes:
            start = time.perf_counter()
            for it in items[done:size]:
                await index.add(it)
            rate = (size - done) / (time.perf_counter() - start)
            done = size
            times = []
            for d in held_out:
                t0 = time.perf_counter()
                await index.related(query(d, d.url))
                times.append(1000 * (time.perf_counter() - t0))
            record, total = await memory(client, index, items[:size], rng)
            p50, p99 = np.percentile(times, [50, 99])
            print(f"{size:8,} {rate:8.0f} {p50:7.2f} {p99:7.2f} {record:8.0f} {total:18.0f}")
    finally:
        await index.drop(TEAM)


async def memory(
    client: redis.asyncio.Redis, index: RelatedIndex, items: list[RelatedItem], rng: random.Random
) -> tuple[float, float]:
    """Mean MEMORY USAGE of 200 article records, and of every key of the index divided by the articles."""
    sample = rng.sample(items, min(200, len(items)))
    keys = [index.item_key(it.team_id, it.canonical_url) for it in sample]
    record = statistics.mean([await client.memory_usage(k, samples=0) or 0 for k in keys])
    shared = [index.keys.related(TEAM, "log"), index.keys.related(TEAM, "df")]
    total = record * len(items) + sum([await client.memory_usage(k, samples=0) or 0 for k in shared])
    return record, total / len(items)


async def run(quick: bool, quality_only: bool, scale_only: bool) -> None:
    docs = load_docs()
    if not scale_only:
        parts = halves(docs)
        await ranking_table(parts)
        await young_table({n: parts[n] for n in ("tune", "held-out")})
    if not quality_only:
        client = redis.asyncio.Redis.from_url(REDIS_URL)
        try:
            await scale(docs, client, SCALES[:-1] if quick else SCALES)
        finally:
            await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100k scale run")
    parser.add_argument("--quality-only", action="store_true", help="the quality tables only, no scale runs")
    parser.add_argument("--scale-only", action="store_true", help="the scale runs only (time them on a quiet machine)")
    args = parser.parse_args()
    asyncio.run(run(args.quick, args.quality_only, args.scale_only))


if __name__ == "__main__":
    main()
