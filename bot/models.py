"""The data that flows through the core: a fetched page, an extracted article and the finished digest."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

# What a link is (bot/pipeline/kinds.py): an HTML article unless it is one of the others.
Kind = Literal["article", "pdf", "video", "audio", "post", "code", "paper", "embed"]


# Longest title, site name and author a digest keeps (cards, records and the related index show no more): a page
# cannot make a share record or a related-index record outgrow its 1 KB, nor a card's fallback text Slack's limit.
TITLE_MAX_CHARS = 200
SITE_MAX_CHARS = 80
AUTHOR_MAX_CHARS = 120
_CLIPPED = {"title": TITLE_MAX_CHARS, "site_name": SITE_MAX_CHARS, "author": AUTHOR_MAX_CHARS,
            "handle": AUTHOR_MAX_CHARS, "item": TITLE_MAX_CHARS}  # fmt: skip
# Format characters (Unicode category Cf, all in planes 0, 1 and 14) are invisible in a card: bidi overrides
# and isolates (U+202E, U+2066-2069) reorder what it shows, zero-width ones (U+200B, U+FEFF) hide in words.
# ZWNJ and ZWJ stay: Persian and Indic words and emoji sequences need them, and they reorder nothing.
_ADDRESSES = ("source", "url", "canonical_url")  # keys of the cache: never rewritten here


def _ranges(code_points: list[int]) -> str:
    """A regex character class of these code points as ranges (one item per run: a class of 160 single
    characters is scanned item by item, 40 times slower)."""
    runs: list[list[int]] = []
    for cp in code_points:
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in runs) + "]"


_INVISIBLE = re.compile(
    _ranges([
        cp
        for block in (range(0x80, 0x20000), range(0xE0000, 0xE1000))
        for cp in block
        if unicodedata.category(chr(cp)) == "Cf" and cp not in (0x200C, 0x200D)
    ])
)  # fmt: skip


def visible(text: str) -> str:
    """`text` without invisible format characters."""
    return text if text.isascii() else _INVISIBLE.sub("", text)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut).rstrip(" ,;:.") + "…"


def clip_bytes(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8 (a record's budget), cut between characters, with an ellipsis."""
    if len(text.encode()) <= limit:
        return text
    return text.encode()[: limit - 3].decode(errors="ignore") + "…"


class Page(BaseModel):
    """A fetched (or loaded) HTML document, already decoded to text."""

    requested_url: str
    url: str  # final URL after redirects, canonicalised (trackers dropped)
    html: str
    status: int = 200
    content_type: str = "text/html"
    truncated: bool = False  # the body was cut at the byte cap
    private_address: bool = False  # served by a private or internal address (fetched only when those are allowed)


class Download(BaseModel):
    """A fetched body that is not an HTML page (a PDF, an oEmbed or API answer), not decoded."""

    url: str  # final URL after redirects, canonicalised
    content_type: str
    body: bytes
    charset: str | None = None  # from the Content-Type header
    filename: str | None = None  # from the Content-Disposition header: a download script's link does not name it
    private_address: bool = False


# How much of a date its source gave: a paper's citation tags or a PDF's dictionary may give only a year or a month.
DatePrecision = Literal["year", "month", "day"]


class PageFacts(BaseModel):
    """What a page declares about being something other than an article (bot/pipeline/pagefacts.py)."""

    kind: Literal["paper", "video", "audio", "post"] | None = None
    oembed_url: str | None = None  # its oEmbed discovery link (JSON)
    title: str | None = None  # a paper's, as its citation tags give it
    authors: list[str] = Field(default_factory=list)  # a paper's (every one), a video's or an audio's
    published: date | None = None  # a paper's
    published_precision: DatePrecision = "day"
    venue: str | None = None  # a paper's journal or conference
    abstract: str | None = None  # a paper's
    duration_s: int | None = None  # a video's or audio's
    publisher: str | None = None  # a video's or audio's, as its schema.org object names it: the site
    post_text: str | None = None  # a social post's own words
    handle: str | None = None  # a post author's handle


class Article(BaseModel):
    """What extraction found on a page."""

    title: str | None = None
    site_name: str | None = None
    author: str | None = None
    published: date | None = None
    language: str | None = None
    canonical_url: str | None = None  # from <link rel=canonical> / og:url, already checked to be same-site
    description: str | None = None
    text: str = ""
    paragraphs: list[str] = Field(default_factory=list)
    pull_quotes: list[str] = Field(default_factory=list)  # the article's own blockquotes / pull quotes
    headings: list[str] = Field(default_factory=list)  # paragraphs of `text` that were headings (<h2>...) on the page
    warning: str | None = None  # e.g. "paywall: only a teaser was readable"
    facts: PageFacts = Field(default_factory=PageFacts)


class Digest(BaseModel):
    """One article, digested. `--json` prints exactly this object, one per line."""

    source: str
    url: str
    canonical_url: str
    title: str | None = None
    site_name: str | None = None
    author: str | None = None
    published: date | None = None
    published_precision: DatePrecision = "day"  # a year-only date is stored as its January 1st and shown as the year
    language: str | None = None
    reading_minutes: int = 0
    summary: str = ""
    quotes: list[str] = Field(default_factory=list)
    text: str = ""
    warning: str | None = None
    # Fetched from a private or internal address: served from the cache only while those are allowed.
    private_address: bool = False
    kind: Kind = "article"
    pages: int | None = None  # a PDF's page count
    duration_s: int | None = None  # a video's or audio's length
    handle: str | None = None  # a post's author: @name, @name@server.example, @name.bsky.social
    item: str | None = None  # what it is on a code host: "repository", "pull request owner/repo#7", ...
    state: str | None = None  # an issue's or pull request's state: open, closed, merged, draft

    @model_validator(mode="before")
    @classmethod
    def _page_text_made_safe(cls, data: Any) -> Any:
        """Whatever built it (any kind of link, or the cache): page text without invisible characters, and the
        title, site and author within their limits."""
        # Once per digest read back: the cache's record type (a subclass) is read into a Digest, which cleans it.
        if cls is not Digest or not isinstance(data, dict):
            return data
        clean = {k: visible(v) if isinstance(v, str) and k not in _ADDRESSES else v for k, v in data.items()}
        if isinstance(quotes := clean.get("quotes"), list):
            clean["quotes"] = [visible(q) if isinstance(q, str) else q for q in quotes]
        for name, limit in _CLIPPED.items():
            if isinstance(clean.get(name), str):
                clean[name] = clip(clean[name], limit)
        return clean
