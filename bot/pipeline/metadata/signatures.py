"""Names that sign off the article's text: a signature set apart under the prose, a name set to the right, a closing
greeting's ("Euer Tobi", "Cheers, Sam"), the rights line that closes the text ("© 2019 Jane Doe").

Blogs, letters and forum posts often carry no byline at all; their writer signs at the end instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.metadata.areas import byline_area
from bot.pipeline.metadata.byline_lines import first_line
from bot.pipeline.metadata.markup import element_text, squash
from bot.pipeline.metadata.names import person_names

# A signature: the last paragraph of its block, after a paragraph of prose at least this long.
_SIGNED_PROSE = 40
_MAX_SIGNATURE = 60
_SIGN_OFF = re.compile(
    r"^(?:euer|eure|dein|deine|(?:liebe|viele|beste|herzliche|sonnige) gr(?:ü|ue)(?:ß|ss)e|lg|cheers|best|regards"
    r"|best regards|kind regards|yours|bises|amitiés|cordialement|saludos|un abrazo|abraços)[\s,.!:]+(\S.*)$",
    re.IGNORECASE,
)
# The rights line that closes an article's text: "© 2019 Jane Doe", "(c) Jane Doe", "Copyright 2019 by Jane Doe"
_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright)\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?)?[\s,]*(?:by\s+)?(\S.*)$",
                        re.IGNORECASE)  # fmt: skip
_RIGHT_ALIGNED = etree.XPath(
    "//p[translate(@align, 'RIGHT', 'right') = 'right'"
    " or contains(translate(@style, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ ', 'abcdefghijklmnopqrstuvwxyz'), 'text-align:right')]"
)


def signatures(tree: HtmlElement) -> Iterator[str | None]:
    """The names that may sign off the article's text, best first: a signature set apart, a name set to the right, a
    closing greeting's, the closing rights line's."""
    last = _last_paragraphs(tree)  # where a text closes: read by the three sign-off rules, gathered once
    yield _signature(last)
    yield _right_aligned_signature(tree)
    yield _sign_off(last)
    yield _closing_copyright(last)


def _signature(last: list[HtmlElement]) -> str | None:
    """A name that signs off the text: the last paragraph of a block of prose, set apart (emphasised, or the name
    above a role on a line of its own: "<p>Kazim Türkmen<br>Bundesvorsitzender</p>")."""
    for el in last:
        if not _after_prose(el):
            continue
        name = first_line(el)
        if len(name) <= _MAX_SIGNATURE and (name != element_text(el) or _emphasised(el)):
            return name
    return None


def _right_aligned_signature(tree: HtmlElement) -> str | None:
    """A name set to the right under a paragraph of prose, as letters and older pages sign off, notes may follow it
    ("<p align="right"><em>Jane Doe</em></p><p>(1) Source: ...</p>")."""
    for el in _RIGHT_ALIGNED(tree):
        if not _after_prose(el):
            continue
        if len(name := first_line(el)) <= _MAX_SIGNATURE and person_names(name):
            return name
    return None


def _sign_off(last: list[HtmlElement]) -> str | None:
    """The name after a closing greeting in the last paragraph of a block: "Euer Tobi", "Liebe Grüße, Anna",
    "Cheers, Sam" (a blog's or a forum post's sign-off)."""
    for el in last:
        text = element_text(el)
        if len(text) <= _MAX_SIGNATURE and (match := _SIGN_OFF.match(text)) and byline_area(el) == 0:
            return match[1]
    return None


def _closing_copyright(last: list[HtmlElement]) -> str | None:
    """The rights holder in the last paragraph of the article's text, right after its prose ("<p>...</p><p>© 2019
    Jane Doe</p>"): the text's writer (a footer's copyright names the site's owner, and is not read)."""
    for el in last:
        if not _after_prose(el):
            continue
        text = element_text(el)
        if len(text) <= _MAX_SIGNATURE and (match := _COPYRIGHT.match(text)):
            return match[1]
    return None


def _after_prose(el: HtmlElement) -> bool:
    """The paragraph follows a paragraph of prose in the article: where a signature or a closing line stands."""
    prose = el.getprevious()
    return prose is not None and prose.tag == "p" and len(element_text(prose)) >= _SIGNED_PROSE and byline_area(el) == 0


def _last_paragraphs(tree: HtmlElement) -> list[HtmlElement]:
    """The last paragraph of each block of paragraphs, in page order."""
    blocks = dict.fromkeys(p.getparent() for p in tree.iter("p"))  # one pass, whatever the size
    lasts = (next((c for c in reversed(block) if c.tag == "p"), None) for block in blocks if block is not None)
    return [el for el in lasts if el is not None]


def _emphasised(el: HtmlElement) -> bool:
    """All the paragraph's text is inside emphasis (<em>, <i>, <b>, <strong>)."""
    own = squash(el.text) or any(squash(child.tail) for child in el)
    return not own and len(el) == 1 and el[0].tag in ("em", "i", "b", "strong")
