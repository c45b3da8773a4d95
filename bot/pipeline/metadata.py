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
from copy import deepcopy
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import htmldate
from lxml import etree
from lxml.html import HtmlElement, HTMLParser

from bot.models import Article
from bot.pipeline.pagefacts import ARTICLE_TYPES, MEDIA_TYPES, Media, page_facts

log = logging.getLogger(__name__)

# Parsing more than this would let a huge page stall the metadata-only fallback; heads are far smaller.
METADATA_MAX_CHARS = 2 * 1024 * 1024

PAGE_TYPES = {"webpage", "itempage", "collectionpage", "aboutpage", "faqpage", "qapage"}
ORG_TYPES = {"organization", "newsmediaorganization", "corporation", "website", "brand"}

_PARSER = HTMLParser(collect_ids=False, remove_comments=True, remove_pis=True)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_HAS_LETTER = re.compile(r"[^\W\d_]")


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
    canonical = _canonical(tree, meta, url)
    # a saved file's own (file:) address says nothing about its site or date; the one it declares does
    url = url if url and urlsplit(url).scheme in ("http", "https") else canonical or url
    site_name = _site_name(meta.get("og:site_name"), _ld_name(ld.get("publisher")), meta.get("application-name"))
    return Article(
        title=_title(tree, meta, ld, site_name, url),
        site_name=site_name,
        author=_author(ld, meta, tree, site_name),
        published=_published(ld, meta, tree, url),
        language=_language(tree, meta, ld),
        canonical_url=canonical,
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
            return next((part.lstrip("@") for part in _TITLE_SEPARATORS.split(name) if _letters(part)), None)
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
# The card shows the headline a reader sees on the page: its <h1>, unless that is the site's logo, a menu or a
# widget. The declared titles (JSON-LD, og:title, <title>) are often a shorter social or search variant, or
# carry the site's name; they decide between several <h1>s, and are the title only when no heading will do.

_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|·|•|::|»|«|›|‹|~|│|:)\s+|\s*(?:\||│|»|«|›|‹)\s*")
_TITLE_SPLIT = re.compile(f"({_TITLE_SEPARATORS.pattern})")
_LOOSE_SEPARATORS = " |-–—·•:»«›‹~│"  # left dangling at either end ("Headline -")
_SITE_PREFIX = re.compile(r"^([^:]{2,60}?):\s+(?=\S)")
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go"}
_LETTERS = re.compile(r"[\W_]+")
_MAX_HEADLINE = 250
# Containers and classes of headings that are page furniture: the logo, menus, sidebars, widgets, hidden labels.
_FURNITURE_HEADING = re.compile(
    r"(?<![a-z])(?:logo|brand|masthead|site-?(?:title|name)|sitename|menu|nav|side-?bar|sidepanel|widget"
    r"|screen-reader|sr-only|visually-hidden|footer)",
    re.IGNORECASE,
)
_FURNITURE_CONTAINERS = {"nav", "aside", "footer"}
# A kicker (German "Dachzeile") set inside the <h1> above the headline proper.
_KICKER = re.compile(
    r"kicker|dachzeile|spitzmarke|overline|topline|roofline|eyebrow|pretitle|supertitle|toptitle|top-title"
    r"|sub-?headline|sub-?heading|(?<![a-z])(?:label|flag)",
    re.IGNORECASE,
)
_ARTICLE_CLASS = re.compile(r"article|entry|post|story|content", re.IGNORECASE)
_PAGE_HEADER = re.compile(r"(?<![a-z])(?:header|masthead|banner|top)(?![a-z])", re.IGNORECASE)
# A title part that is a time stamp ("06.11.2023, 11.41 Uhr") or an archive's name, not the headline.
_STAMP = re.compile(r"^[\d\s.,:/-]+(?:uhr|h|am|pm)?$|^(?:blog )?archiv(?:e|es)?$", re.IGNORECASE)
_WAYBACK = re.compile(r"^https?://web\.archive\.org/web/[^/]+/", re.IGNORECASE)
_TRUNCATED = ("...", "…")
_NOT_A_PAGE = ("#", "javascript:", "mailto:", "tel:")


def _letters(text: str) -> str:
    return _LETTERS.sub("", text.lower())


