"""Main-text extraction: trafilatura (precision mode), checked against readability, then de-boilerplated.

How the pieces were chosen (figures from `python -m bench extraction`, 181 real pages):
- trafilatura with favor_precision is the strongest single extractor here. Its fast pass is kept when it
  found most of the page's <p> text; otherwise its full pass (with its own fallbacks) runs;
- it sometimes keeps only part of a long article, or only a legal notice: readability-lxml then recovers
  the article; it runs only when the page's <p> text is still much longer than what trafilatura kept;
- a page whose text all of them find short, yet whose schema.org articleBody is far longer (an article drawn by
  script, or hidden under a metered paywall's overlay), is read from that articleBody;
- both keep leftover lines (headline repeated, "Related: ...", share/follow/newsletter prompts, copyright),
  which a line filter removes;
- trafilatura's precision mode drops the lead (standfirst) with the <header> or "teaser" block it sits in: it is
  put back when it lies just after the <h1> and before the body's first paragraphs, found by its class or as the
  page's own description printed there;
- a list of sentences that stood between two kept paragraphs, which trafilatura's precision mode drops on pages
  without an <article> or <main>, is put back between them;
- an author box closing the text (a heading about the byline's writer, then the bio) is cut from its heading on;
- a schema.org Recipe's ingredients or steps that the text lacks (drawn by script, or split into cells) are added.
Before any of them, the parts whose ARIA role says they are no article (sidebar, footer, controls, dialogs),
related-article blocks and comment sections named in other languages are cut from the tree.
Scripts, styles and comments are dropped before the input cap, so inline code cannot push the article out.
"""

from __future__ import annotations

import asyncio
import html as html_lib
import importlib
import logging
import multiprocessing
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any, TypeVar

import lxml.html
import pebble
import py3langid
import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from bot.config import Settings
from bot.models import Article
from bot.pipeline.metadata import (
    article_json_ld,
    element_text,
    extract_metadata,
    metadata_from_tree,
    parse_html,
    squash,
    strip_code,
    title_candidates,
)
from bot.pipeline.metadata.markup import json_ld_objects, ld_types
from bot.pipeline.metadata.names import NAME_SPLIT
from bot.pipeline.sentences import split_sentences
from bot.runtime.logs import configure_logging
from bot.runtime.metrics import EXTRACT_SECONDS

log = logging.getLogger(__name__)
T = TypeVar("T")

# trafilatura's fast pass is kept unless the page's <p> text is this many times what it found
_FULL_PASS_RATIO = 2.0
# readability is consulted when the page's paragraph text is at least this many times what trafilatura kept
_RECHECK_RATIO = 2.0
# ... and replaces trafilatura when it is this much longer and contains what trafilatura found
_SWITCH_RATIO = 2.0
_SWITCH_COVERAGE = 0.9
# below this many characters, trafilatura's text is treated as a failure (often just a legal notice)
_MIN_TEXT = 300
# below this many characters, the extractors' text is compared with the page's own articleBody (as long as the text
# the wall check takes for a teaser)
_DECLARED_BODY_CHECK = 1500

_WORDS = re.compile(r"\w+")
# Words that fill English prose and hardly occur in other languages ("a", "in", "is", "die", "de" are left out).
# On the extraction set's 181 pages, English samples hold a median 3.2 per 100 characters and 97% at least 2;
# the other languages' samples at most 0.7.
_ENGLISH_MARKERS = frozenset({
    "the", "and", "of", "to", "that", "with", "for", "was", "this",
    "are", "were", "from", "have", "has", "which", "their", "been", "would",
})  # fmt: skip
_ENGLISH_MARKERS_PER_CHAR = 0.02
_HAS_LETTER = re.compile(r"[^\W_]")

