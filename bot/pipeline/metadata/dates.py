"""The card's date: the publication date as the page states it."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache, lru_cache
from itertools import chain, islice, takewhile
from typing import Any

import htmldate
from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.metadata.areas import NOT_BYLINE_AREA, byline_area
from bot.pipeline.metadata.markup import (
    COMMENT_NAMES,
    SEPARATORS,
    calendar_names,
    class_and_id,
    element_text,
    in_comments,
    is_home_link,
    letters,
)

log = logging.getLogger(__name__)

# Numeric dates: year first ("2020-03-31", "2020/03/31"), else day first as most of the world writes them
# ("31.03.2020", "31/03/2020", "19.10.19, 08:00 Uhr"); month first where the day cannot be a month ("01/21/2020"),
# and where a date with slashes or dashes reads both ways ("11/08/23") on a page that writes month first: one that
# prints a date with slashes that reads only so, else an American English one (lang "en-US"). Dotted dates are day
# first wherever they are written, and dotted figures that read month first are version numbers or an SVG's path.
_YMD_DATE = re.compile(r"(?<!\d)(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?!\d)")
_DMY_DATE = re.compile(r"(?<![\d.])(\d{1,2})(?:\.\s?|/|-)(\d{1,2})(?:\.\s?|/|-)(\d{4}|\d{2}(?![\d.:]))(?!\d)")
_SLASHED_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])")
_MONTH_FIRST_REGIONS = ("us",)
_REGION = re.compile(r"^[a-z]{2,3}[-_]([a-z]{2})\b", re.IGNORECASE)
# Written dates: "24. Januar 2022", "4 de mayo de 2022", "1er mars 2021", "1. listopadu 2023"; "Jan. 28, 2020"
_DAY_MONTH_YEAR = re.compile(
    r"(?<!\d)(\d{1,2})(?:\.|st|nd|rd|th|er|º|°)?\s+(?:de\s+)?([^\W\d_]{3,})\.?,?\s+(?:de\s+)?(\d{4})(?!\d)"
)
# The same without a year, as a <time> prints its day beside the stamp that states the year ("Nov 18, 8:19 PM")
_DAY_MONTH = re.compile(r"(?<![\d.])(?P<day>\d{1,2})(?:\.|st|nd|rd|th|er)?\s+(?:de\s+)?(?P<month>[^\W\d_]{3,})(?!\w)")
_MONTH_DAY = re.compile(r"(?<![^\W\d_])(?P<month>[^\W\d_]{3,})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?![\d:.])")
_MONTH_DAY_YEAR = re.compile(r"(?<![^\W\d_])([^\W\d_]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")
# Month names where the page does not say its language: the web's most written languages in Latin script and Russian
# (the first wins where two disagree); and a code pages use that dateparser's locale data names otherwise (Norwegian).
_UNKNOWN_LANGUAGE = ("en", "de", "fr", "es", "pt", "it", "nl", "pl", "cs", "ru")
_LANGUAGE_CODES = {"no": "nb"}
_MONTH_KEYS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december")  # fmt: skip
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
# An update's label or mark in many languages ("Updated", "dateModified", "Aktualisiert", "Zuletzt geändert", "mis à
# jour", "actualizado", "aggiornato", "bijgewerkt", "zaktualizowano", "aktualizováno", "päivitetty"). German "Stand"
# ("as of") is not one: it dates the version the page shows, usually its publication.
_UPDATE = re.compile(r"updat|aktuali[sz]|actualiza|atualiza|mis à jour|modifi|geändert|aggiorna|bijgewerkt|gewijzigd"
                     r"|uppdaterad|opdateret|oppdatert|päivitetty", re.IGNORECASE)  # fmt: skip
# The date printed under the headline, in the byline block ("Stand: 28.04.2020 18:00 Uhr", "Anna | 3. März 2020"),
# or in a data-date attribute there that the page's style prints: a short piece of text that states a date, not one
# after an update label. The block ends where the article's text begins.
_HEADLINE_BLOCK_CHARS = 300
_HEADLINE_DATE_CHARS = 50  # "Publiziert: 03.04.2020, 12:35", not a sentence that names an event's date
_PROSE_CHARS = 100
_NAMED_HEADLINE_LETTERS = 12  # a heading the <title> names, not a word such as "News" that a title may contain
# A heading the <title> words otherwise ("Brexit: Nervenkrieg geht in nächste Runde" for "Der Nervenkrieg um den
# Brexit geht in die nächste Runde"): most words of either are in the other, and three at least (a teaser that
# adds its text to the title is not the headline).
_WORD = re.compile(r"[^\W\d_]{3,}")
_SHARED_TITLE_WORDS = 0.6
_MIN_SHARED_TITLE_WORDS = 3
# a class or id of its own ("site-header", "masthead", "masthead__bar"), not an article's ("article-masthead")
_SITE_HEADER = re.compile(r"(?<![\w-])(?:site-?header|masthead)(?![a-z0-9-])", re.IGNORECASE)
_EVENING_ENDS_UTC = 8  # midnight in California
_EVENING_STARTS_UTC = 16  # midnight in China
_LABEL_CHARS = 30  # "Zuletzt aktualisiert am", not a paragraph that mentions an update
_DATED_ELEMENTS = 10  # elements named for a date read after the headline
# The date printed above the headline, as a kicker ("12.03.2021 | Politik"): the nearest texts before it in its
# containers, a few levels up (further out is the site's header, whose clock prints today's date).
_ABOVE_HEADLINE_CHARS = 150
_ABOVE_HEADLINE_LEVELS = 3
_CODE = ("script", "style", "noscript")  # their texts are code, never the byline's
_TEXTS = etree.XPath(f"descendant::text()[not({' or '.join(f'parent::{tag}' for tag in _CODE)})]")
# Elements named for a date, by a class that starts with the word ("post-date", "entry-date", "metainfo__date",
# "field-node-create-date", "timestamp", "fecha", Portuguese and Italian "data"), among the elements with a class
# after the headline; and the page's <article>s (another one than the headline's is a teaser).
_DATE_NAMES = re.compile(r"(?<![a-z])(?:date|datum|fecha|data|time|zeit|publi|posted|created?)", re.IGNORECASE)
_CLASSED_AFTER = etree.XPath("following::*[@class]")
_ARTICLES = etree.XPath("//article")
_DATELINE_MIN_CHARS = 60  # the article's paragraphs, not a short caption or a list of dated links
_DATELINE_PARAGRAPHS = 3  # only the article's opening counts: later paragraphs cite other dates
# Where a date is never the article's: readers' comments and the site's navigation (menus print today's date).
# htmldate reads the whole page and takes a comment's time or a menu's clock when the article prints no date
# in markup it knows. Names count where they start with the word: "main-nav", not "unavailable".
_ASIDE_NAMES = re.compile(rf"{COMMENT_NAMES.pattern}|(?<![a-z])(?:nav|menu)", re.IGNORECASE)
# Classes and ids (attribute values are far cheaper to test than elements), <nav>s, and schema.org's Comment items
# whatever their names:
_NAMES_AND_NAVS = etree.XPath(
    '//@class | //@id | //nav | //*[@itemtype][contains(translate(@itemtype, "COMENT", "coment"), "comment")]'
)


def _day_first() -> bool:
    return False


def parse_date(value: Any, language: str | None = None, month_first: Callable[[], bool] = _day_first) -> date | None:
    """The date a string states, numeric or written in the page's language (or English), without moving it to
    another time zone: "2023-11-06T23:30:00Z" is 6 November, as the page says. A numeric date that reads both ways
    is month first where month_first() says so (asked only then)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return _plausible(_numeric_date(value, month_first) or _written_date(value, language) or _email_date(value))


