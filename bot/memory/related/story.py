"""One story under two URLs (a re-post, a lightly edited copy, a rewrite): never shown as related reading to
itself, nor twice on one card."""

from __future__ import annotations

from collections.abc import Callable

from bot.memory import textvec
from bot.memory.related.record import Doc

SAME_STORY_SKETCH = 0.5  # shingle Jaccard from which two texts are one story, whatever their titles
SAME_STORY_TITLE = 0.8  # title-token Jaccard from which two titles (4+ words) match; one story only if, besides,
SAME_TITLE_SKETCH = 0.25  # the texts share this much (a lightly edited copy)...
SAME_TITLE_COSINE = 0.6  # ...or are this close (a rewrite). On the bench's tuning half, same-titled pairs share
# either 0.31 or more of their shingles (re-posts) or 0.125 at most (replies in a thread), and all but one of the
# latter have a cosine under 0.5.


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