# a heading that introduces a list of links to other articles
_LINKS_HEADER = re.compile(
    r"^(related( (articles?|stories|posts?|content|coverage|links|reading|news))?|read more|see more|more|also|"
    r"also read|read also|leggi anche|lesen sie auch|lire aussi|leia também|lee también|don'?t miss|"
    r"you (may|might) also like|recommended( for you)?|more from [\w .]+|most (read|popular|viewed)( [\w ]+)?|"
    r"trending( now)?|popular( stories| posts)?|further reading|see also|more stories|top stories|latest news|"
    # the same in the other languages the bot sees most
    r"ähnliche (beiträge|artikel)|weitere (artikel|beiträge)( zum thema)?|mehr zum thema( [\w .]+)?|auch interessant|"
    r"weitere (aktuelle )?(themen|informationen|nachrichten|meldungen) (zu[mr]?|aus|über) [\w .-]+|"
    r"(vorschau auf den )?nächsten? (artikel|beitrag)|vorheriger (artikel|beitrag)|"
    r"(next|previous) (article|post|story)|"
    r"das könnte (dich|sie) auch interessieren|schon gelesen|kommentierte artikel|meistgelesen(e artikel)?|"
    r"à lire aussi|sur le même sujet|articles similaires|(le|te) puede interesar|vea también|lea también|"
    r"noticias relacionadas|artículos relacionados|veja também|notícias relacionadas|articoli correlati|lees ook|"
    r"saiba mais|leia mais|mais lidas|(lo )?más leíd[oa]s?|les plus lus|meist(gelesen|kommentiert|-?diskutiert)e?|"
    r"gerelateerde artikelen|zobacz (też|także)|czytaj (też|także))"
    r"\s*[:.…!?]*$",
    re.IGNORECASE,
)
# a link to another article, announced inline ("Related: Title of another story")
_LINK_PREFIX = re.compile(
    r"^\[?(related|read more|see more|also read|read also|more|watch|also on [\w.]+|related post|leggi anche|"
    r"see also|recommended|don'?t miss|must read|click here|lesen sie auch|siehe auch|mehr zum thema|auch interessant|"
    r"lire aussi|à lire aussi|voir aussi|(le|te) puede interesar|lea también|vea también|leia também|veja também)"
    r"\s*[:|]?\s*(?=\S)",
    re.IGNORECASE,
)
# a teaser's link to the rest of its text, closing a paragraph ("... in Polen. [czytaj więcej]")
_READ_MORE_LINK = re.compile(
    r"\[(read more|more|continue reading|weiterlesen|mehr|lire la suite|leer más|leia mais|(czytaj )?więcej)\]$",
    re.IGNORECASE,
)
# Short lines that are page furniture, not article text, in two alternations matched in the lower-cased line: what a
# whole line is (tried at its start only), and what marks a line anywhere (every branch after one shared \b). One
# case-insensitive pattern of both kinds cost 0.15 ms a line, a tenth of extraction's time; these cost a sixth.
_FURNITURE_LINE = re.compile(
    r"(?:advertisement|advertisements|sponsored( content)?|ad|anzeigen?|werbung|publicidade|publicidad|publicité|"
    r"pubblicità|reklama|reklame|reclame|advertentie|inzerce|hirdetés|реклама)$"
    # a gallery's counter and its button ("3 von 17", "Alle Bilder anzeigen")
    r"|\d+ (?:von|of|de|sur|z|di|van) \d+$|(?:alle bilder|bild|bilder) anzeigen$|(?:zur )?bildergalerie$"
    # a picture's credit on a line of its own ("Bildnachweis: X", "(Credits: X)")
    r"|\(?credits?\s*:|(?:photo ?credits?|bildnachweis|bildrechte|fotonachweis)\b[^:]{0,30}:"
    # a press release's contact box, announced by its heading
    r"|(?:ansprechpartner(?:in)?(?: zum thema)?|pressekontakt|medienkontakt|media contacts?|press contacts?|"
    r"contact presse|contacto de prensa|contatti stampa)\s*:?$"
    r"|(?:share|share this( article| story| post)?|share on \w+|tweet|email|print|comments?|\d+ comments?|tags?|"
    r"filed under|categories|category|tell us what you think|leave a (comment|reply)|post a comment)\s*[:.…!|]*$"
    r"|(?:tags?|filed under|categories|category)\s*:"
    r"|(?:copyright|©|\(c\))\s*(\d{4}|[\w ]{0,40}\d{4})"
    r"|(?:image|photo|picture|video) (source|credit)s?\s*:"
    # the same kinds of furniture in the other languages the bot sees most
    r"|(?:keine kommentare|kommentare|no comments|inhaltsverzeichnis|table of contents|contents|inhalt|"
    r"teilen|drucken|artikel teilen|partager|compartir|condividi)\s*[:.…!|]*$"
    r"|(?:bild|bilder|foto|fotos|bildquelle|quelle|crédits? photos?|crédit|fuente|fonte)\s*:"
    # a picture's credit ("Titelbild: X", "Copyright: X", the Polish "Fot. X"), an advertisement's label
    r"|(?:titelbild|beitragsbild|photos?|copyright)\s*:|fot\.\s"
    r"|\*?(?:anzeige|werbung|advertisement|sponsored)\s*[-–:|.]\s"
    r"|(?:noch )?keine kommentare\b|no comments yet\b"
    r"|(?:letzte änderung|zuletzt (aktualisiert|geändert)|last (updated|modified)|dieser (eintrag|beitrag) wurde)\b",
)
_FURNITURE_ANYWHERE = re.compile(
    r"\b(?:"
    + "|".join(
        (
            r"(like|enjoy(ed)?) this (story|article|post)\b.*\bshare\b",
            r"follow\b.{0,80}\b(on|at|via) (twitter|facebook|instagram|linkedin|youtube)\b",
            r"follow (us|me|him|her|them)\b.{0,40}@\w+",
            r"all rights reserved\b",
            r"(sign(ing)? up|subscrib(e|ing)|register(ing)?)\b.{0,100}\b(newsletters?|inbox)\b",
            r"newsletters?\b.{0,100}\b(sign up|subscribe)\b",
            r"(click here|hier klicken|klicken sie hier|cliquez ici|haga clic aquí|clicca qui)\b",
            r"(tell us|let us know|we want to hear|we'd like to hear) what you think\b",
            r"we may (receive|earn) (a )?(compensation|commission)\b",
            r"affiliate[- ](links?|commissions?)\b",
            r"for your personal,? non-commercial use\b",
            r"(we|this (site|website)|our (site|website)) uses? cookies\b",
            r"accept (all )?cookies\b",
            # the same in the other languages the bot sees most
            r"newsletter\b.{0,80}\b(anmelden|abonnieren|bestellen|inscri(vez|bete)|suscr[ií]b)",
            r"(zum|unser(em|en)?) newsletter\b",
            r"rss[- ]?feed (abonnieren|abonnez|subscribe)|subscribe to (our|the) rss",
            r"download\b.{0,60}\bapps?\b.{0,20}\b(ios|android|app store|google play)\b",
            # a caption's credit closing the line: "... im Congreso (Foto: Natacha Pisarenko/Pool)."
            r"(foto|fotos|photo|photos|bild|imagen|image)\s*:[^()]{0,80}\)\.?$",
            r"alle angaben ohne gewähr\b",
            # a subscription prompt where the free part of an article ends
            r"subscri(be|ption|bers?)\b.{0,80}\b"
            r"(full (story|article)|continue reading|keep reading|unlimited access)\b",
            r"(to (view|read) the full (story|article)|already a subscriber)\b",
            r"(jetzt abonnieren|weiterlesen mit|mit \S+ weiterlesen|abonnez-vous|suscríbete)\b",
            r"(youtube|telegram|whatsapp)[- ]?(channel|canal|kanal)\b",
            r"(channel|canal|kanal) (de|on|auf) (youtube|telegram)",
            # a follow prompt in the other languages the bot sees most ("Folgen Sie uns auf Twitter")
            r"((folge|folgt|folgen sie|liken sie) (uns|mir)|suivez[- ]nous|síguenos|siga-nos|seguici|volg ons|"
            r"obserwuj nas|sledujte nás)\b.{0,40}\b(facebook|twitter|instagram|linkedin|youtube|tiktok|telegram)\b",
            # the advertisement's gap inside an article ("Continua depois da publicidade")
            r"(continua depois da publicidade|continúa después de la publicidad|la suite après (cette |la )?publicité|"
            r"weiter nach der anzeige)",
            # a comment section's house rules
            r"kommentare?\b.{0,100}\bmeinung der (\S+-)?redaktion|redaktion\b.{0,80}\bkommentare\b.{0,30}"
            r"\b(entfern|lösch)|comments? (do not|don't) (necessarily )?(reflect|represent) the (views?|opinions?) of "
            r"(this|the|our) (site|website|publication|newspaper|magazine|editors?|editorial)|"
            r"reserves? the right to (delete|remove|edit) (any )?comments",
            # what an embed blocked for want of consent shows instead
            r"wir würden (ihnen )?hier gerne\b.{0,60}\b(zeigen|anzeigen|einbinden)|"
            r"ich bin damit einverstanden, dass mir externe inhalte|"
            r"(mit dem|beim) laden des (inhalts|videos|tweets|beitrags) akzeptieren sie|"
            r"(accept|enable) (cookies|consent) to (view|see|display|watch) this",
            # an appeal for readers' money
            r"apoie (o )?(nosso )?jornalismo|apoie (o|a|nosso|nossa) \S+$|support our journalism|"
            r"^(please )?(help )?support (independent|quality|local) journalism|"
            r"unterstütze(n sie)? uns\b.{0,40}\b(monatlich|einmalig|spende|beitrag|abo)",
            # a post's meta line ("News date : 04/21/2022 Category : Press Releases"), its update stamp
            r"(date|datum|fecha|published|veröffentlicht)\b.{0,40}\b(category|kategorie|categoría|categoria|"
            r"catégorie|rubrik)\s*:|(last (modified|updated)|zuletzt (aktualisiert|geändert))\s*:",
        )
    )
    + ")",
)
# A series' note, opening a line: which part of a series this is, or what the series is about (often longer than the
# furniture lines above, since it describes the series). "This article is part of" alone also opens a sentence on law
# ("Cet article fait partie du projet de loi"), and "In der Serie „Babylon Berlin“" one on television: the note names
# a numbered part or its series as such.
_SERIES = r"(?:series|serie|série|reihe|artikelserie|dossier|especial|speciale|rubrica|reportagem)"
_SERIES_NOTE = re.compile(
    r"(?:dies ist (?:der )?(?:teil|folge) \d+|this is part \d+ of|in unserer (?:serie|reihe|artikelserie) |"
    r"(?:dieser|der) (?:beitrag|artikel|text) ist (?:der )?(?:teil|folge) "
    r"(?:\d+|(?:einer|unserer|der) " + _SERIES + ")|"
    r"(?:this (?:article|post|piece|story) is (?:the )?(?:part|\w+ (?:part|installment)) of|"
    r"cet article fait partie d|este (?:artículo|texto) (?:forma|es) parte de|questo articolo fa parte d|"
    r"este artigo faz parte d).{0,40}\b" + _SERIES + ")"
)
_SERIES_NOTE_MAX_WORDS = 80
# An author box's link to the writer's other posts, a short line of its own ("View all posts by Jane Doe"; not "Tous
# les articles de la loi ont été adoptés.")
_AUTHOR_POSTS = re.compile(
    r"(?:(?:view|see|show) all (?:posts|articles|stories) by|more (?:articles|posts|stories) by|"
    r"zeige alle (?:beiträge|artikel) von|alle (?:beiträge|artikel) von \S+(?: \S+){0,3} anzeigen|"
    r"tous les (?:articles|billets) de|ver todos los (?:artículos|articulos|posts|mensajes) de|"
    r"veja todos os (?:posts|artigos) de|visualizza tutti gli articoli di|alle berichten van)\b"
)
_AUTHOR_POSTS_MAX_WORDS = 10
# Latin and Cyrillic letters in one word ("Аdvеrtіѕе" with a Cyrillic А, е, і, ѕ): a line disguised with lookalike
# letters so that filters miss it, which is what advertisements do. Ukrainian typed with a Latin "i" for "і" (or
# Serbian with "j") is prose: a word counts only with another Latin letter, and a line only where many words do.
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_WORD_CHARS = re.compile(r"\w+")
_LATIN_LOOKALIKE = re.compile("[a-hk-z]")
_MIXED_SCRIPT_WORDS = 3
_MIXED_SCRIPT_SHARE = 0.25
_SENTENCE_END = (".", "?", "!", ":", '"', "”", "»", "…")
# (testing the class attributes themselves costs half of testing every element's class)
_QUOTE_ELEMENTS = etree.XPath('//blockquote | //q | //@class[contains(., "pullquote") or contains(., "pull-quote")]/..')
_EMBED_QUOTE = re.compile(r"pic\.twitter\.com|\(@\w+\)|instagram\.com|tiktok\.com", re.IGNORECASE)