@dataclass(frozen=True)
class _DateReader:
    """How the page being dated writes its dates: the language of its month names, whether a numeric date that reads
    both ways is month first (worked out only when one turns up: it reads the page's whole text), and the words of
    its description (a standfirst under the headline repeats it)."""

    language: str | None = None
    month_first: Callable[[], bool] = _day_first
    description: frozenset[str] = frozenset()

    def parse(self, value: Any) -> date | None:
        return parse_date(value, self.language, self.month_first)


def _plausible(found: date | None) -> date | None:
    """The date, unless it is too early for the web's articles or in the future."""
    return found if found and 1990 <= found.year <= datetime.now().year + 1 else None


def _numeric_date(value: str, page_month_first: Callable[[], bool]) -> date | None:
    if m := _YMD_DATE.search(value):
        return _date(m[1], m[2], m[3])
    if m := _DMY_DATE.search(value):
        first, second, year = int(m[1]), int(m[2]), _full_year(m[3])
        reads_both_ways = first != second and max(first, second) <= 12 and "." not in m[0]
        month_first = second > 12 >= first or (reads_both_ways and page_month_first())
        return _date(year, first, second) if month_first else _date(year, second, first)
    return None


def _full_year(year: str) -> int:
    return int(year) if len(year) == 4 else 2000 + int(year)


