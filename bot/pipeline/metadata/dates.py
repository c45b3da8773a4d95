"""The card's date: the publication date as the page states it."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import htmldate
from lxml.html import HtmlElement

from bot.pipeline.metadata.author import byline_area
from bot.pipeline.metadata.markup import element_text

log = logging.getLogger(__name__)

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# A day-first date as pages print it: "31.03.2020", "7.11.2023, 07:30 Uhr"
_DMY_DATE = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})(?!\d)")
# Meta tags that name the publication date, then generic date tags (often the last change) as a late fallback.
_PUBLISHED_META = ("article:published_time", "og:article:published_time", "og:published_time", "article:published",
                   "published_time", "datepublished", "pubdate", "publishdate", "publish-date", "publish_date",
                   "parsely-pub-date", "dc.date.issued", "dcterms.issued", "dcterms.created", "article.published",
                   "cxenseparse:recs:publishtime")  # fmt: skip
_DATE_META = ("date", "dc.date", "dcterms.date", "sailthru.date")
_PUBLISHED_MARKUP = '//*[@itemprop="datePublished"]'


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    found: date | None = None
    if m := _ISO_DATE.search(value) or _DMY_DATE.search(value):
        year, month, day = (m[1], m[2], m[3]) if len(m[1]) == 4 else (m[3], m[2], m[1])
        try:
            found = date(int(year), int(month), int(day))
        except ValueError:
            found = None
    else:
        try:
            found = parsedate_to_datetime(value).date()
        except (TypeError, ValueError, IndexError):
            found = None
    if found and 1990 <= found.year <= datetime.now().year + 1:
        return found
    return None


def find_published(ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement, url: str | None) -> date | None:
    """The publication date as the page states it: the date part of a local time stamp, never moved to UTC.

    Publication meta tags first (a republished page's JSON-LD often keeps the first version's date), then
    JSON-LD, microdata, a <time> in the article (not in a list of other articles), generic date tags, and last
    htmldate's extensive search for the original date.
    """
    for value in _date_candidates(ld, meta, tree):
        if found := parse_date(value):
            return found
    # htmldate's markup rules first, its free-text search only when they find nothing
    return _htmldate(tree, url, extensive=False) or _htmldate(tree, url, extensive=True)


def _htmldate(tree: HtmlElement, url: str | None, *, extensive: bool) -> date | None:
    try:
        # htmldate only reads the tree (it copies it before pruning); it never goes to the network
        found = htmldate.find_date(tree, extensive_search=extensive, original_date=True, url=url)
    except Exception:  # htmldate has no documented error types; a date is never worth a failed digest
        log.debug("htmldate failed", exc_info=True)
        return None
    return parse_date(found)


def _date_candidates(ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement) -> Iterator[Any]:
    yield from (meta.get(k) for k in _PUBLISHED_META)
    yield ld.get("datePublished")
    yield ld.get("dateCreated")
    for el in tree.xpath(_PUBLISHED_MARKUP)[:3]:
        yield el.get("datetime") or el.get("content")
    for el in tree.xpath("//time")[:5]:
        if byline_area(el) == 0:  # its machine-readable date, else the one it prints
            yield el.get("datetime") or element_text(el)
    yield from (meta.get(k) for k in _DATE_META)
