"""The data that flows through the core: a fetched page, an extracted article and the finished digest."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

# What a link is (bot/pipeline/kinds.py): an HTML article unless it is one of the others.
Kind = Literal["article", "pdf", "video", "audio", "post", "code", "paper", "embed"]


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
    private_address: bool = False


class PageFacts(BaseModel):
    """What a page declares about being something other than an article (bot/pipeline/pagefacts.py)."""

    kind: Literal["paper", "video", "audio", "post"] | None = None
    oembed_url: str | None = None  # its oEmbed discovery link (JSON)
    title: str | None = None  # a paper's, as its citation tags give it
    authors: list[str] = Field(default_factory=list)  # a paper's, every one
    published: date | None = None  # a paper's
    venue: str | None = None  # a paper's journal or conference
    abstract: str | None = None  # a paper's
    duration_s: int | None = None  # a video's or audio's
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
