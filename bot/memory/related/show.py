"""What a related-reading card shows: each candidate's chance of being on the query's topic, a small logistic model
over the direct cosine and other signals (ON_TOPIC_WEIGHTS, applied by TeamIndex.on_topic() to its signals()), and
the rule that turns chances into shown items (Shortlist): no related reading is better than unrelated reading."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

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
