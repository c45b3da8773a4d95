"""The date the page prints at its headline (found by headline.py): in the byline block under it, in a kicker above
it, or in an element after it named for the date; and whether a date's element stands in the article's byline area
rather than in a teaser, a sidebar or a comment.

The printed date is the one a reader sees: it dates the pages without publication markup, and it tells which local
day a UTC stamp's article belongs to (local_dates.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain, islice, takewhile

from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.metadata.areas import NOT_BYLINE_AREA, byline_area
from bot.pipeline.metadata.date_parsing import DateReader
from bot.pipeline.metadata.headline import shares_most_words, words
from bot.pipeline.metadata.local_dates import time_value
from bot.pipeline.metadata.markup import SEPARATORS, class_and_id, element_text
from bot.pipeline.metadata.update_marks import UPDATE, is_update, marked_as_update

# The date printed under the headline, in the byline block ("Stand: 28.04.2020 18:00 Uhr", "Anna | 3. März 2020"),
# or in a data-date attribute there that the page's style prints: a short piece of text that states a date, not one
# after an update label. The block ends where the article's text begins.
_HEADLINE_BLOCK_CHARS = 300
_HEADLINE_DATE_CHARS = 50  # "Publiziert: 03.04.2020, 12:35", not a sentence that names an event's date
_PROSE_CHARS = 100
# The date printed above the headline, as a kicker ("12.03.2021 | Politik"): the nearest texts before it in its
# containers, a few levels up (further out is the site's header, whose clock prints today's date).
_ABOVE_HEADLINE_CHARS = 150
_ABOVE_HEADLINE_LEVELS = 3
_CODE = ("script", "style", "noscript")  # their texts are code, never the byline's
_TEXTS = etree.XPath(f"descendant::text()[not({' or '.join(f'parent::{tag}' for tag in _CODE)})]")
# Elements named for a date, by a class that starts with the word ("post-date", "entry-date", "metainfo__date",
# "field-node-create-date", "timestamp", "fecha", Portuguese and Italian "data"), among the elements with a class
# after the headline; and the page's <article>s (another one than the headline's is a teaser).
_DATE_NAMES = re.compile(r"(?<![a-z])(?:date|datum|fecha|data|time|zeit|publi|posted|created?)", re.IGNORECASE)
_CLASSED_AFTER = etree.XPath("following::*[@class]")
_DATED_ELEMENTS = 10  # elements named for a date read after the headline
_ARTICLES = etree.XPath("//article")


def headline_date(headline: HtmlElement | None, reader: DateReader) -> date | None:
    """The date printed under the headline (found by find_headline), else just above it."""
    if headline is None:
        return None
    below = _headline_parts(headline, reader)
    return _first_date(below, reader) or _first_date(_parts_above(headline), reader)


def _first_date(parts: Iterable[str], reader: DateReader) -> date | None:
    """The first date the byline's parts state, but for one after an update's label."""
    label = ""  # a part without figures names the next one's ("Aktualisiert:")
    for part in parts:
        if not part.strip():
            continue  # what a separator leaves at a piece's end ("Aktualisiert |") is no part: the label holds
        found = reader.parse(part) if len(part) <= _HEADLINE_DATE_CHARS else None
        if found and not UPDATE.search(f"{label} {part}"):
            return found
        # a part with figures but no date it reads ("Updated Nov 19, 9:41 AM", without a year) is a stamp itself
        label = "" if found or any(char.isdigit() for char in part) else part
    return None


def _headline_parts(headline: HtmlElement, reader: DateReader) -> Iterator[str]:
    """The byline block's texts, each split where a byline separates its parts ("Anna | 3. März 2020 | Update: 5.
    März 2020"), up to the article's first long text."""
    for piece in _headline_block(headline, reader):
        if len(piece) >= _PROSE_CHARS:
            return
        yield from SEPARATORS.split(piece)


def _headline_block(headline: HtmlElement, reader: DateReader) -> Iterator[str]:
    """The texts that follow the headline in reading order (with the dates of data-date attributes and <time>s), up
    to _HEADLINE_BLOCK_CHARS: the headline's later siblings, then those of its containers. A long first text that
    repeats the page's description is the standfirst many sites set between the headline and the byline: it is passed
    over (a long first text that does not is the article's, which ends the byline block)."""
    budget = _HEADLINE_BLOCK_CHARS
    node = headline
    first = True
    while node is not None and node.tag not in ("body", "html"):
        for following in chain([node.tail], _texts_after(node, reader)):
            if following and (piece := following.strip()):
                standfirst, first = first and len(piece) >= _PROSE_CHARS and _is_standfirst(piece, reader), False
                if standfirst:
                    continue
                yield piece
                budget -= len(piece)
                if budget <= 0:
                    return
        node = node.getparent()


def _is_standfirst(piece: str, reader: DateReader) -> bool:
    return shares_most_words(words(piece), reader.description)


