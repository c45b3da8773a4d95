"""Related-reading benchmark: precision@5 on 20 Newsgroups beside TF-IDF and BM25, then speed and memory at scale.

Quality follows ../shared/bench/related/README.md: every article in turn is the new one, all others are the
index; rank on title + blank line + text. digestbot's engine runs for real (RelatedIndex on the local Redis at
127.0.0.1:6379, under a unique prefix deleted afterwards); the baselines (scikit-learn TF-IDF with sublinear tf
and English stop words, and BM25 k1 1.5 b 0.75 on the same tokens) run in the same process.

Scale: synthetic articles made by splicing the first half of one 20NG article onto the second half of another
of the same topic (the first one's title, a fresh URL, one of 10 channels of which 2 are private), indexed
through RelatedIndex.add to 1,000, 10,000 and 100,000 articles; 300 held-out queries at each size.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
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

from bot.memory.keys import Keys
from bot.memory.related import SHOW_THRESHOLD, RelatedIndex, RelatedItem, RelatedQuery

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "related" / "articles.jsonl.gz"
REDIS_URL = "redis://127.0.0.1:6379/0"
TEAM = "TBENCH"
SCALES = (1_000, 10_000, 100_000)
THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)


@dataclass(frozen=True)
class Doc:
    id: str
    topic: str
    title: str
    text: str

    @property
    def url(self) -> str:
        return f"https://ng.example/{self.id}"


def load_docs(path: Path = DATA) -> list[Doc]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [Doc(r["id"], r["topic"], r["title"], r["text"]) for r in rows]


def item(doc: Doc, url: str, channel: str = "C0", private: bool = False) -> RelatedItem:
    return RelatedItem(team_id=TEAM, canonical_url=url, title=doc.title, summary=doc.text[:300], text=doc.text,
                       domain="ng.example", channel_id=channel, channel_is_private=private,
                       shared_at=datetime(2024, 1, 1, tzinfo=UTC))  # fmt: skip


def query(doc: Doc, url: str) -> RelatedQuery:
    return RelatedQuery(team_id=TEAM, channel_id="C0", canonical_url=url, title=doc.title, text=doc.text)


@dataclass
class Result:
    name: str
    picks: list[list[str]]  # topics of each query's picks, best first
    ms_per_query: float
    build_s: float


def precision(docs: Sequence[Doc], picks: list[list[str]], k: int = 5) -> tuple[float, float, float]:
    """P@k macro by topic, P@k over all queries, and the share of queries showing an off-topic item."""
    per_query = [sum(t == d.topic for t in p[:k]) / k for d, p in zip(docs, picks, strict=True)]
    by_topic: dict[str, list[float]] = {}
    for d, p in zip(docs, per_query, strict=True):
        by_topic.setdefault(d.topic, []).append(p)
    macro = statistics.mean(statistics.mean(v) for v in by_topic.values())
    off = [any(t != d.topic for t in p[:k]) for d, p in zip(docs, picks, strict=True)]
    return macro, statistics.mean(per_query), statistics.mean(off)


def matrix_result(name: str, docs: Sequence[Doc], build: Callable[[list[str]], np.ndarray]) -> Result:
    """Rank with a dense similarity matrix from `build` (leave-one-out)."""
    texts = [f"{d.title}\n\n{d.text}" for d in docs]
    start = time.perf_counter()
    sims = build(texts)
    elapsed = time.perf_counter() - start
    np.fill_diagonal(sims, -np.inf)
    top = np.argsort(-sims, axis=1)[:, :5]
    return Result(name, [[docs[j].topic for j in row] for row in top], 1000 * elapsed / len(docs), 0.0)


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


async def digestbot_quality(
    docs: Sequence[Doc], client: redis.asyncio.Redis
) -> tuple[Result, list[list[float]], list[float]]:
    """Index every article, then query each one (its own URL is excluded, as a re-share would be)."""
    index = RelatedIndex(client, Keys(f"bench:{uuid.uuid4().hex}:"), threshold=float("-inf"))
    by_url = {d.url: d for d in docs}
    start = time.perf_counter()
    for d in docs:
        await index.add(item(d, d.url))
    build_s = time.perf_counter() - start
    picks, scores = [], []
    start = time.perf_counter()
    for d in docs:
        hits = await index.related(query(d, d.url))
        picks.append([by_url[h.canonical_url].topic for h in hits])
        scores.append([h.similarity for h in hits])
    ms = 1000 * (time.perf_counter() - start) / len(docs)
    absent = await absent_topic_scores(index, docs)
    await delete_prefix(client, index.prefix)
    return Result("digestbot (Snowball TF-IDF, title x2, doc + query expansion)", picks, ms, build_s), scores, absent


async def absent_topic_scores(index: RelatedIndex, docs: Sequence[Doc]) -> list[float]:
    """For every 4th article, its best direct similarity when its whole topic is excluded from the index."""
    by_topic: dict[str, list[str]] = {}
    for d in docs:
        by_topic.setdefault(d.topic, []).append(d.url)
    best = []
    for d in docs[::4]:
        hits = await index.related(query(d, d.url).model_copy(update={"exclude_urls": by_topic[d.topic]}))
        best.append(max(h.similarity for h in hits) if hits else float("-inf"))
    return best


def print_quality(docs: Sequence[Doc], results: list[Result]) -> None:
    print(f"20 Newsgroups: {len(docs)} articles, {len({d.topic for d in docs})} topics, leave-one-out, top 5")
    print(f"{'engine':62} {'P@5 macro':>9} {'P@5 all':>8} {'off-topic':>9} {'ms/query':>8} {'build s':>8}")
    for r in results:
        macro, overall, off = precision(docs, r.picks)
        print(f"{r.name:62} {macro:9.1%} {overall:8.1%} {off:9.1%} {r.ms_per_query:8.2f} {r.build_s:8.1f}")
    print("(baselines: ms/query is the whole similarity matrix divided by the queries; build is inside it)")


def print_thresholds(
    docs: Sequence[Doc], picks: list[list[str]], scores: list[list[float]], absent: list[float]
) -> None:
    """What a threshold on the final score does to normal queries, and to queries whose topic is absent."""
    print(f"\ndigestbot at a similarity threshold (shipped: {SHOW_THRESHOLD}); the last column: queries whose")
    print("whole topic was excluded from the index (anything shown is off-topic), share showing something:")
    print(f"{'threshold':>9} {'off-topic':>9} {'precision of shown':>18} {'items shown':>11} {'nothing shown':>13}"
          f" {'topic absent, shown':>19}")  # fmt: skip
    for t in sorted({*THRESHOLDS, SHOW_THRESHOLD}):
        kept = [[p for p, s in zip(ps, ss, strict=True) if s >= t] for ps, ss in zip(picks, scores, strict=True)]
        off = statistics.mean(any(p != d.topic for p in k) for d, k in zip(docs, kept, strict=True))
        shown = sum(len(k) for k in kept)
        right = sum(p == d.topic for d, k in zip(docs, kept, strict=True) for p in k)
        empty = statistics.mean(not k for k in kept)
        wrong = statistics.mean(s >= t for s in absent)
        print(
            f"{t:9.2f} {off:9.1%} {right / max(shown, 1):18.1%} {shown / len(docs):11.2f} {empty:13.1%} {wrong:19.1%}"
        )


def synthetic(docs: Sequence[Doc], n: int, rng: random.Random) -> list[tuple[RelatedItem, str]]:
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
        out.append((item(spliced, spliced.url, f"C{channel}", private=channel >= 8), a.topic))
    return out


async def scale(docs: Sequence[Doc], client: redis.asyncio.Redis) -> None:
    rng = random.Random(5)
    held_out = rng.sample(list(docs), 300)
    index = RelatedIndex(client, Keys(f"bench:{uuid.uuid4().hex}:"))
    items = synthetic(docs, SCALES[-1], rng)
    print("\nScale (synthetic spliced 20NG articles; 300 held-out 20NG queries from a public channel):")
    print(f"{'indexed':>8} {'index/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'record B':>8} {'all keys B/article':>18}")
    done = 0
    try:
        for size in SCALES:
            start = time.perf_counter()
            for it, _ in items[done:size]:
                await index.add(it)
            rate = (size - done) / (time.perf_counter() - start)
            done = size
            times = []
            for d in held_out:
                t0 = time.perf_counter()
                await index.related(query(d, d.url))
                times.append(1000 * (time.perf_counter() - t0))
            record, total = await memory(client, index, [it for it, _ in items[:size]], rng)
            p50, p99 = np.percentile(times, [50, 99])
            print(f"{size:8,} {rate:8.0f} {p50:7.2f} {p99:7.2f} {record:8.0f} {total:18.0f}")
    finally:
        await delete_prefix(client, index.prefix)


async def memory(
    client: redis.asyncio.Redis, index: RelatedIndex, items: list[RelatedItem], rng: random.Random
) -> tuple[float, float]:
    """Mean MEMORY USAGE of 200 article records, and of every key under the prefix divided by the articles."""
    sample = rng.sample(items, min(200, len(items)))
    keys = [index.item_key(it.team_id, it.canonical_url) for it in sample]
    record = statistics.mean([await client.memory_usage(k, samples=0) or 0 for k in keys])
    shared = [index._key(TEAM, "log"), index._key(TEAM, "df")]
    total = record * len(items) + sum([await client.memory_usage(k, samples=0) or 0 for k in shared])
    return record, total / len(items)


async def delete_prefix(client: redis.asyncio.Redis, prefix: str) -> None:
    async for key in client.scan_iter(match=f"{prefix}*", count=1000):
        await client.delete(key)


async def run(quality_only: bool) -> None:
    docs = load_docs()
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    try:
        ours, scores, absent = await digestbot_quality(docs, client)
        results = [
            matrix_result("TF-IDF cosine (scikit-learn, sublinear tf, English stop words)", docs, tfidf_sims),
            matrix_result("BM25 (k1 1.5, b 0.75, same tokens, whole article as query)", docs, bm25_sims),
            ours,
        ]
        print_quality(docs, results)
        print_thresholds(docs, ours.picks, scores, absent)
        if not quality_only:
            await scale(docs, client)
    finally:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality-only", action="store_true", help="the 20NG table only, skip the scale runs")
    asyncio.run(run(parser.parse_args().quality_only))


if __name__ == "__main__":
    main()
