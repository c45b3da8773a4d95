"""The card's author: the people (or an author's handle) the page names as the article's writers.

What counts as a name is names.py's; this module ranks the candidates the page offers. Sources, best first: the
article's JSON-LD author (its @id references followed); the byline marked up in the article (rel=author,
itemprop=author, author/byline/hCard classes: marked_bylines.py) or a visible line there that opens with a byline word
("Von ...", "By ...", "Autor: ...", "Par ...", "door ...": text_bylines.py); the author meta tags (often the site's
owner rather than the article's writer); a signature closing the text (signatures.py); the agency credited in wire
copy (wire_credits.py); the same markup and lines in sidebars, menus and footers (areas.py tells them apart). Names in
comments never count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache, partial
from typing import Any

from lxml.html import HtmlElement

from bot.pipeline.metadata.areas import byline_area
from bot.pipeline.metadata.marked_bylines import author_page_links, marked_bylines
from bot.pipeline.metadata.markup import json_ld_objects, ld_name, ld_types, letters
from bot.pipeline.metadata.names import agency_names, dedupe, join_names, person_names, recased
from bot.pipeline.metadata.signatures import signatures
from bot.pipeline.metadata.text_bylines import AUTHOR_LABELS, tail_bylines, text_bylines
from bot.pipeline.metadata.wire_credits import closing_agency, dateline_agency

_AUTHOR_META = ("author", "article:author", "og:article:author", "byl", "parsely-author", "sailthru.author",
                "cxenseparse:author", "dc.creator", "dcterms.creator", "citation_author")  # fmt: skip
_INITIAL = re.compile(r"(?<![^\W\d_])[^\W\d_]\.")  # "J." of "J. I. da Silva"
_FAMILY_FIRST = re.compile(r"^([^\W\d_][\w'’-]+),\s*([^\W\d_][\w'’-]*\.?(?:\s+[^\W\d_][\w'’-]*\.?)?)$")
_WORK_TYPES = frozenset(("recipe", "howto", "discussionforumposting"))
_SIDEBARS = object()  # in the candidates, where those from sidebars, menus and footers begin


def find_author(ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement, site_name: str | None) -> str | None:
    """The first candidate that names people; failing any, the first outside sidebars that names a news agency (a
    teaser's "(dpa)" is another article's)."""
    wire: list[str] = []
    sidebars = False
    # the marked bylines, scanned at most once: a candidate from them or after them is checked against them again
    marked = cache(partial(marked_bylines, tree))
    for candidate in _author_candidates(ld, meta, tree, marked):
        if names := person_names(candidate, site_name):
            return join_names(_with_coauthors(names, marked()[0], site_name))
        sidebars = sidebars or candidate is _SIDEBARS
        wire = wire or ([] if sidebars else agency_names(candidate))
    return join_names(wire) if wire else None


def _with_coauthors(names: list[str], bylines: list[str], site_name: str | None) -> list[str]:
    """The article's visible byline where it names these people and more: JSON-LD and meta tags often carry only
    the first of several authors ("Jane Doe" for "Von Jane Doe, John Roe"). The byline may shorten the known ones
    to initials ("E. Barreneche / J. Da Silva" beside "Eduardo Barreneche"): their full names stay. A byline that a
    style sheet capitalises may be written in lower case in the page ("e. barreneche / J. I. da silva"): the names it
    shares with the structured data vouch for it, so it is read with its names capitalised; it adds only names
    written with initials as such bylines write them (after the known name, "e sua equipe" is "and his team", and
    capitalising "john mcdonald" would misspell him)."""
    for byline in bylines:
        found = person_names(byline, site_name)
        if not found:
            found = person_names(recased(byline), site_name)
            if not all(_INITIAL.search(f) or any(_same_person(k, f) for k in names) for f in found):
                continue
        if len(found) > len(names) and all(any(_same_person(k, f) for f in found) for k in names):
            return dedupe([next((k for k in names if _same_person(k, f)), f) for f in found])
    return names


def _same_person(full: str, shown: str) -> bool:
    """The same name, word by word, or shortened to initials ("E. Barreneche" for "Eduardo Barreneche"); two
    people of one family ("Jane Doe", "John Doe") stay two."""
    words, shown_words = full.lower().split(), shown.lower().split()
    if len(words) != len(shown_words):
        return False
    return all(a == b or _initial_of(a, b) for a, b in zip(words, shown_words, strict=True))


def _initial_of(word: str, initial: str) -> bool:
    letter = initial.rstrip(".")
    return len(letter) == 1 and word.startswith(letter)


def _author_candidates(
    ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement, marked: Callable[[], tuple[list[str], list[str]]]
) -> Iterator[Any]:
    """Possible bylines, best first; the costlier page scans run only when the cheap sources gave nothing. `marked`:
    the page's marked_bylines."""
    objects = list(json_ld_objects(tree))  # parsed once: for references and for works that are no article
    index = {obj["@id"]: obj for obj in objects if isinstance(obj.get("@id"), str)}
    author = _resolved(ld.get("author"), index)
    if not _names_the_outlet(author, _resolved(ld.get("publisher"), index)):
        yield _first_name_first(author)
    yield _resolved(ld.get("creator"), index)
    yield _resolved(_work_author(objects), index)
    yield from marked()[0]
    lines = text_bylines(tree)
    yield from lines[0]
    yield from tail_bylines(tree)  # a walk of every element: only when the cheaper scans found nothing
    yield from author_page_links(tree)
    yield from map(_first_name_first, _author_meta_values(tree, meta))
    # Yoast's "Written by" line for Twitter cards
    if AUTHOR_LABELS.match(meta.get("twitter:label1", "")):
        yield meta.get("twitter:data1")
    # a forum thread's opening post names its writer (<article class="message" data-author="...">, in a container
    # of replies); a quote's data-author names whom a post quotes, and a comment's is no byline
    posts = [el for el in tree.xpath("//*[@data-author]")[:5]
             if el.tag == "article" or (el.tag != "blockquote" and byline_area(el) == 0)]  # fmt: skip
    yield posts[0].get("data-author") if posts else None
    yield from signatures(tree)
    yield dateline_agency(tree)
    yield closing_agency(tree)
    yield _SIDEBARS
    yield from marked()[1]
    yield from lines[1]