def _parts_above(headline: HtmlElement) -> list[str]:
    """The texts just above the headline in reading order, each split where a byline separates its parts, back to
    _ABOVE_HEADLINE_CHARS or to a long text (a teaser's or the menu's)."""
    pieces: list[str] = []
    budget = _ABOVE_HEADLINE_CHARS
    for piece in _texts_before(headline):
        budget -= len(piece)
        if len(piece) >= _PROSE_CHARS or budget < 0:
            break
        pieces.append(piece)
    return [part for piece in reversed(pieces) for part in SEPARATORS.split(piece)]


def _texts_before(headline: HtmlElement) -> Iterator[str]:
    """The texts before the headline, nearest first: its earlier siblings' and its containers' own, a few levels up;
    not those of elements marked as the last change."""
    node = headline
    for _ in range(_ABOVE_HEADLINE_LEVELS):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return
        for sibling in node.itersiblings(preceding=True):
            yield from _stripped([sibling.tail])
            yield from _stripped(
                t for t in reversed(_TEXTS(sibling)) if not (t.is_text and marked_as_update(t.getparent()))
            )
        yield from _stripped([parent.text])
        node = parent


def _stripped(texts: Iterable[str | None]) -> Iterator[str]:
    return (text.strip() for text in texts if text and text.strip())


def _texts_after(node: HtmlElement, reader: DateReader) -> Iterator[str | None]:
    """The texts of the node's later siblings in reading order, but for code, for a picture's caption (often set
    between the headline and the byline, its dates the picture's) and for those of elements marked as the last change
    (a hidden dateModified beside the visible date); a <time> gives its date as time_value reads it (a US
    "02/03/2020" it prints is read by its datetime)."""
    for sibling in node.itersiblings():
        walk = etree.iterwalk(sibling, events=("start", "end"))
        for event, el in walk:
            if event == "start" and el.tag == "figcaption":
                walk.skip_subtree()
            elif event == "start":
                yield el.get("data-date")
                yield None if el.tag in _CODE or marked_as_update(el) else _own_text(el, reader)
            elif el is not sibling:
                yield el.tail
        yield sibling.tail


def _own_text(el: HtmlElement, reader: DateReader) -> str | None:
    """The element's own text; a <time>'s date as time_value reads it, after its printed text where that names an
    update ("Updated Nov. 19, 2019 2019-11-19"): the label marks the last change."""
    if el.tag == "time" and el.get("datetime") and (found := time_value(el, reader)):
        printed = element_text(el)
        return f"{printed} {found.isoformat()}" if UPDATE.search(printed) else found.isoformat()
    return el.text


def dated_element(tree: HtmlElement, reader: DateReader, headline: HtmlElement | None) -> date | None:
    """The date an element named for it prints after the headline ("post-date", "metainfo__date", "entry-date
    published", "fecha"), where the byline block ends before it: not one of another article (a teaser), not one
    marked or labelled as the last change."""
    if headline is None:
        return None
    own = next(headline.iterancestors("article"), None)
    if own is None and len(articles := _ARTICLES(tree)) == 1:
        own = articles[0]  # the headline set above the page's one article
    named = (el for el in _CLASSED_AFTER(headline) if _DATE_NAMES.search(el.get("class")))
    for el in islice(named, _DATED_ELEMENTS):  # the byline's are among the first; a page of rows named so is long
        if next(el.iterancestors("article"), own) is not own:
            continue
        text = element_text(el)
        if len(text) > _HEADLINE_DATE_CHARS or not in_byline_area(el, headline) or is_update(el) or UPDATE.search(text):
            continue
        if found := reader.parse(text):
            return found
    return None


def in_byline_area(el: HtmlElement, headline: HtmlElement | None) -> bool:
    """Where the article's own byline stands (areas.byline_area), or in the footer of an <article> that holds the
    page's headline: blog themes print "Posted on <time>" in the post's own footer ("entry-meta", "entry-footer"),
    not in the site's."""
    area = byline_area(el)
    if area != 1:
        return area == 0
    footer = next(el.iterancestors("footer"), None)
    article = next(el.iterancestors("article"), None)
    if footer is None or article is None or article not in footer.iterancestors():
        return False
    between = takewhile(lambda node: node is not footer, el.iterancestors())
    if any(_beside_the_post(node) for node in between) or byline_area(footer) != 0:
        return False  # a menu, sidebar or related list in the footer, or the footer inside one
    return headline is not None and article in headline.iterancestors()


def _beside_the_post(node: HtmlElement) -> bool:
    """A menu, a sidebar, or a list of related posts or teasers, as themes set in a post's footer (readers' comments
    there byline_area already tells apart); the footer's own parts named for it ("entry-footer-meta") are the post's.
    """
    names = class_and_id(node)
    named = any(m[0].lower() != "footer" for m in NOT_BYLINE_AREA.finditer(names))
    return named or node.tag in ("nav", "aside")
