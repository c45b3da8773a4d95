"""The data that flows through the core: a fetched page, an extracted article and the finished digest."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Page(BaseModel):
    """A fetched (or loaded) HTML document, already decoded to text."""

    requested_url: str
    url: str  # final URL after redirects, canonicalised (trackers dropped)
    html: str
    status: int = 200
    content_type: str = "text/html"
    truncated: bool = False  # the body was cut at the byte cap
    private_address: bool = False  # served by a private or internal address (fetched only when those are allowed)


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
    warning: str | None = None  # e.g. "paywall: only a teaser was readable"


class Digest(BaseModel):
    """One article, digested. `--json` prints exactly this object, one per line."""

    source: str
    url: str
    canonical_url: str
    title: str | None = None
    site_name: str | None = None
    author: str | None = None
    published: date | None = None
    language: str | None = None
    reading_minutes: int = 0
    summary: str = ""
    quotes: list[str] = Field(default_factory=list)
    text: str = ""
    warning: str | None = None
    # Fetched from a private or internal address: served from the cache only while those are allowed.
    private_address: bool = False
