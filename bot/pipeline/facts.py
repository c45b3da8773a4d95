"""Shared by the kinds of link that are not articles: what their cards and terminal output say about them
(`PDF · 12 pages · 8 min read`, `▶ YouTube · channel · 12:34`), and small text helpers for building them.
Slack-free: handlers/cards.py, handlers/roundups.py and the command line all use it.
"""

from __future__ import annotations

import lxml.html
from lxml import etree

from bot.models import DatePrecision, Digest, Kind
from bot.pipeline.sentences import split_sentences

# How a roundup or a card names each kind (an article needs no name).
KIND_LABELS: dict[Kind, str] = {"article": "", "pdf": "PDF", "video": "video", "audio": "audio", "post": "post",
                                "code": "code", "paper": "paper", "embed": "embed"}  # fmt: skip
SUMMARY_HEADINGS: dict[Kind, str] = {"post": "Post", "paper": "Abstract", "video": "About", "audio": "About"}
DateFormats = dict[DatePrecision, str]
CARD_DATE: DateFormats = {"day": "%b %-d, %Y", "month": "%b %Y", "year": "%Y"}  # Slack cards
ISO_DATE: DateFormats = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}  # the terminal
DESCRIPTION_SENTENCES = 3  # a video's summary: the first sentences of its description
DESCRIPTION_CHARS = 600


def duration_text(seconds: int) -> str:
    """12:34, or 1:02:03 from an hour on."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def published_text(digest: Digest, formats: DateFormats) -> str | None:
    """The digest's date as precise as its source gave it: "Jun 3, 2019", "Jun 2019", "2019"."""
    return digest.published.strftime(formats[digest.published_precision]) if digest.published else None


def kind_facts(digest: Digest, formats: DateFormats) -> list[str] | None:
    """The facts line of a link that is not an article, in the order its card shows them; None for articles."""
    when = published_text(digest, formats)
    minutes = f"{digest.reading_minutes} min read" if digest.reading_minutes else None
    if digest.kind == "pdf":
        pages = f"{digest.pages} page{'s' if digest.pages != 1 else ''}" if digest.pages else None
        return _present("PDF", pages, minutes, digest.site_name, digest.author, when)
    if digest.kind in ("video", "audio"):
        length = duration_text(digest.duration_s) if digest.duration_s else None
        return _present(f"▶ {digest.site_name or KIND_LABELS[digest.kind]}", digest.author, length, when)
    if digest.kind == "post":
        return _present(digest.site_name, " ".join(p for p in (digest.author, digest.handle) if p) or None, when)
    if digest.kind == "code":
        return _present(digest.site_name, digest.item, digest.state, digest.author, when)
    if digest.kind in ("paper", "embed"):
        return _present(digest.site_name, digest.author, when, minutes)
    return None


def _present(*parts: str | None) -> list[str]:
    return [part for part in parts if part]


def summary_heading(digest: Digest) -> str:
    return SUMMARY_HEADINGS.get(digest.kind, "Summary")


def first_sentences(text: str, language: str | None, count: int = DESCRIPTION_SENTENCES,
                    limit: int = DESCRIPTION_CHARS) -> str:  # fmt: skip
    """The opening sentences of a description, verbatim, within `limit` characters (at least one sentence)."""
    taken: list[str] = []
    for sentence in split_sentences(text, language)[:count]:
        if taken and sum(len(s) + 1 for s in taken) + len(sentence) > limit:
            break
        taken.append(sentence)
    return " ".join(taken)


def html_text(fragment: str) -> str:
    """The text of a small HTML fragment (a post's content): paragraphs on blank lines, line breaks kept."""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    paragraphs = root.findall(".//p") or [root]
    return "\n\n".join(text for p in paragraphs if (text := "".join(p.itertext()).strip()))
