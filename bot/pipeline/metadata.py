"""Page metadata (title, site, author, date, language, canonical URL, description) from structured data.

Sources, best first: JSON-LD (schema.org Article types), OpenGraph, Twitter cards, <meta> tags, bylines,
then <title>/<h1>; htmldate only when none of them carries a publication date.
"""

from __future__ import annotations

import html as htmllib
import json
import logging
import re
from collections.abc import Iterator
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import htmldate
from lxml import etree
from lxml.html import HtmlElement, HTMLParser

from bot.models import Article
from bot.pipeline.pagefacts import MEDIA_TYPES, Media, page_facts

log = logging.getLogger(__name__)

# Parsing more than this would let a huge page stall the metadata-only fallback; heads are far smaller.
METADATA_MAX_CHARS = 2 * 1024 * 1024

ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "techarticle", "scholarlyarticle",
    "liveblogposting", "socialmediaposting", "report", "posting",
}  # fmt: skip
PAGE_TYPES = {"webpage", "itempage", "collectionpage", "aboutpage", "faqpage", "qapage"}
ORG_TYPES = {"organization", "newsmediaorganization", "corporation", "website", "brand"}

_PARSER = HTMLParser(collect_ids=False, remove_comments=True, remove_pis=True)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SPACE = re.compile(r"\s+")


def parse_html(html: str) -> HtmlElement | None:
    """Parse with lxml, never raising: garbage and control bytes give a (possibly empty) tree or None."""
    text = _CONTROL.sub("", _XML_DECL.sub("", html, count=1))
    if not text.strip():
        return None
    try:
        return etree.fromstring(text, _PARSER)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None


def strip_code(html: str, limit: int) -> str:
    """Up to `limit` characters of the page without <script>/<style> blocks and comments (JSON-LD stays).

    Pages often carry megabytes of inline code before the article; dropping it first means a character
    cap cuts code rather than text. A plain forward scan (no regex backtracking) keeps this linear.
    """
    if len(html) <= limit:
        return html  # nothing would be cut: the parsers skip code themselves
    lower = html.lower()
    openers = {"<script": "</script", "<style": "</style", "<!--": "-->"}
    next_at = {opener: lower.find(opener) for opener in openers}
    out: list[str] = []
    size = pos = 0
    while size < limit:
        for opener, at in next_at.items():
            if 0 <= at < pos:  # refresh only positions we have passed: each find scans forward once
                next_at[opener] = lower.find(opener, pos)
        pending = [(at, opener) for opener, at in next_at.items() if at >= 0]
        if not pending:
            out.append(html[pos : pos + limit - size])
            break
        start, opener = min(pending)
        out.append(html[pos : min(start, pos + limit - size)])
        size += len(out[-1])
        end = lower.find(openers[opener], start + len(opener))
        if end < 0:
            break  # an unterminated block swallows the rest of the page, as in a browser
        end = end + 3 if opener == "<!--" else lower.find(">", end) + 1 or len(html)
        if opener == "<script" and "ld+json" in lower[start : lower.find(">", start)]:
            out.append(html[start:end])
            size += end - start
        pos = end
    return "".join(out)


