"""The show-rule fit (bench/related_fit.py) judges cuts through the card's own rule."""

from __future__ import annotations

import numpy as np
import pytest

from bench.related_fit import Candidate, NoCutsError, best_cuts, figures
from bot.memory.related.show import Shortlist


def query_rows(corpus: str, on_topic: list[bool], shortlist: Shortlist) -> list[Candidate]:
    return [Candidate(corpus, 0, 0, np.zeros(6), right, True, shortlist) for right in on_topic]


def test_figures_apply_the_cards_rule_own_story_and_sure_matches_included() -> None:
    """The query's own story (on topic, and likeliest) is not shown, and a sure match shows at any chance."""
    shortlist = Shortlist([0.9, 0.3, 0.01], [True, False, False], lambda a, b: False)
    rows = query_rows("whole", [True, True, False], shortlist)
    assert figures(rows, np.array([0.99, 0.1, 0.5]), 0.4, 0.9)["whole"] == (0.5, 1.0, 1.0)


def test_no_cuts_meeting_the_goals_is_said_so() -> None:
    shortlist = Shortlist([0.1], [False], lambda a, b: False)
    rows = [row for corpus in ("whole", "30", "100", "300") for row in query_rows(corpus, [False], shortlist)]
    with pytest.raises(NoCutsError, match="no pair of cuts"):
        best_cuts(rows, np.array([0.99] * len(rows)))