def extract_article(html: str, url: str | None = None) -> Article:
    """Metadata and main text of a page, in this process and unbounded in time; never raises on hostile markup."""
    return _extract(html, url, Settings.model_fields["extract_max_chars"].default)


def _extract(html: str, url: str | None, max_chars: int) -> Article:
    page = strip_code(html, max_chars)
    tree = parse_html(page)
    article = metadata_from_tree(tree, url)
    if tree is not None:
        _drop_page_chrome(tree)  # after the metadata, which reads bylines and dates wherever they are
    titles = title_candidates(tree)
    paragraphs, quotes = _main_text(page, url, tree, titles)
    if tree is not None:
        paragraphs = _or_declared_body(tree, paragraphs, titles)
        if paragraphs:
            paragraphs = _with_lead(tree, page, paragraphs, article)
            paragraphs = _with_dropped_lists(tree, paragraphs)
    paragraphs = _without_author_box(paragraphs, article.author)
    if tree is not None and paragraphs:
        # after the author box, which closes the story's own text
        paragraphs = _with_recipe(tree, page, paragraphs, article.title)
    article.paragraphs = paragraphs
    article.text = "\n\n".join(paragraphs)
    article.pull_quotes = _pull_quotes(tree, page, quotes, article.text)
    article.language = _detect_language(article.text) or article.language
    return article


# --- main text -----------------------------------------------------------------------------------