def squash(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def _unescaped(text: str | None) -> str:
    # many CMSs escape entities twice in meta tags and JSON-LD ("&#8216;")
    return squash(htmllib.unescape(text)) if text and "&" in text else squash(text)


def element_text(el: HtmlElement) -> str:
    return squash(" ".join(el.itertext()))


def extract_metadata(html: str, url: str | None) -> Article:
    """Metadata only, for the whole document (capped at METADATA_MAX_CHARS)."""
    return metadata_from_tree(parse_html(strip_code(html, METADATA_MAX_CHARS)), url)


def metadata_from_tree(tree: HtmlElement | None, url: str | None) -> Article:
    if tree is None:
        return Article()
    meta = _meta_tags(tree)
    ld = article_json_ld(tree)
    site_name = _site_name(meta.get("og:site_name"), _ld_name(ld.get("publisher")), meta.get("application-name"))
    h1 = next((t for el in tree.iter("h1") if (t := element_text(el))), None)
    raw_title = _first(
        _ld_text(ld.get("headline")), meta.get("og:title"), meta.get("twitter:title"), _title_tag(tree), h1
    )
    return Article(
        title=clean_title(raw_title, site_name, h1, url) if raw_title else None,
        site_name=site_name,
        author=_author(ld, meta, tree, site_name),
        published=_published(ld, meta, tree, url),
        language=_language(tree, meta, ld),
        canonical_url=_canonical(tree, meta, url),
        description=_first(
            meta.get("og:description"), meta.get("description"), meta.get("twitter:description"),
            _ld_text(ld.get("description")),
        ),
        facts=page_facts(tree, meta, ld, ld_types(ld), None if ld else _media_object(tree), url),
    )  # fmt: skip


def _media_object(tree: HtmlElement) -> Media | None:
    """The page's first schema.org video or audio object, with its types."""
    found = ((obj, ld_types(obj)) for obj in json_ld_objects(tree))
    return next(((obj, types) for obj, types in found if types & MEDIA_TYPES.keys()), None)


def _first(*values: str | None) -> str | None:
    return next((_unescaped(v) for v in values if v and squash(v)), None)


def _site_name(*values: str | None) -> str | None:
    """The first plausible site name: not a URL, and only its first part if it lists taglines."""
    for value in values:
        name = _first(value)
        if name and "://" not in name:
            return _TITLE_SEPARATORS.split(name)[0].lstrip("@") or None
    return None


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    """First non-empty content per lower-cased name/property/itemprop."""
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        content = el.get("content")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop"):
            key = (el.get(attr) or "").strip().lower()
            if key:
                found.setdefault(key, content.strip())
    return found


def _title_tag(tree: HtmlElement) -> str | None:
    el = next(tree.iter("title"), None)
    return element_text(el) if el is not None else None


# --- JSON-LD -------------------------------------------------------------------------------------


def json_ld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, flattening top-level lists and @graph."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text, strict=False)
        except (ValueError, RecursionError):
            continue
        stack = data if isinstance(data, list) else [data]
        for item in stack[:50]:
            if not isinstance(item, dict):
                continue
            yield item
            graph = item.get("@graph")
            if isinstance(graph, list):
                yield from (g for g in graph[:50] if isinstance(g, dict))


def ld_types(obj: dict[str, Any]) -> set[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.lower().rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def article_json_ld(tree: HtmlElement) -> dict[str, Any]:
    """The page's article object (or failing that, its WebPage object), or {}."""
    pages: list[dict[str, Any]] = []
    for obj in json_ld_objects(tree):
        types = ld_types(obj)
        if types & ARTICLE_TYPES:
            return obj
        if types & PAGE_TYPES:
            main = obj.get("mainEntity")
            if isinstance(main, dict) and ld_types(main) & ARTICLE_TYPES:
                return main
            pages.append(obj)
    return pages[0] if pages else {}


def _ld_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def _ld_name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return _ld_text(value.get("name"))
    return _ld_text(value)


# --- title ---------------------------------------------------------------------------------------

_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|·|•|::|»|~)\s+")
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go"}
_LETTERS = re.compile(r"[\W_]+")


def _letters(text: str) -> str:
    return _LETTERS.sub("", text.lower())


def _is_site(part: str, site_name: str | None, url: str | None) -> bool:
    key = _letters(part)
    if not key:
        return False
    if site_name and (key == _letters(site_name) or key in _letters(site_name) or _letters(site_name) in key):
        return True
    host = urlsplit(url).hostname if url else None
    if not host:
        return False
    labels = [lbl for lbl in host.split(".") if lbl not in ("www", "m", "amp")]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        labels = labels[:-1]  # bbc.co.uk -> bbc
    domain = _letters(labels[-2] if len(labels) >= 2 else labels[0]) if labels else ""
    return len(domain) >= 3 and (domain in key or key in _letters(host))


def clean_title(title: str, site_name: str | None, h1: str | None, url: str | None) -> str:
    """The headline without " | Site" / "Site - " decorations."""
    title = squash(title)
    if h1 and _letters(h1) == _letters(title):
        return title
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) == 1:
        return title
    if h1:
        # the h1 is the headline when the title starts or ends with it
        for n in range(1, len(parts)):
            head, tail = " - ".join(parts[:n]), " - ".join(parts[n:])
            if _letters(head) == _letters(h1) or _letters(tail) == _letters(h1):
                return squash(h1)
    while len(parts) > 1 and _is_site(parts[-1], site_name, url):
        parts.pop()
    while len(parts) > 1 and _is_site(parts[0], site_name, url):
        parts.pop(0)
    # rebuild with the original separators by cutting the original string
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if start >= 0 and end > start else title


# --- author --------------------------------------------------------------------------------------

_BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|reported|published|story|text|words)\s+)?(?:by|von|par|por|di|door|av)\s*[:\-]?\s+",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bwith\b)\s*", re.IGNORECASE)
_NOT_A_PERSON = re.compile(
    r"\b(staff|editor(s|ial)?|team|desk|newsroom|admin(istrator)?|webmaster|contributors?|correspondents?|"
    r"reporters?|writers?|press|news|media|agency|agencies|wire|reuters|associated|afp|bloomberg|"
    r"times|post|journal|daily|magazine|business|insider|sports?|international|the|group|inc|ltd|llc|gmbh|company|corp|network|online|official|"
    r"redaktion|rédaction|redacción|redação|redazione|guest|anonymous|unknown|by)\b",
    re.IGNORECASE,
)
_ROLE = re.compile(r"\b(staff|reporters?|writers?|editors?|correspondents?|contributors?|columnist)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[^\W\d_]{3})\.\s+")
_NAME_CHARS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .'’\-])*[^\W\d_.]\.?$")


