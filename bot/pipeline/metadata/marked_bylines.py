"""Bylines marked up as such: elements marked as the author (class, id, itemprop, rel=author, RDFa, hCard) and links
to an author's page.

Themes mark the byline in many ways; an element's text is read as a byline box, which often goes on after the name
with a date, links, a bio or an avatar's initials, so the name is cut out of it here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.metadata.areas import AUTHOR_PATH, byline_area
from bot.pipeline.metadata.byline_lines import byline_name
from bot.pipeline.metadata.byline_words import BYLINE_PREFIX
from bot.pipeline.metadata.markup import COMMENT_NAMES, element_text, is_home_link, squash
from bot.pipeline.metadata.names import MAX_BYLINE, NAME_SPLIT, agency_names, person_names

# Classes of elements that hold the byline; "fn" only as a class of its own (hCard), not inside other names.
# (not "authority", "autoridad", "authorization": a tag or a permission, "tag-housing-authority")
_AUTHOR_CLASS = re.compile(r"author(?!i[tsz])|byline|autor(?!i[dtsz]|y)|auteur|writer|verfasser|(?<![\w-])fn(?![\w-])",
                           re.IGNORECASE)  # fmt: skip
# microdata's and RDFa's author properties (schema.org, Dublin Core)
_AUTHOR_PROPERTIES = frozenset(("author", "creator", "schema:author", "dc:creator", "dcterms:creator"))
_AUTHOR_ID = re.compile(r"author(?!i[tsz])", re.IGNORECASE)
# What those two can match, in ASCII lower case; and the page's class and id values (plain strings: no proxies)
_AUTHOR_WORDS = re.compile(rb"author|byline|autor|auteur|writer|verfasser|fn")
_CLASS_AND_ID_VALUES = etree.XPath("descendant-or-self::*/@class | descendant-or-self::*/@id", smart_strings=False)
# Links that may lead to an author's page, whose path areas.AUTHOR_PATH checks (libxml2 tests a few substrings of
# each href, each test about 0.05 ms on a large page; the path is checked on those few)
_AUTHOR_LINK_HREFS = etree.XPath(
    "//a/@href[contains(., '/aut') or contains(., '/by/') or contains(., '/journalist')"
    " or contains(., '/contributor')]",
    smart_strings=True,
)
_MAX_MARKED_TEXT = 200
_MAX_BYLINE_BOX = 1500  # an author box with a short bio is far shorter
_MAX_MARKED = 30  # elements marked as an author, in page order
_MAX_AUTHOR_LINKS = 300  # links to writers' pages looked at, menus' included
_MAX_LINKED_BYLINE = 300  # a byline of linked names with their roles; a bio is longer
_ENDS_WITH_JOINER = re.compile(r"(?:[,;&/+]|\b(?:and|und|et|y|e)\b)\s*$", re.IGNORECASE)
_MAX_NAMES_SET_APART = 5  # names in blocks of their own in one author box


def marked_bylines(tree: HtmlElement) -> tuple[list[str], list[str]]:
    """Texts of elements marked up as the author (an inner itemprop=name or a content attribute preferred), by
    area (see byline_area). Names marked one by one side by side ("Von <a rel=author>Jane Doe</a> und <a
    rel=author>John Roe</a>") also count together, first: one byline of coauthors."""
    found: tuple[list[str], list[str]] = ([], [])
    runs: list[list[str]] = []  # names in the article, a run for those joined by "und", ",", "&" between elements
    previous: HtmlElement | None = None
    wire: HtmlElement | None = None  # the last element that named a news agency
    for el in _author_elements(tree):
        area = byline_area(el)
        if area is None or is_home_link(el):
            continue
        name = _marked_name(el)
        if not name or (wire is not None and el.getprevious() is wire and " " not in name and name[0].isupper()):
            continue  # the dateline's place marked beside the agency: "<span>PTI</span><span>Washington</span>"
        wire = el if agency_names(name) else None
        found[area].append(name)
        if area == 0 and runs and _joined(previous, el):
            runs[-1].append(name)
        elif area == 0:
            runs.append([name])
        previous = el
    if together := next((run for run in runs if len(run) > 1), None):
        found[0][:0] = [", ".join(together)]
    return found


def _joined(previous: HtmlElement | None, el: HtmlElement) -> bool:
    """The element follows the previous one with only a joining word between: "<a>Jane Doe</a> und <a>John Roe</a>"."""
    return previous is not None and el.getprevious() is previous and bool(NAME_SPLIT.fullmatch(previous.tail or ""))


def _marked_name(el: HtmlElement) -> str:
    """The name in an element marked as the author: an inner itemprop=name or a content attribute, else its text.

    A byline box may go on after the name ("Jane Doe, 21. Jan. 2015 ...", "Jane Doe Alle Artikel Kontakt"): its
    start is kept; where the box's first piece of text is a name that the rest does not add names to, that piece.
    """
    named = el.xpath('.//*[@itemprop="name"]')
    if named or el.get("content"):
        text = (named[0].get("content") or _name_text(named[0])) if named else el.get("content")
        return byline_name(squash(text)[:_MAX_MARKED_TEXT])
    text = _name_text(el)
    if len(text) > _MAX_BYLINE_BOX:  # a whole post whose wrapper's class names its author, not a byline box
        return ""
    pieces = [piece for t in el.itertext() if (piece := squash(t))]
    avatars = {i for i, piece in enumerate(pieces) if _initials_of(piece, pieces[i + 1 : i + 2])}
    named = [piece for i, piece in enumerate(pieces) if i not in avatars]
    if avatars:  # an avatar's letters before each name: "<div>JD</div><div>Jane Doe</div>"
        # each name in a block of its own, each with its avatar (a place or section after one has none: "New York")
        each = all(i - 1 in avatars for i in range(len(pieces)) if i not in avatars)
        if each and 1 < len(named) <= _MAX_NAMES_SET_APART and all(_full_name(piece) for piece in named):
            return ", ".join(named)
        text = " ".join(named)
    name = byline_name(text[:_MAX_MARKED_TEXT])
    first = named[0] if named else ""
    rest = name[len(first) :] if first != name and name.startswith(first) else ""
    if rest[:1].isspace() and not NAME_SPLIT.match(rest) and person_names(first):
        return first
    if not person_names(name) and (linked := _linked_names(el, text)):
        return ", ".join(linked)
    return name


def _linked_names(el: HtmlElement, text: str) -> list[str]:
    """The names linked in a byline whose writers' roles follow them: "<a>Jane Doe</a>, Staff Attorney, Racial
    Justice Program & <a>John Roe</a>, Director of Education Equity". Each link opens the box (after a byline word)
    or follows a joining word; a bio that mentions people in its sentences is no such byline."""
    if len(text) > _MAX_LINKED_BYLINE:
        return []
    names: list[str] = []
    at = 0
    for link in el.iter("a"):
        link_text = element_text(link)
        if not _full_name(link_text) or (found := text.find(link_text, at)) < 0:
            continue
        before = text[at:found].strip()
        if not (_ENDS_WITH_JOINER.search(before) if names else _opens_names(before)):
            return []
        names.append(link_text)
        at = found + len(link_text)
    return names


def _opens_names(before: str) -> bool:
    return not before or bool(BYLINE_PREFIX.fullmatch(before))


def _initials_of(piece: str, following: list[str]) -> bool:
    """The piece is the initials of the name after it ("JD" before "Jane Doe"): an avatar drawn from letters."""
    if not (2 <= len(piece) <= 3 and piece.isalpha() and piece.isupper() and following):
        return False
    return piece == "".join(word[0] for word in following[0].split() if word[0].isupper())


def _full_name(piece: str) -> bool:
    return " " in piece and person_names(piece) == [piece]


def _name_text(el: HtmlElement) -> str:
    """The element's text, its pieces joined by spaces except inside a word that markup splits ("Will Knigh<span
    class="last-letter">t</span>")."""
    out = ""
    for piece in el.itertext():
        if out and piece and not out[-1].isspace() and out[-1].isalpha() and piece[0].islower():
            out += piece
        else:
            out += " " + piece
    return squash(out)


def _author_elements(tree: HtmlElement) -> Iterator[HtmlElement]:
    """Elements marked up as the author, in page order, outside comments.

    libxml2 selects the candidates. Its tests of every element cost as much as a Python walk unless they are plain
    substring tests of attribute nodes (a case-insensitive one, with translate(), costs 3x the walk), so the page's
    own spellings of the author words ("author", "Author", "byLine") are looked up first and only those are tested:
    a quarter of the walk's time, the same elements."""
    found = 0
    for el in _author_selection(_author_spellings(tree))(tree):
        classes, ident = el.get("class") or "", el.get("id") or ""
        marked = (_AUTHOR_CLASS.search(classes) or _AUTHOR_ID.search(ident) or "author" in (el.get("rel") or "").split()
                  or not _AUTHOR_PROPERTIES.isdisjoint((el.get("itemprop") or "").split())
                  or el.get("property") in _AUTHOR_PROPERTIES
                  or el.tag == "byline")  # fmt: skip
        if not marked or el.tag in ("meta", "link", "body", "html", "article") or COMMENT_NAMES.search(classes + ident):
            continue
        yield el
        found += 1
        if found >= _MAX_MARKED:
            return


def _author_spellings(tree: HtmlElement) -> tuple[str, ...]:
    """The spellings of the author words in the page's class and id values, as the page writes them."""
    values = "\n".join(_CLASS_AND_ID_VALUES(tree))
    # ASCII lower case keeps every position (each other character becomes one "?"), so a match's span is the page's
    folded = values.encode("ascii", "replace").lower()
    return tuple(sorted({values[m.start() : m.end()] for m in _AUTHOR_WORDS.finditer(folded)}))


@lru_cache(maxsize=256)
def _author_selection(spellings: tuple[str, ...]) -> etree.XPath:
    """Elements whose class holds one of these spellings, or whose id holds a spelling of "author", or with
    rel=author or an author property (itemprop, RDFa property), and <byline>: a superset of what _AUTHOR_CLASS and
    _AUTHOR_ID match (spellings are ASCII letters, safe inside the quotes)."""
    classes = " or ".join(f"contains(.,'{s}')" for s in spellings) or "false()"
    ids = " or ".join(f"contains(.,'{s}')" for s in spellings if s.lower() == "author") or "false()"
    return etree.XPath(
        f"descendant-or-self::*/@class[{classes}]/.. | descendant-or-self::*/@id[{ids}]/.."
        # rel and itemprop hold lists of words ("author external", "author creator"): substrings here, words in Python
        " | descendant-or-self::*/@rel[contains(., 'author')]/.."
        " | descendant-or-self::*/@itemprop[contains(., 'author') or contains(., 'creator')]/.."
        " | descendant-or-self::*/@property[.='author' or .='schema:author' or .='dc:creator'"
        " or .='dcterms:creator']/.."
        " | descendant-or-self::byline"
    )


def author_page_links(tree: HtmlElement) -> Iterator[str]:
    """The texts of links to an author's page in the article ("<a href="/author/jane-doe/">Jane Doe</a>"): themes that
    mark the byline with neither a class nor rel=author still link it there. Links joined by "," "&" or "and" are one
    byline of coauthors, first ("<a>Jane Doe</a>, <a>John Roe</a> & <a>Max Roe</a>")."""
    links = [href.getparent() for href in _AUTHOR_LINK_HREFS(tree) if AUTHOR_PATH.search(href)]
    # a menu of the site's columnists may come first, with dozens of such links: those in the article are counted
    texts: list[str] = []
    runs: list[list[str]] = []
    previous: HtmlElement | None = None
    for el in links[:_MAX_AUTHOR_LINKS]:
        if byline_area(el) == 0 and (text := element_text(el)) and len(text) <= MAX_BYLINE:
            texts.append(text)
            if runs and _joined(previous, el):
                runs[-1].append(text)
            else:
                runs.append([text])
            previous = el
            if len(texts) >= _MAX_MARKED:
                break
    if together := next((run for run in runs if len(run) > 1), None):
        yield ", ".join(together)
    yield from texts