def _writes_month_first(tree: HtmlElement, meta: dict[str, str], ld: dict[str, Any]) -> bool:
    """The order of the first date with slashes the page prints that reads only one way ("11/23/2023",
    "23/11/2023"), else its region's: month first in American English, day first elsewhere."""
    for m in _SLASHED_DATE.finditer(tree.text_content()):
        first, second, year = int(m[1]), int(m[2]), _full_year(m[3])
        if second > 12 >= first and _plausible(_date(year, first, second)):
            return True
        if first > 12 >= second and _plausible(_date(year, second, first)):
            return False
    return _region(tree, meta, ld) in _MONTH_FIRST_REGIONS


def _region(tree: HtmlElement, meta: dict[str, str], ld: dict[str, Any]) -> str | None:
    """The region of the page's language tag ("en-US", "en_US"), where the first tag it states names one."""
    for value in (tree.get("lang"), ld.get("inLanguage"), meta.get("og:locale"), meta.get("content-language")):
        if isinstance(value, str) and value.strip():
            m = _REGION.match(value.strip())
            return m[1].lower() if m else None
    return None


def _written_date(value: str, language: str | None) -> date | None:
    """A date written with a month's name in the page's language or English; in the most written languages where
    those read none: a page's declared language is sometimes the template's ("en" on a German byline)."""
    found = _date_with_months(value, _month_names(language))
    return found or (_date_with_months(value, _month_names(None)) if language else None)


def _date_with_months(value: str, months: dict[str, int]) -> date | None:
    for m in _DAY_MONTH_YEAR.finditer(value):
        if month := months.get(m[2].lower()):
            return _date(m[3], month, m[1])
    for m in _MONTH_DAY_YEAR.finditer(value):
        if month := months.get(m[1].lower()):
            return _date(m[3], month, m[2])
    return None


def _email_date(value: str) -> date | None:
    try:
        return parsedate_to_datetime(value.strip()).date()
    except (TypeError, ValueError, IndexError):
        return None


def _date(year: str | int, month: str | int, day: str | int) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


@lru_cache(maxsize=64)
def _month_names(language: str | None) -> dict[str, int]:
    """Month names and their abbreviations in the page's language and in English, from dateparser's locale data
    (languages disagree on some: "listopad" is November in Czech and October in Croatian); in the most written ones
    where the page does not say its language."""
    codes = (_LANGUAGE_CODES.get(language, language),) if language else _UNKNOWN_LANGUAGE
    names: dict[str, int] = {}
    for code in dict.fromkeys([*codes, "en"]):
        for name, number in calendar_names(code, _MONTH_KEYS):
            names.setdefault(name.rstrip("."), number)
    return names


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
    reader = _DateReader(
        language, cache(lambda: _writes_month_first(tree, meta, ld)), frozenset(_words(description or ""))
    )
    filed = _url_date(url, language)
    found = next(filter(None, _date_candidates(ld, meta, tree, reader, filed)), None)
    if found := found or _dateline(tree, reader) or filed:
        return found
    # htmldate on the page without comments and menus, and on the whole page only when that has no date at all
    # (a forum's posts are replies)
    aside = _comments_and_menus(tree)
    with _set_aside(aside):
        found = _htmldate_search(tree, url)
    return found or (_htmldate_search(tree, url) if aside else None)


def _htmldate_search(tree: HtmlElement, url: str | None) -> date | None:
    """htmldate's markup rules first, its free-text search only when they find nothing."""
    return _htmldate(tree, url, extensive=False) or _htmldate(tree, url, extensive=True)


