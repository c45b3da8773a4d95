"""Bylines written in the page's text: a short line that opens with a byline word ("By X", "Von X", "Autor: X"),
a label cell or an author word set apart before the name, and the text after a heading, a line break, an icon or a
date ("<h2>Title</h2> Posted by X under ...").

Many themes mark the byline with no class at all; its words, in the page's language, still say what it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.metadata.areas import byline_area, in_menu
from bot.pipeline.metadata.byline_lines import DATED_LINE, DATED_NAME, LINE_ENDS, byline_name, first_line
from bot.pipeline.metadata.byline_words import AUTHOR_NOUNS, BYLINE_LABEL, BYLINE_PREFIX, BYLINE_WORDS, DESK_LABEL
from bot.pipeline.metadata.markup import SCREEN_READER_ONLY, element_text, squash
from bot.pipeline.metadata.names import MAX_BYLINE

# A line that opens a byline, perhaps after a date: "Von Jane Doe", "12.03.2022 | Text: Jane Doe", "Autoren Jane Doe"
_BYLINE_START = re.compile(
    rf"^[\d\s.:/,|·-]*(?:(?i:{BYLINE_WORDS}\s*:?|{BYLINE_LABEL}\s*:|{DESK_LABEL})\s+\S"
    r"|(?i:autor|autorin|autoren|authors?)\s+[A-ZÄÖÜ])"
)
# A date, then the byline word: "Posted on May 3, 2020 by Jane Doe", "Veröffentlicht am 3. Mai 2020 von Jane Doe", a
# wiki's "(last edited 2019-11-10 13:28:18 by <a>JaneDoe</a>)" (the name in the next element)
_DATED_BYLINE = re.compile(
    r"^.{0,50}?(?:\b(?:19|20)\d\d|\d:\d\d)\b.{0,15}?\s(?:by|von|par|por|door)(?:\s+[^\W\d_]|$)", re.IGNORECASE
)
# The word that labels an author's name set apart from it (Yoast's "Written by" for Twitter cards, "<span>Autor</span>
# <a>Jane Doe</a>"): the author words only, not "Text" or "Interview", which also head a page's sections
AUTHOR_LABELS = re.compile(rf"^(?:written by|verfasst von|geschrieben von|escrito por|écrit par|authors"
                           rf"|{AUTHOR_NOUNS})\s*:?$", re.IGNORECASE)  # fmt: skip
_TEXT_BYLINE_TAGS = ("p", "span", "em", "i", "b", "strong", "small", "div", "li", "address", "h3", "h4", "h5", "h6",
                     "td", "font", "dt", "dd", "th")  # fmt: skip
# A term or header cell that labels the name in the next one: "<dt>Autor</dt><dd>Jane Doe</dd>"
_LABEL_CELL = re.compile(rf"^(?:{BYLINE_LABEL})\s*:?$", re.IGNORECASE)
_LABEL_BLOCK_DEPTH = 3  # the blocks around a label alone ("<div><p><b>By</b></p></div>") looked through
_MAX_TEXT_BYLINES = 8
# The words that open a publication's date before its byline, the date in an element of its own: "Posted on <time>...
# </time> by Jane Doe", "Veröffentlicht am <span>03.02.2022</span> von Jane Doe"
_PUBLISHED_ON = re.compile(
    r"^(?:posted|published|veröffentlicht|publiziert|erschienen|erstellt|publié|posté|publicado|postado|pubblicato"
    r"|geplaatst|gepubliceerd|opublikowano|publicerad)(?:\s+(?:on|am|le|el|em|il|op|den|dnia))?\s*:?$",
    re.IGNORECASE,
)
# A byline word alone after a separator, the name in the next element: "<span>01.12.2022</span> | von <a>Jane Doe</a>"
_BARE_BYLINE_WORD = re.compile(r"^[|·•,\s–—-]*(?:by|von|par|por|door|di|av|af|przez)\s*:?$", re.IGNORECASE)
# A date as a byline's line prints it: "01.12.2022", "2022-12-01", "1. Dez. 2022", "Dec. 1, 2022", "12/01/2022"
_DATE_TEXT = re.compile(
    r"\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{4}-\d\d-\d\d|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}\.?\s+[^\W\d_]{3,}\.?\s+\d{4}"
    r"|[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{4}"
)
_MAX_DATE_TEXT = 40
_SCREEN_READER_ONLY = re.compile(SCREEN_READER_ONLY, re.IGNORECASE)


def text_bylines(tree: HtmlElement) -> tuple[list[str], list[str]]:
    """Short visible lines that open with a byline word ("Von Jane Doe", "Autor: Jane Doe", "By Jane Doe"), by
    area (see byline_area); failing those, the page's one line of a date and a name ("11.12.2019 - Jane Doe":
    a list of such lines is a calendar)."""
    found: tuple[list[str], list[str]] = ([], [])
    body = next(tree.iter("body"), None)
    if body is None:
        return found
    dated: list[HtmlElement] = []
    for el in body.iter(*_TEXT_BYLINE_TAGS):
        own = squash(el.text)
        if not own or len(own) > MAX_BYLINE:
            continue
        if DATED_LINE.match(own):
            dated.append(el)
        # a term or header cell, or an element that holds nothing but the author word: the name follows it
        labels_cell = _LABEL_CELL.match(own) if el.tag in ("dt", "th") else _labels_alone(el, own)
        if not (labels_cell or _opens_byline(own)):
            continue
        text = first_line(el)
        if labels_cell or BYLINE_PREFIX.fullmatch(text):  # a label whose name follows it: "<h5>Autor:</h5>Jane Doe"
            if not (after := _text_after(el)):
                continue  # a label alone, as a menu's "Authors" is
            text = f"{text.rstrip(':')}: {after}"
        area = byline_area(el)
        if area == 1 and in_menu(el):  # a menu's section ("By Invitation") is no byline, even as a last resort
            continue
        if len(text) <= MAX_BYLINE and area is not None and (name := byline_name(text)):
            found[area].append(name)
        if sum(map(len, found)) >= _MAX_TEXT_BYLINES:
            break
    lone = squash(dated[0].text) if len(dated) == 1 and not any(found) else ""
    if DATED_NAME.match(lone) and (area := byline_area(dated[0])) is not None:
        found[area].append(byline_name(lone))
    return found


def _labels_alone(el: HtmlElement, own: str) -> bool:
    """The element holds an author word and nothing else: "<span>Autor</span> <a>Jane Doe</a>", "<b>Author</b><br>
    Jane Doe", "<td>Autor</td><td>Jane Doe</td>"."""
    return bool(AUTHOR_LABELS.match(own)) and len(el) == 0


