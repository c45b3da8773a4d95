"""Social posts: the post's own words verbatim as the summary, its author and handle, its date.

X/Twitter through its public oEmbed endpoint (the post is the blockquote in the answer's `html`), Mastodon
through the server's public status API (`/api/v1/statuses/:id`), Bluesky through its public AppView
(`com.atproto.identity.resolveHandle`, `app.bsky.feed.getPosts`). Pages that declare a schema.org
SocialMediaPosting (LinkedIn's public posts), and post pages that need JavaScript but whose OpenGraph tags hold the
post (Mastodon's, Threads', X's), are read from their own metadata (bot/pipeline/kinds.py). A post with media and no
text says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import lxml.html
from lxml import etree

from bot.errors import DigestError
from bot.models import Article, Digest
from bot.pipeline.facts import html_text
from bot.pipeline.metadata import normalise_language, parse_date
from bot.pipeline.oembed import endpoint_url, fetch_oembed
from bot.pipeline.providers import Link, endpoints
from bot.pipeline.web import Web, object_field, text_field

_BY_LINE = re.compile(r"\(@(\w{1,15})\)")  # "— Name (@handle) <a>date</a>" after the post in X's blockquote
# A Mastodon custom emoji's code (":verified:"), an image on the server and noise in text; not inside a time (12:30:00)
_SHORTCODE = re.compile(r"(?<![\w:]):([A-Za-z0-9_]{2,}):(?![\w:])")
_SPACES = re.compile(r"[ \t]{2,}")  # where a code stood between words
_MEDIA_NAMES = {"image": "image", "gifv": "GIF", "video": "video", "audio": "audio"}  # Mastodon's attachment types
Attachment = tuple[str, str | None]  # a post's media: its type and the description its author wrote


def post_digest(source: str, url: str, site: str, author: str | None, handle: str | None, text: str,
                when: Any = None, language: str | None = None, warning: str | None = None,
                media: Sequence[Attachment] = ()) -> Digest:  # fmt: skip
    """A post's card; one with no text but media attached says what it shows."""
    shown = text.strip() or _media_line(media)
    if not shown:
        raise DigestError("empty", f"The {site} post has no text to show.")
    name = author or handle or "Someone"
    return Digest(
        source=source, url=url, canonical_url=url, kind="post", title=f"{name} on {site}", site_name=site,
        author=author, handle=handle, published=parse_date(when) if isinstance(when, str) else when,
        language=language, summary=shown, text=shown, warning=warning,
    )  # fmt: skip


def _media_line(media: Sequence[Attachment]) -> str:
    """What a post with media and no text shows, with the descriptions its author gave the media: "Image post (no
    text)", "Post of 3 videos (no text)"."""
    if not media:
        return ""
    names = [_MEDIA_NAMES.get(kind, "attachment") for kind, _ in media]
    name = names[0] if len(set(names)) == 1 else "attachment"
    what = f"{name[0].upper()}{name[1:]} post" if len(names) == 1 else f"Post of {len(names)} {name}s"
    described = [f"“{description}”" for _, description in media if description]
    return f"{what} (no text). Described as: {'; '.join(described)}" if described else f"{what} (no text)"


async def twitter_digest(link: Link, web: Web, source: str) -> Digest:
    user, status = link.parts
    bases = endpoints(web.settings)
    url = f"{bases['twitter']}/{user}/status/{status}"
    answer = await fetch_oembed(endpoint_url(bases["twitter_oembed"], url, omit_script="true", dnt="true"), web)
    text, by_line, when = _tweet_parts(answer.html or "")
    handle = _BY_LINE.search(by_line)
    return post_digest(source, url, "X", answer.author_name, f"@{handle[1]}" if handle else f"@{user}", text,
                       _tweet_date(when))  # fmt: skip


def _tweet_parts(html: str) -> tuple[str, str, str]:
    """(the post's text, the line naming its author, its date's text) from X's embed blockquote."""
    try:
        quote_el = lxml.html.fragment_fromstring(html, create_parent="div").find(".//blockquote")
    except (etree.ParserError, ValueError):
        quote_el = None
    if quote_el is None:
        raise DigestError("not_oembed", "X's embed answer holds no post.")
    paragraph = quote_el.find(".//p")
    text = html_text(lxml.html.tostring(paragraph, encoding="unicode")) if paragraph is not None else ""
    links = quote_el.findall("a")
    when = links[-1].text_content() if links else ""
    by_line = "".join(quote_el.itertext())
    return text, by_line, when