def _title(
    tree: HtmlElement, meta: dict[str, str], ld: dict[str, Any], site_name: str | None, url: str | None
) -> str | None:
    declared = [_unescaped(t) for t in (_ld_text(ld.get("headline")), meta.get("og:title"),
                                        meta.get("twitter:title"), _title_tag(tree)) if t and squash(t)]  # fmt: skip
    # a logo heading names the site where no metadata does
    site = site_name or next((element_text(el) for el in tree.iter("h1") if _is_home_link(el)), None)
    cleaned = [clean_title(_untruncated(t, declared), site, url) for t in declared]
    return _headline(tree, cleaned, site, url) or (cleaned[0] if cleaned else None)


def _headline(tree: HtmlElement, declared: list[str], site_name: str | None, url: str | None) -> str | None:
    """The page's visible headline, or None when no heading is clearly it.

    An <h1> that a declared title repeats wins, wherever it sits (some themes put it in a breadcrumb or a
    column they call "sidebar"); then the one <h1> outside page furniture; of several, the one the declared
    titles agree with. A page without an <h1> may set its headline in an <h2> that its title repeats.
    """
    h1s = _headings(tree, "h1", site_name, url)
    repeated = [text for text, _ in h1s if any(_repeats(text, title) for title in declared)]
    if repeated:
        return repeated[0]
    plain = [text for text, furniture in h1s if not furniture]
    if len(plain) == 1:
        return plain[0]
    if plain:
        scored = [(max((_overlap(text, t) for t in declared), default=0.0), -i) for i, text in enumerate(plain)]
        score, position = max(scored)
        return plain[-position] if score >= 0.5 else None
    h2s = [text for text, furniture in _headings(tree, "h2", site_name, url)[:10] if not furniture]
    return next((text for text in h2s if declared and _repeats(text, declared[0])), None)


def _headings(tree: HtmlElement, tag: str, site_name: str | None, url: str | None) -> list[tuple[str, bool]]:
    """(text, is page furniture) of each distinct heading that is not the site's name or a link to its front page."""
    found: dict[str, bool] = {}
    for el in tree.iter(tag):
        if _is_home_link(el):
            continue
        text = _heading_text(el)
        if 2 <= len(text) <= _MAX_HEADLINE and _HAS_LETTER.search(text) and not _is_site(text, site_name, url):
            found[text] = found.get(text, True) and _is_furniture_heading(el)
    return list(found.items())


def _is_furniture_heading(el: HtmlElement) -> bool:
    for node in el.iterancestors():
        if node.tag in ("body", "html"):
            return False
        if node.tag in _FURNITURE_CONTAINERS or (node.tag == "header" and _is_page_header(node)):
            return True
        if _FURNITURE_HEADING.search(_class_and_id(node)):
            return True
    return _FURNITURE_HEADING.search(_class_and_id(el)) is not None


