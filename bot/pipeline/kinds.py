"""What kind of link it is, and how each kind is digested.

1. A provider's link (bot/pipeline/providers.py) goes to its API or oEmbed endpoint: YouTube and Vimeo videos, posts on
   X, Mastodon and Bluesky, GitHub and GitLab repositories, issues, pull requests and releases. arXiv's PDF
   links are read as their abstract pages. Where the provider's link is also a readable page (Mastodon's,
   GitHub's, GitLab's), a failed API call falls back to reading the page (YouTube's watch page is read beside
   its oEmbed answer already).
2. Anything else is fetched once: a PDF (by content type) is read in the extraction worker; an HTML page is
   extracted, then digested as what it says it is (bot/pipeline/pagefacts.py): a paper (citation_* tags), a video or
   audio, a social post, or an article. A page with no article text (a player, an app shell) that links an
   oEmbed answer is described by that answer.
Every fetch goes through the guarded fetcher (bot/pipeline/web.py); the digest is marked when any answer came from a
private address.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from bot.config import Settings
from bot.errors import DigestError
from bot.models import Article, Digest, Download, Page
from bot.pipeline.codehosts import github_digest, gitlab_digest
from bot.pipeline.digest import digest_extracted, digest_text
from bot.pipeline.extract.pool import extract_article_bounded
from bot.pipeline.fetch import decode_html
from bot.pipeline.media import discovered_oembed, embed_digest, media_digest, vimeo_digest, youtube_digest
from bot.pipeline.metadata import join_names
from bot.pipeline.pdf import looks_like_pdf, read_pdf_bounded
from bot.pipeline.providers import Link, endpoints, provider_link
from bot.pipeline.quotes import pick_quotes
from bot.pipeline.sentences import split_sentences
from bot.pipeline.social import bluesky_digest, mastodon_digest, page_post_digest, twitter_digest
from bot.pipeline.urls import choose_canonical
from bot.pipeline.web import Web

log = logging.getLogger(__name__)
Handler = Callable[[Link, Web, str], Awaitable[Digest]]
HANDLERS: dict[str, Handler] = {
    "youtube": youtube_digest, "vimeo": vimeo_digest, "twitter": twitter_digest, "mastodon": mastodon_digest,
    "bluesky": bluesky_digest, "github": github_digest, "gitlab": gitlab_digest,
}  # fmt: skip
PAGE_FALLBACK = {"mastodon", "github", "gitlab"}  # their links are readable pages as well
NO_ARTICLE = {"empty", "javascript_only"}  # what a page that is only a player or an app shell gets
NO_TEXT_LAYER = "this PDF has no text layer (a scan?), so there is nothing to summarise or quote"
# A page that declares itself a video (og:type) with no JSON-LD article may still be a story with a player atop it: its
# text is then an article's, far longer than the player's description (a video page's text is its caption)
_STORY_MIN_CHARS = 500
_STORY_TO_DESCRIPTION = 3


async def digest_link(url: str, settings: Settings, web: Web | None = None) -> Digest:
    web = web or Web(settings)
    digest = await _by_kind(url, web)
    digest.private_address = web.private_address
    return digest


async def digest_saved(raw: bytes, source: str, file_url: str, settings: Settings) -> Digest:
    """A saved PDF or HTML page (an oEmbed link it declares is still fetched, through the guard), within the byte
    limits of a fetched one: a larger page's beginning is read, a larger PDF is refused (a cut one is unreadable)."""
    web = Web(settings)
    if looks_like_pdf(raw):
        if len(raw) > settings.pdf_max_bytes:
            raise DigestError("too_large", f"The PDF is larger than {settings.pdf_max_bytes:,} bytes")
        return await pdf_digest(raw, source, file_url, settings)
    cap = settings.fetch_max_bytes
    page = Page(requested_url=file_url, url=file_url, html=decode_html(raw[:cap], None), truncated=len(raw) > cap)
    digest = await page_digest(page, source, web)
    digest.private_address = web.private_address
    return digest


async def _by_kind(url: str, web: Web) -> Digest:
    link = provider_link(url, web.settings)
    fetch = url
    if link is not None and link.site == "arxiv":
        fetch = f"{endpoints(web.settings)['arxiv']}/abs/{link.parts[0]}"
    elif link is not None:
        try:
            return await HANDLERS[link.site](link, web, url)
        except DigestError as error:
            if link.site not in PAGE_FALLBACK:
                raise
            log.info("%s API failed (%s); reading the page instead", link.site, error.reason)
            return await _page_instead(url, web, error)
    return await _read(fetch, url, web)


async def _page_instead(url: str, web: Web, api_error: DigestError) -> Digest:
    """The provider link's page; when it has no text of its own (an app shell), the API's reason says more."""
    try:
        return await _read(url, url, web)
    except DigestError as error:
        if error.reason in NO_ARTICLE:
            raise api_error from error
        raise