def _names_the_outlet(author: Any, publisher: Any) -> bool:
    """The JSON-LD author is the publishing outlet by name ("Ultima Hora" for both); not a person who publishes their
    own site (a publisher typed Person, or one entity referenced as both)."""
    name = ld_name(publisher)
    if not (name and letters(name) and letters(str(ld_name(author))) == letters(name)):
        return False
    if isinstance(publisher, dict) and "person" in ld_types(publisher):
        return False
    same = isinstance(author, dict) and isinstance(publisher, dict) and author.get("@id")
    return not (same and author.get("@id") == publisher.get("@id"))


def _first_name_first(value: Any) -> Any:
    """A structured author's "Family, Given" as "Given Family" ("Doe, Jane"): catalogues and CMSs write names so, and
    split at the comma they read as two handles (a visible "Frankfurt, Germany" is read as written)."""
    if isinstance(value, list):
        return [_first_name_first(item) for item in value]
    match = _FAMILY_FIRST.match(value.strip()) if isinstance(value, str) else None
    # not an agency and its place ("PTI, Washington"), nor an acronym ("ABC, Sydney")
    if match and not any(agency_names(part) or (part.isupper() and len(part) <= 5) for part in match.groups()):
        return f"{match[2]} {match[1]}"
    return value


def _work_author(objects: list[dict[str, Any]]) -> Any:
    """The author of the page's recipe, how-to or forum thread in JSON-LD: works that are no article type."""
    return next((obj.get("author") for obj in objects if ld_types(obj) & _WORK_TYPES), None)


def _author_meta_values(tree: HtmlElement, meta: dict[str, str]) -> Iterator[list[str]]:
    """Every value of each author meta tag, in _AUTHOR_META's order: a piece by several writers often has a tag for
    each ("<meta name="parsely-author" content="Jane Doe"><meta name="parsely-author" content="John Roe">")."""
    values: dict[str, list[str]] = {key: [] for key in _AUTHOR_META if key in meta}
    if not values:
        return
    for el in tree.iter("meta"):
        # not microdata's itemprop beyond its first value (meta_tags' own): a shop's or a forum's reviews each carry one
        key = (el.get("name") or el.get("property") or "").strip().lower()
        if key in values and (content := (el.get("content") or "").strip()):
            values[key].append(content)
    yield from (values[key] or [meta[key]] for key in _AUTHOR_META if key in values)


def _resolved(value: Any, index: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, list):
        return [_resolved(v, index) for v in value[:10]]
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in index:
        return index[value["@id"]]
    return value
