"""Recognise pages that are a wall rather than an article: a JavaScript-only shell, a bot or consent wall,
or a paywall teaser.

A wall needs positive evidence: a robot check or sign-in demand that is the page itself (its title, or a line
of the little it shows, says so), a consent notice that is all the article text there is, paywall markup or schema.org's
isAccessibleForFree=false, a "subscribe to continue reading" cut, an empty application root or an "enable
JavaScript" notice with nothing else to read. Short text alone is never a wall: short articles exist. The
extracted text must be short as well, so full articles that carry such markup on every page pass."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.html import HtmlElement

from bot.models import Article
from bot.pipeline.metadata import article_json_ld, element_text, json_ld_objects, parse_html, strip_code
from bot.pipeline.sentences import ends_a_sentence, split_sentences

_MAX_CHARS = 1024 * 1024

# below this much article text a page may be a shell or a wall; full articles are far longer
_SHELL_TEXT = 300
_SHELL_PAGE_TEXT = 1000  # visible text of a page that shows nothing without JavaScript
_WALL_TEXT = 600
_TEASER_TEXT = 1500

# The patterns below are matched in lower-cased text: on a page's whole visible text (30 KB on average) a
# case-insensitive search cost 4-6 times as much, a few milliseconds a page.
_ENABLE_JS = re.compile(
    r"(enable|turn on|activate|requires?|need)\W+(\w+\W+){0,3}javascript|javascript\W+(is\W+)?(required|disabled)",
)
_APP_ROOT = '//div[@id="root" or @id="app" or @id="__next" or @id="__nuxt" or @id="___gatsby" or @id="svelte"]'
_BOT_WALL = re.compile(
    r"verify (that )?you are (a )?human|are you a robot|checking (if the site connection is secure|your browser)|"
    r"just a moment\.\.\.|attention required|cf-browser-verification|challenge-platform|captcha|"
    r"unusual traffic from your (computer )?network|press (&|and) hold|access (to this page has been )?denied|"
    r"(sign|log) ?in to (continue|read|view)|please (sign|log) ?in\b|request blocked|bot detection|"
    # the same robot checks in French, German and Spanish
    r"(êtes-vous|es-tu) un robot|pas un robot|(sind sie|bist du) ein roboter|kein roboter|(eres|es usted) un robot|"
    r"no (eres|soy) un robot",
)
_CONSENT = re.compile(
    r"(we|this site) uses? cookies|cookie (settings|preferences|policy|consent)|accept (all|cookies)|"
    r"manage (your )?(privacy|consent)|consent to (the use of|our use of)|your privacy choices",
)
# A cut where the article stops for a subscription. ("Already a subscriber?" alone is a login link that many
# sites show on every page: it counts only beside paywall markup.)
_PAYWALL_TEXT = re.compile(
    r"subscribe (now )?to (continue|keep) reading|to continue reading,? (please )?(subscribe|sign in|log in)|"
    r"this (article|story|content) is (only )?(available|reserved|exclusive) (to|for) (paying )?(subscribers|members)|"
    r"subscribe to read|become a (member|subscriber) to (read|continue)|"
    r"for subscribers only|unlock (this|the full) (article|story)|start your (free )?trial to (read|continue)",
)
_PAYWALL_MARKUP = (
    '//*[contains(@class, "paywall") or contains(@id, "paywall") or contains(@class, "meteredContent")'
    ' or contains(@class, "subscriber-only") or contains(@class, "premium-content")'
    ' or contains(@class, "tp-modal") or contains(@class, "article-locked")]'
)

# Elements whose text is a line of its own: a wall's words stand as one (a heading, a button, a notice).
_LINE_TAGS = ("title", "h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "button", "label", "div")
# Elements inside a line that leave it one line ("Please <a>sign in</a>", "Press & Hold<br>to confirm ...").
_INLINE_TAGS = frozenset({"a", "abbr", "b", "br", "code", "em", "i", "img", "s", "small", "span", "strong", "sub",
                          "sup", "u"})  # fmt: skip
_WORD = re.compile(r"\w+")
# A sentence longer than this is prose: wall words inside it may be a story's. A wall's demand is shorter.
_SHORT_LINE_WORDS = 12

_SUBSCRIBE = re.compile(r"\bsubscri(be|ption)|\bbecome a member|already a (subscriber|member)")
# A wall's own page shows little besides it; a robot check word on a page full of text is a form's captcha.
_WALL_PAGE_TEXT = 2000
# Article text this short is no article: what little there is may be the wall's own buttons.
_NO_TEXT = 50

# A paywalled page whose readable teaser is real prose gets a card of that teaser, with this warning, rather
# than a refusal: the title, byline and opening are worth showing, and the warning says what is missing.
TEASER_WARNING = "the article is behind a paywall: this digest covers only the teaser that was readable"
_TEASER_SENTENCES = 2
_TEASER_SENTENCE_WORDS = 8

MESSAGES = {
    "javascript_only": "This page only shows its content with JavaScript, so there was no article text to read.",
    "bot_wall": "The site showed a robot check or sign-in/consent wall instead of the article.",
    "paywall": "The article is behind a paywall; only a teaser was readable.",
}


def detect_wall(html: str, article: Article) -> tuple[str, str] | None:
    """(reason, message) if the page is a wall rather than an article, else None."""
    text_size = len(article.text)
    if text_size >= _TEASER_TEXT:
        return None
    tree = parse_html(strip_code(html, _MAX_CHARS))
    if tree is None:
        return None
    visible = _visible_text(tree)
    reason = None
    if text_size < _WALL_TEXT and _is_bot_wall(tree, visible, article.text):
        reason = "bot_wall"
    elif _is_paywalled(tree, visible, text_size):
        reason = "paywall"
    elif text_size < _SHELL_TEXT and _is_js_shell(html, tree, visible):
        reason = "javascript_only"
    return (reason, MESSAGES[reason]) if reason else None


def _visible_text(tree: HtmlElement) -> str:
    """The body's text, lower-cased."""
    body = next(tree.iter("body"), tree)
    parts = [t for el in body.iter() if isinstance(el.tag, str) and el.tag not in ("noscript", "template")
             for t in (el.text, el.tail) if t and t.strip()]  # fmt: skip
    return " ".join(" ".join(parts).split()).lower()


