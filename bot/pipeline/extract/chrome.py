"""Page chrome cut from the tree before the main text is looked for (after the metadata, which reads bylines and
dates wherever they are).

Parts of a page that are never its article, by the ARIA role that says so (a sidebar, the site's footer, controls,
dialogs such as consent notices), by a comment section's id in the languages the bot sees most, or as related
articles (trafilatura drops those only as some elements, not as the links or list items many sites use); and a
sidebar by its name (WordPress's "sidebar", "col_sidebar", "sidebar-right": widgets, category counts, ads), which
trafilatura keeps where the page's own text is short; and a picture's box
with its credited caption. Names like "has-sidebar" or "content-sidebar-wrap" belong to
the wrappers of the article itself, and so may "right-sidebar" or "page-sidebar" (a layout with a sidebar): an
element named so that holds a sidebar or widget area and, beside it, most of the page's paragraphs frames the
article. Testing the attributes themselves keeps this near a millisecond a page on the extraction set: element tests
cost thrice that.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.extract.main_text import MIN_TEXT, paragraph_text_length

_CHROME_ROLES = (
    "complementary", "contentinfo", "button", "dialog", "alertdialog", "search", "menu", "menubar", "toolbar",
    "tablist",
)  # fmt: skip
_COMMENT_IDS = ("kommentar", "Kommentar", "commentaire", "comentario", "komentarz", "reacties")
_PAGE_CHROME = etree.XPath(
    f"//@role[{' or '.join(f'. = {role!r}' for role in _CHROME_ROLES)}]/.."
    f" | //@id[{' or '.join(f'starts-with(., {name!r})' for name in _COMMENT_IDS)}]/.."
    " | //@class[contains(., 'elated') or contains(., 'sidebar')]/.."  # (r)elated articles and sidebars, any element
    " | //@id[contains(., 'elated') or contains(., 'sidebar')]/.."
)
_SIDEBAR_NAME = re.compile(
    r"(?:(?!(?:has|no|with|without|content)[-_])[a-z]+[-_])?sidebar(?:[-_](?:left|right|primary|secondary|\d+))?",
    re.IGNORECASE,
)
# A box of a picture and its caption, by its class ("image", "article-image", "photo-box", "bild")
_PICTURE_BOX = re.compile(
    r"(?:article[-_])?(?:image|img|picture|photo|foto|bild)(?:[-_](?:box|container|wrapper|wrap|block))?", re.IGNORECASE
)
_PICTURE_BOX_DEPTH = 2  # the <img>'s parent or grandparent
_CAPTION_WORDS = 60
_PHOTO_CREDIT = re.compile(r"\b(?:fotos?|photos?|bild|imagen|image|credits?|quelle)\s*:|©|\(c\)", re.IGNORECASE)
_SENTENCE_GOES_ON = re.compile(r"[.!?]\s*\w")  # a sentence after the credit: the credit closes no caption
_SIDEBAR_PART = re.compile(r"sidebar|widget", re.IGNORECASE)  # a sidebar's own boxes, or one a layout wraps


def drop_page_chrome(tree: HtmlElement) -> None:
    page_prose: list[int] = []  # the page's <p> text, measured once and only where a sidebar by name is found
    for el in _PAGE_CHROME(tree):
        # an element holding a headline frames the article, whatever its role says (a modal article view)
        if el.getparent() is None or el.tag in ("body", "html") or next(el.iter("h1"), None) is not None:
            continue
        if _by_role_or_name(el) or (_is_sidebar(el) and not _frames_article(el, tree, page_prose)):
            el.drop_tree()
    _drop_picture_boxes(tree)


def _drop_picture_boxes(tree: HtmlElement) -> None:
    """Drops a picture's box, named as one (class "image", "photo-box", "bild"), with the caption set in a <p> beside
    its <img>: trafilatura leaves <figure>'s captions out, not those of a <div> that plays its part, and the caption
    read as the article's first paragraph (m158). A box with more than a caption's words frames more than a picture."""
    for img in tree.iter("img"):
        box = next((node for node in _nearest(img, _PICTURE_BOX_DEPTH) if _is_picture_box(node)), None)
        if box is not None and box.getparent() is not None and _is_caption(box.text_content()):
            box.drop_tree()


def _is_caption(text: str) -> bool:
    """A caption closed by its credit ("... Tappara Tampere. Foto: City-Press", "Jane Doe © KNA"); a picture's box with
    other text (a tutorial's steps set beside their photos) keeps it, and so does one whose credit sits inside a
    sentence ("... approved the budget (photo: press office)."): a lead set beside the picture, which a caption's
    rule must not cost the story."""
    credit = next(reversed(list(_PHOTO_CREDIT.finditer(text))), None)
    if len(text.split()) > _CAPTION_WORDS or credit is None or _SENTENCE_GOES_ON.search(text, credit.end()):
        return False
    before = text[: credit.start()].rstrip(" (")
    return not before or credit.group().startswith(("©", "(")) or before.endswith((".", "!", "?"))


def _nearest(el: HtmlElement, depth: int) -> list[HtmlElement]:
    return [node for _, node in zip(range(depth), el.iterancestors(), strict=False)]


def _is_picture_box(node: HtmlElement) -> bool:
    names = (node.get("class") or "").split()
    return node.tag in ("div", "span") and any(_PICTURE_BOX.fullmatch(name) for name in names)


def _by_role_or_name(el: HtmlElement) -> bool:
    ident, classes = el.get("id") or "", el.get("class") or ""
    return el.get("role") in _CHROME_ROLES or ident.startswith(_COMMENT_IDS) or "elated" in ident or "elated" in classes


def _is_sidebar(el: HtmlElement) -> bool:
    return el.tag not in ("main", "article") and any(_SIDEBAR_NAME.fullmatch(name) for name in _names(el).split())


def _frames_article(el: HtmlElement, tree: HtmlElement, page_prose: list[int]) -> bool:
    """Whether an element named for a sidebar holds the article: an <article> or <main>, or, as a layout's wrapper,
    a sidebar or widget area and beside it most of the page's <p> text (an article's worth). A sidebar's own text
    lies in its widgets; an info box with no widgets in it says nothing of a layout."""
    if next(el.iter("article", "main"), None) is not None:
        return True
    if not any(_SIDEBAR_PART.search(_names(part)) for part in el.iterdescendants()):
        return False
    if not page_prose:
        page_prose.append(paragraph_text_length(tree))
    own = sum(len(p.text_content()) for p in el.iter("p") if not _in_sidebar_part(p, el))
    return own >= MIN_TEXT and 2 * own > page_prose[0]


def _names(el: HtmlElement) -> str:
    return f"{el.get('id') or ''} {el.get('class') or ''}"


def _in_sidebar_part(p: HtmlElement, el: HtmlElement) -> bool:
    """Whether `p` lies in a sidebar or widget box inside `el`."""
    for ancestor in p.iterancestors():
        if ancestor is el:
            return False
        if _SIDEBAR_PART.search(_names(ancestor)):
            return True
    return False
