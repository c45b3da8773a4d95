"""The lead (standfirst), put back in front of the text when the extractors left it out.

trafilatura's precision mode drops the lead with the <header> or "teaser" block it sits in: it is put back when it
lies just after the <h1> and before the body's first paragraphs, found by its class or as the page's own description
printed there. CMSs across languages name the standfirst after what it is: "lead", "intro", "teaser" (TYPO3's
teaser-text), the French "chapo", "preface", Drupal's field-abstract, WordPress themes' entry-excerpt. Related-article
teasers carry the same names, so the lead must sit right after the headline, before the body's first paragraphs, and
read as prose rather than as a link or a box. schema.org microdata names it by its property (itemprop="description").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice

from lxml import etree
from lxml.html import HtmlElement

from bot.models import Article
from bot.pipeline.extract.lines import SENTENCE_END, is_furniture, text_key
from bot.pipeline.metadata import element_text
from bot.pipeline.sentences import split_sentences

_LEAD_CLASS_WORDS = ("lead", "intro", "teaser", "chapo", "preface", "abstract", "excerpt")
_LEAD_CLASS = re.compile(rf"(?:^|[-_])(?:{'|'.join(_LEAD_CLASS_WORDS)})(?:$|[-_]|text)", re.IGNORECASE)
_LEAD_TAGS = frozenset({"p", "div", "section", "span", "h2", "strong"})
_LEAD_ITEMPROPS = frozenset({"description", "abstract"})  # schema.org microdata's names for the standfirst
# ...which marks it wherever it lies: beyond the reach too, behind a row of share buttons (a hundred elements)
_MICRODATA_LEADS = etree.XPath("//@itemprop[. = 'description' or . = 'abstract']/..")
# ...as the article's, or the page's: a description inside a writer's, a video's or a product's item is theirs
_ARTICLE_ITEM = re.compile(r"(?:Article|Posting|Report|WebPage)/?$")
_HEADLINES = 3  # the first <h1> is often the site's name, and the headline one of the next
_LEAD_REACH = 50  # elements searched after the <h1>: the leads of the metadata set's tuning pages lie within 47
_BODY_REACH = 400  # elements searched after the lead for the body's first paragraphs
_LEAD_MIN_CHARS, _LEAD_MAX_CHARS = 50, 1500
_LEAD_MAX_LINK_SHARE = 0.3
_BODY_TAGS = frozenset({"p", "h2", "h3", "h4", "li"})  # what a body's first line is written in
_BODY_START_CHARS = 40  # a body paragraph is recognised by the start of its words
_DESCRIBED_LEAD_SENTENCES = 2
_TRUNCATED = ("...", "…")


def with_lead(tree: HtmlElement, page: str, paragraphs: list[str], article: Article) -> list[str]:
    """The paragraphs with the page's lead in front, when the extractors left it out."""
    lead = _find_lead(paragraphs, _headlines(tree, article.title), text_key(article.description or ""))
    if lead is None and "itemprop" in page:
        lead = _microdata_lead(tree, paragraphs)
    if lead is None or not (key := text_key(lead)) or key in text_key(" ".join(paragraphs)):
        return paragraphs
    return [lead, *paragraphs]


def _headlines(tree: HtmlElement, title: str | None) -> Iterable[HtmlElement]:
    """The first <h1>s, then the <h2> or <h3> that repeats the page's title: where the site's name or logo takes the
    <h1>, or a page has none, some templates write the headline a level or two down."""
    yield from islice(tree.iter("h1"), _HEADLINES)
    title_key = text_key(title or "")
    if title_key:
        yield from islice((h for h in tree.iter("h2", "h3") if text_key(element_text(h)) == title_key), 1)


def _find_lead(paragraphs: list[str], headlines: Iterable[HtmlElement], description: str) -> str | None:
    """A lead by its class, or the page's description (`description`: its key) printed under the headline as a
    paragraph: many CMSs fill the meta description from the standfirst, whatever they call its element. (A
    description of one sentence there is the headline's subtitle, a dek, which articles' bodies leave out.)"""
    for headline in headlines:
        for el in _following(headline, _LEAD_REACH):
            if el.tag not in _LEAD_TAGS:
                continue
            by_class = (el.get("itemprop") in _LEAD_ITEMPROPS and _of_the_article(el)) or any(
                _LEAD_CLASS.search(word) for word in (el.get("class") or "").split()
            )
            if not by_class and not _starts_description(el, description):
                continue
            text = element_text(el)
            if not by_class and len(split_sentences(text)) < _DESCRIBED_LEAD_SENTENCES:
                continue
            if _reads_as_lead(el, text) and _precedes_body(el, paragraphs):
                return text
    return None


def _microdata_lead(tree: HtmlElement, paragraphs: list[str]) -> str | None:
    """The standfirst schema.org microdata marks, wherever it lies before the body."""
    for el in _MICRODATA_LEADS(tree):
        if el.tag not in _LEAD_TAGS or not _of_the_article(el):
            continue
        if _reads_as_lead(el, text := element_text(el)) and _precedes_body(el, paragraphs):
            return text
    return None


def _of_the_article(el: HtmlElement) -> bool:
    """Whether the item a microdata property belongs to (its nearest itemscope) is the article or page, or none."""
    item = next((a for a in el.iterancestors() if a.get("itemscope") is not None), None)
    return item is None or any(_ARTICLE_ITEM.search(kind) for kind in (item.get("itemtype") or "").split())


def _starts_description(el: HtmlElement, description: str) -> bool:
    """Whether the element's own first words are the description's (a cheap test before reading all its text)."""
    if len(description) < _LEAD_MIN_CHARS or not el.text:
        return False
    start = text_key(el.text)[:_BODY_START_CHARS]
    return len(start) >= _BODY_START_CHARS // 2 and description.startswith(start)


def _reads_as_lead(el: HtmlElement, text: str) -> bool:
    if not _LEAD_MIN_CHARS <= len(text) <= _LEAD_MAX_CHARS or not text.endswith(SENTENCE_END) or is_furniture(text):
        return False
    if text.endswith(_TRUNCATED):
        return False  # a teaser cut short ("… eine lauter werdende..."), of this article or another
    if any(a.tag == "a" for a in el.iterancestors()) or next(el.iter("h2", "h3", "h4"), None) is not None:
        return False  # a teaser of another article: a link, or a box with its own headline
    links = sum(len(a.text_content()) for a in el.iter("a"))
    return links <= _LEAD_MAX_LINK_SHARE * len(text)


def _precedes_body(el: HtmlElement, paragraphs: list[str]) -> bool:
    """Whether one of the body's first paragraphs comes after `el` (a teaser below the article does not)."""
    starts = tuple(key[:_BODY_START_CHARS] for p in paragraphs[:3] if len(key := text_key(p)) >= _BODY_START_CHARS // 2)
    if not starts:
        return False
    return any(
        after.tag in _BODY_TAGS and text_key(after.text_content()).startswith(starts)
        for after in _following(el, _BODY_REACH)
    )


def _following(start: HtmlElement, limit: int) -> Iterable[HtmlElement]:
    """Up to `limit` elements after `start` in document order, its own descendants left out."""
    count = 0
    node: HtmlElement | None = start
    while node is not None:
        for sibling in node.itersiblings():
            for el in sibling.iter():
                count += 1
                if count > limit:
                    return
                if isinstance(el.tag, str):
                    yield el
        node = node.getparent()
