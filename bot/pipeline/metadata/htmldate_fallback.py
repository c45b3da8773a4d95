"""htmldate, the last resort of the card's date: its search for the page's original date, kept away from readers'
comments and the site's menus, and not taken where it answers a copyright year.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import htmldate
from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.metadata.date_parsing import parse_date
from bot.pipeline.metadata.markup import COMMENT_NAMES

log = logging.getLogger(__name__)

# Where a date is never the article's: readers' comments and the site's navigation (menus print today's date).
# htmldate reads the whole page and takes a comment's time or a menu's clock when the article prints no date
# in markup it knows. Names count where they start with the word: "main-nav", not "unavailable".
_ASIDE_NAMES = re.compile(rf"{COMMENT_NAMES.pattern}|(?<![a-z])(?:nav|menu)", re.IGNORECASE)
# Classes and ids (attribute values are far cheaper to test than elements), <nav>s, and schema.org's Comment items
# whatever their names:
_NAMES_AND_NAVS = etree.XPath(
    '//@class | //@id | //nav | //*[@itemtype][contains(translate(@itemtype, "COMENT", "coment"), "comment")]'
)


def htmldate_search(tree: HtmlElement, url: str | None) -> date | None:
    """htmldate's markup rules first, its free-text search only when they find nothing."""
    return _htmldate(tree, url, extensive=False) or _htmldate(tree, url, extensive=True)


def comments_and_menus(tree: HtmlElement) -> list[HtmlElement]:
    """Readers' comments and the site's navigation, outermost first. An element that holds the headline (<h1>)
    stays: page-wide wrappers are sometimes named "with-comments"."""
    holds_headline = {node for h1 in tree.iter("h1") for node in h1.iterancestors()}
    found: dict[HtmlElement, None] = {}  # in document order, once each
    for hit in _NAMES_AND_NAVS(tree):
        if isinstance(hit, str) and not _ASIDE_NAMES.search(hit):
            continue  # a class or id that names something else
        el = hit.getparent() if isinstance(hit, str) else hit  # the element so named, or a <nav>
        if el not in holds_headline:
            found[el] = None
    return list(found)


@contextmanager
def set_aside(elements: list[HtmlElement]) -> Iterator[None]:
    """Take the elements out of the tree for the duration, and put each back where it was (its tail text with it):
    cheaper than copying the page, which htmldate does once more itself."""
    places = []
    try:
        for el in elements:
            parent = el.getparent()
            if parent is not None:
                places.append((parent, parent.index(el), el))
                parent.remove(el)
        yield
    finally:
        for parent, index, el in reversed(places):
            parent.insert(index, el)


def _htmldate(tree: HtmlElement, url: str | None, *, extensive: bool) -> date | None:
    try:
        # htmldate only reads the tree (it copies it before pruning); it never goes to the network
        found = htmldate.find_date(tree, extensive_search=extensive, original_date=True, url=url)
    except Exception:  # htmldate has no documented error types; a date is never worth a failed digest
        log.debug("htmldate failed", exc_info=True)
        return None
    found_date = parse_date(found)
    return None if found_date and _year_only(found_date, tree) else found_date


def _year_only(found: date, tree: HtmlElement) -> bool:
    """htmldate answers a page's copyright year, or an itemprop copyrightYear, as 1 January of that year: a year is
    no publication date. Such a 1 January stands only when the page prints it in figures."""
    if (found.month, found.day) != (1, 1):
        return False
    y = found.year
    printed = re.compile(rf"\b(?:{y}[-/]0?1[-/]0?1|0?1[./]0?1[./]{y})\b")
    return not printed.search(tree.text_content())