def _class_and_id(el: HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _is_page_header(header: HtmlElement) -> bool:
    """The page's banner (logo, section name), not an article's own <header>."""
    names = _class_and_id(header)
    if _ARTICLE_CLASS.search(names) or any(node.tag in ("article", "main") for node in header.iterancestors()):
        return False
    return header.get("role") == "banner" or _PAGE_HEADER.search(names) is not None


def _is_home_link(el: HtmlElement) -> bool:
    """The heading links to the site's front page: it is the site's name or logo, as many themes set it."""
    for link in el.xpath("descendant-or-self::a[@href]"):
        href = _WAYBACK.sub("", link.get("href")).strip()
        if href.startswith(_NOT_A_PAGE):  # "#" opens a pop-up, "mailto:" a mail: neither is the front page
            continue
        if "home" in (link.get("rel") or "") or urlsplit(href).path in ("", "/"):
            return True
    return False


def _heading_text(el: HtmlElement) -> str:
    """The heading's text without a kicker or a <small> note set inside it; where it marks its headline part
    (class "headline"), that part."""
    parts = el.xpath(".//*[@class] | .//small")
    if any(p.tag == "small" or _KICKER.search(p.get("class") or "") for p in parts):
        el = deepcopy(el)
        for part in el.xpath(".//*[@class] | .//small"):
            if (part.tag == "small" or _KICKER.search(part.get("class") or "")) and part.getparent() is not None:
                part.drop_tree()
    marked = [t for part in el.xpath('.//*[contains(@class, "headline")]') if (t := element_text(part))]
    text = marked[0] if len(marked) == 1 else element_text(el)
    return text.strip(" :|-–—·•")


def _repeats(heading: str, title: str) -> bool:
    """A declared title repeats the heading: nearly all its words, and most of the title's."""
    return _overlap(heading, title) >= 0.8 and _overlap(title, heading) >= 0.5


def _overlap(part: str, whole: str) -> float:
    """Share of `part`'s words that occur in `whole`."""
    mine = set(_WORD.findall(part.lower()))
    return len(mine & set(_WORD.findall(whole.lower()))) / len(mine) if mine else 0.0


def _untruncated(title: str, declared: list[str]) -> str:
    """A declared title cut short with "..." gives way to one that carries on where it stops."""
    if not title.endswith(_TRUNCATED):
        return title
    stem = title.rstrip(".… ")
    return next((t for t in declared if len(t) > len(title) and t.startswith(stem)), title)


def _is_site(part: str, site_name: str | None, url: str | None) -> bool:
    key = _letters(part)
    if not key:
        return False
    site = _letters(site_name or "")
    if site and (key == site or key in site or site in key):
        return True
    host = urlsplit(url).hostname if url else None
    if not host:
        return False
    labels = [lbl for lbl in host.split(".") if lbl not in ("www", "m", "amp")]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        labels = labels[:-1]  # bbc.co.uk -> bbc
    domain = _letters(labels[-2] if len(labels) >= 2 else labels[0]) if labels else ""
    return len(domain) >= 3 and (domain in key or key in _letters(host))


def _is_decoration(part: str, site_name: str | None, url: str | None) -> bool:
    return not _letters(part) or _is_site(part, site_name, url) or bool(_STAMP.match(part.strip()))


def clean_title(title: str, site_name: str | None, url: str | None) -> str:
    """The headline without " | Site", "Site - ", " | Forum | Site", "Site: " or ": 06.11.2023, 11.41 Uhr"."""
    title = squash(title).strip(_LOOSE_SEPARATORS) or squash(title)
    pieces = _TITLE_SPLIT.split(title)
    parts, separators = pieces[0::2], pieces[1::2]
    if len(parts) == 1:
        return _without_site_prefix(title, site_name, url)
    site = next((i for i, part in enumerate(parts) if _is_site(part, site_name, url)), 0)
    if site:
        # the site's name and what follows it (a tagline, sections) go; so do sections set off before it by the
        # site's own separator ("Thread | Forum | Site"), while a headline's own dash stays ("A - B | Site")
        if site >= 2 and len({sep.strip() for sep in separators[:site]}) == 1:
            site = 1
        parts, separators = parts[:site], separators[: site - 1]
    while len(parts) > 1 and _is_decoration(parts[-1], site_name, url):
        parts, separators = parts[:-1], separators[:-1]
    while len(parts) > 1 and _is_decoration(parts[0], site_name, url):
        parts, separators = parts[1:], separators[1:]
    kept = "".join(part + sep for part, sep in zip(parts, [*separators, ""], strict=True))
    return _without_site_prefix(kept.strip(), site_name, url)


def _without_site_prefix(title: str, site_name: str | None, url: str | None) -> str:
    """ "Site: Headline" or "www.site.de: Headline" without the site."""
    match = _SITE_PREFIX.match(title)
    if not match:
        return title
    prefix = _letters(match[1])
    host = (urlsplit(url).hostname or "") if url else ""
    names = {_letters(site_name or ""), _letters(host.removeprefix("www."))} - {""}
    if prefix in names or _DOMAIN.search(match[1]):
        return title[match.end() :]
    return title


# --- author --------------------------------------------------------------------------------------
# A byline names people, or an author's handle as blogs and forums show it ("David", "ThE_PaiN"). A desk
# ("Redaktion", "Staff", "Newsroom"), an agency or a company is not an author: the card then shows none.
# Sources, best first: the article's JSON-LD author (its @id references followed); the byline marked up in the
# article (rel=author, itemprop=author, author/byline/hCard classes) or a visible line there that opens with a
# byline word ("Von ...", "By ...", "Autor: ...", "Par ...", "door ..."); the author meta tags (often the
# site's owner rather than the article's writer); the same markup and lines in sidebars, menus and footers.
# Names in comments never count.

_BYLINE_WORDS = (
    r"(?:(?:written|posted|published|reported|created|story|words|text|ein (?:beitrag|artikel|kommentar|gastbeitrag)"
    r"|verfasst|geschrieben|erstellt|escrito|écrit|rédigé|scritto|geschreven|skrevet|publicado)\s+)?"
    r"(?:by|von|vom|par|por|di|door|av|af|napsal|napsala|napisał|napisała)"
)
_BYLINE_LABEL = (
    r"(?:author|autor|autorin|autoren|auteur|autore|auteurs|autora|autorka|autorzy|text|texte|tekst|interview"
    r"|verfasser|verfasserin|quelle|yazar|forfatter|författare|szerző|kirjoittaja)"
    r"(?:\s*(?:&|und|and|/|\+)\s*(?:fotos?|bilder?|photos?|images?))?"  # "Text & Fotos:"
)
# A byline's opening words: "By", "Von", "Text von", "Autor:" (what follows is the name)
_BYLINE_PREFIX = re.compile(rf"^\s*(?:{_BYLINE_WORDS}\s*:?|{_BYLINE_LABEL}\s*:|{_BYLINE_LABEL}(?=\s+\S+\s+\S))\s*",
                            re.IGNORECASE)  # fmt: skip
# A line that opens a byline, perhaps after a date: "Von Jane Doe", "12.03.2022 | Text: Jane Doe", "Autoren Jane Doe"
_BYLINE_START = re.compile(
    rf"^[\d\s.:/,|·-]*(?:(?i:{_BYLINE_WORDS}\s*:?|{_BYLINE_LABEL}\s*:)\s+\S|(?i:autor|autorin|autoren|authors?)\s+[A-ZÄÖÜ])"
)
# The byline word inside a longer line: "29. Juni 2017, 23:39 · von Tobi"
_BYLINE_INSIDE = re.compile(
    rf"(?:^|(?<=[\s,·|:]))(?:{_BYLINE_WORDS}\s*:?|{_BYLINE_LABEL}\s*:|(?:autor|autorin|autoren|authors?)(?=\s+[A-ZÄÖÜ]))"
    r"\s+(?=\S)",
    re.IGNORECASE,
)
# A date, then the name: "11.12.2019 - Jane Doe" (a meta line under a headline); the match ends where the name starts
_DATED_LINE = re.compile(r"^\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\s+[-|·–—]\s+")
_DATED_NAME = re.compile(_DATED_LINE.pattern + r"(?=(?:[^\W\d_][\w'’.-]*\s+){1,3}[^\W\d_][\w'’.-]*$)")
# Where the name ends: a date or time, "am"/"on"/"le" before one, a separator, a parenthesis.
_BYLINE_END = re.compile(
    r"\s+(?:am|on|le|el|il|em|op|den|updated|aktualisiert|veröffentlicht|published)\s+.*$|\s*[|·•(\[–—]\s*.*$|\s+-\s+.*$"
    r"|\s*(?<![^\W_])\d.*$|\s+(?:tags?|kategorie|category|foto|fotos|bild|illustration|photos?)\b.*$",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(
    r"\s*(?:,|;|&|/|\+|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bwith\b|\bmit\b|\bu\."
    r"|\bim gespräch mit\b|\bin conversation with\b)\s*",  # an interview's byline names both people
    re.IGNORECASE,
)
# Words that make a name a desk, an agency or a company rather than a person ("Webredaktion" included).
_NOT_A_PERSON = re.compile(
    r"\b(staff|editors?|editorial|team|desk|newsroom|webmaster|contributors?|correspondents?|"
    r"reporters?|writers?|press|news|media|agency|agencies|wire|reuters|associated|afp|dpa|apa|ap|sid|kna|epd|"
    r"bloomberg|times|journal|daily|magazine|business|insider|international|group|inc|ltd|llc|gmbh|ag|se|e\.v|"
    r"company|corp|network|online|official|guest|gast|anonymous|anonym|unknown|user|moderator|support|info|"
    r"verlag|blog|home|profil|profile|posted|published|veröffentlicht|publié|publicado|pubblicato|stand|"
    r"updated|aktualisiert|author|autor|autorin|date|datum|comments?|kommentare?|share|teilen|mehr|more|read|red|"
    r"alle|all|view|beiträge|artikel|articles|posts|stories|magazin|tribune|gazette|herald|courier|chronicle|"
    r"text|texte|foto|fotos|photos?|bild|bilder|images?)\b"
    r"|redaktion\b|r[ée]dac(tion|ción|ção)|redazione|agentur|admin|blatt\b|zeitung\b|nachrichten\b|rundschau\b"
    r"|anzeiger\b|kurier\b|illustrierte\b",
    re.IGNORECASE,
)
_ROLE = re.compile(r"\b(staff|reporters?|writers?|editors?|correspondents?|contributors?|columnist)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[^\W\d_]{3})\.\s+")
_NAME_CHARS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .'’\-])*[^\W\d_.]\.?$")
_HANDLE = re.compile(r"^(?=(?:.*[^\W\d_]){2})[^\W_][\w.\-]{0,28}[^\W_]$")
# Lower-case words inside a name: particles ("Ludwig van Beethoven", "María de la Paz"), nothing else.
_PARTICLES = frozenset(
    "von van der den de da das do dos del della di du la le ter ten zu y e bin ibn al el".split()  # noqa: SIM905
)
_DOMAIN = re.compile(r"\.(?:com|net|org|de|at|ch|fr|es|it|nl|be|pl|cz|eu|info|io|co|uk|us|tv|fm|online|news)$",
                     re.IGNORECASE)  # fmt: skip
# Classes of elements that hold the byline; "fn" only as a class of its own (hCard), not inside other names.
_AUTHOR_CLASS = re.compile(r"author|byline|autor|writer|verfasser|(?<![\w-])fn(?![\w-])", re.IGNORECASE)
# Class or id words of areas whose names are not the article's byline; a word of its own ("comment-list",
# "site-footer"), not the tail of a layout name ("layoutTwoColumnsRightSidebar").
_NOT_BYLINE_AREA = re.compile(r"(?<![a-z])(?:sidebar|widget|related|teaser|recommend|listing|footer|menu|nav|share)",
                              re.IGNORECASE)  # fmt: skip
_COMMENTS = re.compile(r"(?<![a-z])(?:comment|respond|reply)", re.IGNORECASE)
# A picture's caption or credit (not a "credits" box of the article, nor a video teaser's "item-caption")
_CAPTION = re.compile(r"copyright|(?:photo|image|img|picture|bild|foto)[-_]?(?:credit|caption|source|quelle)"
                      r"|wp-caption|bildunterschrift|bildquelle", re.IGNORECASE)  # fmt: skip
_AUTHOR_LABELS = re.compile(r"^(?:written by|author|verfasst von|geschrieben von|escrito por|écrit par|auteur|autor)$",
                            re.IGNORECASE)  # fmt: skip
_TEXT_BYLINE_TAGS = ("p", "span", "em", "i", "b", "strong", "small", "div", "li", "address", "h5", "h6", "td", "font")
_MAX_BYLINE = 120
_AUTHOR_META = ("author", "article:author", "og:article:author", "byl", "parsely-author", "sailthru.author",
                "cxenseparse:author", "dc.creator", "dcterms.creator", "citation_author")  # fmt: skip
_MAX_MARKED_TEXT = 200
_BYLINE_AREA_DEPTH = 6
_MAX_MARKED = 30  # elements marked as an author, in page order
_MAX_TEXT_BYLINES = 8
# A signature: the last paragraph of its block, after a paragraph of prose at least this long.
_SIGNED_PROSE = 40
_MAX_SIGNATURE = 60


def _author(ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement, site_name: str | None) -> str | None:
    for candidate in _author_candidates(ld, meta, tree):
        if names := person_names(candidate, site_name):
            return join_names(names)
    return None


def _author_candidates(ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement) -> Iterator[Any]:
    """Possible bylines, best first; the costlier page scans run only when the cheap sources gave nothing."""
    index = json_ld_index(tree)
    yield _resolved(ld.get("author"), index)
    yield _resolved(ld.get("creator"), index)
    marked = _marked_bylines(tree)
    yield from marked[0]
    lines = _text_bylines(tree)
    yield from lines[0]
    yield from (meta.get(k) for k in _AUTHOR_META)
    # Yoast's "Written by" line for Twitter cards
    if _AUTHOR_LABELS.match(meta.get("twitter:label1", "")):
        yield meta.get("twitter:data1")
    # a forum thread's opening post names its writer (<article class="message" data-author="...">, in a container
    # of replies); a quote's data-author names whom a post quotes, and a comment's is no byline
    posts = [el for el in tree.xpath("//*[@data-author]")[:5]
             if el.tag == "article" or (el.tag != "blockquote" and _byline_area(el) == 0)]  # fmt: skip
    yield posts[0].get("data-author") if posts else None
    yield _signature(tree)
    yield from marked[1]
    yield from lines[1]


def json_ld_index(tree: HtmlElement) -> dict[str, dict[str, Any]]:
    """The page's JSON-LD objects by @id (an article's author is often a reference to a Person in the graph)."""
    return {obj["@id"]: obj for obj in json_ld_objects(tree) if isinstance(obj.get("@id"), str)}


def _resolved(value: Any, index: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, list):
        return [_resolved(v, index) for v in value[:10]]
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in index:
        return index[value["@id"]]
    return value


def _byline_area(el: HtmlElement) -> int | None:
    """0 for the article's own byline; 1 inside a sidebar, a menu, a teaser of another article or a footer (where
    the article's byline is sometimes set, and names of other articles' authors often are); None in comments and
    in a picture's caption or credit (a photographer's name, "Quelle: Jane Doe").

    Only the few containers nearest the name count, up to the article: page-wide wrappers are named after the
    layout ("with-navigation", "one-sidebar") and say nothing about where the name stands.
    """
    if _CAPTION.search(_class_and_id(el)):
        return None
    area = 0
    for depth, node in enumerate(el.iterancestors()):
        if node.tag in ("body", "html", "article", "main") or depth >= _BYLINE_AREA_DEPTH:
            break
        names = _class_and_id(node)
        if _COMMENTS.search(names) or node.tag in ("figure", "figcaption") or _CAPTION.search(names):
            return None
        if node.tag in ("nav", "aside", "footer") or _NOT_BYLINE_AREA.search(names):
            area = 1
    return area


def _marked_bylines(tree: HtmlElement) -> tuple[list[str], list[str]]:
    """Texts of elements marked up as the author (an inner itemprop=name or a content attribute preferred), by
    area (see _byline_area)."""
    found: tuple[list[str], list[str]] = ([], [])
    for el in _author_elements(tree):
        area = _byline_area(el)
        if area is None or _is_home_link(el):
            continue
        if name := _marked_name(el):
            found[area].append(name)
    return found


def _marked_name(el: HtmlElement) -> str:
    """The name in an element marked as the author: an inner itemprop=name or a content attribute, else its text.

    A byline box may go on after the name ("Jane Doe, 21. Jan. 2015 ...", "Jane Doe Alle Artikel Kontakt"): its
    start is kept; where the box's first piece of text is a name that the rest does not add names to, that piece.
    """
    named = el.xpath('.//*[@itemprop="name"]')
    if named or el.get("content"):
        text = (named[0].get("content") or element_text(named[0])) if named else el.get("content")
        return _byline_name(squash(text)[:_MAX_MARKED_TEXT])
    name = _byline_name(element_text(el)[:_MAX_MARKED_TEXT])
    first = next((piece for t in el.itertext() if (piece := squash(t))), "")
    rest = name[len(first) :] if first != name and name.startswith(first) else ""
    if rest and not _NAME_SPLIT.match(rest) and person_names(first):
        return first
    return name


def _author_elements(tree: HtmlElement) -> Iterator[HtmlElement]:
    """Elements marked up as the author, in page order, outside comments (a plain walk: an XPath with these
    conditions costs twice as much)."""
    found = 0
    for el in tree.iter(tag=etree.Element):
        classes, ident = el.get("class") or "", el.get("id") or ""
        marked = (_AUTHOR_CLASS.search(classes) or "author" in ident.lower() or el.get("rel") == "author"
                  or el.get("itemprop") == "author" or el.tag == "byline")  # fmt: skip
        if not marked or el.tag in ("meta", "link", "body", "html", "article") or _COMMENTS.search(classes + ident):
            continue
        yield el
        found += 1
        if found >= _MAX_MARKED:
            return


def _text_bylines(tree: HtmlElement) -> tuple[list[str], list[str]]:
    """Short visible lines that open with a byline word ("Von Jane Doe", "Autor: Jane Doe", "By Jane Doe"), by
    area (see _byline_area); failing those, the page's one line of a date and a name ("11.12.2019 - Jane Doe":
    a list of such lines is a calendar)."""
    found: tuple[list[str], list[str]] = ([], [])
    body = next(tree.iter("body"), None)
    if body is None:
        return found
    dated: list[HtmlElement] = []
    for el in body.iter(*_TEXT_BYLINE_TAGS):
        own = squash(el.text)
        if not own or len(own) > _MAX_BYLINE:
            continue
        if _DATED_LINE.match(own):
            dated.append(el)
        if not (_BYLINE_START.match(own) or _BYLINE_PREFIX.fullmatch(own)):
            continue
        text = _first_line(el)
        if _BYLINE_PREFIX.fullmatch(text):  # a label whose name follows it: "<h5>Autor:</h5>Jane Doe"
            text = f"{text} {_text_after(el)}"
        area = _byline_area(el)
        if len(text) <= _MAX_BYLINE and area is not None and (name := _byline_name(text)):
            found[area].append(name)
        if sum(map(len, found)) >= _MAX_TEXT_BYLINES:
            break
    lone = squash(dated[0].text) if len(dated) == 1 and not any(found) else ""
    if _DATED_NAME.match(lone) and (area := _byline_area(dated[0])) is not None:
        found[area].append(_byline_name(lone))
    return found


def _signature(tree: HtmlElement) -> str | None:
    """A name that signs off the text: the last paragraph of a block of prose, set apart (emphasised, or the name
    above a role on a line of its own: "<p>Kazim Türkmen<br>Bundesvorsitzender</p>")."""
    blocks = dict.fromkeys(p.getparent() for p in tree.iter("p"))  # in page order; one pass, whatever the size
    for block in blocks:
        el = next((child for child in reversed(block) if child.tag == "p"), None) if block is not None else None
        prose = el.getprevious() if el is not None else None
        if prose is None or prose.tag != "p" or len(element_text(prose)) < _SIGNED_PROSE or _byline_area(el) != 0:
            continue
        name = _first_line(el)
        if len(name) <= _MAX_SIGNATURE and (name != element_text(el) or _emphasised(el)):
            return name
    return None


def _emphasised(el: HtmlElement) -> bool:
    """All the paragraph's text is inside emphasis (<em>, <i>, <b>, <strong>)."""
    own = squash(el.text) or any(squash(child.tail) for child in el)
    return not own and len(el) == 1 and el[0].tag in ("em", "i", "b", "strong")


def _first_line(el: HtmlElement) -> str:
    """The element's text up to its first line break: a byline's name, not the dateline set under it."""
    parts: list[str] = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if node.tag == "br":
            break
        if event == "start" and isinstance(node.tag, str):
            parts.append(node.text or "")
        elif event == "end" and node is not el:
            parts.append(node.tail or "")
    return squash(" ".join(parts))


def _text_after(el: HtmlElement) -> str:
    """The text that follows an element: its tail, else the next element's text, else the rest of its parent's."""
    if tail := squash(el.tail):
        return tail
    following = el.getnext()
    if following is not None and (text := element_text(following)):
        return text
    parent = el.getparent()
    return element_text(parent).partition(element_text(el))[2] if parent is not None else ""


def _byline_name(text: str) -> str:
    """The name part of a byline text: "29. Juni 2017 · von Tobi" gives "Tobi"; "By Rob Picheta, CNN" gives
    "Rob Picheta, CNN" (the outlet is dropped later)."""
    match = _BYLINE_INSIDE.search(text) or _DATED_NAME.match(text)
    return _BYLINE_END.sub("", text[match.end() :] if match else text).strip(" ,.:;")


def person_names(value: Any, site_name: str | None = None) -> list[str]:
    """Valid person names (or handles) in a JSON-LD author value, meta content or byline text.

    Outlets and desks listed beside people are dropped ("Rob Picheta, CNN"); anything else that is not a name
    (a list of sections, a sentence) means the text is not a byline at all.
    """
    if isinstance(value, list):
        return _dedupe([n for item in value[:10] for n in person_names(item, site_name)])
    if isinstance(value, dict):
        if ld_types(value) & ORG_TYPES:
            return []
        # schema.org allows a Person's name in parts only
        parts = (value.get("givenName"), value.get("familyName"))
        name = value.get("name") or " ".join(n for n in parts if isinstance(n, str))
        return person_names(name, site_name)
    if not isinstance(value, str) or "http" in value or "@" in value or "www." in value.lower():
        return []
    text = _BYLINE_PREFIX.sub("", _unescaped(value))
    text = _SENTENCE_END.split(_TITLE_SEPARATORS.split(text)[0])[0]
    parts = [p.strip(" .,:;|") for p in _NAME_SPLIT.split(text)]
    parts = [p for p in parts if p and not _ROLE.search(p) and not _is_outlet(p, site_name)]
    parts = [p.title() if p.isupper() and " " in p else p for p in parts]
    # a handle stands alone: single words in a list are places, sections or outlets ("Jane Doe, London"), and a
    # list of nothing else is no byline ("Frankfurt, Germany")
    if len(parts) > 1:
        parts = [p for p in parts if " " in p] or parts
    names = [p for p in parts if _is_person(p, site_name) and (len(parts) == 1 or " " in p)]
    if len(names) != len(parts):
        return []
    return _dedupe(names)


def _is_outlet(part: str, site_name: str | None) -> bool:
    """A desk, agency or the site named beside the people: "CNN", "dpa", "Redaktion", the site's own name."""
    if _NOT_A_PERSON.search(part) or _DOMAIN.search(part):
        return True
    if site_name and " " not in part and _letters(part) and _letters(part) == _letters(site_name):
        return True
    return 2 <= len(part) <= 5 and part.isupper() and " " not in part and len(part.strip(".")) > 2


def _is_person(name: str, site_name: str | None) -> bool:
    words = name.split()
    cjk = len(words) == 1 and 2 <= len(name) <= 6 and all("\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
                                                           for ch in name)  # fmt: skip
    if len(words) == 1 and not cjk:
        if site_name and _letters(name) == _letters(site_name):
            return False
        return bool(_HANDLE.match(name)) and not _NOT_A_PERSON.search(name)
    if not (2 <= len(words) <= 5 or cjk):
        return False
    if any(w[0].islower() and w not in _PARTICLES for w in words):
        return False
    return bool(_NAME_CHARS.match(name)) and not _NOT_A_PERSON.search(name)


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in items if not (i.lower() in seen or seen.add(i.lower()))]


def join_names(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


# --- date ----------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# A day-first date as pages print it: "31.03.2020", "7.11.2023, 07:30 Uhr"
_DMY_DATE = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})(?!\d)")
# Meta tags that name the publication date, then generic date tags (often the last change) as a late fallback.
_PUBLISHED_META = ("article:published_time", "og:article:published_time", "og:published_time", "article:published",
                   "published_time", "datepublished", "pubdate", "publishdate", "publish-date", "publish_date",
                   "parsely-pub-date", "dc.date.issued", "dcterms.issued", "dcterms.created", "article.published",
                   "cxenseparse:recs:publishtime")  # fmt: skip
