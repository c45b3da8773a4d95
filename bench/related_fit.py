"""Refit what related-reading cards show (bot/memory/related/show.py: ON_TOPIC_WEIGHTS, SHOW_FIRST, SHOW_OTHER) on
the bench's tuning half only: `python -m bench.related_fit`.

Corpora: the whole tuning half, and SEEDS random draws of 30, 100 and 300 of its articles (the young workspaces
`bench related` scores use seeds 0-4; these are 0-15). Each runs through `digestbot related --corpus`'s path, and
every query's top 5 candidates (the ones its card chooses from) give a row: TeamIndex.signals() as the card
computed them, and whether the candidate is on the query's topic; each query keeps its card's Shortlist (direct
cosines, same stories). A logistic regression on those rows gives the weights; the cuts are the pair (the
likeliest candidate's, any other's) which, through the card's own rule (Shortlist.shown(): SHOW_SURE and
same-story suppression included), shows items on topic at least GOAL_WHOLE of the time on the whole half and
GOAL_YOUNG at every young size, with at most MAX_OFF_TOPIC of young queries showing an off-topic item, and with
the most of precision and coverage together: the whole half's share on topic plus its coverage plus the young
sizes' mean coverage. The held-out half is never read.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from bench.related import REDIS_URL, YOUNG_SIZES, Doc, halves, load_docs
from bot.config import Settings
from bot.memory.corpus import CorpusArticle, related_lines
from bot.memory.related.show import Shortlist
from bot.memory.related.team import TeamIndex

SEEDS = 16
TOP = 5
GOAL_WHOLE, GOAL_YOUNG, MAX_OFF_TOPIC = 0.85, 0.80, 0.15
CUTS = np.arange(0.40, 0.96, 0.025)


@dataclass
class Candidate:
    corpus: str  # "whole" or a young size
    query: int  # the query's place in its corpus
    draw: int  # which draw of that size
    signals: np.ndarray
    on_topic: bool
    coverable: bool  # the query has another article of its topic in the corpus
    shortlist: Shortlist  # the query's, as its card judged it (shared by its rows, in their order)


class NoCutsError(RuntimeError):
    """No pair of cuts meets the goals with these weights."""


async def candidates(docs: Sequence[Doc], corpus: str, draw: int) -> list[Candidate]:
    """Every query's top candidates with the signals the card computed for them."""
    seen: dict[str, np.ndarray] = {}  # a candidate's url -> its signals, for the query being ranked
    lists: list[Shortlist] = []  # the query's
    signals, shortlist = TeamIndex.signals, TeamIndex.shortlist

    def recording(team: TeamIndex, first, ids, *args) -> np.ndarray:  # type: ignore[no-untyped-def]
        rows = signals(team, first, ids, *args)
        seen.update({team.docs[i].url: row for i, row in zip(ids.tolist(), rows, strict=True)})
        return rows

    def listing(team: TeamIndex, *args) -> Shortlist:  # type: ignore[no-untyped-def]
        lists.append(shortlist(team, *args))
        return lists[-1]

    articles = [CorpusArticle(id=d.id, title=d.title, text=d.text) for d in docs]
    by_id = {d.id: d for d in docs}
    sizes = Counter(d.topic for d in docs)
    out: list[Candidate] = []
    TeamIndex.signals = recording  # type: ignore[method-assign]
    TeamIndex.shortlist = listing  # type: ignore[method-assign]
    try:
        number = 0
        async for line in related_lines(articles, Settings(REDIS_URL=REDIS_URL), TOP):
            row = json.loads(line)
            query = by_id[row["id"]]
            for hit in row["related"]:
                other = by_id[hit["id"]]
                out.append(Candidate(corpus, number, draw, seen[CorpusArticle(id=other.id, text="").key],
                                     other.topic == query.topic, sizes[query.topic] > 1, lists[-1]))  # fmt: skip
            seen.clear()
            number += 1
    finally:
        TeamIndex.signals = signals  # type: ignore[method-assign]
        TeamIndex.shortlist = shortlist  # type: ignore[method-assign]
    return out


def figures(rows: list[Candidate], chance: np.ndarray, first: float, other: float) -> dict[str, tuple[float, ...]]:
    """Per corpus kind: shown items on topic, coverage, queries showing an off-topic item, each query's rows shown
    as its card's rule shows them with these chances and cuts."""
    by_query: dict[tuple[str, int, int], list[tuple[Candidate, float]]] = {}
    for row, p in zip(rows, chance.tolist(), strict=True):
        by_query.setdefault((row.corpus, row.draw, row.query), []).append((row, p))
    totals: dict[str, list[int]] = {}
    for (corpus, _, _), pairs in by_query.items():
        shows = pairs[0][0].shortlist.shown([p for _, p in pairs], first, other)
        shown = [row for (row, _), s in zip(pairs, shows, strict=True) if s]
        t = totals.setdefault(corpus, [0, 0, 0, 0, 0, 0])
        t[0] += len(shown)
        t[1] += sum(row.on_topic for row in shown)
        t[2] += pairs[0][0].coverable and any(row.on_topic for row in shown)
        t[3] += pairs[0][0].coverable
        t[4] += any(not row.on_topic for row in shown)
        t[5] += 1
    return {c: (t[1] / max(t[0], 1), t[2] / max(t[3], 1), t[4] / t[5]) for c, t in totals.items()}


def best_cuts(rows: list[Candidate], chance: np.ndarray) -> tuple[float, float, dict[str, tuple[float, ...]]]:
    found: list[tuple[float, float, float, dict[str, tuple[float, ...]]]] = []
    young = [str(size) for size in YOUNG_SIZES]
    for first in CUTS:
        for other in CUTS[first <= CUTS]:
            got = figures(rows, chance, first, other)
            if got["whole"][0] >= GOAL_WHOLE and all(
                got[y][0] >= GOAL_YOUNG and got[y][2] <= MAX_OFF_TOPIC for y in young
            ):
                found.append((sum(got["whole"][:2]) + np.mean([got[y][1] for y in young]), first, other, got))
    if not found:
        raise NoCutsError(
            f"no pair of cuts meets the goals ({GOAL_WHOLE:.0%} on topic on the whole half, "
            f"{GOAL_YOUNG:.0%} and at most {MAX_OFF_TOPIC:.0%} of queries off topic at every young size)"
        )
    _, first, other, got = max(found, key=lambda f: f[0])
    return float(first), float(other), got


async def run() -> None:
    tuning = halves(load_docs())["tune"]
    rows = await candidates(tuning, "whole", 0)
    for size in YOUNG_SIZES:
        for seed in range(SEEDS):
            rows += await candidates(random.Random(seed).sample(tuning, size), str(size), seed)
    x = np.array([row.signals for row in rows])
    y = np.array([row.on_topic for row in rows])
    model = LogisticRegression(max_iter=3000).fit(x, y)
    chance = model.predict_proba(x)[:, 1]
    first, other, got = best_cuts(rows, chance)
    print(f"ON_TOPIC_INTERCEPT = {model.intercept_[0]:.3f}")
    print(f"ON_TOPIC_WEIGHTS = np.array([{', '.join(f'{w:.3f}' for w in model.coef_[0])}])")
    print(f"SHOW_FIRST = {first:.3f}\nSHOW_OTHER = {other:.3f}")
    for corpus, (on_topic, coverage, off) in got.items():
        print(f"  {corpus:>6}: on topic {on_topic:.1%}, coverage {coverage:.1%}, queries off topic {off:.1%}")


def main() -> None:
    try:
        asyncio.run(run())
    except NoCutsError as error:
        raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