def _main_text(html: str, url: str | None, tree: HtmlElement | None, titles: list[str]) -> tuple[list[str], list[str]]:
    """(paragraphs, trafilatura's quote texts), escalating from the cheapest pass that looks complete."""
    paragraph_chars = _paragraph_text_length(tree) if tree is not None else 0
    page = _trafilatura_input(html, tree)
    lines, h1s, quotes = _trafilatura(page, url, fast=True)
    best = clean_lines(lines, titles + h1s)
    if _length(best) >= _MIN_TEXT and paragraph_chars < _FULL_PASS_RATIO * _length(best):
        return best, quotes
    # trafilatura's own fallbacks (readability, justext) cost about as much again: only for doubtful pages
    lines, h1s, quotes = _trafilatura(page, url, fast=False)
    best = clean_lines(lines, titles + h1s)
    size = _length(best)
    if size >= _MIN_TEXT and paragraph_chars < _RECHECK_RATIO * size:
        return best, quotes
    other = clean_lines(_readability(html), titles)
    other_size = _length(other)
    if size < _MIN_TEXT and other_size > size:
        return other, quotes
    if other_size >= _SWITCH_RATIO * size and _coverage(best, other) >= _SWITCH_COVERAGE:
        return other, quotes
    return best, quotes


def _or_declared_body(tree: HtmlElement, paragraphs: list[str], titles: list[str]) -> list[str]:
    """The article's schema.org articleBody instead of the extractors' paragraphs when they kept far less of it.

    Pages that draw their article by script, or keep it in a hidden element under a paywall overlay (the part their
    isAccessibleForFree=false names), often still carry it whole in their JSON-LD, the publisher's own copy of the
    text: what the extractors read there is a caption or a subscription offer. Only short results are checked, so
    full articles never pay for reading the JSON-LD again."""
    size = _length(paragraphs)
    if size >= _DECLARED_BODY_CHECK:
        return paragraphs
    needed = _SWITCH_RATIO * max(size, _MIN_TEXT)
    body = article_json_ld(tree).get("articleBody")
    if not isinstance(body, str) or len(body) < needed:  # the raw body is longer than its cleaned lines
        return paragraphs
    declared = clean_lines(_body_lines(body), titles)
    return declared if _length(declared) >= needed else paragraphs


def _body_lines(body: str) -> list[str]:
    """articleBody's paragraphs: its lines, or its blocks where a CMS put (often entity-escaped) markup there."""
    text = html_lib.unescape(body) if "&lt;" in body else body
    if "<" in text:
        root = parse_html(f"<div>{text}</div>")
        return block_texts(root) if root is not None else []
    return [line for raw in text.splitlines() if (line := squash(raw))]


# Parts of a page that are never its article, by the ARIA role that says so (a sidebar, the site's footer, controls,
# dialogs such as consent notices), by a comment section's id in the languages the bot sees most, or as related
# articles (trafilatura drops those only as some elements, not as the links or list items many sites use); and a
# sidebar by its name (WordPress's "sidebar", "col_sidebar", "sidebar-right": widgets, category counts, ads), which
# trafilatura keeps where the page's own text is short. Names like "has-sidebar" or "content-sidebar-wrap" belong to
# the wrappers of the article itself, and so may "right-sidebar" or "page-sidebar" (a layout with a sidebar): an
# element named so that holds a sidebar or widget area and, beside it, most of the page's paragraphs frames the
# article. Testing the attributes themselves keeps this near a millisecond a page on the extraction set: element tests
# cost thrice that.
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
_SIDEBAR_PART = re.compile(r"sidebar|widget", re.IGNORECASE)  # a sidebar's own boxes, or one a layout wraps


def _drop_page_chrome(tree: HtmlElement) -> None:
    page_prose: list[int] = []  # the page's <p> text, measured once and only where a sidebar by name is found
    for el in _PAGE_CHROME(tree):
        # an element holding a headline frames the article, whatever its role says (a modal article view)
        if el.getparent() is None or el.tag in ("body", "html") or next(el.iter("h1"), None) is not None:
            continue
        if _by_role_or_name(el) or (_is_sidebar(el) and not _frames_article(el, tree, page_prose)):
            el.drop_tree()


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
        page_prose.append(_paragraph_text_length(tree))
    own = sum(len(p.text_content()) for p in el.iter("p") if not _in_sidebar_part(p, el))
    return own >= _MIN_TEXT and 2 * own > page_prose[0]


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


def _trafilatura_input(html: str, tree: HtmlElement | None) -> str | HtmlElement:
    """The tree parsed for the metadata, so that the page is parsed once (trafilatura works on a copy of it); the
    page itself where trafilatura would refuse it as no HTML at all (no "html" in its first 50 characters and a
    root of fewer than 2 children, as its load_html judges), so that binary junk still gets no text."""
    if tree is not None and ("html" in html[:50].lower() or len(tree) >= 2):
        return tree
    return html


def _trafilatura(page: str | HtmlElement, url: str | None, fast: bool) -> tuple[list[str], list[str], list[str]]:
    """(text lines, <h1> headings, quotes) as trafilatura sees the main content of a page or its parsed tree."""
    try:
        doc = trafilatura.bare_extraction(page, url=url, fast=fast, favor_precision=True, include_comments=False)
    except Exception:  # a library bug on hostile markup must cost the text, not the digest
        log.warning("trafilatura failed on %s", url, exc_info=True)
        return [], [], []
    if doc is None or doc.body is None:
        return [], [], []
    lines = [line.strip() for line in (doc.text or "").splitlines() if line.strip()]
    h1s = [element_text(el) for el in doc.body.iter("head") if el.get("rend") == "h1"]
    quotes = [element_text(el) for el in doc.body.iter("quote")]
    return lines, h1s, quotes


def _readability(html: str) -> list[str]:
    from readability import Document  # imported late: only a minority of pages need it

    try:
        summary = Document(html).summary(html_partial=True)
        root = lxml.html.fragment_fromstring(summary, create_parent="div") if summary.strip() else None
    except Exception:  # readability raises its own Unparseable and lxml errors on broken pages
        log.debug("readability failed", exc_info=True)
        return []
    return block_texts(root) if root is not None else []


_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre", "table", "tr", "td",
    "th", "section", "article", "figure", "figcaption", "header", "footer", "dd", "dt", "dl", "br", "hr", "main",
    "aside", "form", "center", "address",
}  # fmt: skip


