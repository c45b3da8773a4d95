"""What a page says it is, beyond an article: a paper (Highwire `citation_*` tags, as arXiv and DOI landing
pages carry), a video or audio (OpenGraph type, schema.org media objects), a social post (schema.org
SocialMediaPosting; or OpenGraph tags titled as social sites title a post, used only when the page has no text of
its own), and its oEmbed discovery link. Read from the tree bot/pipeline/metadata/ already parsed; the
costlier lookups run only when a cheap marker says they can find something.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from lxml.html import HtmlElement

from bot.models import DatePrecision, PageFacts
from bot.pipeline.urls import absolute_http_url, url_path

OEMBED_JSON = "application/json+oembed"
ARTICLE_TYPES = {  # schema.org types of an article's main object (its JSON-LD)
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "techarticle", "scholarlyarticle",
    "liveblogposting", "socialmediaposting", "report", "posting",
}  # fmt: skip
MEDIA_TYPES = {"videoobject": "video", "audioobject": "audio", "podcastepisode": "audio", "musicrecording": "audio"}
POST_TYPES = {"socialmediaposting", "discussionforumposting"}
MAX_DURATION_S = 7 * 86400  # a longer video or episode is a page's mistake (or a hostile one's), not a length
_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE)
_ABSTRACT_BLOCKS = (
    '//blockquote[contains(@class, "abstract")] | //section[contains(@class, "abstract")]'
    ' | //div[contains(@class, "abstract")] | //*[@id="abstract"]'
)
_LEADING_LABEL = re.compile(r"^\s*abstract\s*[:.]?\s*", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_CITATION_DATE = re.compile(r"^\s*(\d{4})(?:[/-](\d{1,2}))?(?:[/-](\d{1,2}))?")  # 2017/06/12, 2017-06, 2017
# How social sites title a post's page: "Name (@handle)" (Mastodon, Bluesky, Threads), "Name on Site" (X, LinkedIn)
_TITLE_WITH_HANDLE = re.compile(r"^(?P<name>[^()@]{1,80}?) \((?P<handle>@[\w.@-]{1,100})\)(?: on \S+)?$")
_TITLE_ON_SITE = re.compile(r"^(?P<name>[^:]{1,80}?) on (?P<site>\S+?)(?::.*)?$")
_PAPER_DATES = ("citation_publication_date", "citation_date", "citation_online_date", "citation_cover_date")


Media = tuple[dict[str, Any], set[str]]  # a schema.org media object and its types


def page_facts(tree: HtmlElement, meta: dict[str, str], ld: dict[str, Any], ld_kinds: set[str],
               media: Media | None, url: str | None) -> PageFacts:  # fmt: skip
    """`meta`: the first content per meta name; `ld`: the page's main JSON-LD object and `ld_kinds` its types;
    `media`: the page's first schema.org media object when its main object is no article."""
    facts = PageFacts(oembed_url=oembed_link(tree, url))
    if "citation_title" in meta:
        facts.kind = "paper"
        facts.title = _text(meta["citation_title"])
        facts.authors = [_first_last(name) for name in _all_meta(tree, "citation_author")]
        found = next(filter(None, (_paper_date(meta.get(name)) for name in _PAPER_DATES)), None)
        facts.published, facts.published_precision = found or (None, "day")
        facts.venue = _text(meta.get("citation_journal_title")) or _text(meta.get("citation_conference_title"))
        facts.abstract = _abstract(tree, meta)
    elif (kind := _media_kind(meta, media, ld_kinds)) is not None:
        facts.kind = kind
        facts.duration_s = _duration(meta, media[0] if media else {})
        facts.authors = _names(media[0].get("author")) if media else []
        facts.publisher = next(iter(_names(media[0].get("publisher"))), None) if media else None
    elif ld_kinds & POST_TYPES:
        facts.kind = "post"
        facts.post_text = _text(ld.get("articleBody")) or _text(ld.get("text")) or meta.get("og:description")
        facts.handle = _handle(ld.get("author"))
    elif (author := _og_post_author(meta)) and (text := _text(meta.get("og:description"))):
        # not declared a post, so no kind: the page is read as a post only when it has no text of its own
        facts.post_text = text.removeprefix("“").removesuffix("”")
        facts.authors = [author[0]]
        facts.handle = author[1] or _profile_handle(meta.get("profile:username"))
    return facts


def _og_post_author(meta: dict[str, str]) -> tuple[str, str | None] | None:
    """(name, @handle) when og:title is how social sites title a post: "Ada (@ada@social.example)",
    "Jo (@jo) on Threads", "Jo Lee on X" (the site its og:site_name names)."""
    title = _text(meta.get("og:title")) or ""
    if match := _TITLE_WITH_HANDLE.match(title):
        return match["name"], match["handle"]
    site = (_text(meta.get("og:site_name")) or "").split(" ", 1)[0]
    if site and (match := _TITLE_ON_SITE.match(title)) and match["site"] == site:
        return match["name"], None
    return None