_DATE_META = ("date", "dc.date", "dcterms.date", "sailthru.date")
_PUBLISHED_MARKUP = '//*[@itemprop="datePublished"]'


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    found: date | None = None
    if m := _ISO_DATE.search(value) or _DMY_DATE.search(value):
        year, month, day = (m[1], m[2], m[3]) if len(m[1]) == 4 else (m[3], m[2], m[1])
        try:
            found = date(int(year), int(month), int(day))
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
    """The publication date as the page states it: the date part of a local time stamp, never moved to UTC.

    Publication meta tags first (a republished page's JSON-LD often keeps the first version's date), then
    JSON-LD, microdata, a <time> in the article (not in a list of other articles), generic date tags, and last
    htmldate's extensive search for the original date.
    """
    for value in _date_candidates(ld, meta, tree):
        if found := parse_date(value):
            return found
    # htmldate's markup rules first, its free-text search only when they find nothing
    return _htmldate(tree, url, extensive=False) or _htmldate(tree, url, extensive=True)


def _htmldate(tree: HtmlElement, url: str | None, *, extensive: bool) -> date | None:
    try:
        # htmldate only reads the tree (it copies it before pruning); it never goes to the network
        found = htmldate.find_date(tree, extensive_search=extensive, original_date=True, url=url)
    except Exception:  # htmldate has no documented error types; a date is never worth a failed digest
        log.debug("htmldate failed", exc_info=True)
        return None
    return parse_date(found)


def _date_candidates(ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement) -> Iterator[Any]:
    yield from (meta.get(k) for k in _PUBLISHED_META)
    yield ld.get("datePublished")
    yield ld.get("dateCreated")
    for el in tree.xpath(_PUBLISHED_MARKUP)[:3]:
        yield el.get("datetime") or el.get("content")
    for el in tree.xpath("//time")[:5]:
        if _byline_area(el) == 0:  # its machine-readable date, else the one it prints
            yield el.get("datetime") or element_text(el)
    yield from (meta.get(k) for k in _DATE_META)


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
