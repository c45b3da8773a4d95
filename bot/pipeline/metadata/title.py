"""The card's title: the headline a reader sees on the page, without the site's name and sections."""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from bot.pipeline.metadata.markup import (
    DOMAIN,
    SCREEN_READER_ONLY,
    SEPARATORS,
    article_json_ld,
    class_and_id,
    element_text,
    is_home_link,
    ld_text,
    letters,
    meta_tags,
    squash,
    unescaped,
)
from bot.pipeline.sentences import split_sentences

# The card shows the headline a reader sees on the page: its <h1>, unless that is the site's logo, a menu or a
# widget. The declared titles (JSON-LD, og:title, <title>) are often a shorter social or search variant, or
# carry the site's name; they decide between several <h1>s, and are the title only when no heading will do.

_TITLE_SPLIT = re.compile(f"({SEPARATORS.pattern})")
_LOOSE_SEPARATORS = " |-–—·•:»«›‹~│"  # left dangling at either end ("Headline -")
_SITE_PREFIX = re.compile(r"^([^:]{2,60}?):\s+(?=\S)")
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go"}
_MAX_HEADLINE = 250
# Containers and classes of headings that are page furniture: the logo, menus, sidebars, widgets, hidden labels.
_FURNITURE_HEADING = re.compile(
    r"(?<![a-z])(?:logo|brand|masthead|site-?(?:title|name)|sitename|menu|nav|side-?bar|sidepanel|widget"
    rf"|{SCREEN_READER_ONLY}|footer)",
    re.IGNORECASE,
)
_FURNITURE_CONTAINERS = {"nav", "aside", "footer"}
# A kicker (German "Dachzeile") set inside the <h1> above the headline proper.
_KICKER = re.compile(
    r"kicker|dachzeile|spitzmarke|overline|topline|roofline|eyebrow|pretitle|supertitle|toptitle|top-title"
    r"|sub-?headline|sub-?heading|(?<![a-z])(?:label|flag)",
    re.IGNORECASE,
)
_ARTICLE_CLASS = re.compile(r"article|entry|post|story|content", re.IGNORECASE)
_PAGE_HEADER = re.compile(r"(?<![a-z])(?:header|masthead|banner|top)(?![a-z])", re.IGNORECASE)
# A title part that is a time stamp ("06.11.2023, 11.41 Uhr") or an archive's name, not the headline.
_STAMP = re.compile(r"^[\d\s.,:/-]+(?:uhr|h|am|pm)?$|^(?:blog )?archiv(?:e|es)?$", re.IGNORECASE)
_TRUNCATED = ("...", "…")
# Titles longer than this may hold a second sentence that is no headline's (the labelled one-sentence headlines of
# the metadata set's tuning pages reach 175 characters; none longer than 150 holds a second sentence)
_LONG_TITLE = 150
_MIN_FIRST_SENTENCE = 30
_WORD = re.compile(r"\w+")
_HAS_LETTER = re.compile(r"[^\W\d_]")


def find_title(
    tree: HtmlElement, meta: dict[str, str], ld: dict[str, Any], site_name: str | None, url: str | None
) -> str | None:
    declared = [unescaped(t) for t in (ld_text(ld.get("headline")), meta.get("og:title"),
                                        meta.get("twitter:title"), _title_tag(tree)) if t and squash(t)]  # fmt: skip
    # a logo heading names the site where no metadata does
    site = site_name or next((element_text(el) for el in tree.iter("h1") if is_home_link(el)), None)
    cleaned = [clean_title(_untruncated(t, declared), site, url) for t in declared]
    title = _headline(tree, cleaned, site, url) or (cleaned[0] if cleaned else None)
    return _first_sentence(title) if title and len(title) > _LONG_TITLE else title


