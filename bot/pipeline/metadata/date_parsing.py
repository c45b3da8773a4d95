"""How a string states a date: numeric ("31.03.2020", "2020-03-31", "01/21/2020"), written with a month's name in
the page's language or English ("24. Januar 2022", "Jan. 28, 2020"), or as an e-mail's date; never moved to another
time zone, and never too early for the web's articles or in the future.

Every date source (dates.py's meta tags and JSON-LD, the dates printed at the headline, htmldate's answer) reads its
strings here, with a DateReader that knows how the page writes its dates: the language of its month names and
whether a numeric date that reads both ways ("11/08/23") is month first there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

from lxml.html import HtmlElement

from bot.pipeline.metadata.markup import calendar_names

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
_MONTH_DAY_YEAR = re.compile(r"(?<![^\W\d_])([^\W\d_]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")
# Month names where the page does not say its language: the web's most written languages in Latin script and Russian
# (the first wins where two disagree); and a code pages use that dateparser's locale data names otherwise (Norwegian).
_UNKNOWN_LANGUAGE = ("en", "de", "fr", "es", "pt", "it", "nl", "pl", "cs", "ru")
_LANGUAGE_CODES = {"no": "nb"}
_MONTH_KEYS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december")  # fmt: skip


def _day_first() -> bool:
    return False


def parse_date(value: Any, language: str | None = None, month_first: Callable[[], bool] = _day_first) -> date | None:
    """The date a string states, numeric or written in the page's language (or English), without moving it to
    another time zone: "2023-11-06T23:30:00Z" is 6 November, as the page says. A numeric date that reads both ways
    is month first where month_first() says so (asked only then)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return plausible(_numeric_date(value, month_first) or _written_date(value, language) or _email_date(value))


@dataclass(frozen=True)
class DateReader:
    """How the page being dated writes its dates: the language of its month names, whether a numeric date that reads
    both ways is month first (worked out only when one turns up: it reads the page's whole text), and the words of
    its description (a standfirst under the headline repeats it)."""

    language: str | None = None
    month_first: Callable[[], bool] = _day_first
    description: frozenset[str] = frozenset()

    def parse(self, value: Any) -> date | None:
        return parse_date(value, self.language, self.month_first)


def plausible(found: date | None) -> date | None:
    """The date, unless it is too early for the web's articles or in the future."""
    return found if found and 1990 <= found.year <= datetime.now().year + 1 else None


def _numeric_date(value: str, page_month_first: Callable[[], bool]) -> date | None:
    if m := _YMD_DATE.search(value):
        return valid_date(m[1], m[2], m[3])
    if m := _DMY_DATE.search(value):
        first, second, year = int(m[1]), int(m[2]), _full_year(m[3])
        reads_both_ways = first != second and max(first, second) <= 12 and "." not in m[0]
        month_first = second > 12 >= first or (reads_both_ways and page_month_first())
        return valid_date(year, first, second) if month_first else valid_date(year, second, first)
    return None


def _full_year(year: str) -> int:
    return int(year) if len(year) == 4 else 2000 + int(year)


def writes_month_first(tree: HtmlElement, meta: dict[str, str], ld: dict[str, Any]) -> bool:
    """The order of the first date with slashes the page prints that reads only one way ("11/23/2023",
    "23/11/2023"), else its region's: month first in American English, day first elsewhere."""
    for m in _SLASHED_DATE.finditer(tree.text_content()):
        first, second, year = int(m[1]), int(m[2]), _full_year(m[3])
        if second > 12 >= first and plausible(valid_date(year, first, second)):
            return True
        if first > 12 >= second and plausible(valid_date(year, second, first)):
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
    found = _date_with_months(value, month_names(language))
    return found or (_date_with_months(value, month_names(None)) if language else None)


def _date_with_months(value: str, months: dict[str, int]) -> date | None:
    for m in _DAY_MONTH_YEAR.finditer(value):
        if month := months.get(m[2].lower()):
            return valid_date(m[3], month, m[1])
    for m in _MONTH_DAY_YEAR.finditer(value):
        if month := months.get(m[1].lower()):
            return valid_date(m[3], month, m[2])
    return None


def _email_date(value: str) -> date | None:
    try:
        return parsedate_to_datetime(value.strip()).date()
    except (TypeError, ValueError, IndexError):
        return None


def valid_date(year: str | int, month: str | int, day: str | int) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


@lru_cache(maxsize=64)
def month_names(language: str | None) -> dict[str, int]:
    """Month names and their abbreviations in the page's language and in English, from dateparser's locale data
    (languages disagree on some: "listopad" is November in Czech and October in Croatian); in the most written ones
    where the page does not say its language."""
    codes = (_LANGUAGE_CODES.get(language, language),) if language else _UNKNOWN_LANGUAGE
    names: dict[str, int] = {}
    for code in dict.fromkeys([*codes, "en"]):
        for name, number in calendar_names(code, _MONTH_KEYS):
            names.setdefault(name.rstrip("."), number)
    return names