def block_texts(root: HtmlElement) -> list[str]:
    """The texts of block-level elements, in order (iterative: no recursion limit on deep trees)."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = squash("".join(buf))
        if text:
            out.append(text)
        buf.clear()

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCKS:
                flush()
            if el.text and tag not in ("script", "style"):
                buf.append(el.text)
        else:
            if tag in _BLOCKS:
                flush()
            if el.tail and el is not root:
                buf.append(el.tail)
    flush()
    return out


def _paragraph_text_length(tree: HtmlElement) -> int:
    return sum(len(el.text_content()) for el in tree.iter("p"))


def _length(lines: Iterable[str]) -> int:
    return sum(len(line) for line in lines)


def _shingles(lines: Iterable[str]) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for line in lines:
        words = _WORDS.findall(line.lower())
        found.update(tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3)))
    return found


def _coverage(part: list[str], whole: list[str]) -> float:
    """Share of `part`'s 4-word shingles that also occur in `whole`."""
    mine = _shingles(part)
    return len(mine & _shingles(whole)) / len(mine) if mine else 0.0


# --- the lead ------------------------------------------------------------------------------------
# CMSs across languages name the standfirst after what it is: "lead", "intro", "teaser" (TYPO3's teaser-text), the
# French "chapo", "preface", Drupal's field-abstract, WordPress themes' entry-excerpt. Related-article teasers carry the
# same names, so the lead must sit right after the headline, before the body's first paragraphs, and read as prose
# rather than as a link or a box. schema.org microdata names it by its property (itemprop="description").
_LEAD_CLASS_WORDS = ("lead", "intro", "teaser", "chapo", "preface", "abstract", "excerpt")
_LEAD_CLASS = re.compile(rf"(?:^|[-_])(?:{'|'.join(_LEAD_CLASS_WORDS)})(?:$|[-_]|text)", re.IGNORECASE)
_LEAD_TAGS = frozenset({"p", "div", "section", "span", "h2", "strong"})
_LEAD_ITEMPROPS = frozenset({"description", "abstract"})  # schema.org microdata's names for the standfirst
# ...which marks it wherever it lies: beyond the reach too, behind a row of share buttons (a hundred elements)
_MICRODATA_LEADS = etree.XPath("//@itemprop[. = 'description' or . = 'abstract']/..")
# ...as the article's, or the page's: a description inside a writer's, a video's or a product's item is theirs
_ARTICLE_ITEM = re.compile(r"(?:Article|Posting|Report|WebPage)/?$")
_HEADLINES = 3  # the first <h1> is often the site's name, and the headline one of the next
_LEAD_REACH = 50  # elements searched after the <h1>: the leads of the metadata set's tuning pages lie within 47
_BODY_REACH = 400  # elements searched after the lead for the body's first paragraphs
_LEAD_MIN_CHARS, _LEAD_MAX_CHARS = 50, 1500
_LEAD_MAX_LINK_SHARE = 0.3
_BODY_TAGS = frozenset({"p", "h2", "h3", "h4", "li"})  # what a body's first line is written in
_BODY_START_CHARS = 40  # a body paragraph is recognised by the start of its words
_DESCRIBED_LEAD_SENTENCES = 2
_TRUNCATED = ("...", "…")


def _with_lead(tree: HtmlElement, page: str, paragraphs: list[str], article: Article) -> list[str]:
    """The paragraphs with the page's lead in front, when the extractors left it out."""
    lead = _find_lead(paragraphs, _headlines(tree, article.title), _key(article.description or ""))
    if lead is None and "itemprop" in page:
        lead = _microdata_lead(tree, paragraphs)
    if lead is None or not (key := _key(lead)) or key in _key(" ".join(paragraphs)):
        return paragraphs
    return [lead, *paragraphs]


def _headlines(tree: HtmlElement, title: str | None) -> Iterable[HtmlElement]:
    """The first <h1>s, then the <h2> or <h3> that repeats the page's title: where the site's name or logo takes the
    <h1>, or a page has none, some templates write the headline a level or two down."""
    yield from islice(tree.iter("h1"), _HEADLINES)
    title_key = _key(title or "")
    if title_key:
        yield from islice((h for h in tree.iter("h2", "h3") if _key(element_text(h)) == title_key), 1)


def _find_lead(paragraphs: list[str], headlines: Iterable[HtmlElement], description: str) -> str | None:
    """A lead by its class, or the page's description (`description`: its key) printed under the headline as a
    paragraph: many CMSs fill the meta description from the standfirst, whatever they call its element. (A
    description of one sentence there is the headline's subtitle, a dek, which articles' bodies leave out.)"""
    for headline in headlines:
        for el in _following(headline, _LEAD_REACH):
            if el.tag not in _LEAD_TAGS:
                continue
            by_class = (el.get("itemprop") in _LEAD_ITEMPROPS and _of_the_article(el)) or any(
                _LEAD_CLASS.search(word) for word in (el.get("class") or "").split()
            )
            if not by_class and not _starts_description(el, description):
                continue
            text = element_text(el)
            if not by_class and len(split_sentences(text)) < _DESCRIBED_LEAD_SENTENCES:
                continue
            if _reads_as_lead(el, text) and _precedes_body(el, paragraphs):
                return text
    return None


def _microdata_lead(tree: HtmlElement, paragraphs: list[str]) -> str | None:
    """The standfirst schema.org microdata marks, wherever it lies before the body."""
    for el in _MICRODATA_LEADS(tree):
        if el.tag not in _LEAD_TAGS or not _of_the_article(el):
            continue
        if _reads_as_lead(el, text := element_text(el)) and _precedes_body(el, paragraphs):
            return text
    return None


def _of_the_article(el: HtmlElement) -> bool:
    """Whether the item a microdata property belongs to (its nearest itemscope) is the article or page, or none."""
    item = next((a for a in el.iterancestors() if a.get("itemscope") is not None), None)
    return item is None or any(_ARTICLE_ITEM.search(kind) for kind in (item.get("itemtype") or "").split())


def _starts_description(el: HtmlElement, description: str) -> bool:
    """Whether the element's own first words are the description's (a cheap test before reading all its text)."""
    if len(description) < _LEAD_MIN_CHARS or not el.text:
        return False
    start = _key(el.text)[:_BODY_START_CHARS]
    return len(start) >= _BODY_START_CHARS // 2 and description.startswith(start)


