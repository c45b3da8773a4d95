"""A byline's line: where a line of the page's text ends, and where the name in a byline's text starts and ends.

The byline scans (marked_bylines.py, text_bylines.py) and the signatures (signatures.py) find where a byline
stands; this is how they cut the name out of its line, whatever the markup, the date or the links around it.
"""

from __future__ import annotations

import re
from functools import cache

from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.metadata.byline_words import BYLINE_LABEL, BYLINE_WORDS, DESK_LABEL
from bot.pipeline.metadata.markup import calendar_names, squash

# The byline word inside a longer line: "29. Juni 2017, 23:39 · von Tobi"
_BYLINE_INSIDE = re.compile(
    rf"(?:^|(?<=[\s,·|:]))(?:{BYLINE_WORDS}\s*:?|{BYLINE_LABEL}\s*:|{DESK_LABEL}"
    r"|(?:autor|autorin|autoren|authors?)(?=\s+[A-ZÄÖÜ]))"
    r"\s+(?=\S)",
    re.IGNORECASE,
)
# A date, then the name: "11.12.2019 - Jane Doe", "11. Dezember 2019 | Jane Doe", "December 11, 2019 · Jane Doe" (a
# meta line under a headline); the match ends where the name starts
DATED_LINE = re.compile(
    r"^(?:\d{1,2}[./]\s?\d{1,2}[./]\s?\d{2,4}|\d{4}-\d\d-\d\d"
    r"|\d{1,2}\.?\s+[^\W\d_]{3,}\.?\s+\d{4}|[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{4})\s+[-|·–—]\s+"
)
DATED_NAME = re.compile(DATED_LINE.pattern + r"(?=(?:[^\W\d_][\w'’.-]*\s+){1,3}[^\W\d_][\w'’.-]*$)")
# Where the name ends: a date or time, "am"/"on"/"le" before one, a separator, a parenthesis.
_BYLINE_END = re.compile(
    r"\s+(?:am|on|le|el|il|em|op|den|updated|aktualisiert|veröffentlicht|published)\s+.*$|\s*[|·•(\[–—]\s*.*$|\s+-\s+.*$"
    r"|\s+(?:at|um|à|às|alle)\s+\d.*$"  # the time after the name: Blogger's "Posted by Jane Doe at 10:00 AM"
    # the post's category or place after the name: "Posted by Jane Doe in News", "von Tobi unter Allgemein"
    r"|\s+(?:in|under|unter|dans|nel|nella)\s+.*$|,?\s+special to\b.*$"  # "Jane Doe, Special to the Post"
    r"|\s*;\s*(?:editing|edited|writing|additional reporting) by\b.*$"  # wire copy's "Reporting by X; Editing by Y"
    r"|\s*(?<!\w)\d.*$|\s+(?:tags?|kategorie|category|foto|fotos|bild|illustration|photos?|zdjęcia|zdjęcie"
    r"|fotografie|fotografía|fotografia)\b.*$"
    # a byline box's links and notes after the name: "Jane Doe Full Bio LinkedIn", "Jane Doe Lesezeit 3 Min."
    r"|\s+(?:full bio|bio|linkedin|twitter|facebook|instagram|e-?mail|kontakt|contact|follow|folgen|alle artikel"
    r"|all (?:posts|articles|stories)|more (?:by|from)|mehr von|lesezeit|reading time|temps de lecture"
    r"|tiempo de lectura|tempo di lettura|leestijd)\b.*$",
    re.IGNORECASE,
)
# Elements that end a line of text: a break, or a block of its own
LINE_ENDS = frozenset(("br", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "section",
                       "article", "header", "footer", "aside", "nav", "blockquote", "figure", "hr"))  # fmt: skip
_DATE_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
              "march", "april", "may", "june", "july", "august", "september", "october", "november",
              "december")  # fmt: skip


def byline_name(text: str) -> str:
    """The name part of a byline text: "29. Juni 2017 · von Tobi" gives "Tobi"; "By Rob Picheta, CNN" gives
    "Rob Picheta, CNN" (the outlet is dropped later); "Jeff Foust Monday, November 18, 2019" gives "Jeff Foust"."""
    match = _BYLINE_INSIDE.search(text) or DATED_NAME.match(text)
    name = text[match.end() :] if match else text
    return _BYLINE_END.sub("", _date_after_name().sub("", name)).strip(" ,.:;-–—|·)")


@cache
def _date_after_name() -> re.Pattern[str]:
    """A written date after a name, from its weekday or month on ("Monday, November 18", "Mittwoch, 1. März"): the
    full names of weekdays and months in the main languages of the web, from dateparser's locale data."""
    languages = ("en", "de", "fr", "es", "it", "pt", "nl")
    words = {w for code in languages for w, _ in calendar_names(code, _DATE_KEYS) if len(w) >= 4 and w.isalpha()}
    names = "|".join(sorted(words, key=len, reverse=True))
    on = r"(?:(?:am|on|le|el|il|em|op|den|the)\s+)?"  # "Jane Doe on November 18, 2019"
    return re.compile(rf"\s+{on}(?:{names})\b[\s,.]*(?:(?:{names})\b[\s,.]*)?\d.*$", re.IGNORECASE)


def first_line(el: HtmlElement) -> str:
    """The element's text up to its first line break: a byline's name, not the dateline set under it."""
    parts: list[str] = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if node.tag == "br":
            break
        if event == "start" and isinstance(node.tag, str):
            parts.append(node.text or "")
        elif event == "end" and node is not el:
            parts.append(node.tail or "")
    return squash(" ".join(parts))
