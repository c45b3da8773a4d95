"""The page's local date where a time stamp states UTC: sites state a UTC stamp ("2019-11-20T01:50:59Z") and print
their local date (19 November for an evening's article in Los Angeles), and the card's date is the one the page
prints. A <time>'s printed date, the date printed at the headline, or the day the address files the article under
tell which day a UTC stamp's article is local to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import chain
from typing import Any

from lxml.html import HtmlElement

from bot.pipeline.metadata.date_parsing import DateReader, month_names, valid_date
from bot.pipeline.metadata.markup import element_text

# A written date without a year ("18 März", "Nov 18"), as a <time> prints its day beside the stamp that states
# the year ("Nov 18, 8:19 PM")
_DAY_MONTH = re.compile(r"(?<![\d.])(?P<day>\d{1,2})(?:\.|st|nd|rd|th|er)?\s+(?:de\s+)?(?P<month>[^\W\d_]{3,})(?!\w)")
_MONTH_DAY = re.compile(r"(?<![^\W\d_])(?P<month>[^\W\d_]{3,})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?![\d:.])")
_EVENING_ENDS_UTC = 8  # midnight in California
_EVENING_STARTS_UTC = 16  # midnight in China


def local_date(
    stamp: Any, reader: DateReader, headline_date: Callable[[], date | None], filed: date | None
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


def time_value(el: HtmlElement, reader: DateReader) -> date | None:
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


def _printed_near(text: str, reader: DateReader, stamped: date) -> date | None:
    """The date a <time> prints; where it prints a day and month without a year ("Posted Nov 18, 8:19 PM", "18
    März"), that day in the year around the stamp's."""
    if found := reader.parse(text):
        return found
    months = month_names(reader.language)
    for m in chain(_DAY_MONTH.finditer(text), _MONTH_DAY.finditer(text)):
        day, name = (m["day"], m["month"])
        if month := months.get(name.lower()):
            near = (valid_date(stamped.year + shift, month, day) for shift in (0, -1, 1))
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
