"""Times as the bot shows and keeps them: how long ago something happened, the way people say it in chat ("3d
ago"), and datetimes in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

_UNITS = (("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60))


def age(when: datetime, now: datetime | None = None) -> str:
    seconds = max(0, ((now or datetime.now(UTC)) - when).total_seconds())
    for unit, size in _UNITS:
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "just now"


def utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is taken to be UTC already."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