async def _read(fetch: str, url: str, web: Web) -> Digest:
    found = await web.document(fetch)
    if isinstance(found, Download):
        return await pdf_digest(found.body, url, found.url, web.settings, found.filename)
    return await page_digest(found, url, web)


async def page_digest(page: Page, source: str, web: Web) -> Digest:
    """The page digested as what it says it is; a page cut at the byte cap says so, in its card or in an error that
    found no article (its article may lie past the cut)."""
    try:
        digest = await _page_digest(page, source, web)
    except DigestError as error:
        if not page.truncated or error.reason not in NO_ARTICLE:
            raise
        cut = byte_size(web.settings.fetch_max_bytes)
        message = f"{str(error).rstrip('.')}: the page was cut at {cut}, and its article may lie past the cut."
        raise DigestError(error.reason, message, retry_after=error.retry_after) from error
    if page.truncated and not digest.warning:
        digest.warning = (
            f"the page is larger than {byte_size(web.settings.fetch_max_bytes)}; only its beginning was read"
        )
    return digest


async def _page_digest(page: Page, source: str, web: Web) -> Digest:
    article = await extract_article_bounded(page.html, page.url, web.settings)
    url = _canonical(page, article)
    kind = article.facts.kind
    if kind == "paper":
        return paper_digest(article, source, url)
    if kind == "audio" or (kind == "video" and not is_story_with_player(article)):
        return media_digest(article, source, url, kind, await discovered_oembed(article, web))
    if kind == "post" and article.facts.post_text:
        return page_post_digest(article, source, url)
    return await _article_or_embed(page, article, source, web)


def byte_size(count: int) -> str:
    """A size as people read it: 2 MiB, 1.5 MiB, 488.3 KiB, 900 bytes."""
    for unit, shift in (("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift:
            return f"{count / (1 << shift):.1f}".removesuffix(".0") + f" {unit}"
    return f"{count:,} bytes"


async def _article_or_embed(page: Page, article: Article, source: str, web: Web) -> Digest:
    try:
        return await digest_extracted(article, page.html, source, page.url, web.settings)
    except DigestError as error:
        if error.reason in NO_ARTICLE and article.facts.post_text:  # a post's page that needs JavaScript
            return page_post_digest(article, source, _canonical(page, article))
        answer = await discovered_oembed(article, web) if error.reason in NO_ARTICLE else None
        if answer is None:
            raise
    return embed_digest(article, source, _canonical(page, article), answer)


def is_story_with_player(article: Article) -> bool:
    """Without a description to weigh it against, a video page's text may be its "up next" list or its comments."""
    text, description = article.text or "", article.description or ""
    return bool(description) and len(text) >= max(_STORY_MIN_CHARS, _STORY_TO_DESCRIPTION * len(description))


def _canonical(page: Page, article: Article) -> str:
    """The page's declared canonical URL when it is on the same site; a saved page keeps its file's URL."""
    return page.url if page.url.startswith("file:") else choose_canonical(page.url, article.canonical_url)


def paper_digest(article: Article, source: str, url: str) -> Digest:
    """Title, every author, date, the abstract as the summary, and quotes from the page's text that do not repeat
    the abstract (a landing page that shows only the abstract has none)."""
    facts = article.facts
    abstract = facts.abstract or article.description or ""
    quotes = pick_quotes(article, split_sentences(abstract, article.language))
    return Digest(
        source=source, url=url, canonical_url=url, kind="paper", title=facts.title or article.title,
        site_name=facts.venue or article.site_name, author=join_names(facts.authors) if facts.authors else
        article.author, published=facts.published or article.published,
        published_precision=facts.published_precision if facts.published else "day", language=article.language,
        summary=abstract, quotes=quotes, text=abstract,
    )  # fmt: skip


async def pdf_digest(data: bytes, source: str, url: str, settings: Settings, file_name: str | None = None) -> Digest:
    """A PDF's text summarised and quoted like an article's; a PDF with no text says so. Untitled, it is named by
    `file_name` (the server's), else by its link's last segment."""
    pdf = await read_pdf_bounded(data, settings)
    article = Article(title=pdf.title or file_name or _file_name(url), author=pdf.author, published=pdf.published,
                      language=pdf.language, text=pdf.text, paragraphs=pdf.paragraphs)  # fmt: skip
    if pdf.text.strip():
        digest = await digest_text(article, source, url, settings)
    else:
        digest = Digest(source=source, url=url, canonical_url=choose_canonical(url, None), title=article.title,
                        author=pdf.author, published=pdf.published, warning=NO_TEXT_LAYER)  # fmt: skip
    digest.kind, digest.pages, digest.published_precision = "pdf", pdf.pages, pdf.published_precision
    if pdf.pages > pdf.pages_read and not digest.warning:
        digest.warning = f"only the first {pdf.pages_read} of its {pdf.pages} pages were read"
    return digest


def _file_name(url: str) -> str | None:
    name = unquote(PurePosixPath(urlsplit(url).path).name)
    return name or None
