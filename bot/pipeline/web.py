"""The fetches one digest makes (the link, an oEmbed endpoint, a provider's API), all through the SSRF-guarded
fetcher of bot/pipeline/fetch.py with its redirects, decoders and deadline, each with its own content types and
byte cap.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from bot.config import Settings
from bot.errors import DigestError
from bot.models import Download, Page
from bot.pipeline.fetch import BodyRule, decode_html, fetch_body, fetch_document
from bot.pipeline.slots import FetchSlots

JSON_MAX_BYTES = 512 * 1024  # oEmbed answers are a few KiB; a README in an API answer fits many times over
JSON = BodyRule(
    "JSON",
    frozenset({"application/json", "text/json", "application/json+oembed", "application/activity+json",
               "application/vnd.github+json", "text/javascript", "application/javascript"}),
    JSON_MAX_BYTES,
    "application/json",
)  # fmt: skip
TEXT = BodyRule("text", frozenset({"text/plain", "text/markdown", "text/x-markdown"}), JSON_MAX_BYTES, "text/plain")

TransportFactory = Callable[[], httpx.AsyncBaseTransport]


class Web:
    """One digest's fetches. `transport` makes each fetch's transport (tests dial through a recorder); `slots` are
    the process's fetch slots (bot/pipeline/slots.py), if it shares them; `private_address` says whether any answer
    came from a private or internal address."""

    def __init__(
        self, settings: Settings, transport: TransportFactory | None = None, slots: FetchSlots | None = None
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._slots = slots
        self.private_address = False

    @property
    def pdf(self) -> BodyRule:
        return BodyRule("PDF", frozenset({"application/pdf", "application/x-pdf"}), self.settings.pdf_max_bytes,
                        "application/pdf")  # fmt: skip

    async def document(self, url: str) -> Page | Download:
        """The link itself: an HTML page, or a PDF."""
        found = await fetch_document(url, self.settings, self.pdf, transport=self._new_transport(), slots=self._slots)
        self.private_address |= found.private_address
        return found

    async def json(self, url: str, headers: dict[str, str] | None = None) -> Any:
        """A JSON answer, parsed; DigestError when it is not JSON or too large."""
        body = await self._fetch(url, JSON, headers)
        try:
            return json.loads(body.body.decode(body.charset or "utf-8", errors="replace"))
        except (ValueError, RecursionError) as error:
            raise DigestError("not_json", f"The answer from {httpx.URL(url).host} is not valid JSON.") from error

    async def text(self, url: str, headers: dict[str, str] | None = None) -> str:
        body = await self._fetch(url, TEXT, headers)
        return decode_html(body.body, body.charset)

    async def _fetch(self, url: str, rule: BodyRule, headers: dict[str, str] | None) -> Download:
        body = await fetch_body(
            url, self.settings, rule, transport=self._new_transport(), headers=headers, slots=self._slots
        )
        self.private_address |= body.private_address
        return body

    def _new_transport(self) -> httpx.AsyncBaseTransport | None:
        return self._transport() if self._transport else None


# A provider's JSON answer is read field by field: a field of another type than its API documents (a list for a
# name, an object for a language or an account) counts as missing, it does not crash the digest.


def text_field(answer: dict[str, Any], key: str) -> str | None:
    """`answer[key]` when it is text with something in it."""
    value = answer.get(key)
    return value if isinstance(value, str) and value.strip() else None


def object_field(answer: dict[str, Any], key: str) -> dict[str, Any]:
    """`answer[key]` when it is a JSON object, else an empty one."""
    value = answer.get(key)
    return value if isinstance(value, dict) else {}
