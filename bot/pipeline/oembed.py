"""oEmbed (oembed.com): a provider's JSON description of a link (type, title, author, provider). Answers are
fetched through the guarded fetcher with a small byte cap, and checked before use: an endpoint that answers
HTML, or JSON that is not an oEmbed object, is refused with a reason like any unreadable page.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ValidationError, field_validator

from bot.errors import DigestError
from bot.pipeline.pagefacts import duration_seconds
from bot.pipeline.web import Web

FIELD_CHARS = 20_000  # a title or description past this is not one; `html` (an embed) can be longer
# A number of seconds as some providers quote it ("125", "125.5"); ASCII only, as "²" or "١٢٥" name no length.
_SECONDS_TEXT = re.compile(r"\s*\d+(\.\d+)?\s*", re.ASCII)


class OEmbed(BaseModel):
    """The fields digestbot reads; the spec's others (sizes, thumbnails) are ignored."""

    type: Literal["photo", "video", "link", "rich"]
    title: str | None = None
    author_name: str | None = None
    author_url: str | None = None
    provider_name: str | None = None
    html: str | None = None
    # Vimeo's additions to the standard fields
    description: str | None = None
    duration: int | None = None  # seconds
    upload_date: str | None = None

    @field_validator("title", "author_name", "provider_name", "description", "upload_date", "author_url")
    @classmethod
    def _bounded(cls, value: str | None) -> str | None:
        return value.strip()[:FIELD_CHARS] or None if isinstance(value, str) else None

    @field_validator("duration", mode="before")
    @classmethod
    def _plausible(cls, value: Any) -> int | None:
        if isinstance(value, str):
            value = float(value) if _SECONDS_TEXT.fullmatch(value) else None
        return duration_seconds(value)


def endpoint_url(endpoint: str, link: str, **params: str) -> str:
    """`endpoint?url=<link>&...`, as the providers document their oEmbed endpoints."""
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in {"url": link, **params}.items())
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


async def fetch_oembed(url: str, web: Web) -> OEmbed:
    """The oEmbed answer at `url` (an endpoint with its query), or DigestError."""
    answer = await web.json(url)
    return parse_oembed(answer)


def parse_oembed(answer: Any) -> OEmbed:
    if not isinstance(answer, dict):
        raise DigestError("not_oembed", "The oEmbed answer is not a JSON object.")
    try:
        return OEmbed.model_validate({key: value for key, value in answer.items() if key in OEmbed.model_fields})
    except ValidationError as error:
        raise DigestError(
            "not_oembed", f"The oEmbed answer is not valid oEmbed ({error.errors()[0]['msg']})."
        ) from None