def _dateline(tree: HtmlElement, reader: _DateReader) -> date | None:
    """The date that opens the article's first paragraph ("29.11.2022 – Die Branche …")."""
    for text in islice(_article_paragraphs(tree), _DATELINE_PARAGRAPHS):
        m = _DATELINE.match(text)
        if m and not _UPDATE.search(m["place"] or "") and (found := reader.parse(m["date"])):
            return found
    return None


def _url_date(url: str | None, language: str | None) -> date | None:
    """The date in the address's path ("/2020/oct/02/"): the day the site filed the article under. htmldate reads
    numeric ones too, but not month names; reading it here also spares htmldate's search of the page."""
    if not url or not (m := _URL_DATE.search(_NOT_PATH.split(url, maxsplit=1)[0])):
        return None
    month = m[3] if m[3].isdigit() else _month_names(language).get(m[3].lower())
    return _plausible(_date(m[1], month, m[4])) if month else None


def _dated_element(tree: HtmlElement, reader: _DateReader, headline: HtmlElement | None) -> date | None:
    """The date an element named for it prints after the headline ("post-date", "metainfo__date", "entry-date
    published", "fecha"), where the byline block ends before it: not one of another article (a teaser), not one
    marked or labelled as the last change."""
    if headline is None:
        return None
    own = next(headline.iterancestors("article"), None)
    if own is None and len(articles := _ARTICLES(tree)) == 1:
        own = articles[0]  # the headline set above the page's one article
    named = (el for el in _CLASSED_AFTER(headline) if _DATE_NAMES.search(el.get("class")))
    for el in islice(named, _DATED_ELEMENTS):  # the byline's are among the first; a page of rows named so is long
        if next(el.iterancestors("article"), own) is not own:
            continue
        text = element_text(el)
        if (
            len(text) > _HEADLINE_DATE_CHARS
            or not _in_byline_area(el, headline)
            or _is_update(el)
            or _UPDATE.search(text)
        ):
            continue
        if found := reader.parse(text):
            return found
    return None


def _in_byline_area(el: HtmlElement, headline: HtmlElement | None) -> bool:
    """Where the article's own byline stands (areas.byline_area), or in the footer of an <article> that holds the
    page's headline: blog themes print "Posted on <time>" in the post's own footer ("entry-meta", "entry-footer"),
    not in the site's."""
    area = byline_area(el)
    if area != 1:
        return area == 0
    footer = next(el.iterancestors("footer"), None)
    article = next(el.iterancestors("article"), None)
    if footer is None or article is None or article not in footer.iterancestors():
        return False
    between = takewhile(lambda node: node is not footer, el.iterancestors())
    if any(_beside_the_post(node) for node in between) or byline_area(footer) != 0:
        return False  # a menu, sidebar or related list in the footer, or the footer inside one
    return headline is not None and article in headline.iterancestors()


def _beside_the_post(node: HtmlElement) -> bool:
    """A menu, a sidebar, or a list of related posts or teasers, as themes set in a post's footer (readers' comments
    there byline_area already tells apart); the footer's own parts named for it ("entry-footer-meta") are the post's.
    """
    names = class_and_id(node)
    named = any(m[0].lower() != "footer" for m in NOT_BYLINE_AREA.finditer(names))
    return named or node.tag in ("nav", "aside")


def _article_paragraphs(tree: HtmlElement) -> Iterator[str]:
    """The texts of the page's paragraphs of some length, outside sidebars, teasers, comments and captions."""
    for paragraph in tree.iter("p"):
        text = element_text(paragraph)
        if len(text) >= _DATELINE_MIN_CHARS and byline_area(paragraph) == 0:
            yield text


def _comments_and_menus(tree: HtmlElement) -> list[HtmlElement]:
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
def _set_aside(elements: list[HtmlElement]) -> Iterator[None]:
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


