"""Videos and audio: YouTube (oEmbed for title and channel, the watch page for duration, date and description),
Vimeo (its oEmbed answer carries all of them), any page that is itself a video or an episode (its own
metadata), and pages that are only a player, described by their discovered oEmbed answer. No quotes: there is
no text to quote, only a description.
"""

from __future__ import annotations

import asyncio
import logging

from bot.errors import DigestError
from bot.models import Article, Digest, Page
from bot.pipeline.extract.pool import run_in_worker
from bot.pipeline.facts import first_sentences
from bot.pipeline.metadata import join_names, parse_date
from bot.pipeline.oembed import OEmbed, endpoint_url, fetch_oembed
from bot.pipeline.providers import Link, endpoints
from bot.pipeline.sentences import split_sentences
from bot.pipeline.summarize import is_furniture
from bot.pipeline.web import Web

log = logging.getLogger(__name__)


async def youtube_digest(link: Link, web: Web, source: str) -> Digest:
    bases = endpoints(web.settings)
    watch = f"{bases['youtube']}/watch?v={link.parts[0]}"
    oembed, page = await asyncio.gather(
        fetch_oembed(endpoint_url(bases["youtube_oembed"], watch, format="json"), web),
        _page_metadata(watch, web),
        return_exceptions=True,
    )
    # a watch page that is no video's (a private or removed one's, a consent wall) holds only the site's tagline
    article = page if isinstance(page, Article) and page.facts.kind == "video" else None
    if isinstance(oembed, BaseException) and article is None:
        raise _no_video(oembed, "YouTube")
    answer = oembed if isinstance(oembed, OEmbed) else None
    return media_digest(article or Article(), source, watch, "video", answer, provider="YouTube")


def _no_video(error: BaseException, provider: str) -> BaseException:
    """Why there is no card: oEmbed answers a private or removed video with an HTTP error (401 and 404, its spec
    says), which says more than the error itself; a timeout or an unreachable site is reported as it is."""
    if isinstance(error, DigestError) and error.reason == "http_status":
        message = f"This video is private or was removed: {provider} shows no video at this link ({error})."
        return DigestError("http_status", message)
    return error


async def vimeo_digest(link: Link, web: Web, source: str) -> Digest:
    bases = endpoints(web.settings)
    video = f"{bases['vimeo']}/{link.parts[0]}"
    answer = await fetch_oembed(endpoint_url(bases["vimeo_oembed"], video), web)
    return media_digest(Article(), source, video, "video", answer, provider="Vimeo")


async def _page_metadata(url: str, web: Web) -> Article:
    page = await web.document(url)
    if not isinstance(page, Page):
        raise DigestError("not_html", "The video's page is not an HTML page.")
    job, timeout = "bot.pipeline.extract.pool:metadata_only", web.settings.extract_timeout_s
    answer = await run_in_worker(job, (page.html, page.url), timeout)
    return Article.model_validate(answer)


async def discovered_oembed(article: Article, web: Web) -> OEmbed | None:
    """The page's own oEmbed answer, when it links one; a bad or refused answer is logged and skipped."""
    if not article.facts.oembed_url:
        return None
    try:
        return await fetch_oembed(article.facts.oembed_url, web)
    except DigestError as error:
        log.info("oEmbed discovery answer refused (%s): %s", error.reason, error)
        return None


def media_digest(article: Article, source: str, url: str, kind: str, answer: OEmbed | None,
                 provider: str | None = None) -> Digest:  # fmt: skip
    """A video's or audio's digest from its page's metadata and its oEmbed answer (either may be empty)."""
    answer = answer or OEmbed(type="video")
    description = answer.description or article.description or ""
    duration = answer.duration if answer.duration is not None else article.facts.duration_s
    authors = article.facts.authors  # as the page's video or audio object names them
    return Digest(
        source=source, url=url, canonical_url=url, kind="audio" if kind == "audio" else "video",
        title=answer.title or article.title,
        site_name=provider or answer.provider_name or article.site_name or article.facts.publisher,
        author=answer.author_name or (join_names(authors) if authors else article.author),
        published=parse_date(answer.upload_date) or article.published, language=article.language,
        summary=_about(description, article.language), text=description,
        duration_s=round(duration) if duration else None,
    )  # fmt: skip


def embed_digest(article: Article, source: str, url: str, answer: OEmbed) -> Digest:
    """A page that is only a player or an app shell, described by its oEmbed answer: at least title, author
    and provider."""
    if answer.type == "video":
        return media_digest(article, source, url, "video", answer)
    description = answer.description or article.description or ""
    return Digest(
        source=source, url=url, canonical_url=url, kind="embed", title=answer.title or article.title,
        site_name=answer.provider_name or article.site_name, author=answer.author_name or article.author,
        published=article.published, language=article.language,
        summary=_about(description, article.language), text=description,
    )  # fmt: skip


def _about(description: str, language: str | None) -> str:
    """The description's opening sentences, without a channel's calls to subscribe, follow or click."""
    kept = [sentence for sentence in split_sentences(description, language) if not is_furniture(sentence)]
    return first_sentences(" ".join(kept), language)