def _lowered_text(el: HtmlElement | None) -> str:
    return element_text(el).lower() if el is not None else ""


def _is_js_shell(html: str, tree: HtmlElement, visible: str) -> bool:
    """An "enable JavaScript" notice or an empty application root, with next to nothing else to read."""
    noscript = " ".join(_lowered_text(el) for el in tree.iter("noscript"))
    if len(visible) < _SHELL_PAGE_TEXT and (_ENABLE_JS.search(noscript) or _ENABLE_JS.search(visible)):
        return True
    empty_root = any(not element_text(el) for el in tree.xpath(_APP_ROOT))
    return empty_root and len(visible) < 200 and html.lower().count("<script") >= 1


def _is_bot_wall(tree: HtmlElement, visible: str, text: str) -> bool:
    """A robot check or sign-in demand that is the page itself: on a page with nothing to read and little to show,
    its words anywhere, scripts included (DataDome names its captcha only there); else a line of the article text,
    or the title, or on a page with little else any line of it, that says so; a consent notice likewise, when the
    article text is no more than the notice. A story about fake captchas or cookie banners has the words inside its
    sentences, and those are no wall. `visible` is lower-cased."""
    if len(text) < _NO_TEXT and len(visible) < _WALL_PAGE_TEXT and _BOT_WALL.search(visible):
        return True
    title = next(tree.iter("title"), None)
    page = list(_lines(tree)) if len(visible) < _WALL_PAGE_TEXT else _sentences(_lowered_text(title))
    sentences = _sentences(text)
    # Text with a sentence of prose is an article, whose short lines (a title) may name a wall it is about.
    prose = any(len(_WORD.findall(sentence)) > _SHORT_LINE_WORDS for sentence in sentences)
    if any(_says(_BOT_WALL, line, prose) for line in [*page, *sentences]):
        return True
    consent_only = (
        len(visible) < 1500 and len(visible.split()) < 250 and any(_says(_CONSENT, line, prose) for line in page)
    )
    return consent_only and (len(text) < _NO_TEXT or _CONSENT.search(text.lower()) is not None)


def _lines(tree: HtmlElement) -> Iterator[str]:
    """The page's lines of text, lower-cased: each sentence of a title, heading, paragraph, button, ... or of a
    div that holds no elements but inline ones (a container's text is the page's)."""
    for el in tree.iter(*_LINE_TAGS):
        if el.tag != "div" or all(child.tag in _INLINE_TAGS for child in el):
            yield from _sentences(element_text(el))


def _sentences(text: str) -> list[str]:
    return [sentence.lower() for sentence in split_sentences(text)]


def _says(pattern: re.Pattern[str], line: str, prose: bool) -> bool:
    """Whether `line` is what `pattern` finds: on a page of prose, a third of its words at least ("Please log in to
    view this story."), not a sentence that mentions it; on a page without prose, any short line that holds it
    ("Press & Hold to confirm you are a human (and not a bot).")."""
    said = sum(len(_WORD.findall(found[0])) for found in pattern.finditer(line))
    words = len(_WORD.findall(line))
    return said > 0 and (3 * said >= words or (not prose and words <= _SHORT_LINE_WORDS))


def _is_paywalled(tree: HtmlElement, visible: str, text_size: int) -> bool:
    if _declares_not_free(tree):
        return True
    if _PAYWALL_TEXT.search(visible):
        return True
    # paywall widgets sit on every page of some sites: count them only when they ask for a subscription
    return text_size < _WALL_TEXT and any(_SUBSCRIBE.search(_lowered_text(el)) for el in tree.xpath(_PAYWALL_MARKUP))


def _declares_not_free(tree: HtmlElement) -> bool:
    """schema.org isAccessibleForFree=false on the article (or any part of it)."""
    objects = [article_json_ld(tree), *json_ld_objects(tree)]
    for obj in objects:
        value = obj.get("isAccessibleForFree")
        if value is False or (isinstance(value, str) and value.strip().lower() == "false"):
            return True
        parts = obj.get("hasPart")
        for part in parts if isinstance(parts, list) else [parts]:
            if isinstance(part, dict) and str(part.get("isAccessibleForFree")).lower() == "false":
                return True
    return False


def readable_teaser(text: str) -> bool:
    """At least two whole sentences of prose: a teaser worth a card (a subscription offer's fragments are not)."""
    whole = [s for s in split_sentences(text) if len(s.split()) >= _TEASER_SENTENCE_WORDS and ends_a_sentence(s)]
    return len(whole) >= _TEASER_SENTENCES
