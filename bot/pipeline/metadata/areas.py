"""Where a name stands on the page: the article's own byline area, or sidebars, menus, teasers and footers, or
readers' comments, related articles' blocks and pictures' captions (which never name the article's author).

The byline scans read names in the article first and those elsewhere only as a last resort; the date rules use the
same areas to tell the article's date from a teaser's or a comment's.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from bot.pipeline.metadata.byline_lines import LINE_ENDS
from bot.pipeline.metadata.markup import COMMENT_NAMES, class_and_id, is_comment_item, is_the_article

# Class or id words of areas whose names are not the article's byline; a word of its own ("comment-list",
# "site-footer"), not the tail of a layout name ("layoutTwoColumnsRightSidebar").
NOT_BYLINE_AREA = re.compile(r"(?<![a-z])(?:sidebar|widget|related|teaser|recommend|listing|footer|menu|nav|share)",
                              re.IGNORECASE)  # fmt: skip
# ARIA roles of menus, whichever their class names ("<a role="menuitem" href="/contributors/jane-doe">Jane Doe</a>")
_MENU_ROLES = frozenset(("navigation", "menu", "menubar", "menuitem"))
# A picture's caption or credit (not a "credits" box of the article, nor a video teaser's "item-caption")
_CAPTION = re.compile(r"copyright|(?:photo|image|img|picture|bild|foto)[-_]?(?:credit|caption|source|quelle)"
                      r"|wp-caption|bildunterschrift|bildquelle", re.IGNORECASE)  # fmt: skip
# A block of related articles: its names and dates are other articles' ("layout-related-articles", "related-posts")
_RELATED = re.compile(r"(?<![a-z])related(?![a-z])", re.IGNORECASE)
_BYLINE_AREA_DEPTH = 6
# Links to an author's page, a path segment of its own before the page's: /author/jane-doe, /autor/, /autoren/,
# /auteur/, /autore/, the plurals of the Romance languages and Polish, a newsroom's /journalist(s)/ and
# /contributor(s)/, and /by/ ("/by/jane-doe"). Not /profile/, /people/ nor /user/: a site's account links and the
# people an article is about; nor an index ("/authors/").
AUTHOR_PATH = re.compile(
    r"/(?:authors?|autor|autoren|auteur|auteurs|autore|autori|autores|autorzy|journalists?|contributors?|by)/[^/?#]"
)


def byline_area(el: HtmlElement) -> int | None:
    """0 for the article's own byline; 1 inside a sidebar, a menu, a teaser of another article or a footer (where
    the article's byline is sometimes set, and names of other articles' authors often are); None in comments, in a
    block of related articles (their writers) and in a picture's caption or credit (a photographer's name, "Quelle:
    Jane Doe").

    Only the few containers nearest the name count, up to the page's article: page-wide wrappers are named after the
    layout ("with-navigation", "one-sidebar") and say nothing about where the name stands; an <article> inside it is
    a comment's or another item's.
    """
    if _CAPTION.search(class_and_id(el)):
        return None
    area = 1 if el.get("role") in _MENU_ROLES else 0
    for depth, node in enumerate(el.iterancestors()):
        if is_comment_item(node):
            return None
        if node.tag in ("body", "html") or is_the_article(node) or depth >= _BYLINE_AREA_DEPTH:
            break
        names = class_and_id(node)
        commented = node.tag != "article" and COMMENT_NAMES.search(names)  # an <article>: by is_comment_item
        if commented or node.tag in ("figure", "figcaption") or _CAPTION.search(names) or _RELATED.search(names):
            return None
        if _outside_the_article(node, names):
            area = 1
    return area


def in_menu(el: HtmlElement) -> bool:
    """Whether a line stands in a menu (a <nav> or an element with a menu's role) among the few containers nearest
    it: a menu's items are sections of the site ("By Invitation", "Von A bis Z"), not bylines. Not by class names:
    layouts name the wrappers of a post's byline "menulinks" or "news-nav-buttons" too."""
    for depth, node in enumerate(el.iterancestors()):
        if node.tag in ("body", "html") or is_the_article(node) or depth >= _BYLINE_AREA_DEPTH:
            return False
        if node.tag == "nav" or node.get("role") in _MENU_ROLES:
            return True
    return False


def _outside_the_article(node: HtmlElement, names: str) -> bool:
    """A menu, a sidebar, a footer, or a link to another article's teaser."""
    if node.tag in ("nav", "aside", "footer") or node.get("role") in _MENU_ROLES or NOT_BYLINE_AREA.search(names):
        return True
    return node.tag == "a" and _links_a_teaser(node)


def _links_a_teaser(link: HtmlElement) -> bool:
    """The link around a byline holds lines of more than the byline, and leads elsewhere than to a writer's page:
    another article's teaser, its title and its writer ("<a href="/other"><p>Title</p><span>von Jane Doe</span>
    </a>")."""
    return any(child.tag in LINE_ENDS for child in link) and not AUTHOR_PATH.search(link.get("href") or "")