def _date_candidates(
    ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement, reader: _DateReader, filed: date | None
) -> Iterator[date | None]:
    """The dates the page's markup states, best first (None where a source has none); `filed` is the date in the
    page's address."""
    headline = cache(lambda: _headline(tree))  # found once a page: several sources read the date at it
    shown = cache(lambda: _headline_date(headline(), reader))  # each UTC stamp is checked against it: found once
    yield from (_local_date(meta.get(k), reader, shown, filed) for k in _PUBLISHED_META)
    yield _local_date(ld.get("datePublished"), reader, shown, filed)
    yield _local_date(ld.get("dateCreated"), reader, shown, filed)
    marked = (el for el in _PUBLISHED_MARKUP(tree) if not in_comments(el))
    stamps = (el.get("datetime") or el.get("content") for el in islice(marked, 3))
    yield from (_local_date(stamp, reader, shown, filed) for stamp in stamps)
    yield shown()
    for el in tree.xpath("//time")[:5]:
        if _in_byline_area(el, headline()) and not _is_update(el):
            yield _time_value(el, reader)
    yield _dated_element(tree, reader, headline())
    yield from (reader.parse(meta.get(k)) for k in _DATE_META)


def _local_date(
    stamp: Any, reader: _DateReader, headline_date: Callable[[], date | None], filed: date | None
) -> date | None:
    """A time stamp's date; where the stamp is in UTC (or states no zone) and the page prints a date a day off at the
    headline, that one: the page's own date (a UTC stamp moves an evening's article in Europe or America to the next
    day). Where the page prints none, the day its address files it under, if the stamp's hour is one a time zone can
    move across midnight: a print edition's or a match's day in the address is no evidence."""
    stamped = reader.parse(stamp)
    if not stamped or not _may_be_utc_stamp(stamp):
        return stamped
    if shown := headline_date():
        return shown if abs((shown - stamped).days) == 1 else stamped
    return filed if filed and _zone_may_move(stamp, (filed - stamped).days) else stamped


def _zone_may_move(stamp: str, days: int) -> bool:
    """Whether a UTC time moves to the local day `days` off in the zones most pages are written in: to the day
    before in the Americas' evenings (before 08:00 UTC), to the day after in Europe's and Asia's (from 16:00 UTC)."""
    hour = datetime.fromisoformat(stamp.strip()).hour
    return (days == -1 and hour < _EVENING_ENDS_UTC) or (days == 1 and hour >= _EVENING_STARTS_UTC)


def _headline_date(headline: HtmlElement | None, reader: _DateReader) -> date | None:
    """The date printed under the headline (found by _headline), else just above it."""
    if headline is None:
        return None
    below = _headline_parts(headline, reader)
    return _first_date(below, reader) or _first_date(_parts_above(headline), reader)


def _headline(tree: HtmlElement) -> HtmlElement | None:
    """The first <h1> that is not the site's name, nor in the site's header where one follows outside it, nor a
    teaser's where a later one is the one the page's <title> names (sites that set every teaser's title in an <h1>);
    on a page without one, the first lesser heading the <title> names (blog themes set the post's title in an <h2>)."""
    h1s = [h1 for h1 in tree.iter("h1") if not is_home_link(h1)]
    if not h1s:
        return next(_named_headings(tree, tree.iter("h2", "h3")), None)
    h1s = [h1 for h1 in h1s if not _in_site_header(h1)] or h1s
    first = h1s[0]
    if len(h1s) == 1 or _named_heading(first, tree):
        return first
    # A later <h1> the <title> holds, or that holds it, is the headline; one that only shares most of its words where
    # the first <h1> is itself a teaser's or a link's: a teaser's title words the page's <title> as often.
    by_words = byline_area(first) == 1
    return next(_named_headings(tree, h1s[1:], by_words=by_words), first)


def _named_headings(
    tree: HtmlElement, headings: Iterable[HtmlElement], *, by_words: bool = True
) -> Iterator[HtmlElement]:
    """The headings the page's <title> names: holds or is held in it, or (by_words) shares most of its words."""
    title = tree.findtext(".//title") or ""
    title_letters, title_words = letters(title), _words(title)
    if not title_letters:
        return
    for heading in headings:
        text = element_text(heading)
        heading_letters = letters(text)
        # both long enough: a short <title> ("Blog") is in any heading ("Popular posts from this blog")
        long_enough = min(len(heading_letters), len(title_letters)) >= _NAMED_HEADLINE_LETTERS
        if (long_enough and (heading_letters in title_letters or title_letters in heading_letters)) or (
            by_words and _shares_most_words(_words(text), title_words)
        ):
            yield heading


def _named_heading(heading: HtmlElement, tree: HtmlElement) -> bool:
    return next(_named_headings(tree, [heading]), None) is not None