def _tweet_date(text: str) -> Any:
    try:
        return datetime.strptime(text.strip(), "%B %d, %Y").date()
    except ValueError:
        return None


async def mastodon_digest(link: Link, web: Web, source: str) -> Digest:
    server, status_id = link.parts
    status = await web.json(f"{server}/api/v1/statuses/{status_id}")
    shown = (object_field(status, "reblog") or status) if isinstance(status, dict) else {}
    account = object_field(shown, "account")
    if not account:
        raise DigestError("not_json", "The server's answer is not a Mastodon status.")
    acct = text_field(account, "acct") or text_field(account, "username") or ""
    handle = f"@{acct}" if "@" in acct else f"@{acct}@{urlsplit(server).netloc}"
    spoiler = text_field(shown, "spoiler_text")
    url = text_field(shown, "url") or f"{server}/@{acct}/{status_id}"
    name = _without_custom_emoji(text_field(account, "display_name") or "", account.get("emojis"))
    text = _without_custom_emoji(html_text(text_field(shown, "content") or ""), shown.get("emojis"))
    return post_digest(source, url if url.startswith(("http://", "https://")) else source, "Mastodon",
                       name or None, handle, text,
                       text_field(shown, "created_at"), normalise_language(shown.get("language")),
                       f"content warning: {spoiler}" if spoiler else None, _attachments(shown))  # fmt: skip


def _attachments(status: dict[str, Any]) -> list[Attachment]:
    found = status.get("media_attachments")
    return [(text_field(item, "type") or "attachment", text_field(item, "description"))
            for item in (found if isinstance(found, list) else []) if isinstance(item, dict)]  # fmt: skip


def _without_custom_emoji(text: str, emojis: Any) -> str:
    """`text` without the custom emoji codes the answer lists; from an answer that lists none (not every server that
    speaks Mastodon's API does) without any :code:."""
    listed = None
    if isinstance(emojis, list):
        listed = {text_field(emoji, "shortcode") for emoji in emojis if isinstance(emoji, dict)}

    def drop(code: re.Match[str]) -> str:
        return "" if listed is None or code[1] in listed else code[0]

    return _SPACES.sub(" ", _SHORTCODE.sub(drop, text)).strip()


async def bluesky_digest(link: Link, web: Web, source: str) -> Digest:
    actor, post_id = link.parts
    bases = endpoints(web.settings)
    api = bases["bluesky_api"]
    did = actor if actor.startswith("did:") else await _resolve_handle(api, actor, web)
    answer = await web.json(f"{api}/app.bsky.feed.getPosts?uris={quote(f'at://{did}/app.bsky.feed.post/{post_id}')}")
    posts = answer.get("posts") if isinstance(answer, dict) else None
    post = posts[0] if isinstance(posts, list) and posts else None
    if not isinstance(post, dict):
        raise DigestError("http_status", "Bluesky has no such post (deleted, or visible only when signed in).")
    author, record = object_field(post, "author"), object_field(post, "record")
    handle = text_field(author, "handle") or actor
    languages = record.get("langs")
    language = normalise_language(languages[0]) if isinstance(languages, list) and languages else None
    return post_digest(source, f"{bases['bluesky']}/profile/{handle}/post/{post_id}", "Bluesky",
                       text_field(author, "displayName"), f"@{handle}", text_field(record, "text") or "",
                       text_field(record, "createdAt"), language)  # fmt: skip


async def _resolve_handle(api: str, handle: str, web: Web) -> str:
    answer = await web.json(f"{api}/com.atproto.identity.resolveHandle?handle={quote(handle)}")
    did = answer.get("did") if isinstance(answer, dict) else None
    if not isinstance(did, str) or not did.startswith("did:"):
        raise DigestError("http_status", f"Bluesky does not know the handle {handle}.")
    return did


def page_post_digest(article: Article, source: str, url: str) -> Digest:
    """A page that declares itself a social post (LinkedIn's public posts do), or an app shell whose OpenGraph
    tags hold one, from its own metadata."""
    author = article.facts.authors[0] if article.facts.authors else article.author
    return post_digest(source, url, article.site_name or "post", author, article.facts.handle,
                       article.facts.post_text or "", article.published, article.language)  # fmt: skip
