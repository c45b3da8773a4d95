"""The pipeline: a URL or a saved file in, a Digest out (fetch, extract, check walls, summarize, quote).

Links that are not HTML articles (PDFs, videos, posts, code, papers) are told apart in bot/pipeline/kinds.py."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.config import Settings
from bot.errors import DigestError
from bot.models import Article, Digest
from bot.pipeline.extract.pool import extract_article_bounded
from bot.pipeline.llm import llm_summarize
from bot.pipeline.quotes import pick_quotes, verbatim_only
from bot.pipeline.slots import FetchSlots
from bot.pipeline.summarize import summarize
from bot.pipeline.urls import canonicalize, choose_canonical
from bot.pipeline.walls import TEASER_WARNING, detect_wall, readable_teaser

log = logging.getLogger(__name__)

WORDS_PER_MINUTE = 230
INTERNAL_ERROR = "digestbot ran into an unexpected error on it (its log names the error)."
_WORD = re.compile(r"\w+")


def reading_minutes(text: str) -> int:
    words = len(_WORD.findall(text))
    return max(1, math.ceil(words / WORDS_PER_MINUTE)) if words else 0


def digest_article(article: Article, source: str, url: str, settings: Settings) -> Digest:
    """Summary and quotes for an extracted article (offline, deterministic)."""
    summary = summarize(article)
    return _assemble(article, source, url, summary, pick_quotes(article, summary))


def _canonical(url: str, declared: str | None) -> str:
    # A saved page has no site of its own to compare with: the address it declares is the best we know.
    if url.startswith("file:") and declared and is_url(declared):
        return canonicalize(declared)
    return choose_canonical(url, declared)


def _assemble(article: Article, source: str, url: str, summary: list[str], quotes: list[str]) -> Digest:
    return Digest(
        source=source,
        url=url,
        canonical_url=_canonical(url, article.canonical_url),
        title=article.title,
        site_name=article.site_name,
        author=article.author,
        published=article.published,
        language=article.language,
        reading_minutes=reading_minutes(article.text),
        summary=" ".join(summary),
        quotes=quotes,
        text=article.text,
        warning=article.warning,
    )


async def digest_html(html: str, source: str, url: str, settings: Settings) -> Digest:
    """Digest an already-decoded page: extraction in a killable worker, then the wall check, then summaries."""
    article = await extract_article_bounded(html, url, settings)
    return await digest_extracted(article, html, source, url, settings)


async def digest_extracted(article: Article, html: str, source: str, url: str, settings: Settings) -> Digest:
    """An extracted page's digest, or DigestError when it is a wall or has no article text.

    A paywall whose teaser is real prose is digested as a teaser, with a warning; other walls are refused.
    """
    wall = detect_wall(html, article)
    if wall and wall[0] == "paywall" and readable_teaser(article.text):
        article.warning = TEASER_WARNING
    elif wall:
        raise DigestError(*wall)
    if not article.text.strip() and not article.warning:
        raise DigestError("empty", "Found no article text on this page.")
    return await digest_text(article, source, url, settings)


async def digest_text(article: Article, source: str, url: str, settings: Settings) -> Digest:
    """Summary and quotes of a text (an article's, a PDF's): the LLM's when one is set up and answers."""
    if settings.llm_url and settings.llm_model and article.text:
        proposed = await llm_summarize(article, settings)
        if proposed:
            summary, quotes = proposed
            quotes = verbatim_only(quotes, article.text, article.language) or pick_quotes(article, summary)
            return _assemble(article, source, url, summary, quotes)
    return digest_article(article, source, url, settings)


@contextmanager
def _unexpected_errors_named(source: str) -> Iterator[None]:
    """An error no check foresaw (a bug, or an input of a shape nobody expected) while digesting one source becomes
    one DigestError, logged with its traceback: the command line goes on to the next source, and Slack replies once
    instead of retrying a job that would fail the same way. Cancellation and Ctrl-C are not Exceptions: they pass."""
    try:
        yield
    except DigestError:
        raise
    except Exception as error:
        log.exception("digesting %s failed unexpectedly: %s: %s", source, type(error).__name__, error)
        raise DigestError("internal", INTERNAL_ERROR) from error


async def digest_url(url: str, settings: Settings, slots: FetchSlots | None = None) -> Digest:
    """A link's digest, whatever it is: an article, a PDF, a video, a post, a repository, a paper. `slots`: the
    process's fetch slots, when its other digests share them."""
    from bot.pipeline.kinds import digest_link  # kinds.py builds on this module: imported when first needed
    from bot.pipeline.web import Web

    with _unexpected_errors_named(url):
        return await digest_link(url, settings, Web(settings, slots=slots))


async def digest_file(path: Path, settings: Settings) -> Digest:
    """A saved page or PDF, read no further than a fetched one (a byte past the limit tells it was cut)."""
    from bot.pipeline.kinds import digest_saved

    try:
        with path.open("rb") as saved:
            raw = saved.read(max(settings.fetch_max_bytes, settings.pdf_max_bytes) + 1)
    except OSError as error:
        raise DigestError("unreadable", f"Could not read {path}: {error.strerror}.") from error
    with _unexpected_errors_named(str(path)):
        return await digest_saved(raw, str(path), path.resolve().as_uri(), settings)


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


async def digest_source(source: str, settings: Settings) -> Digest:
    """A URL is fetched; anything else is read as a saved HTML page or PDF."""
    if is_url(source):
        return await digest_url(source, settings)
    if "://" in source:
        raise DigestError("bad_url", f"Only http and https links can be digested, not {source.split(':')[0]}.")
    return await digest_file(Path(source), settings)