def _first_sentence(title: str) -> str:
    """A title that runs on into a second sentence, the post's opening written into it (a blog's "Headline. Its
    first lines over 200 characters"), cut to its first: a headline is one sentence. The sentence splitter knows
    the abbreviations ("vs.", "e.g.", "U.S.") that end no sentence."""
    sentences = split_sentences(title)
    for count in range(1, len(sentences)):
        head = " ".join(sentences[:count])
        # after a word in lower case and before a capital, as a run-on opening starts
        if len(head) >= _MIN_FIRST_SENTENCE and head[-4:-1].islower() and sentences[count][0].isupper():
            return head.removesuffix(".")  # a headline's own "?" or "!" stays
    return title


def _headline(tree: HtmlElement, declared: list[str], site_name: str | None, url: str | None) -> str | None:
    """The page's visible headline, or None when no heading is clearly it.

    An <h1> that a declared title repeats wins, wherever it sits (some themes put it in a breadcrumb or a
    column they call "sidebar"); then the one <h1> outside page furniture; of several, the one the declared
    titles agree with. A page without an <h1> may set its headline in an <h2> that its title repeats.
    """
    h1s = _headings(tree, "h1", site_name, url)
    repeated = [text for text, _ in h1s if any(_repeats(text, title) for title in declared)]
    if repeated:
        return repeated[0]
    plain = [text for text, furniture in h1s if not furniture]
    if len(plain) == 1:
        return plain[0]
    if plain:
        scored = [(max((_overlap(text, t) for t in declared), default=0.0), -i) for i, text in enumerate(plain)]
        score, position = max(scored)
        return plain[-position] if score >= 0.5 else None
    h2s = [text for text, furniture in _headings(tree, "h2", site_name, url)[:10] if not furniture]
    return next((text for text in h2s if declared and _repeats(text, declared[0])), None)


def _headings(tree: HtmlElement, tag: str, site_name: str | None, url: str | None) -> list[tuple[str, bool]]:
    """(text, is page furniture) of each distinct heading that is not the site's name or a link to its front page."""
    found: dict[str, bool] = {}
    for el in tree.iter(tag):
        if is_home_link(el):
            continue
        text = _heading_text(el)
        if 2 <= len(text) <= _MAX_HEADLINE and _HAS_LETTER.search(text) and not _is_site(text, site_name, url):
            found[text] = found.get(text, True) and _is_furniture_heading(el)
    return list(found.items())


def _is_furniture_heading(el: HtmlElement) -> bool:
    for node in el.iterancestors():
        if node.tag in ("body", "html"):
            return False
        if node.tag in _FURNITURE_CONTAINERS or (node.tag == "header" and _is_page_header(node)):
            return True
        if _FURNITURE_HEADING.search(class_and_id(node)):
            return True
    return _FURNITURE_HEADING.search(class_and_id(el)) is not None


def _is_page_header(header: HtmlElement) -> bool:
    """The page's banner (logo, section name), not an article's own <header>."""
    names = class_and_id(header)
    if _ARTICLE_CLASS.search(names) or any(node.tag in ("article", "main") for node in header.iterancestors()):
        return False
    return header.get("role") == "banner" or _PAGE_HEADER.search(names) is not None


def _heading_text(el: HtmlElement) -> str:
    """The heading's text without a kicker or a <small> note set inside it; where it marks its headline part
    (class "headline"), that part."""
    parts = el.xpath(".//*[@class] | .//small")
    if any(p.tag == "small" or _KICKER.search(p.get("class") or "") for p in parts):
        el = deepcopy(el)
        for part in el.xpath(".//*[@class] | .//small"):
            if (part.tag == "small" or _KICKER.search(part.get("class") or "")) and part.getparent() is not None:
                part.drop_tree()
    marked = [t for part in el.xpath('.//*[contains(@class, "headline")]') if (t := element_text(part))]
    text = marked[0] if len(marked) == 1 else element_text(el)
    return text.strip(" :|-–—·•")


def _repeats(heading: str, title: str) -> bool:
    """A declared title repeats the heading: nearly all its words, and most of the title's."""
    return _overlap(heading, title) >= 0.8 and _overlap(title, heading) >= 0.5