def _author(ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement, site_name: str | None) -> str | None:
    candidates: list[Any] = [ld.get("author"), ld.get("creator")]
    candidates += [meta.get(k) for k in ("author", "article:author", "byl", "parsely-author", "sailthru.author",
                                         "dc.creator", "dcterms.creator", "twitter:creator:name")]  # fmt: skip
    for candidate in candidates:
        if names := _person_names(candidate, site_name):
            return join_names(names)
    # visible bylines last: finding them means a scan of the whole tree
    for candidate in _byline_texts(tree):
        if names := _person_names(candidate, site_name):
            return join_names(names)
    return None


def _byline_texts(tree: HtmlElement) -> list[str]:
    found = []
    for el in tree.xpath(
        '//*[@rel="author" or @itemprop="author" or contains(@class, "byline") or contains(@class, "author-name")]'
    )[:5]:
        text = element_text(el)
        if 0 < len(text) <= 80:
            found.append(text)
    return found


def _person_names(value: Any, site_name: str | None) -> list[str]:
    """Valid person names in a JSON-LD author value, meta content or byline text."""
    if isinstance(value, list):
        return _dedupe([n for item in value[:10] for n in _person_names(item, site_name)])
    if isinstance(value, dict):
        if ld_types(value) & ORG_TYPES:
            return []
        return _person_names(value.get("name"), site_name)
    if not isinstance(value, str) or "http" in value or "@" in value or "/" in value:
        return []
    text = _BYLINE_PREFIX.sub("", _unescaped(value))
    text = _SENTENCE_END.split(_TITLE_SEPARATORS.split(text)[0])[0]
    parts = [p.strip(" .,:;|") for p in _NAME_SPLIT.split(text)]
    # "Jane Doe, Senior Reporter" or "Jane Doe and CNN Business": the role or the outlet goes
    parts = [p for p in parts if p and not _ROLE.search(p) and not _NOT_A_PERSON.search(p)]
    parts = [p.title() if p.isupper() else p for p in parts]
    names = [p for p in parts if _is_person(p, site_name)]
    # anything else left over (e.g. a list of sections) means this is not a byline at all
    if len(names) != len(parts):
        return []
    return _dedupe(names)


def _is_person(name: str, site_name: str | None) -> bool:
    words = name.split()
    cjk = len(words) == 1 and 2 <= len(name) <= 6 and all("\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
                                                           for ch in name)  # fmt: skip
    if not (2 <= len(words) <= 5 or cjk):
        return False
    if not _NAME_CHARS.match(name) or _NOT_A_PERSON.search(name):
        return False
    return not (site_name and _letters(name) == _letters(site_name))


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in items if not (i.lower() in seen or seen.add(i.lower()))]


def join_names(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


# --- date ----------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATE_META = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
              "publish-date", "date", "dc.date", "dc.date.issued", "dcterms.created", "parsely-pub-date",
              "sailthru.date", "article.published", "published_time", "cxenseparse:recs:publishtime")  # fmt: skip


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    found: date | None = None
    if m := _ISO_DATE.search(value):
        try:
            found = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            found = None
    else:
        try:
            found = parsedate_to_datetime(value).date()
        except (TypeError, ValueError, IndexError):
            found = None
    if found and 1990 <= found.year <= datetime.now().year + 1:
        return found
    return None


def _published(ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement, url: str | None) -> date | None:
    for value in [ld.get("datePublished"), ld.get("dateCreated")] + [meta.get(k) for k in _DATE_META]:
        if found := parse_date(value):
            return found
    for el in tree.xpath("//time[@datetime]")[:3]:
        if found := parse_date(el.get("datetime")):
            return found
    try:
        # fast settings: no extensive search, never any network access (htmldate only reads the tree)
        found_text = htmldate.find_date(tree, extensive_search=False, original_date=True, url=url)
    except Exception:  # htmldate has no documented error types; a date is never worth a failed digest
        log.debug("htmldate failed", exc_info=True)
        return None
    return parse_date(found_text)


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
        if not href or not href.strip():
            continue
        absolute = urljoin(url, href.strip()) if url else href.strip()
        if urlsplit(absolute).scheme in ("http", "https") and urlsplit(absolute).hostname:
            return absolute
    return None


def title_candidates(tree: HtmlElement | None) -> list[str]:
    """Every headline-like string the page declares (for spotting a repeated headline in the body)."""
    if tree is None:
        return []
    meta = _meta_tags(tree)
    found = [
        meta.get("og:title"),
        meta.get("twitter:title"),
        _title_tag(tree),
        _ld_text(article_json_ld(tree).get("headline")),
    ]
    found += [element_text(el) for el in tree.iter("h1")][:5]
    return [_unescaped(t) for t in found if t]
