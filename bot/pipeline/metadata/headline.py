"""The page's headline: the <h1> (or, without one, the heading the <title> names) that the date rules read the
byline block after and the kicker before.

Not every <h1> is the article's: the site's name or logo, the site's header repeating the headline beside today's
date, and teasers' titles set in <h1>s are told apart by where they stand and by the words they share with the
page's <title>. The same shared words tell a standfirst under the headline that repeats the page's description.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lxml.html import HtmlElement

from bot.pipeline.metadata.areas import byline_area
from bot.pipeline.metadata.markup import element_text, is_home_link, letters

_NAMED_HEADLINE_LETTERS = 12  # a heading the <title> names, not a word such as "News" that a title may contain
# A heading the <title> words otherwise ("Brexit: Nervenkrieg geht in nächste Runde" for "Der Nervenkrieg um den
# Brexit geht in die nächste Runde"): most words of either are in the other, and three at least (a teaser that
# adds its text to the title is not the headline).
_WORD = re.compile(r"[^\W\d_]{3,}")
_SHARED_TITLE_WORDS = 0.6
_MIN_SHARED_TITLE_WORDS = 3
# a class or id of its own ("site-header", "masthead", "masthead__bar"), not an article's ("article-masthead")
_SITE_HEADER = re.compile(r"(?<![\w-])(?:site-?header|masthead)(?![a-z0-9-])", re.IGNORECASE)


def find_headline(tree: HtmlElement) -> HtmlElement | None:
    """The first <h1> that is not the site's name, nor in the site's header where one follows outside it, nor a
    teaser's where a later one is the one the page's <title> names (sites that set every teaser's title in an <h1>);
    on a page without one, the first lesser heading the <title> names (blog themes set the post's title in an <h2>)."""
    h1s = [h1 for h1 in tree.iter("h1") if not is_home_link(h1)]
    if not h1s:
        return next(_named_headings(tree, tree.iter("h2", "h3")), None)
    h1s = [h1 for h1 in h1s if not _in_site_header(h1)] or h1s
    first = h1s[0]
    if len(h1s) == 1 or _named_heading(first, tree):
        return first
    # A later <h1> the <title> holds, or that holds it, is the headline; one that only shares most of its words where
    # the first <h1> is itself a teaser's or a link's: a teaser's title words the page's <title> as often.
    by_words = byline_area(first) == 1
    return next(_named_headings(tree, h1s[1:], by_words=by_words), first)


def _named_headings(
    tree: HtmlElement, headings: Iterable[HtmlElement], *, by_words: bool = True
) -> Iterator[HtmlElement]:
    """The headings the page's <title> names: holds or is held in it, or (by_words) shares most of its words."""
    title = tree.findtext(".//title") or ""
    title_letters, title_words = letters(title), words(title)
    if not title_letters:
        return
    for heading in headings:
        text = element_text(heading)
        heading_letters = letters(text)
        # both long enough: a short <title> ("Blog") is in any heading ("Popular posts from this blog")
        long_enough = min(len(heading_letters), len(title_letters)) >= _NAMED_HEADLINE_LETTERS
        if (long_enough and (heading_letters in title_letters or title_letters in heading_letters)) or (
            by_words and shares_most_words(words(text), title_words)
        ):
            yield heading


def _named_heading(heading: HtmlElement, tree: HtmlElement) -> bool:
    return next(_named_headings(tree, [heading]), None) is not None


def _in_site_header(el: HtmlElement) -> bool:
    """Inside the site's header, whose sticky bar repeats the headline beside today's date."""
    return any(_SITE_HEADER.search(f"{a.get('class') or ''} {a.get('id') or ''}") for a in el.iterancestors())


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def shares_most_words(heading: set[str], title: set[str]) -> bool:
    shared = len(heading & title)
    return shared >= _MIN_SHARED_TITLE_WORDS and shared >= _SHARED_TITLE_WORDS * max(len(heading), len(title))
