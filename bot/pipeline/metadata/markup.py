"""Parsing and the page's declared data: the lxml tree, <meta> tags, JSON-LD objects, and helpers the title and
byline rules share."""

from __future__ import annotations

import html as htmllib
import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from dateparser.languages.loader import default_loader
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction

from bot.pipeline.pagefacts import ARTICLE_TYPES
from bot.pipeline.urls import url_path

PAGE_TYPES = {"webpage", "itempage", "collectionpage", "aboutpage", "faqpage", "qapage"}
ORG_TYPES = {"organization", "newsmediaorganization", "corporation", "website", "brand"}

_PARSER = HTMLParser(collect_ids=False, remove_comments=True, remove_pis=True)
# lxml.html picks each element's class in a Python method, called whenever an element first reaches Python: over half
# a million calls on the extraction set, ours and trafilatura's (its copies of the tree keep our parser), 3-4% of a
# digest. The same classes chosen in C, but for lxml.html's form-field ones (FormElement, InputElement, ...), whose
# form API nothing here uses: every element is an HtmlElement with the same methods as before.
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# Control characters lxml refuses in a string; most pages have none, and a search for each one alone (a plain scan)
# costs a third of what a pass of the pattern over the page does (a third of the parse itself)
_CONTROL_CHARACTERS = tuple(chr(code) for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)))
_CONTROL = re.compile(f"[{''.join(_CONTROL_CHARACTERS)}]")
_SPACE = re.compile(r"\s+")
_LETTERS = re.compile(r"[\W_]+")
# The separators between a title's parts ("Headline | Site") and a byline's ("Jane Doe | 12 May")
# Class names of text set for screen readers only: a hidden label, never what the page shows
SCREEN_READER_ONLY = r"screen-reader|sr-only|visually-hidden"
SEPARATORS = re.compile(r"\s+(?:\||-|–|—|·|•|::|»|«|›|‹|~|│|:)\s+|\s*(?:\||│|»|«|›|‹)\s*")
DOMAIN = re.compile(r"\.(?:com|net|org|de|at|ch|fr|es|it|nl|be|pl|cz|eu|info|io|co|uk|us|tv|fm|online|news)$",
                     re.IGNORECASE)  # fmt: skip
_WAYBACK = re.compile(r"^https?://web\.archive\.org/web/[^/]+/", re.IGNORECASE)
_NOT_A_PAGE = ("#", "javascript:", "mailto:", "tel:")
# Containers of readers' comments, by a class or id that starts with the word ("comment-list", "respond")
COMMENT_NAMES = re.compile(r"(?<![a-z])(?:comment|respond|reply)", re.IGNORECASE)
_COMMENTS_DEPTH = 6
# The flags a post's own <article> carries about its comments ("comments-open", "comment-count-3"), which name none
_POST_FLAGS = re.compile(
    r"(?<![\w-])(?:js-)?(?:comments?-(?:open|closed|on|off|enabled|disabled|allowed|count(?:-\d+)?)|comment-status-\w+"
    r"|(?:has|no)-comments)(?![\w-])",
    re.IGNORECASE,
)
# A class or id that names a comment: the word opening it, maybe after a short prefix ("div-comment-5", "c-comment")
_COMMENT_TOKEN = re.compile(r"(?<![\w-])(?:c-|js-|div-)?(?:comments?|respond|repl(?:y|ies))(?:[-_][\w-]*)?(?![\w-])",
                            re.IGNORECASE)  # fmt: skip
# The box the comments stand in: "<section id="comments">", "comment-list", "comments-area"
_COMMENTS_BOX = re.compile(r"(?<![\w-])(?:comments|comment-?list|comments-(?:list|area|section))(?![\w-])",
                           re.IGNORECASE)  # fmt: skip
_AFTER_A_POST = etree.XPath("boolean(preceding::article | ancestor::article[.//h1])")


def parse_html(html: str) -> HtmlElement | None:
    """Parse with lxml, never raising: garbage and control bytes give a (possibly empty) tree or None."""
    text = _XML_DECL.sub("", html, count=1)
    if any(character in text for character in _CONTROL_CHARACTERS):
        text = _CONTROL.sub("", text)
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


def unescaped(text: str | None) -> str:
    # many CMSs escape entities twice in meta tags and JSON-LD ("&#8216;")
    return squash(htmllib.unescape(text)) if text and "&" in text else squash(text)


