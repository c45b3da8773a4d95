"""Lists between the article's paragraphs, put back where trafilatura dropped them.

Where trafilatura finds no container it trusts (no <article> or <main>, a CMS's plain <div>s), its precision mode
recovers the page's text from <p>s, quotes and tables only, so a list inside the article vanishes: "So schützen Sie
sich:" is followed directly by the paragraph after the tips. Such a list is put back where its neighbours, a kept
paragraph before and the kept paragraph after, are now adjacent; its items must read as sentences, and be no links.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from bot.pipeline.extract.lines import SENTENCE_END, text_key
from bot.pipeline.metadata import element_text, squash

_LIST_NEIGHBOURS = frozenset({"p", "h2", "h3", "h4", "h5", "h6"})
_LIST_ITEM_MIN_WORDS = 3
_LIST_MAX_LINK_SHARE = 0.3


def with_dropped_lists(tree: HtmlElement, paragraphs: list[str]) -> list[str]:
    """The paragraphs with each list of sentences put back between the two kept paragraphs it stood between."""
    candidates = [
        (before, after, found)
        for found in tree.iter("ul", "ol")
        if (before := _text_sibling(found, previous=True)) is not None
        and (after := _text_sibling(found, previous=False)) is not None
    ]
    if not candidates:  # most pages: no list stands between two paragraphs, and no line's key is needed
        return paragraphs
    position = {key: index for index, p in enumerate(paragraphs) if (key := text_key(p))}
    inserts: dict[int, list[str]] = {}
    for before, after, found in candidates:
        index = position.get(text_key(element_text(before)))
        if index is None or position.get(text_key(element_text(after))) != index + 1 or index in inserts:
            continue
        items = _sentence_items(found)
        if items and not any(text_key(item) in position for item in items):
            inserts[index] = [f"- {item}" for item in items]
    if not inserts:
        return paragraphs
    out: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        out.append(paragraph)
        out.extend(inserts.get(index, ()))
    return out


def _text_sibling(el: HtmlElement, previous: bool) -> HtmlElement | None:
    """The paragraph or heading right before (or after) `el`, or None when another element or text is between."""
    if (el.tail or "").strip() and not previous:
        return None
    sibling = el.getprevious() if previous else el.getnext()
    while sibling is not None and sibling.tag == "br":
        sibling = sibling.getprevious() if previous else sibling.getnext()
    if sibling is None or sibling.tag not in _LIST_NEIGHBOURS or (previous and (sibling.tail or "").strip()):
        return None
    return sibling


def _sentence_items(found: HtmlElement) -> list[str] | None:
    """The list's items when every one is a sentence of a few words and few of its characters are links."""
    items = [squash("".join(li.itertext())) for li in found.iterchildren("li")]
    if not items or len(items) != len(found) or any(item.count(" ") + 1 < _LIST_ITEM_MIN_WORDS for item in items):
        return None
    if not all(item.endswith(SENTENCE_END) for item in items):
        return None
    links = sum(len(a.text_content()) for a in found.iter("a"))
    return items if links <= _LIST_MAX_LINK_SHARE * sum(len(item) for item in items) else None