def _in_site_header(el: HtmlElement) -> bool:
    """Inside the site's header, whose sticky bar repeats the headline beside today's date."""
    return any(_SITE_HEADER.search(f"{a.get('class') or ''} {a.get('id') or ''}") for a in el.iterancestors())


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _shares_most_words(heading: set[str], title: set[str]) -> bool:
    shared = len(heading & title)
    return shared >= _MIN_SHARED_TITLE_WORDS and shared >= _SHARED_TITLE_WORDS * max(len(heading), len(title))


def _first_date(parts: Iterable[str], reader: _DateReader) -> date | None:
    """The first date the byline's parts state, but for one after an update's label."""
    label = ""  # a part without figures names the next one's ("Aktualisiert:")
    for part in parts:
        if not part.strip():
            continue  # what a separator leaves at a piece's end ("Aktualisiert |") is no part: the label holds
        found = reader.parse(part) if len(part) <= _HEADLINE_DATE_CHARS else None
        if found and not _UPDATE.search(f"{label} {part}"):
            return found
        # a part with figures but no date it reads ("Updated Nov 19, 9:41 AM", without a year) is a stamp itself
        label = "" if found or any(char.isdigit() for char in part) else part
    return None


def _headline_parts(headline: HtmlElement, reader: _DateReader) -> Iterator[str]:
    """The byline block's texts, each split where a byline separates its parts ("Anna | 3. März 2020 | Update: 5.
    März 2020"), up to the article's first long text."""
    for piece in _headline_block(headline, reader):
        if len(piece) >= _PROSE_CHARS:
            return
        yield from SEPARATORS.split(piece)


def _headline_block(headline: HtmlElement, reader: _DateReader) -> Iterator[str]:
    """The texts that follow the headline in reading order (with the dates of data-date attributes and <time>s), up
    to _HEADLINE_BLOCK_CHARS: the headline's later siblings, then those of its containers. A long first text that
    repeats the page's description is the standfirst many sites set between the headline and the byline: it is passed
    over (a long first text that does not is the article's, which ends the byline block)."""
    budget = _HEADLINE_BLOCK_CHARS
    node = headline
    first = True
    while node is not None and node.tag not in ("body", "html"):
        for following in chain([node.tail], _texts_after(node, reader)):
            if following and (piece := following.strip()):
                standfirst, first = first and len(piece) >= _PROSE_CHARS and _is_standfirst(piece, reader), False
                if standfirst:
                    continue
                yield piece
                budget -= len(piece)
                if budget <= 0:
                    return
        node = node.getparent()


def _is_standfirst(piece: str, reader: _DateReader) -> bool:
    return _shares_most_words(_words(piece), reader.description)


def _parts_above(headline: HtmlElement) -> list[str]:
    """The texts just above the headline in reading order, each split where a byline separates its parts, back to
    _ABOVE_HEADLINE_CHARS or to a long text (a teaser's or the menu's)."""
    pieces: list[str] = []
    budget = _ABOVE_HEADLINE_CHARS
    for piece in _texts_before(headline):
        budget -= len(piece)
        if len(piece) >= _PROSE_CHARS or budget < 0:
            break
        pieces.append(piece)
    return [part for piece in reversed(pieces) for part in SEPARATORS.split(piece)]


def _texts_before(headline: HtmlElement) -> Iterator[str]:
    """The texts before the headline, nearest first: its earlier siblings' and its containers' own, a few levels up;
    not those of elements marked as the last change."""
    node = headline
    for _ in range(_ABOVE_HEADLINE_LEVELS):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return
        for sibling in node.itersiblings(preceding=True):
            yield from _stripped([sibling.tail])
            yield from _stripped(
                t for t in reversed(_TEXTS(sibling)) if not (t.is_text and _marked_as_update(t.getparent()))
            )
        yield from _stripped([parent.text])
        node = parent


def _stripped(texts: Iterable[str | None]) -> Iterator[str]:
    return (text.strip() for text in texts if text and text.strip())