def element_text(el: HtmlElement) -> str:
    return squash(" ".join(el.itertext()))


def first(*values: str | None) -> str | None:
    return next((unescaped(v) for v in values if v and squash(v)), None)


def meta_tags(tree: HtmlElement) -> dict[str, str]:
    """First non-empty content per lower-cased name/property/itemprop; a microdata <meta> in the body counts only
    outside readers' comments (a comment's itemprop="datePublished" dates the comment, not the article)."""
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        content = el.get("content")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop"):
            key = (el.get(attr) or "").strip().lower()
            if key and key not in found and not (attr == "itemprop" and in_comments(el)):
                found[key] = content.strip()
    return found


def in_comments(el: HtmlElement) -> bool:
    """The element belongs to a reader's comment: its microdata item is a schema.org Comment, or one of the few
    containers nearest it is named for comments, or its <article> is a comment's. Page-wide wrappers ("comments-open"
    on the article) say nothing, so the walk stops at the page's article, as the byline rules' does."""
    item = next((node for node in el.iterancestors() if node.get("itemscope") is not None), None)
    if item is not None and "comment" in (item.get("itemtype") or "").lower():
        return True
    for depth, node in enumerate(el.iterancestors()):
        if is_comment_item(node):
            return True
        if node.tag in ("body", "html") or is_the_article(node) or depth >= _COMMENTS_DEPTH:
            return False
        if node.tag != "article" and COMMENT_NAMES.search(class_and_id(node)):  # an <article>: by is_comment_item
            return True
    return False


def _named_for_comments(node: HtmlElement) -> bool:
    """A class or id of its own names a comment ("comment-item", "reply", "c-comment"), a post's flags about its
    comments aside; not a word that merely starts so ("commentary") nor a post's category ("category-comment")."""
    return bool(_COMMENT_TOKEN.search(_POST_FLAGS.sub("", class_and_id(node))))


def is_comment_item(node: HtmlElement) -> bool:
    """A reader's comment set as an <article> of its own: named for comments, or set in the comments' box, after the
    post's <article> or inside the one holding the headline. Never the first <article> nor one that holds the
    headline: a post's own may carry any flag about its comments ("comments-off", "comment-count-3")."""
    if node.tag != "article":
        return False
    parent = node.getparent()
    boxed = parent is not None and _COMMENTS_BOX.search(class_and_id(parent))
    if not (boxed or _named_for_comments(node)):  # the names first: every walk up from a name or a date asks this
        return False
    return next(node.iter("h1"), None) is None and bool(_AFTER_A_POST(node))


def is_the_article(node: HtmlElement) -> bool:
    """The page's own article or main part, where walks up from a name or a date stop. An <article> inside another
    is an item of it (a comment, a quoted post, a teaser), walked through like any container."""
    return node.tag == "main" or (node.tag == "article" and next(node.iterancestors("article"), None) is None)


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


def ld_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def ld_name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return ld_text(value.get("name"))
    return ld_text(value)


def letters(text: str) -> str:
    return _LETTERS.sub("", text.lower())


def class_and_id(el: HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def is_home_link(el: HtmlElement) -> bool:
    """The heading links to the site's front page: it is the site's name or logo, as many themes set it, with the
    link inside the heading or wrapped around it (`<a href="/"><h1>Site</h1></a>`)."""
    for link in el.xpath("descendant-or-self::a[@href] | ancestor::a[@href]"):
        href, rel = _WAYBACK.sub("", link.get("href")).strip(), (link.get("rel") or "").lower().split()
        # "#" opens a pop-up, "mailto:" a mail; rel=author links the writer's profile ("https://twitter.com/"), and
        # none of them is the front page
        if href.startswith(_NOT_A_PAGE) or "author" in rel:
            continue
        if "home" in rel or url_path(href) in ("", "/"):
            return True
    return False


@cache
def calendar_names(language: str, keys: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """(lower-cased name, 1-based position of its key) for dateparser's calendar keys ("january", "monday") in one
    language, names and abbreviations as its locale data lists them; () for a language it does not know."""
    try:
        info = default_loader.get_locale(language).info
    except ValueError:
        return ()
    return tuple((name.lower(), number) for number, key in enumerate(keys, 1) for name in info.get(key, []))