def _reads_as_lead(el: HtmlElement, text: str) -> bool:
    if not _LEAD_MIN_CHARS <= len(text) <= _LEAD_MAX_CHARS or not text.endswith(_SENTENCE_END) or is_furniture(text):
        return False
    if text.endswith(_TRUNCATED):
        return False  # a teaser cut short ("… eine lauter werdende..."), of this article or another
    if any(a.tag == "a" for a in el.iterancestors()) or next(el.iter("h2", "h3", "h4"), None) is not None:
        return False  # a teaser of another article: a link, or a box with its own headline
    links = sum(len(a.text_content()) for a in el.iter("a"))
    return links <= _LEAD_MAX_LINK_SHARE * len(text)


def _precedes_body(el: HtmlElement, paragraphs: list[str]) -> bool:
    """Whether one of the body's first paragraphs comes after `el` (a teaser below the article does not)."""
    starts = tuple(key[:_BODY_START_CHARS] for p in paragraphs[:3] if len(key := _key(p)) >= _BODY_START_CHARS // 2)
    if not starts:
        return False
    return any(
        after.tag in _BODY_TAGS and _key(after.text_content()).startswith(starts)
        for after in _following(el, _BODY_REACH)
    )


def _following(start: HtmlElement, limit: int) -> Iterable[HtmlElement]:
    """Up to `limit` elements after `start` in document order, its own descendants left out."""
    count = 0
    node: HtmlElement | None = start
    while node is not None:
        for sibling in node.itersiblings():
            for el in sibling.iter():
                count += 1
                if count > limit:
                    return
                if isinstance(el.tag, str):
                    yield el
        node = node.getparent()


# --- lists between the article's paragraphs ------------------------------------------------------
# Where trafilatura finds no container it trusts (no <article> or <main>, a CMS's plain <div>s), its precision mode
# recovers the page's text from <p>s, quotes and tables only, so a list inside the article vanishes: "So schützen Sie
# sich:" is followed directly by the paragraph after the tips. Such a list is put back where its neighbours, a kept
# paragraph before and the kept paragraph after, are now adjacent; its items must read as sentences, and be no links.
_LIST_NEIGHBOURS = frozenset({"p", "h2", "h3", "h4", "h5", "h6"})
_LIST_ITEM_MIN_WORDS = 3
_LIST_MAX_LINK_SHARE = 0.3


def _with_dropped_lists(tree: HtmlElement, paragraphs: list[str]) -> list[str]:
    """The paragraphs with each list of sentences put back between the two kept paragraphs it stood between."""
    candidates = [
        (before, after, found)
        for found in tree.iter("ul", "ol")
        if (before := _text_sibling(found, previous=True)) is not None
        and (after := _text_sibling(found, previous=False)) is not None
    ]
    if not candidates:  # most pages: no list stands between two paragraphs, and no line's key is needed
        return paragraphs
    position = {key: index for index, p in enumerate(paragraphs) if (key := _key(p))}
    inserts: dict[int, list[str]] = {}
    for before, after, found in candidates:
        index = position.get(_key(element_text(before)))
        if index is None or position.get(_key(element_text(after))) != index + 1 or index in inserts:
            continue
        items = _sentence_items(found)
        if items and not any(_key(item) in position for item in items):
            inserts[index] = [f"- {item}" for item in items]
    if not inserts:
        return paragraphs
    out: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        out.append(paragraph)
        out.extend(inserts.get(index, ()))
    return out


def _text_sibling(el: HtmlElement, previous: bool) -> HtmlElement | None:
    """The paragraph or heading right before (or after) `el`, or None when another element or text is between."""
    if (el.tail or "").strip() and not previous:
        return None
    sibling = el.getprevious() if previous else el.getnext()
    while sibling is not None and sibling.tag == "br":
        sibling = sibling.getprevious() if previous else sibling.getnext()
    if sibling is None or sibling.tag not in _LIST_NEIGHBOURS or (previous and (sibling.tail or "").strip()):
        return None
    return sibling


def _sentence_items(found: HtmlElement) -> list[str] | None:
    """The list's items when every one is a sentence of a few words and few of its characters are links."""
    items = [squash("".join(li.itertext())) for li in found.iterchildren("li")]
    if not items or len(items) != len(found) or any(item.count(" ") + 1 < _LIST_ITEM_MIN_WORDS for item in items):
        return None
    if not all(item.endswith(_SENTENCE_END) for item in items):
        return None
    links = sum(len(a.text_content()) for a in found.iter("a"))
    return items if links <= _LIST_MAX_LINK_SHARE * sum(len(item) for item in items) else None


# --- recipes -------------------------------------------------------------------------------------
# A recipe page often draws its steps (and sometimes its ingredients) by script, or splits each ingredient into amount,
# unit and name cells: the extractors then keep the story around the recipe without how to make it. schema.org's
# Recipe carries both as the publisher wrote them; the part the text lacks (fewer than half of its entries found in
# it) is added from there. A roundup's several Recipes are other pages' dishes: only the one its title names counts.
# Amounts are compared as numbers, whether written "1 1/2" (as JSON-LD mostly has them) or "1½".
_RECIPE_MIN_ENTRIES = 2
_RECIPE_MAX_ENTRIES = 60
_FRACTIONS = str.maketrans(
    {sign: f" {unicodedata.normalize('NFKC', sign).replace(chr(0x2044), ' ')} " for sign in "¼½¾⅐⅑⅒⅓⅔⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"}
)


def _with_recipe(tree: HtmlElement, page: str, paragraphs: list[str], title: str | None) -> list[str]:
    """The paragraphs with the ingredients and steps of the page's schema.org Recipe they lack."""
    if "Recipe" not in page:  # most pages: no JSON-LD read at all
        return paragraphs
    recipe = _the_recipe([obj for obj in json_ld_objects(tree) if "recipe" in ld_types(obj)], title)
    if recipe is None:
        return paragraphs
    text = _amounts_key(" ".join(paragraphs))
    ingredients = [f"- {item}" for item in _ld_entries(recipe.get("recipeIngredient"))]
    steps = _ld_entries(recipe.get("recipeInstructions"))
    added = [part for part in (ingredients, steps) if _lacks(text, part)]
    return [*paragraphs, *(line for part in added for line in part)] if added else paragraphs


def _the_recipe(recipes: list[dict[str, Any]], title: str | None) -> dict[str, Any] | None:
    """The page's one Recipe, or among several the one the title names (as whole words)."""
    if len(recipes) == 1:
        return recipes[0]
    title_key = f" {_key(title or '')} "
    for recipe in recipes:
        name = _key(recipe["name"]) if isinstance(recipe.get("name"), str) else ""
        if name and f" {name} " in title_key:
            return recipe
    return None


def _lacks(text: str, entries: list[str]) -> bool:
    keys = [key for entry in entries if (key := _amounts_key(entry))]
    return len(keys) >= _RECIPE_MIN_ENTRIES and sum(key in text for key in keys) < len(keys) / 2


def _amounts_key(text: str) -> str:
    return _key(text.translate(_FRACTIONS))


def _ld_entries(value: Any) -> list[str]:
    """The texts of a Recipe's ingredients or instructions: strings, HowToSteps, HowToSections of steps, or one
    text of several lines (markup in it read as blocks)."""
    found: list[str] = []
    stack = [value]
    while stack and len(found) < _RECIPE_MAX_ENTRIES:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item[:_RECIPE_MAX_ENTRIES]))
        elif isinstance(item, dict):
            stack.append(item.get("itemListElement") or item.get("text") or item.get("name"))
        elif isinstance(item, str):
            found.extend(_body_lines(html_lib.unescape(item) if "&" in item else item))
    return found[:_RECIPE_MAX_ENTRIES]