def _opens_byline(text: str) -> bool:
    return bool(_BYLINE_START.match(text) or BYLINE_PREFIX.fullmatch(text) or _DATED_BYLINE.match(text))


def _text_after(el: HtmlElement) -> str:
    """The text that follows an element: its tail, else the next element's text, else the rest of its parent's, else
    that of the block after the blocks that hold the label alone."""
    if tail := squash(el.tail):
        return tail
    following = el.getnext()
    if following is not None and (text := element_text(following)):
        return text
    parent = el.getparent()
    if parent is None:
        return ""
    return element_text(parent).partition(element_text(el))[2] or _next_block_text(el)


def _next_block_text(el: HtmlElement) -> str:
    """A label alone in its blocks, the name in the next block: "<div><p><b>By</b></p></div><div><p>Jane Doe</p>
    </div>" (card layouts set each label and its value in blocks of their own). Only an author word or "By": a search
    form's "Von" is followed by its "bis"."""
    label, node = element_text(el), el
    if not (AUTHOR_LABELS.match(label) or label.rstrip(" :").lower() == "by"):
        return ""
    for _ in range(_LABEL_BLOCK_DEPTH):
        node = node.getparent()
        if node is None or node.tag in ("body", "html", "article", "main") or element_text(node) != label:
            return ""
        if (following := node.getnext()) is not None and (text := element_text(following)):
            return text
    return ""


def tail_bylines(tree: HtmlElement) -> Iterator[str]:
    """Bylines in the article's text after an element that starts a line: a heading, a line break or an icon
    ("<h2>Title</h2> Posted by Jane Doe under ...", "12.03.2022<br>Von Jane Doe", "<i class="icon-user"></i> Von
    Jane Doe"). Not in sidebars and footers, whose tails credit themes ("Theme by ...")."""
    body = next(tree.iter("body"), None)
    found = 0
    for el in body.iter(etree.Element) if body is not None else ():
        own = squash(el.tail)
        if not own or len(own) > MAX_BYLINE or not (_opens_byline(own) or _BARE_BYLINE_WORD.match(own)):
            continue
        if not _starts_line(el) or byline_area(el.getparent()) != 0:
            continue
        # the line may go on with the post's categories and tags: its start holds the name
        if name := byline_name(_tail_line(el)[:MAX_BYLINE]):
            yield name
            found += 1
            if found >= _MAX_TEXT_BYLINES:
                return


def _starts_line(el: HtmlElement) -> bool:
    """Text after this element starts a line: it ends a line (a break, a block), or it is an icon or a date that opens
    its parent (an element without text, a <time>, or an element that holds a date, with nothing before it:
    "<p><time>12.03.2022</time> von Jane Doe</p>", "<div><span>01. Dez. 2022 | 14:08 Uhr</span> | von <a>Jane
    Doe</a></div>")."""
    if el.tag in LINE_ENDS:
        return True
    parent = el.getparent()
    if parent is None or el.getprevious() is not None:
        return False
    if _PUBLISHED_ON.match(squash(parent.text)):  # "Posted on <a><time>May 3, 2020</time></a> by Jane Doe"
        return any(ch.isdigit() for ch in element_text(el))
    if squash(parent.text):
        return False
    text = element_text(el)
    return el.tag == "time" or not text or (len(text) <= _MAX_DATE_TEXT and bool(_DATE_TEXT.search(text)))


def _tail_line(el: HtmlElement) -> str:
    """The text after an element up to the next line break: its tail and the siblings that follow on that line (not
    text only screen readers read: "von Jane Doe <span class="sr-only">Magazine</span>")."""
    parts = [el.tail or ""]
    for sibling in el.itersiblings():
        if sibling.tag in LINE_ENDS or sum(map(len, parts)) > MAX_BYLINE:
            break
        hidden = _SCREEN_READER_ONLY.search(sibling.get("class") or "")
        parts += ["" if hidden else element_text(sibling), sibling.tail or ""]
    return squash(" ".join(parts))