def _texts_after(node: HtmlElement, reader: _DateReader) -> Iterator[str | None]:
    """The texts of the node's later siblings in reading order, but for code, for a picture's caption (often set
    between the headline and the byline, its dates the picture's) and for those of elements marked as the last change
    (a hidden dateModified beside the visible date); a <time> gives its date as _time_value reads it (a US
    "02/03/2020" it prints is read by its datetime)."""
    for sibling in node.itersiblings():
        walk = etree.iterwalk(sibling, events=("start", "end"))
        for event, el in walk:
            if event == "start" and el.tag == "figcaption":
                walk.skip_subtree()
            elif event == "start":
                yield el.get("data-date")
                yield None if el.tag in _CODE or _marked_as_update(el) else _own_text(el, reader)
            elif el is not sibling:
                yield el.tail
        yield sibling.tail


def _own_text(el: HtmlElement, reader: _DateReader) -> str | None:
    """The element's own text; a <time>'s date as _time_value reads it, after its printed text where that names an
    update ("Updated Nov. 19, 2019 2019-11-19"): the label marks the last change."""
    if el.tag == "time" and el.get("datetime") and (found := _time_value(el, reader)):
        printed = element_text(el)
        return f"{printed} {found.isoformat()}" if _UPDATE.search(printed) else found.isoformat()
    return el.text


def _is_update(el: HtmlElement) -> bool:
    """A <time> marked as the last change, or printing an update's label ("Aktualisiert: 11.04.2020"), or set just
    after one ("Updated <time>…</time>")."""
    if _marked_as_update(el):
        return True
    return not _marked_as_published(el) and bool(_UPDATE.search(f"{_label_before(el)} {element_text(el)}"))


def _label_before(el: HtmlElement) -> str:
    """The short text just before the element in its parent: a label such as "Updated" or "Published"."""
    previous, parent = el.getprevious(), el.getparent()
    before = (previous.tail if previous is not None else parent.text if parent is not None else None) or ""
    if not before.strip() and previous is not None:
        before = element_text(previous)
    return before if len(before.strip()) <= _LABEL_CHARS else ""


def _marked_as_update(el: HtmlElement) -> bool:
    """schema.org's dateModified, or hAtom's "updated" class without "published" (WordPress marks a post never
    changed "published updated"; older themes mark the first version pubdate)."""
    return not _marked_as_published(el) and bool(_UPDATE.search(_marks(el)))


def _marked_as_published(el: HtmlElement) -> bool:
    return el.get("pubdate") is not None or "publish" in _marks(el).lower()


def _marks(el: HtmlElement) -> str:
    return f"{el.get('itemprop') or ''} {el.get('class') or ''}"


def _time_value(el: HtmlElement, reader: _DateReader) -> date | None:
    """A <time>'s machine-readable date, else the one it prints; the printed one where the machine-readable stamp
    is in UTC or states no zone, as sites render their local date from a UTC stamp ("2020-02-19T23:20Z" printed
    "20.2.2020 00:20"). A local date is at most a day from the UTC one: a printed date further off is misread (a US
    "02/03/2020")."""
    stamp = el.get("datetime")
    if not stamp:
        return reader.parse(element_text(el))
    stamped = reader.parse(stamp)
    if stamped and _may_be_utc_stamp(stamp) and (shown := _printed_near(element_text(el), reader, stamped)):
        return shown if abs((shown - stamped).days) <= 1 else stamped
    return stamped


def _printed_near(text: str, reader: _DateReader, stamped: date) -> date | None:
    """The date a <time> prints; where it prints a day and month without a year ("Posted Nov 18, 8:19 PM", "18
    März"), that day in the year around the stamp's."""
    if found := reader.parse(text):
        return found
    months = _month_names(reader.language)
    for m in chain(_DAY_MONTH.finditer(text), _MONTH_DAY.finditer(text)):
        day, name = (m["day"], m["month"])
        if month := months.get(name.lower()):
            near = (_date(stamped.year + shift, month, day) for shift in (0, -1, 1))
            return next((d for d in near if d and abs((d - stamped).days) <= 1), None)
    return None


def _may_be_utc_stamp(value: str) -> bool:
    """An ISO time stamp in UTC ("…Z", "…+00:00"), or a time without an offset: sites that print their local date
    often state UTC so ("2019-11-20T01:50:59" or "2019-11-20 01:50:59" for an evening's article in Los Angeles,
    printed 19 November). A date alone, or a time with another offset, is the page's own."""
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        return False
    return not _is_date_alone(value) and stamp.utcoffset() in (timedelta(0), None)


def _is_date_alone(value: str) -> bool:
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True
