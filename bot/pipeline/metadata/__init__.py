"""Page metadata (title, site, author, date, language, canonical URL, description) from structured data.

Sources, best first: JSON-LD (schema.org Article types), OpenGraph, Twitter cards, <meta> tags, bylines,
then <title>/<h1>; htmldate only when none of them carries a publication date.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from bot.models import Article
from bot.pipeline.metadata.author import find_author
from bot.pipeline.metadata.date_parsing import parse_date
from bot.pipeline.metadata.dates import find_published
from bot.pipeline.metadata.markup import (
    SEPARATORS,
    article_json_ld,
    element_text,
    first,
    json_ld_objects,
    ld_name,
    ld_text,
    ld_types,
    letters,
    meta_tags,
    parse_html,
    squash,
    strip_code,
)
from bot.pipeline.metadata.names import byline_names, join_names, person_names
from bot.pipeline.metadata.title import clean_title, find_title, title_candidates
from bot.pipeline.pagefacts import ARTICLE_TYPES, MEDIA_TYPES, Media, og_media_kind, page_facts
from bot.pipeline.urls import absolute_http_url

__all__ = [
    "article_json_ld", "byline_names", "clean_title", "element_text", "extract_metadata", "join_names",
    "json_ld_objects", "metadata_from_tree", "normalise_language", "parse_date", "parse_html", "person_names",
    "squash", "strip_code", "title_candidates",
]  # fmt: skip

# Parsing more than this would let a huge page stall the metadata-only fallback; heads are far smaller.
METADATA_MAX_CHARS = 2 * 1024 * 1024


def extract_metadata(html: str, url: str | None) -> Article:
    """Metadata only, for the whole document (capped at METADATA_MAX_CHARS)."""
    return metadata_from_tree(parse_html(strip_code(html, METADATA_MAX_CHARS)), url)


def metadata_from_tree(tree: HtmlElement | None, url: str | None) -> Article:
    if tree is None:
        return Article()
    meta = meta_tags(tree)
    ld = article_json_ld(tree)
    canonical = _canonical(tree, meta, url)
    # a saved file's own (file:) address says nothing about its site or date; the one it declares does
    url = url if url and urlsplit(url).scheme in ("http", "https") else canonical or url
    site_name = _site_name(meta.get("og:site_name"), ld_name(ld.get("publisher")), meta.get("application-name"))
    language = _language(tree, meta, ld)
    media = _media_object(tree, meta, ld)
    description = first(
        meta.get("og:description"), meta.get("description"), meta.get("twitter:description"),
        ld_text(ld.get("description")), ld_text(media[0].get("description")) if media else None,
    )  # fmt: skip
    return Article(
        title=find_title(tree, meta, ld, site_name, url),
        site_name=site_name,
        author=find_author(ld, meta, tree, site_name),
        published=find_published(ld, meta, tree, url, language, description),
        language=language,
        canonical_url=canonical,
        description=description,
        facts=page_facts(tree, meta, ld, ld_types(ld), media, url),
    )


def _media_object(tree: HtmlElement, meta: dict[str, str], ld: dict[str, Any]) -> Media | None:
    """The schema.org video or audio object the page is, with its types: the page's first one when it has no main
    JSON-LD object. Beside a WebPage (Yoast's @graph) only the one the WebPage names as its mainEntity, or the first
    one when og:type says the page is a video or audio (its author and length then fill the card): a news story
    with a clip beside it is still an article. None beside an article."""
    if ld_types(ld) & ARTICLE_TYPES:
        return None
    main = ld.get("mainEntity")
    if isinstance(main, dict) and (types := ld_types(main)) & MEDIA_TYPES.keys():
        return main, types
    main_id = main.get("@id") if isinstance(main, dict) else None
    any_media = not ld or og_media_kind(meta) is not None
    found = ((obj, ld_types(obj)) for obj in json_ld_objects(tree))
    return next(
        ((obj, types) for obj, types in found
         if types & MEDIA_TYPES.keys() and (any_media or (main_id and obj.get("@id") == main_id))),
        None,
    )  # fmt: skip


def _site_name(*values: str | None) -> str | None:
    """The first plausible site name: not a URL, and only its first part if it lists taglines."""
    for value in values:
        name = first(value)
        if name and "://" not in name:
            return next((part.lstrip("@") for part in SEPARATORS.split(name) if letters(part)), None)
    return None


# --- language and canonical URL ------------------------------------------------------------------

_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_].*)?$")


def normalise_language(value: Any) -> str | None:
    if isinstance(value, str) and (m := _LANG.match(value.strip())):
        return m[1].lower()
    return None


def _language(tree: HtmlElement, meta: dict[str, str], ld: dict[str, Any]) -> str | None:
    for value in (tree.get("lang"), tree.get("xml:lang"), ld.get("inLanguage"), meta.get("og:locale"),
                  meta.get("content-language"), meta.get("language")):  # fmt: skip
        if lang := normalise_language(value):
            return lang
    return None


def _canonical(tree: HtmlElement, meta: dict[str, str], url: str | None) -> str | None:
    hrefs = [el.get("href") for el in tree.iter("link") if "canonical" in (el.get("rel") or "").lower().split()]
    for href in [*hrefs, meta.get("og:url")]:
        if href and (absolute := absolute_http_url(href, url)):
            return absolute
    return None
