"""An author box closing the text (a heading about the byline's writer, then the bio), cut from its heading on.

An author box opens with a heading about the writer: a generic one, or "About <the byline's name>". A generic heading
may also introduce the author of a book the text reviews, so where a byline is known its box counts as the writer's
only where its first lines name the byline's writer (the whole name, or the surname as a capitalised word: "Long",
not "for a long time"). Without a byline (most pages) the box is a site's author box far more often.
"""

from __future__ import annotations

import re

from bot.pipeline.extract.lines import WORDS
from bot.pipeline.metadata.names import NAME_SPLIT

_AUTHOR_BOX_HEADING = re.compile(
    r"(?:about the authors?|author bio|über (?:den|die) autor(?:in|en|innen)?|zu[mr] autor(?:in)?|"
    r"à propos de l'auteur|sobre (?:el|la|o|a) autora?|o autorze|over de auteur)\s*:?$"
)
_ABOUT_WORDS = ("about", "more about", "über", "mehr über")
_AUTHOR_BOX_REACH = 4  # the box's heading lies among the text's last lines
_AUTHOR_BOX_BIO_LINES = 2  # where the bio under a generic heading names its writer
_SURNAME_MIN_CHARS = 3


def without_author_box(paragraphs: list[str], author: str | None) -> list[str]:
    """The paragraphs up to an author box closing them (its heading, the writer's bio, links to their posts)."""
    names = [name.strip() for name in NAME_SPLIT.split(author or "") if name.strip()]
    headings = {f"{about} {name.lower()}" for about in _ABOUT_WORDS for name in names}
    for index in range(max(1, len(paragraphs) - _AUTHOR_BOX_REACH), len(paragraphs)):
        heading = paragraphs[index].strip().lower()
        if heading in headings:
            return paragraphs[:index]
        if _AUTHOR_BOX_HEADING.match(heading):
            bio = " ".join(paragraphs[index + 1 : index + 1 + _AUTHOR_BOX_BIO_LINES])
            return paragraphs[:index] if not names or _names_any(bio, names) else paragraphs
    return paragraphs


def _names_any(text: str, names: list[str]) -> bool:
    """Whether `text` names one of the writers: the whole name (in any case), or the surname as a capitalised word."""
    lowered = text.lower()
    words = {word.lower() for word in WORDS.findall(text) if word[0].isupper()}
    for name in names:
        surname = name.split()[-1].lower() if name.split() else ""
        if name.lower() in lowered or (len(surname) >= _SURNAME_MIN_CHARS and surname in words):
            return True
    return False
