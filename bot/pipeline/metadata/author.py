"""The card's author: the people (or an author's handle) the page names as the article's writers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.metadata.markup import (
    COMMENT_NAMES,
    SCREEN_READER_ONLY,
    calendar_names,
    class_and_id,
    element_text,
    is_home_link,
    json_ld_objects,
    ld_name,
    ld_types,
    letters,
    squash,
)
from bot.pipeline.metadata.names import (
    AUTHOR_NOUNS,
    BYLINE_LABEL,
    BYLINE_PREFIX,
    BYLINE_WORDS,
    DESK_LABEL,
    MAX_BYLINE,
    NAME_SPLIT,
    agency_names,
    dedupe,
    join_names,
    person_names,
    recased,
)

# What counts as a name is names.py's; this module finds the candidates on the page. Sources, best first: the
# article's JSON-LD author (its @id references followed); the byline marked up in the article (rel=author,
# itemprop=author, author/byline/hCard classes) or a visible line there that opens with a byline word ("Von ...",
# "By ...", "Autor: ...", "Par ...", "door ..."); the author meta tags (often the site's owner rather than the
# article's writer); the same markup and lines in sidebars, menus and footers. Names in comments never count.

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
# The byline word inside a longer line: "29. Juni 2017, 23:39 · von Tobi"
_BYLINE_INSIDE = re.compile(
    rf"(?:^|(?<=[\s,·|:]))(?:{BYLINE_WORDS}\s*:?|{BYLINE_LABEL}\s*:|{DESK_LABEL}"
    r"|(?:autor|autorin|autoren|authors?)(?=\s+[A-ZÄÖÜ]))"
    r"\s+(?=\S)",
    re.IGNORECASE,
)
# A date, then the name: "11.12.2019 - Jane Doe", "11. Dezember 2019 | Jane Doe", "December 11, 2019 · Jane Doe" (a
# meta line under a headline); the match ends where the name starts
_DATED_LINE = re.compile(
    r"^(?:\d{1,2}[./]\s?\d{1,2}[./]\s?\d{2,4}|\d{4}-\d\d-\d\d"
    r"|\d{1,2}\.?\s+[^\W\d_]{3,}\.?\s+\d{4}|[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{4})\s+[-|·–—]\s+"
)
_DATED_NAME = re.compile(_DATED_LINE.pattern + r"(?=(?:[^\W\d_][\w'’.-]*\s+){1,3}[^\W\d_][\w'’.-]*$)")
# Where the name ends: a date or time, "am"/"on"/"le" before one, a separator, a parenthesis.
_BYLINE_END = re.compile(
    r"\s+(?:am|on|le|el|il|em|op|den|updated|aktualisiert|veröffentlicht|published)\s+.*$|\s*[|·•(\[–—]\s*.*$|\s+-\s+.*$"
    r"|\s+(?:at|um|à|às|alle)\s+\d.*$"  # the time after the name: Blogger's "Posted by Jane Doe at 10:00 AM"
    # the post's category or place after the name: "Posted by Jane Doe in News", "von Tobi unter Allgemein"
    r"|\s+(?:in|under|unter|dans|nel|nella)\s+.*$|,?\s+special to\b.*$"  # "Jane Doe, Special to the Post"
    r"|\s*;\s*(?:editing|edited|writing|additional reporting) by\b.*$"  # wire copy's "Reporting by X; Editing by Y"
    r"|\s*(?<!\w)\d.*$|\s+(?:tags?|kategorie|category|foto|fotos|bild|illustration|photos?|zdjęcia|zdjęcie"
    r"|fotografie|fotografía|fotografia)\b.*$"
    # a byline box's links and notes after the name: "Jane Doe Full Bio LinkedIn", "Jane Doe Lesezeit 3 Min."
    r"|\s+(?:full bio|bio|linkedin|twitter|facebook|instagram|e-?mail|kontakt|contact|follow|folgen|alle artikel"
    r"|all (?:posts|articles|stories)|more (?:by|from)|mehr von|lesezeit|reading time|temps de lecture"
    r"|tiempo de lectura|tempo di lettura|leestijd)\b.*$",
    re.IGNORECASE,
)
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
# Class or id words of areas whose names are not the article's byline; a word of its own ("comment-list",
# "site-footer"), not the tail of a layout name ("layoutTwoColumnsRightSidebar").
NOT_BYLINE_AREA = re.compile(r"(?<![a-z])(?:sidebar|widget|related|teaser|recommend|listing|footer|menu|nav|share)",
                              re.IGNORECASE)  # fmt: skip
# ARIA roles of menus, whichever their class names ("<a role="menuitem" href="/contributors/jane-doe">Jane Doe</a>")
_MENU_ROLES = frozenset(("navigation", "menu", "menubar", "menuitem"))
# A picture's caption or credit (not a "credits" box of the article, nor a video teaser's "item-caption")
_CAPTION = re.compile(r"copyright|(?:photo|image|img|picture|bild|foto)[-_]?(?:credit|caption|source|quelle)"
                      r"|wp-caption|bildunterschrift|bildquelle", re.IGNORECASE)  # fmt: skip
# The word that labels an author's name set apart from it (Yoast's "Written by" for Twitter cards, "<span>Autor</span>
# <a>Jane Doe</a>"): the author words only, not "Text" or "Interview", which also head a page's sections
_AUTHOR_LABELS = re.compile(rf"^(?:written by|verfasst von|geschrieben von|escrito por|écrit par|authors"
                            rf"|{AUTHOR_NOUNS})\s*:?$", re.IGNORECASE)  # fmt: skip
# Elements that end a line of text: a break, or a block of its own
_LINE_ENDS = frozenset(("br", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "section",
                        "article", "header", "footer", "aside", "nav", "blockquote", "figure", "hr"))  # fmt: skip
_TEXT_BYLINE_TAGS = ("p", "span", "em", "i", "b", "strong", "small", "div", "li", "address", "h3", "h4", "h5", "h6",
                     "td", "font", "dt", "dd", "th")  # fmt: skip
# A term or header cell that labels the name in the next one: "<dt>Autor</dt><dd>Jane Doe</dd>"
_LABEL_CELL = re.compile(rf"^(?:{BYLINE_LABEL})\s*:?$", re.IGNORECASE)
_AUTHOR_META = ("author", "article:author", "og:article:author", "byl", "parsely-author", "sailthru.author",
                "cxenseparse:author", "dc.creator", "dcterms.creator", "citation_author")  # fmt: skip
_MAX_MARKED_TEXT = 200
_MAX_BYLINE_BOX = 1500  # an author box with a short bio is far shorter
_DATE_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
              "march", "april", "may", "june", "july", "august", "september", "october", "november",
              "december")  # fmt: skip
# A dateline: a place (and its state or country, as AP writes it), then the agency in parentheses, then a dash
# ("Frankfurt/Main (dpa) –", "SANTA FE, N.M. (AP) —")
_DATELINE = re.compile(r"^[^\W\d_][\w./' ,-]{0,40}?\s*\(([^()]{2,30})\)\s*[-–—:]")
_DATELINE_PARAGRAPHS = 5
# paragraphs whose text ends with a parenthesis (libxml2 tests them: 3x cheaper than reading each one's text)
_CLOSED_PARAGRAPHS = etree.XPath("//p[substring(normalize-space(), string-length(normalize-space())) = ')']")
_CLOSING_CREDIT = re.compile(r"[.!?\"“”»«]\s*\(([^()]{2,40})\)$")
# Links to an author's page, a path segment of its own before the page's: /author/jane-doe, /autor/, /autoren/,
# /auteur/, /autore/, the plurals of the Romance languages and Polish, a newsroom's /journalist(s)/ and
# /contributor(s)/, and /by/ ("/by/jane-doe"). Not /profile/, /people/ nor /user/: a site's account links and the
# people an article is about; nor an index ("/authors/").
# (libxml2 tests a few substrings of each href, each test about 0.05 ms on a large page; the path is
# checked on those few)
_AUTHOR_LINK_HREFS = etree.XPath(
    "//a/@href[contains(., '/aut') or contains(., '/by/') or contains(., '/journalist')"
    " or contains(., '/contributor')]",
    smart_strings=True,
)
_AUTHOR_PATH = re.compile(
    r"/(?:authors?|autor|autoren|auteur|auteurs|autore|autori|autores|autorzy|journalists?|contributors?|by)/[^/?#]"
)
_INITIAL = re.compile(r"(?<![^\W\d_])[^\W\d_]\.")  # "J." of "J. I. da Silva"
_FAMILY_FIRST = re.compile(r"^([^\W\d_][\w'’-]+),\s*([^\W\d_][\w'’-]*\.?(?:\s+[^\W\d_][\w'’-]*\.?)?)$")
_WORK_TYPES = frozenset(("recipe", "howto", "discussionforumposting"))
_SIDEBARS = object()  # in the candidates, where those from sidebars, menus and footers begin
_BYLINE_AREA_DEPTH = 6
_MAX_MARKED = 30  # elements marked as an author, in page order
_MAX_AUTHOR_LINKS = 300  # links to writers' pages looked at, menus' included
_MAX_LINKED_BYLINE = 300  # a byline of linked names with their roles; a bio is longer
_ENDS_WITH_JOINER = re.compile(r"(?:[,;&/+]|\b(?:and|und|et|y|e)\b)\s*$", re.IGNORECASE)
_MAX_NAMES_SET_APART = 5  # names in blocks of their own in one author box
_LABEL_BLOCK_DEPTH = 3  # the blocks around a label alone ("<div><p><b>By</b></p></div>") looked through
_MAX_TEXT_BYLINES = 8
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
_RIGHT_ALIGNED = etree.XPath(
    "//p[translate(@align, 'RIGHT', 'right') = 'right'"
    " or contains(translate(@style, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ ', 'abcdefghijklmnopqrstuvwxyz'), 'text-align:right')]"
)


def find_author(ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement, site_name: str | None) -> str | None:
    """The first candidate that names people; failing any, the first outside sidebars that names a news agency (a
    teaser's "(dpa)" is another article's)."""
    wire: list[str] = []
    sidebars = False
    for candidate in _author_candidates(ld, meta, tree):
        if names := person_names(candidate, site_name):
            return join_names(_with_coauthors(names, tree, site_name))
        sidebars = sidebars or candidate is _SIDEBARS
        wire = wire or ([] if sidebars else agency_names(candidate))
    return join_names(wire) if wire else None


def _with_coauthors(names: list[str], tree: HtmlElement, site_name: str | None) -> list[str]:
    """The article's visible byline where it names these people and more: JSON-LD and meta tags often carry only
    the first of several authors ("Jane Doe" for "Von Jane Doe, John Roe"). The byline may shorten the known ones
    to initials ("E. Barreneche / J. Da Silva" beside "Eduardo Barreneche"): their full names stay. A byline that a
    style sheet capitalises may be written in lower case in the page ("e. barreneche / J. I. da silva"): the names it
    shares with the structured data vouch for it, so it is read with its names capitalised; it adds only names
    written with initials as such bylines write them (after the known name, "e sua equipe" is "and his team", and
    capitalising "john mcdonald" would misspell him)."""
    for byline in _marked_bylines(tree)[0]:
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


def _author_candidates(ld: dict[str, Any], meta: dict[str, str], tree: HtmlElement) -> Iterator[Any]:
    """Possible bylines, best first; the costlier page scans run only when the cheap sources gave nothing."""
    objects = list(json_ld_objects(tree))  # parsed once: for references and for works that are no article
    index = {obj["@id"]: obj for obj in objects if isinstance(obj.get("@id"), str)}
    author = _resolved(ld.get("author"), index)
    if not _names_the_outlet(author, _resolved(ld.get("publisher"), index)):
        yield _first_name_first(author)
    yield _resolved(ld.get("creator"), index)
    yield _resolved(_work_author(objects), index)
    marked = _marked_bylines(tree)
    yield from marked[0]
    lines = _text_bylines(tree)
    yield from lines[0]
    yield from _tail_bylines(tree)  # a walk of every element: only when the cheaper scans found nothing
    yield from _author_page_links(tree)
    yield from map(_first_name_first, _author_meta_values(tree, meta))
    # Yoast's "Written by" line for Twitter cards
    if _AUTHOR_LABELS.match(meta.get("twitter:label1", "")):
        yield meta.get("twitter:data1")
    # a forum thread's opening post names its writer (<article class="message" data-author="...">, in a container
    # of replies); a quote's data-author names whom a post quotes, and a comment's is no byline
    posts = [el for el in tree.xpath("//*[@data-author]")[:5]
             if el.tag == "article" or (el.tag != "blockquote" and byline_area(el) == 0)]  # fmt: skip
    yield posts[0].get("data-author") if posts else None
    last = _last_paragraphs(tree)  # where a text closes: read by the three sign-off rules, gathered once
    yield _signature(last)
    yield _right_aligned_signature(tree)
    yield _sign_off(last)
    yield _closing_copyright(last)
    yield _dateline_agency(tree)
    yield _closing_agency(tree)
    yield _SIDEBARS
    yield from marked[1]
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


def _author_page_links(tree: HtmlElement) -> Iterator[str]:
    """The texts of links to an author's page in the article ("<a href="/author/jane-doe/">Jane Doe</a>"): themes that
    mark the byline with neither a class nor rel=author still link it there. Links joined by "," "&" or "and" are one
    byline of coauthors, first ("<a>Jane Doe</a>, <a>John Roe</a> & <a>Max Roe</a>")."""
    links = [href.getparent() for href in _AUTHOR_LINK_HREFS(tree) if _AUTHOR_PATH.search(href)]
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


def _dateline_agency(tree: HtmlElement) -> list[str]:
    """The agency in the dateline that opens wire copy: "Berlin (dpa) - ...", "WASHINGTON (Reuters) -" (only an
    agency: a newspaper there is the site's own, "Berlin (Berliner Morgenpost) -")."""
    for el in tree.xpath("//p")[:_DATELINE_PARAGRAPHS]:
        if (match := _DATELINE.match(element_text(el))) and byline_area(el) == 0:
            return agency_names(match[1])
    return []


def _closing_agency(tree: HtmlElement) -> list[str]:
    """The agencies in the credit that closes wire copy's last paragraph: "... hieß es. (FR mit dpa)", "(APA)"."""
    for el in reversed(_CLOSED_PARAGRAPHS(tree)):
        match = _CLOSING_CREDIT.search(element_text(el))
        if match and (agencies := agency_names(match[1])) and byline_area(el) == 0:
            return agencies
    return []


def _resolved(value: Any, index: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, list):
        return [_resolved(v, index) for v in value[:10]]
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in index:
        return index[value["@id"]]
    return value


def byline_area(el: HtmlElement) -> int | None:
    """0 for the article's own byline; 1 inside a sidebar, a menu, a teaser of another article or a footer (where
    the article's byline is sometimes set, and names of other articles' authors often are); None in comments and
    in a picture's caption or credit (a photographer's name, "Quelle: Jane Doe").

    Only the few containers nearest the name count, up to the article: page-wide wrappers are named after the
    layout ("with-navigation", "one-sidebar") and say nothing about where the name stands.
    """
    if _CAPTION.search(class_and_id(el)):
        return None
    area = 1 if el.get("role") in _MENU_ROLES else 0
    for depth, node in enumerate(el.iterancestors()):
        if node.tag in ("body", "html", "article", "main") or depth >= _BYLINE_AREA_DEPTH:
            break
        names = class_and_id(node)
        if COMMENT_NAMES.search(names) or node.tag in ("figure", "figcaption") or _CAPTION.search(names):
            return None
        if _outside_the_article(node, names):
            area = 1
    return area


def _outside_the_article(node: HtmlElement, names: str) -> bool:
    """A menu, a sidebar, a footer, or a link to another article's teaser."""
    if node.tag in ("nav", "aside", "footer") or node.get("role") in _MENU_ROLES or NOT_BYLINE_AREA.search(names):
        return True
    return node.tag == "a" and _links_a_teaser(node)


def _links_a_teaser(link: HtmlElement) -> bool:
    """The link around a byline holds lines of more than the byline, and leads elsewhere than to a writer's page:
    another article's teaser, its title and its writer ("<a href="/other"><p>Title</p><span>von Jane Doe</span>
    </a>")."""
    return any(child.tag in _LINE_ENDS for child in link) and not _AUTHOR_PATH.search(link.get("href") or "")


def _marked_bylines(tree: HtmlElement) -> tuple[list[str], list[str]]:
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
        return _byline_name(squash(text)[:_MAX_MARKED_TEXT])
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
    name = _byline_name(text[:_MAX_MARKED_TEXT])
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


def _text_bylines(tree: HtmlElement) -> tuple[list[str], list[str]]:
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
        if _DATED_LINE.match(own):
            dated.append(el)
        # a term or header cell, or an element that holds nothing but the author word: the name follows it
        labels_cell = _LABEL_CELL.match(own) if el.tag in ("dt", "th") else _labels_alone(el, own)
        if not (labels_cell or _opens_byline(own)):
            continue
        text = _first_line(el)
        if labels_cell or BYLINE_PREFIX.fullmatch(text):  # a label whose name follows it: "<h5>Autor:</h5>Jane Doe"
            if not (after := _text_after(el)):
                continue  # a label alone, as a menu's "Authors" is
            text = f"{text.rstrip(':')}: {after}"
        area = byline_area(el)
        if len(text) <= MAX_BYLINE and area is not None and (name := _byline_name(text)):
            found[area].append(name)
        if sum(map(len, found)) >= _MAX_TEXT_BYLINES:
            break
    lone = squash(dated[0].text) if len(dated) == 1 and not any(found) else ""
    if _DATED_NAME.match(lone) and (area := byline_area(dated[0])) is not None:
        found[area].append(_byline_name(lone))
    return found


def _labels_alone(el: HtmlElement, own: str) -> bool:
    """The element holds an author word and nothing else: "<span>Autor</span> <a>Jane Doe</a>", "<b>Author</b><br>
    Jane Doe", "<td>Autor</td><td>Jane Doe</td>"."""
    return bool(_AUTHOR_LABELS.match(own)) and len(el) == 0


def _opens_byline(text: str) -> bool:
    return bool(_BYLINE_START.match(text) or BYLINE_PREFIX.fullmatch(text) or _DATED_BYLINE.match(text))


def _tail_bylines(tree: HtmlElement) -> Iterator[str]:
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
        if name := _byline_name(_tail_line(el)[:MAX_BYLINE]):
            yield name
            found += 1
            if found >= _MAX_TEXT_BYLINES:
                return


def _starts_line(el: HtmlElement) -> bool:
    """Text after this element starts a line: it ends a line (a break, a block), or it is an icon or a date that opens
    its parent (an element without text, a <time>, or an element that holds a date, with nothing before it:
    "<p><time>12.03.2022</time> von Jane Doe</p>", "<div><span>01. Dez. 2022 | 14:08 Uhr</span> | von <a>Jane
    Doe</a></div>")."""
    if el.tag in _LINE_ENDS:
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
        if sibling.tag in _LINE_ENDS or sum(map(len, parts)) > MAX_BYLINE:
            break
        hidden = _SCREEN_READER_ONLY.search(sibling.get("class") or "")
        parts += ["" if hidden else element_text(sibling), sibling.tail or ""]
    return squash(" ".join(parts))


def _signature(last: list[HtmlElement]) -> str | None:
    """A name that signs off the text: the last paragraph of a block of prose, set apart (emphasised, or the name
    above a role on a line of its own: "<p>Kazim Türkmen<br>Bundesvorsitzender</p>")."""
    for el in last:
        if not _after_prose(el):
            continue
        name = _first_line(el)
        if len(name) <= _MAX_SIGNATURE and (name != element_text(el) or _emphasised(el)):
            return name
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


def _right_aligned_signature(tree: HtmlElement) -> str | None:
    """A name set to the right under a paragraph of prose, as letters and older pages sign off, notes may follow it
    ("<p align="right"><em>Jane Doe</em></p><p>(1) Source: ...</p>")."""
    for el in _RIGHT_ALIGNED(tree):
        if not _after_prose(el):
            continue
        if len(name := _first_line(el)) <= _MAX_SIGNATURE and person_names(name):
            return name
    return None


def _emphasised(el: HtmlElement) -> bool:
    """All the paragraph's text is inside emphasis (<em>, <i>, <b>, <strong>)."""
    own = squash(el.text) or any(squash(child.tail) for child in el)
    return not own and len(el) == 1 and el[0].tag in ("em", "i", "b", "strong")


def _first_line(el: HtmlElement) -> str:
    """The element's text up to its first line break: a byline's name, not the dateline set under it."""
    parts: list[str] = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if node.tag == "br":
            break
        if event == "start" and isinstance(node.tag, str):
            parts.append(node.text or "")
        elif event == "end" and node is not el:
            parts.append(node.tail or "")
    return squash(" ".join(parts))


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
    if not (_AUTHOR_LABELS.match(label) or label.rstrip(" :").lower() == "by"):
        return ""
    for _ in range(_LABEL_BLOCK_DEPTH):
        node = node.getparent()
        if node is None or node.tag in ("body", "html", "article", "main") or element_text(node) != label:
            return ""
        if (following := node.getnext()) is not None and (text := element_text(following)):
            return text
    return ""


def _byline_name(text: str) -> str:
    """The name part of a byline text: "29. Juni 2017 · von Tobi" gives "Tobi"; "By Rob Picheta, CNN" gives
    "Rob Picheta, CNN" (the outlet is dropped later); "Jeff Foust Monday, November 18, 2019" gives "Jeff Foust"."""
    match = _BYLINE_INSIDE.search(text) or _DATED_NAME.match(text)
    name = text[match.end() :] if match else text
    return _BYLINE_END.sub("", _date_after_name().sub("", name)).strip(" ,.:;-–—|·)")


@cache
def _date_after_name() -> re.Pattern[str]:
    """A written date after a name, from its weekday or month on ("Monday, November 18", "Mittwoch, 1. März"): the
    full names of weekdays and months in the main languages of the web, from dateparser's locale data."""
    languages = ("en", "de", "fr", "es", "it", "pt", "nl")
    words = {w for code in languages for w, _ in calendar_names(code, _DATE_KEYS) if len(w) >= 4 and w.isalpha()}
    names = "|".join(sorted(words, key=len, reverse=True))
    on = r"(?:(?:am|on|le|el|il|em|op|den|the)\s+)?"  # "Jane Doe on November 18, 2019"
    return re.compile(rf"\s+{on}(?:{names})\b[\s,.]*(?:(?:{names})\b[\s,.]*)?\d.*$", re.IGNORECASE)