# --- boilerplate lines ---------------------------------------------------------------------------

# An author box closing the text opens with a heading about the writer: a generic one, or "About <the byline's name>".
# A generic heading may also introduce the author of a book the text reviews, so where a byline is known its box counts
# as the writer's only where its first lines name the byline's writer (the whole name, or the surname as a capitalised
# word: "Long", not "for a long time"). Without a byline (most pages) the box is a site's author box far more often.
_AUTHOR_BOX_HEADING = re.compile(
    r"(?:about the authors?|author bio|über (?:den|die) autor(?:in|en|innen)?|zu[mr] autor(?:in)?|"
    r"à propos de l'auteur|sobre (?:el|la|o|a) autora?|o autorze|over de auteur)\s*:?$"
)
_ABOUT_WORDS = ("about", "more about", "über", "mehr über")
_AUTHOR_BOX_REACH = 4  # the box's heading lies among the text's last lines
_AUTHOR_BOX_BIO_LINES = 2  # where the bio under a generic heading names its writer
_SURNAME_MIN_CHARS = 3


def _without_author_box(paragraphs: list[str], author: str | None) -> list[str]:
    """The paragraphs up to an author box closing them (its heading, the writer's bio, links to their posts)."""
    names = [name.strip() for name in NAME_SPLIT.split(author or "") if name.strip()]
    headings = {f"{about} {name.lower()}" for about in _ABOUT_WORDS for name in names}
    for index in range(max(1, len(paragraphs) - _AUTHOR_BOX_REACH), len(paragraphs)):
        heading = paragraphs[index].strip().lower()
        if heading in headings:
            return paragraphs[:index]
        if _AUTHOR_BOX_HEADING.match(heading):
            bio = " ".join(paragraphs[index + 1 : index + 1 + _AUTHOR_BOX_BIO_LINES])
            return paragraphs[:index] if not names or _names_any(bio, names) else paragraphs
    return paragraphs


def _names_any(text: str, names: list[str]) -> bool:
    """Whether `text` names one of the writers: the whole name (in any case), or the surname as a capitalised word."""
    lowered = text.lower()
    words = {word.lower() for word in _WORDS.findall(text) if word[0].isupper()}
    for name in names:
        surname = name.split()[-1].lower() if name.split() else ""
        if name.lower() in lowered or (len(surname) >= _SURNAME_MIN_CHARS and surname in words):
            return True
    return False