def _overlap(part: str, whole: str) -> float:
    """Share of `part`'s words that occur in `whole`."""
    mine = set(_WORD.findall(part.lower()))
    return len(mine & set(_WORD.findall(whole.lower()))) / len(mine) if mine else 0.0


def _untruncated(title: str, declared: list[str]) -> str:
    """A declared title cut short with "..." gives way to one that carries on where it stops."""
    if not title.endswith(_TRUNCATED):
        return title
    stem = title.rstrip(".… ")
    return next((t for t in declared if len(t) > len(title) and t.startswith(stem)), title)


def _is_site(part: str, site_name: str | None, url: str | None) -> bool:
    key = letters(part)
    if not key:
        return False
    site = letters(site_name or "")
    if site and (key == site or key in site or site in key):
        return True
    if " " not in part.strip() and DOMAIN.search(part.strip()):  # a domain name ("chadim.net") names a site
        return True
    host = urlsplit(url).hostname if url else None
    if not host:
        return False
    labels = [lbl for lbl in host.split(".") if lbl not in ("www", "m", "amp")]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        labels = labels[:-1]  # bbc.co.uk -> bbc
    domain = letters(labels[-2] if len(labels) >= 2 else labels[0]) if labels else ""
    return len(domain) >= 3 and (domain in key or key in letters(host))


def _is_decoration(part: str, site_name: str | None, url: str | None) -> bool:
    return not letters(part) or _is_site(part, site_name, url) or bool(_STAMP.match(part.strip()))


def clean_title(title: str, site_name: str | None, url: str | None) -> str:
    """The headline without " | Site", "Site - ", " | Forum | Site", "Site: " or ": 06.11.2023, 11.41 Uhr"."""
    title = squash(title).strip(_LOOSE_SEPARATORS) or squash(title)
    pieces = _TITLE_SPLIT.split(title)
    parts, separators = pieces[0::2], pieces[1::2]
    if len(parts) == 1:
        return _without_site_prefix(title, site_name, url)
    site = next((i for i, part in enumerate(parts) if _is_site(part, site_name, url)), 0)
    if site:
        # the site's name and what follows it (a tagline, sections) go; so do sections set off before it by the
        # site's own separator ("Thread | Forum | Site"), while a headline's own dash stays ("A - B | Site")
        if site >= 2 and len({sep.strip() for sep in separators[:site]}) == 1:
            site = 1
        parts, separators = parts[:site], separators[: site - 1]
    while len(parts) > 1 and _is_decoration(parts[-1], site_name, url):
        parts, separators = parts[:-1], separators[:-1]
    while len(parts) > 1 and _is_decoration(parts[0], site_name, url):
        parts, separators = parts[1:], separators[1:]
    kept = "".join(part + sep for part, sep in zip(parts, [*separators, ""], strict=True))
    return _without_site_prefix(kept.strip(), site_name, url)


def _without_site_prefix(title: str, site_name: str | None, url: str | None) -> str:
    """ "Site: Headline" or "www.site.de: Headline" without the site."""
    match = _SITE_PREFIX.match(title)
    if not match:
        return title
    prefix = letters(match[1])
    host = (urlsplit(url).hostname or "") if url else ""
    names = {letters(site_name or ""), letters(host.removeprefix("www."))} - {""}
    if prefix in names or DOMAIN.search(match[1]):
        return title[match.end() :]
    return title


def _title_tag(tree: HtmlElement) -> str | None:
    el = next(tree.iter("title"), None)
    return element_text(el) if el is not None else None


def title_candidates(tree: HtmlElement | None) -> list[str]:
    """Every headline-like string the page declares (for spotting a repeated headline in the body)."""
    if tree is None:
        return []
    meta = meta_tags(tree)
    found = [
        meta.get("og:title"),
        meta.get("twitter:title"),
        _title_tag(tree),
        ld_text(article_json_ld(tree).get("headline")),
    ]
    found += [element_text(el) for el in tree.iter("h1")][:5]
    return [unescaped(t) for t in found if t]
