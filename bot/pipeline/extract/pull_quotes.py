"""The article's own pull quotes: trafilatura's quotes and the page's <blockquote>, <q> and pull-quote elements that
lie inside its main text (embedded tweets and posts left out).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.extract.lines import text_key
from bot.pipeline.metadata import element_text

# (testing the class attributes themselves costs half of testing every element's class)
_QUOTE_ELEMENTS = etree.XPath('//blockquote | //q | //@class[contains(., "pullquote") or contains(., "pull-quote")]/..')
_EMBED_QUOTE = re.compile(r"pic\.twitter\.com|\(@\w+\)|instagram\.com|tiktok\.com", re.IGNORECASE)


def _quote_elements(tree: HtmlElement, page: str) -> Iterable[HtmlElement]:
    """<blockquote>, <q> and pull-quote elements in page order. Looking for the class reads every element's class
    (most of this function's cost), so it runs only on pages that have the word at all."""
    if "pullquote" in page or "pull-quote" in page:
        return _QUOTE_ELEMENTS(tree)
    return tree.iter("blockquote", "q")


def pull_quotes(tree: HtmlElement | None, page: str, quotes: list[str], text: str) -> list[str]:
    """The article's own quotes (blockquote, q, pull-quote) that lie inside its main text."""
    candidates = list(quotes)
    if tree is not None:
        for el in _quote_elements(tree, page):
            if "twitter" not in (el.get("class") or "") and "instagram" not in (el.get("class") or ""):
                candidates.append(element_text(el))
    body = text_key(text)
    found: list[str] = []
    for quote in candidates:
        quote = quote.strip(" \"“”'‘’«»")
        key = text_key(quote)
        fits = 4 <= len(key.split()) <= 80 and key in body and not _EMBED_QUOTE.search(quote)
        if fits and all(key != text_key(q) for q in found):
            found.append(quote)
    return found[:5]
