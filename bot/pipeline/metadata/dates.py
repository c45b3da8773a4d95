"""The card's date: the publication date as the page states it.

This module ranks the sources the page offers (find_published says in which order and why): publication meta tags,
JSON-LD and microdata, each stamp read as the page's local date (local_dates.py); the date printed at the headline,
<time>s and elements named for the date in the byline area (headline_dates.py; the headline is headline.py's, and a
date update_marks.py tells is the last change is passed over); generic date tags; a dateline opening the article;
the date in the address's path; last htmldate's search (htmldate_fallback.py). date_parsing.py reads every string.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from functools import cache
from itertools import islice
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.metadata.areas import byline_area
from bot.pipeline.metadata.date_parsing import DateReader, month_names, plausible, valid_date, writes_month_first
from bot.pipeline.metadata.headline import find_headline, words
from bot.pipeline.metadata.headline_dates import dated_element, headline_date, in_byline_area
from bot.pipeline.metadata.htmldate_fallback import comments_and_menus, htmldate_search, set_aside
from bot.pipeline.metadata.local_dates import local_date, time_value
from bot.pipeline.metadata.markup import element_text, in_comments
from bot.pipeline.metadata.update_marks import UPDATE, is_update

# Meta tags that name the publication date, then generic date tags (often the last change) as a late fallback.
_PUBLISHED_META = ("article:published_time", "og:article:published_time", "og:published_time", "article:published",
                   "published_time", "datepublished", "pubdate", "publishdate", "publish-date", "publish_date",
                   "parsely-pub-date", "dc.date.issued", "dcterms.issued", "dcterms.created", "article.published",
                   "cxenseparse:recs:publishtime")  # fmt: skip
_DATE_META = ("date", "dc.date", "dcterms.date", "sailthru.date")
# Microdata's datePublished (unless it dates a reader's comment: schema.org's Comment has one too)
_PUBLISHED_MARKUP = etree.XPath('//*[@itemprop="datePublished"]')
# A dateline opens the article's first paragraph, as press releases and wire copy set it: "29.11.2022 – Text",
# "Bern, 17.08.2007 - Text" (a place, then the date, then a dash); an update note ("Update, 28.4.2020:") is not one.
_DATELINE = re.compile(
    r"^(?:(?P<place>[^\W\d_][\w .()/-]{0,40}),\s+(?:(?:den|le|el|on)\s+)?)?"
    r"(?P<date>\d[\d./ -]{4,12}\d|\d{1,2}\.?\s+(?:de\s+)?[^\W\d_]+\.?\s+(?:de\s+)?\d{4}"
    r"|[^\W\d_]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})\s*(?:–|—|-)\s+\w"
)
# A date in the address's path, as blogs and news sites file their articles ("/2020/10/02/slug", "/2020/oct/02/slug",
# "/2020-10-02-slug"); a year and month alone ("/2015/01/slug") name no day, nor does an article's number
# ("/2020/10/1700384").
_URL_DATE = re.compile(r"/((?:19|20)\d{2})([/-])(\d{1,2}|[^\W\d_]{3,9})\2(\d{1,2})(?=[/_.-]|$)")
_NOT_PATH = re.compile(r"[?#]")  # the query and fragment (split off by hand: urlsplit raises on a malformed host)
_DATELINE_MIN_CHARS = 60  # the article's paragraphs, not a short caption or a list of dated links
_DATELINE_PARAGRAPHS = 3  # only the article's opening counts: later paragraphs cite other dates


def find_published(
    ld: dict[str, Any],
    meta: dict[str, str],
    tree: HtmlElement,
    url: str | None,
    language: str | None = None,
    description: str | None = None,
) -> date | None:
    """The publication date as the page states it: the date part of a local time stamp, never moved to UTC;
    written dates are read in the page's language.

    Publication meta tags first (a republished page's JSON-LD often keeps the first version's date), then JSON-LD,
    microdata, the date printed at the headline (a <time> there read by its datetime), a <time> in the article (not
    in a list of other articles, not the last change; one the page sets before the headline is often a list's
    without names that tell it), an element after the headline named for the date (right far more often than generic
    date tags on the tuning pages: 83 of 88 against 14 of 18), generic date tags, a dateline opening the article,
    the date in the address's path, and last htmldate's search for the original date outside comments and menus.
    """
    reader = DateReader(
        language, cache(lambda: writes_month_first(tree, meta, ld)), frozenset(words(description or ""))
    )
    filed = _url_date(url, language)
    found = next(filter(None, _date_candidates(ld, meta, tree, reader, filed)), None)
    if found := found or _dateline(tree, reader) or filed:
        return found
    # htmldate on the page without comments and menus, and on the whole page only when that has no date at all
    # (a forum's posts are replies)
    aside = comments_and_menus(tree)
    with set_aside(aside):
        found = htmldate_search(tree, url)
    return found or (htmldate_search(tree, url) if aside else None)


def _dateline(tree: HtmlElement, reader: DateReader) -> date | None:
    """The date that opens the article's first paragraph ("29.11.2022 – Die Branche …")."""
    for text in islice(_article_paragraphs(tree), _DATELINE_PARAGRAPHS):
        m = _DATELINE.match(text)
        if m and not UPDATE.search(m["place"] or "") and (found := reader.parse(m["date"])):
            return found
    return None


def _url_date(url: str | None, language: str | None) -> date | None:
    """The date in the address's path ("/2020/oct/02/"): the day the site filed the article under. htmldate reads
    numeric ones too, but not month names; reading it here also spares htmldate's search of the page."""
    if not url or not (m := _URL_DATE.search(_NOT_PATH.split(url, maxsplit=1)[0])):
        return None
    month = m[3] if m[3].isdigit() else month_names(language).get(m[3].lower())
    return plausible(valid_date(m[1], month, m[4])) if month else None


def _article_paragraphs(tree: HtmlElement) -> Iterator[str]:
    """The texts of the page's paragraphs of some length, outside sidebars, teasers, comments and captions."""
    for paragraph in tree.iter("p"):
        text = element_text(paragraph)
        if len(text) >= _DATELINE_MIN_CHARS and byline_area(paragraph) == 0:
            yield text


def _date_candidates(
    ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement, reader: DateReader, filed: date | None
) -> Iterator[date | None]:
    """The dates the page's markup states, best first (None where a source has none); `filed` is the date in the
    page's address."""
    headline = cache(lambda: find_headline(tree))  # found once a page: several sources read the date at it
    shown = cache(lambda: headline_date(headline(), reader))  # each UTC stamp is checked against it: found once
    yield from (local_date(meta.get(k), reader, shown, filed) for k in _PUBLISHED_META)
    yield local_date(ld.get("datePublished"), reader, shown, filed)
    yield local_date(ld.get("dateCreated"), reader, shown, filed)
    marked = (el for el in _PUBLISHED_MARKUP(tree) if not in_comments(el))
    stamps = (el.get("datetime") or el.get("content") for el in islice(marked, 3))
    yield from (local_date(stamp, reader, shown, filed) for stamp in stamps)
    yield shown()
    for el in tree.xpath("//time")[:5]:
        if in_byline_area(el, headline()) and not is_update(el):
            yield time_value(el, reader)
    yield dated_element(tree, reader, headline())
    yield from (reader.parse(meta.get(k)) for k in _DATE_META)