def _key(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


def clean_lines(lines: list[str], titles: list[str]) -> list[str]:
    """Drop the repeated headline, link lists, and page furniture that extractors let through."""
    title_keys = {k for t in titles if (k := _key(t))}
    kept: list[str] = []
    in_link_list = False
    for index, line in enumerate(lines):
        # a list item, or a table row's cells as trafilatura writes them ("| Kommentierte Artikel |")
        bare = (line[2:] if line.startswith("- ") else line).replace("\xa0", " ").strip("| ")
        if index < 3 and _is_headline(bare, title_keys):
            continue
        if _LINKS_HEADER.match(bare):
            in_link_list = True
            continue
        if in_link_list:
            if len(bare.split()) <= 20 and (line.startswith("- ") or not bare.endswith(_SENTENCE_END)):
                continue
            in_link_list = False
        if not is_furniture(bare):
            kept.append(_without_read_more(line) if line.endswith("]") else line)
    return kept


def _without_read_more(line: str) -> str:
    # searched from its "[", not from the spaces before it: a pattern opening with \s* costs time quadratic in a
    # run of spaces (a <pre> keeps them)
    found = _READ_MORE_LINK.search(line)
    return line[: found.start()].rstrip() if found else line


def _is_headline(line: str, title_keys: set[str]) -> bool:
    key = _key(line)
    return bool(key) and any(key == t or (len(key.split()) >= 3 and t.startswith(key)) for t in title_keys)


def _in_mixed_scripts(lowered: str, words: int) -> bool:
    mixed = [w for w in _WORD_CHARS.findall(lowered) if _CYRILLIC.search(w) and _LATIN_LOOKALIKE.search(w)]
    return len(set(mixed)) >= _MIXED_SCRIPT_WORDS and len(mixed) >= _MIXED_SCRIPT_SHARE * words


def is_furniture(line: str) -> bool:
    if not _HAS_LETTER.search(line):
        return True
    words = len(line.split())
    lowered = line.lower()
    if words <= 40 and (_FURNITURE_LINE.match(lowered) or _FURNITURE_ANYWHERE.search(lowered)):
        return True
    if words <= _SERIES_NOTE_MAX_WORDS and _SERIES_NOTE.match(lowered):
        return True
    if _CYRILLIC.search(lowered) and _in_mixed_scripts(lowered, words):
        return True
    if words <= _AUTHOR_POSTS_MAX_WORDS and _AUTHOR_POSTS.match(lowered) and not line.endswith(_SENTENCE_END):
        return True
    return words <= 30 and bool(_LINK_PREFIX.match(line)) and not line.endswith(_SENTENCE_END)


# --- pull quotes and language --------------------------------------------------------------------


def _quote_elements(tree: HtmlElement, page: str) -> Iterable[HtmlElement]:
    """<blockquote>, <q> and pull-quote elements in page order. Looking for the class reads every element's class
    (most of this function's cost), so it runs only on pages that have the word at all."""
    if "pullquote" in page or "pull-quote" in page:
        return _QUOTE_ELEMENTS(tree)
    return tree.iter("blockquote", "q")


def _pull_quotes(tree: HtmlElement | None, page: str, quotes: list[str], text: str) -> list[str]:
    """The article's own quotes (blockquote, q, pull-quote) that lie inside its main text."""
    candidates = list(quotes)
    if tree is not None:
        for el in _quote_elements(tree, page):
            if "twitter" not in (el.get("class") or "") and "instagram" not in (el.get("class") or ""):
                candidates.append(element_text(el))
    body = _key(text)
    found: list[str] = []
    for quote in candidates:
        quote = quote.strip(" \"“”'‘’«»")
        key = _key(quote)
        fits = 4 <= len(key.split()) <= 80 and key in body and not _EMBED_QUOTE.search(quote)
        if fits and all(key != _key(q) for q in found):
            found.append(quote)
    return found[:5]


def _detect_language(text: str) -> str | None:
    if len(text) < 100:
        return None
    sample = text[:600]  # plenty for a language, and py3langid's cost grows with length
    markers = sum(word in _ENGLISH_MARKERS for word in _WORDS.findall(sample.lower()))
    if markers >= _ENGLISH_MARKERS_PER_CHAR * len(sample):
        return "en"  # most pages: a word count instead of the character model (a third of extraction's time)
    lang, _score = py3langid.classify(sample)
    return lang


# --- bounded extraction --------------------------------------------------------------------------
# pebble's ProcessPool runs each page in a warm worker process (forkserver: no inherited threads or sockets from
# the bot) and kills the worker of a task that overruns its timeout, so a page can never stall the bot. Measured
# beside the hand-written pool it replaced (`python -m bench pool`): the same time for the extraction set's pages,
# about 0.1 ms more per task, which a page's ~50 ms of extraction hides.

TIMEOUT_WARNING = "the page was too large to read in time; showing its metadata only"
_MAX_WORKERS = max(1, min(4, os.cpu_count() or 1))
_TASKS_PER_WORKER = 500  # recycle now and then: lxml/trafilatura caches only ever grow


class ExtractionPool:
    """The worker processes of one bot process, started by start() or on first use, and stopped by shutdown()."""

    def __init__(self, workers: int = _MAX_WORKERS) -> None:
        self._workers = workers
        self._pool: pebble.ProcessPool | None = None
        self._lock = threading.Lock()

    def _running(self) -> pebble.ProcessPool:
        with self._lock:
            if self._pool is None or not self._pool.active:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(_preload())
                self._pool = pebble.ProcessPool(self._workers, _TASKS_PER_WORKER, _start_worker, context=context)
            return self._pool

    def start(self) -> None:
        """Start the workers now and wait for one to answer: the fork server's first start waits for its preload (the
        extractor's imports and warm-up, 1-2 s), which inside an async caller's first digest holds its event loop."""
        self._running().schedule(os.getpid).result()

    async def run(self, function: Callable[..., T], args: tuple[Any, ...], timeout: float) -> T:
        """function(*args) in a worker; TimeoutError past `timeout` (the worker is killed), OSError (pebble's
        ProcessExpired) when the worker died on it. Cancelling the caller kills the task's worker too."""
        return await asyncio.wrap_future(self._running().schedule(function, args, timeout=timeout))

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            pool.join()


def _preload() -> list[str]:
    """What the fork server imports once for all its workers: the main module (as __mp_main__, so a forked worker
    need not run it again) and the warmed-up extractor. Not the main module's own name as well: under
    `python -m handlers.cli` that imported it twice, and every worker printed runpy's RuntimeWarning about it."""
    return ["__main__", "bot.pipeline.extract_server"]


def _start_worker() -> None:
    # A fork-server child starts with no logging set up: without this, what the libraries warn about a hostile
    # page would reach serve's stderr as bare text lines between its JSON ones.
    configure_logging("WARNING")


def _extract_dict(html: str, url: str | None, max_chars: int) -> dict[str, Any]:
    return _extract(html, url, max_chars).model_dump()


def _call(function: str, args: tuple[Any, ...]) -> Any:
    module, name = function.split(":")
    return getattr(importlib.import_module(module), name)(*args)


_POOL = ExtractionPool()  # the process's pool; a process that digests runs one


async def extract_article_bounded(html: str, url: str | None, settings: Settings) -> Article:
    """extract_article in a warm worker process that is killed after settings.extract_timeout_s.

    On timeout (or a crashed worker) the article degrades to the page's metadata, with a warning.
    """
    with EXTRACT_SECONDS.time():
        try:
            answer = await _POOL.run(_extract_dict, (html, url, settings.extract_max_chars), settings.extract_timeout_s)
        except (TimeoutError, OSError) as error:
            log.warning("extraction of %s stopped (%s); using metadata only", url, type(error).__name__)
            article = extract_metadata(html, url)
            article.warning = TIMEOUT_WARNING
            return article
    return Article.model_validate(answer)


def metadata_only(html: str, url: str | None) -> dict[str, Any]:
    """A worker task: a page's metadata without its main text (a video's page, whose text is not wanted)."""
    return extract_metadata(html, url).model_dump()


async def run_in_worker(function: str, args: tuple[Any, ...], timeout: float) -> Any:
    """`module:function(*args)` in a warm extraction worker, killed after `timeout` seconds (TimeoutError); a
    worker that dies on it (a library abort, a memory limit) raises OSError."""
    return await _POOL.run(_call, (function, args), timeout)


def start_workers() -> None:
    """Start the extraction workers before the first digest needs them (a digesting process's warm-up)."""
    _POOL.start()


def shutdown_workers() -> None:
    """Stop the extraction workers (tests, and the app on exit)."""
    _POOL.shutdown()
