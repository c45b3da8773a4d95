"""The article's paragraphs as the extractors find them: trafilatura, readability-lxml, or the declared articleBody.

How the pieces were chosen (figures from `python -m bench extraction`, 181 real pages):
- trafilatura with favor_precision is the strongest single extractor here. Its fast pass is kept when it
  found most of the page's <p> text; otherwise its full pass (with its own fallbacks) runs;
- it sometimes keeps only part of a long article, or only a legal notice: readability-lxml then recovers
  the article; it runs only when the page's <p> text is still much longer than what trafilatura kept;
- a page whose text all of them find short, yet whose schema.org articleBody is far longer (an article drawn by
  script, or hidden under a metered paywall's overlay), is read from that articleBody.
Each candidate is compared after its leftover lines are cleaned (lines.clean_lines).
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from collections.abc import Iterable

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.xml import xmltotxt

from bot.pipeline.extract.lines import WORDS, clean_lines
from bot.pipeline.metadata import article_json_ld, element_text, parse_html, squash

log = logging.getLogger(__name__)

# trafilatura's fast pass is kept unless the page's <p> text is this many times what it found
_FULL_PASS_RATIO = 2.0
# readability is consulted when the page's paragraph text is at least this many times what trafilatura kept
_RECHECK_RATIO = 2.0
# ... and replaces trafilatura when it is this much longer and contains what trafilatura found
_SWITCH_RATIO = 2.0
_SWITCH_COVERAGE = 0.9
# below this many characters, trafilatura's text is treated as a failure (often just a legal notice)
MIN_TEXT = 300
# below this many characters, the extractors' text is compared with the page's own articleBody (as long as the text
# the wall check takes for a teaser)
_DECLARED_BODY_CHECK = 1500


def main_text(html: str, url: str | None, tree: HtmlElement | None, titles: list[str]) -> tuple[list[str], list[str]]:
    """(paragraphs, trafilatura's quote texts), escalating from the cheapest pass that looks complete."""
    paragraph_chars = paragraph_text_length(tree) if tree is not None else 0
    page = _trafilatura_input(html, tree)
    if tree is not None:
        _unwrap_inline_wrappers(tree)
        _code_in_bare_pres(tree)
    lines, h1s, quotes = _trafilatura(page, url, fast=True)
    best = clean_lines(lines, titles + h1s)
    if _text_length(best) >= MIN_TEXT and paragraph_chars < _FULL_PASS_RATIO * _text_length(best):
        return best, quotes
    # trafilatura's own fallbacks (readability, justext) cost about as much again: only for doubtful pages
    lines, h1s, quotes = _trafilatura(page, url, fast=False)
    best = clean_lines(lines, titles + h1s)
    size = _text_length(best)
    if size >= MIN_TEXT and paragraph_chars < _RECHECK_RATIO * size:
        return best, quotes
    other = clean_lines(_readability(html), titles)
    other_size = _text_length(other)
    if size < MIN_TEXT and other_size > size:
        return other, quotes
    if other_size >= _SWITCH_RATIO * size and _coverage(best, other) >= _SWITCH_COVERAGE:
        return other, quotes
    return best, quotes


def or_declared_body(tree: HtmlElement, paragraphs: list[str], titles: list[str]) -> list[str]:
    """The article's schema.org articleBody instead of the extractors' paragraphs when they kept far less of it.

    Pages that draw their article by script, or keep it in a hidden element under a paywall overlay (the part their
    isAccessibleForFree=false names), often still carry it whole in their JSON-LD, the publisher's own copy of the
    text: what the extractors read there is a caption or a subscription offer. Only short results are checked, so
    full articles never pay for reading the JSON-LD again."""
    size = _text_length(paragraphs)
    if size >= _DECLARED_BODY_CHECK:
        return paragraphs
    needed = _SWITCH_RATIO * max(size, MIN_TEXT)
    body = article_json_ld(tree).get("articleBody")
    if not isinstance(body, str) or len(body) < needed:  # the raw body is longer than its cleaned lines
        return paragraphs
    declared = clean_lines(body_lines(body), titles)
    return declared if _text_length(declared) >= needed else paragraphs


def body_lines(body: str) -> list[str]:
    """articleBody's paragraphs: its lines, or its blocks where a CMS put (often entity-escaped) markup there."""
    text = html_lib.unescape(body) if "&lt;" in body else body
    if "<" in text:
        root = parse_html(f"<div>{text}</div>")
        return block_texts(root) if root is not None else []
    return [line for raw in text.splitlines() if (line := squash(raw))]


def _trafilatura_input(html: str, tree: HtmlElement | None) -> str | HtmlElement:
    """The tree parsed for the metadata, so that the page is parsed once (trafilatura works on a copy of it); the
    page itself where trafilatura would refuse it as no HTML at all (no "html" in its first 50 characters and a
    root of fewer than 2 children, as its load_html judges), so that binary junk still gets no text."""
    if tree is not None and ("html" in html[:50].lower() or len(tree) >= 2):
        return tree
    return html


# <span>s that trafilatura's precision mode prunes as page chrome (its PRECISION_DISCARD_XPATH): a class or id token
# "link", one that starts or ends with "bottom", a border in the style; the XPath finds candidates, the regex decides
_PRUNED_SPANS = etree.XPath(
    "//p//span[contains(@class, 'link') or contains(@class, 'bottom') or contains(@id, 'link')"
    " or contains(@id, 'bottom') or contains(@style, 'border')]"
)
_PRUNED_NAME = re.compile(r"(?:^|\s)(?:link(?:\s|$)|bottom)|bottom(?:\s|$)")
_WORD = re.compile(r"\w")


def _code_in_bare_pres(tree: HtmlElement) -> None:
    """Wraps the content of a <pre> without a <code> in one: trafilatura turns a bare <pre> into a <quote>, whose
    line wraps _plain_text would join, and a program's lines (a shell loop) need theirs."""
    for pre in [pre for pre in tree.iter("pre") if next(pre.iter("code"), None) is None]:
        code = pre.makeelement("code", {})
        code.text, pre.text = pre.text, None
        code.extend(list(pre))
        pre.append(code)


def _unwrap_inline_wrappers(tree: HtmlElement) -> None:
    """Unwraps the <span>s inside a sentence that trafilatura's precision mode would prune with their words (a link
    wrapped in <span class="link">): a quote of that sentence would lack them. Only a span with words right before
    and after it in its paragraph: one standing alone ("Also: See our coverage", "Learn more.") may be a promo."""
    for span in _PRUNED_SPANS(tree):
        names = f"{span.get('id') or ''} {span.get('class') or ''}"
        pruned = _PRUNED_NAME.search(names) or "border" in (span.get("style") or "")
        if pruned and _WORD.search(span.tail or "") and _WORD.search(_text_before(span)):
            span.drop_tag()


def _text_before(el: HtmlElement) -> str:
    previous = el.getprevious()
    if previous is not None:
        return previous.text_content() + (previous.tail or "")
    parent = el.getparent()
    return (parent.text if parent is not None else None) or ""


def _trafilatura(page: str | HtmlElement, url: str | None, fast: bool) -> tuple[list[str], list[str], list[str]]:
    """(text lines, <h1> headings, quotes) as trafilatura sees the main content of a page or its parsed tree."""
    try:
        doc = trafilatura.bare_extraction(page, url=url, fast=fast, favor_precision=True, include_comments=False)
    except Exception:  # a library bug on hostile markup must cost the text, not the digest
        log.warning("trafilatura failed on %s", url, exc_info=True)
        return [], [], []
    if doc is None or doc.body is None:
        return [], [], []
    lines = [line.strip() for line in _plain_text(doc.body).splitlines() if line.strip()]
    h1s = [element_text(el) for el in doc.body.iter("head") if el.get("rend") == "h1"]
    quotes = [element_text(el) for el in doc.body.iter("quote")]
    return lines, h1s, quotes


# a line wrap in the page's source, with the indentation around it
_SOURCE_WRAP = re.compile(r"[ \t\r]*\n\s*")


def _plain_text(body: etree._Element) -> str:
    """trafilatura's text of its result, one line a block or <br>. trafilatura keeps the source's line wraps inside
    a paragraph holding a <br> (<lb/>), and a wrap is no paragraph end: outside code, a wrap is a space."""
    in_code = {el for code in body.iter("code") for el in code.iter()}
    for el in body.iter():
        if el.text and "\n" in el.text and el not in in_code:
            el.text = _SOURCE_WRAP.sub(" ", el.text)
        if el.tail and "\n" in el.tail and el.getparent() not in in_code:
            el.tail = _SOURCE_WRAP.sub(" ", el.tail)
    return xmltotxt(body, include_formatting=False)


def _readability(html: str) -> list[str]:
    from readability import Document  # imported late: only a minority of pages need it

    try:
        summary = Document(html).summary(html_partial=True)
        root = lxml.html.fragment_fromstring(summary, create_parent="div") if summary.strip() else None
    except Exception:  # readability raises its own Unparseable and lxml errors on broken pages
        log.debug("readability failed", exc_info=True)
        return []
    return block_texts(root) if root is not None else []


_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre", "table", "tr", "td",
    "th", "section", "article", "figure", "figcaption", "header", "footer", "dd", "dt", "dl", "br", "hr", "main",
    "aside", "form", "center", "address",
}  # fmt: skip


def block_texts(root: HtmlElement) -> list[str]:
    """The texts of block-level elements, in order (iterative: no recursion limit on deep trees)."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = squash("".join(buf))
        if text:
            out.append(text)
        buf.clear()

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCKS:
                flush()
            if el.text and tag not in ("script", "style"):
                buf.append(el.text)
        else:
            if tag in _BLOCKS:
                flush()
            if el.tail and el is not root:
                buf.append(el.tail)
    flush()
    return out


def paragraph_text_length(tree: HtmlElement) -> int:
    return sum(len(el.text_content()) for el in tree.iter("p"))


def _text_length(lines: Iterable[str]) -> int:
    return sum(len(line) for line in lines)


def _shingles(lines: Iterable[str]) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for line in lines:
        words = WORDS.findall(line.lower())
        found.update(tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3)))
    return found


def _coverage(part: list[str], whole: list[str]) -> float:
    """Share of `part`'s 4-word shingles that also occur in `whole`."""
    mine = _shingles(part)
    return len(mine & _shingles(whole)) / len(mine) if mine else 0.0
