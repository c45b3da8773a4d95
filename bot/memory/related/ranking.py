"""How related reading ranks (measured on 20 Newsgroups, see bench/related.py): its parameters, each with what it
gained, and the score helpers.

TF-IDF cosine over Snowball stems, with BM25's saturated term frequency and a title boost, the IDF backed by general
English word frequencies so that a score means the same in a young index and a big one; each query is expanded with
its top results weighted by squared cosine (Rocchio pseudo-relevance feedback); the candidates are then re-ranked by
how many of the neighbours each stored when it was added are candidates too (shared nearest neighbours). Stored
signatures are the articles' own terms: expanding them with their neighbours at indexing time gained ranking in a
big index but, in a young one, filled early articles with the vocabulary of whatever topics came first (a stored
list of neighbours only re-orders what a query finds by its own terms).

The ranking itself is TeamIndex's (first_pass(), rank(), by_agreement()): it reads the index's postings and vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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


@dataclass
class FirstPass:
    query: dict[int, float]  # an article's QUERY_TERMS heaviest TF-IDF terms, normalised
    scores: np.ndarray  # `query` against every article in the index


def clearing(scores: np.ndarray, limit: int) -> list[int]:
    """The `limit` best that clear MIN_FEEDBACK_SCORE (masked-out articles score -1)."""
    return [int(i) for i in best_first(scores, limit) if scores[i] >= MIN_FEEDBACK_SCORE]


def normalised(weights: dict[int, float]) -> dict[int, float]:
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


def best_first(scores: np.ndarray, limit: int) -> np.ndarray:
    if len(scores) > limit:
        part = np.argpartition(-scores, limit)[:limit]
        return part[np.argsort(-scores[part], kind="stable")]
    return np.argsort(-scores, kind="stable")