def _profile_handle(username: str | None) -> str | None:
    return f"@{username.strip().lstrip('@')}" if username and username.strip() else None


def oembed_link(tree: HtmlElement, url: str | None) -> str | None:
    """The page's JSON oEmbed discovery link, made absolute (http or https only)."""
    for link in tree.iter("link"):
        if (link.get("type") or "").strip().lower() != OEMBED_JSON or not link.get("href"):
            continue
        if "alternate" not in (link.get("rel") or "").lower().split():
            continue
        if href := absolute_http_url(link.get("href", ""), url):
            return href
    return None


def _all_meta(tree: HtmlElement, name: str) -> list[str]:
    found = [_SPACE.sub(" ", el.get("content") or "").strip() for el in tree.iter("meta")
             if (el.get("name") or "").strip().lower() == name]  # fmt: skip
    return list(dict.fromkeys(value for value in found if value))


def _paper_date(value: str | None) -> tuple[date, DatePrecision] | None:
    """The date and how much of it the tag gives ("2019" is a year, not January 1st)."""
    match = _CITATION_DATE.match(value or "")
    if not match:
        return None
    precision: DatePrecision = "day" if match[3] else "month" if match[2] else "year"
    try:
        return date(int(match[1]), int(match[2] or 1), int(match[3] or 1)), precision
    except ValueError:
        return None


def _first_last(name: str) -> str:
    """Citation tags often write "Curie, Marie": a card reads "Marie Curie"."""
    last, comma, first = name.partition(",")
    return f"{first.strip()} {last.strip()}" if comma and first.strip() and "," not in first else name


def _abstract(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    """The paper's abstract: its meta tag, else the page's abstract block, else its description."""
    if text := _text(meta.get("citation_abstract")):
        return _LEADING_LABEL.sub("", text)
    for block in tree.xpath(_ABSTRACT_BLOCKS)[:3]:
        text = _SPACE.sub(" ", " ".join(block.itertext())).strip()
        if len(text) > 80:
            return _LEADING_LABEL.sub("", text)
    return _text(meta.get("dc.description")) or _text(meta.get("og:description")) or _text(meta.get("description"))


def _media_kind(meta: dict[str, str], media: Media | None, ld_kinds: set[str]) -> str | None:
    """video or audio when the page itself is one (its og:type, or schema.org media without an article).

    A page whose own JSON-LD says its main object is an article stays an article whatever its og:type: some
    sites' templates declare og:type video on every story that has a player at the top."""
    if ld_kinds & ARTICLE_TYPES:
        return None
    if kind := og_media_kind(meta):
        return kind
    if media is not None:
        return next((MEDIA_TYPES[t] for t in media[1] if t in MEDIA_TYPES), None)
    return None


def og_media_kind(meta: dict[str, str]) -> str | None:
    """video or audio when the page's og:type says it is one."""
    og_type = meta.get("og:type", "").lower()
    return "video" if og_type.startswith("video") else "audio" if og_type.startswith("music") else None


def _duration(meta: dict[str, str], media_ld: dict[str, Any]) -> int | None:
    for value in (media_ld.get("duration"), meta.get("duration")):
        if isinstance(value, str) and (seconds := iso_duration(value)) is not None:
            return seconds
    for name in ("video:duration", "og:video:duration", "music:duration"):
        text = meta.get(name, "").strip()
        if text.isascii() and text.isdigit() and (seconds := duration_seconds(float(text))) is not None:
            return seconds
    return None


def iso_duration(value: str) -> int | None:
    """Seconds in an ISO 8601 duration like PT1H2M3S (schema.org's form), or None."""
    match = _ISO_DURATION.match(value.strip())
    if not match or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (float(part or 0) for part in match.groups())
    return duration_seconds(((days * 24 + hours) * 60 + minutes) * 60 + seconds)


def duration_seconds(value: Any) -> int | None:
    """Whole seconds of a number that can be a video's length, or None: floats parse 400 digits as infinity and a
    JSON answer may hold NaN, neither of which `round` survives, and zero or a year is no video's length."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return round(value) if 0 < value < MAX_DURATION_S else None


def _text(value: Any) -> str | None:
    return _SPACE.sub(" ", value).strip() or None if isinstance(value, str) else None


def _names(author: Any) -> list[str]:
    """The names a schema.org author gives: a Person or Organization, a bare name, or a list of them."""
    values = author if isinstance(author, list) else [author]
    return [name for value in values if (name := _text(value.get("name") if isinstance(value, dict) else value))]


def _handle(author: Any) -> str | None:
    """@name from a post author's profile URL (linkedin.com/in/name, example.social/@name)."""
    if isinstance(author, list):
        author = author[0] if author else None
    profile = author.get("url") if isinstance(author, dict) else None
    if not isinstance(profile, str):
        return None
    last = (url_path(profile) or "").rstrip("/").rsplit("/", 1)[-1]
    return f"@{last.lstrip('@')}" if last else None
