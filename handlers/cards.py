"""Block Kit for what the bot posts: digest cards, repeat notices, failures. Page text is always escaped."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.ages import age
from bot.errors import DigestError
from bot.models import Digest
from bot.pipeline.facts import CARD_DATE, kind_facts, published_text, summary_heading

Block = dict[str, Any]
SECTION_LIMIT = 3000  # Slack's cap on a section's text
FALLBACK_LIMIT = 400  # a card's plain-text fallback (notifications): one line
CARD_BUDGET = 9000  # Slack rejects messages whose blocks hold roughly 13,000 characters; stay well under


class RelatedLike(Protocol):
    canonical_url: str
    title: str
    one_line: str
    domain: str
    shared_at: datetime


def escape(text: str) -> str:
    """Neutralise mrkdwn control characters so a page can never ping @channel or fake a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link_label(text: str) -> str:
    return escape(text).replace("|", "¦")


_URL_UNSAFE = {"<": "%3C", ">": "%3E", "|": "%7C", " ": "%20", "\n": "%0A", "\t": "%09"}


def slack_link(url: str, label: str) -> str:
    """`<url|label>` that no page can break out of: the URL's markup characters percent-encoded, the label escaped."""
    safe_url = "".join(_URL_UNSAFE.get(char, char) for char in url)
    return f"<{escape(safe_url)}|{link_label(label)}>"


def clip(text: str, limit: int) -> str:
    """Cut at a word boundary with an ellipsis, so truncation reads politely."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


def clip_mrkdwn(text: str, limit: int) -> str:
    """clip() for mrkdwn: never inside a `<…>` link, mention or date (page text has none: it is escaped), nor an
    `&amp;`, `&lt;` or `&gt;`, which Slack would show as broken markup; one that does not fit whole is left out."""
    cut = clip(text, limit)
    if cut == text:
        return text
    kept = cut.removesuffix("…")
    opened = kept.rfind("<")
    if opened > kept.rfind(">"):
        kept = kept[:opened]
    return _PARTIAL_ENTITY.sub("", kept).rstrip() + "…"


# An entity cut short: by the limit, or by clip() taking its ';' for punctuation. Any '&' in mrkdwn starts one.
_PARTIAL_ENTITY = re.compile(r"&[a-z]*$")


def slack_date(when: datetime) -> str:
    """A date Slack renders in the reader's own timezone, with a UTC fallback."""
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} at {{time}}|{when:%Y-%m-%d %H:%M} UTC>"


def section(text: str) -> Block:
    """A mrkdwn section, clipped to Slack's limit outside any markup."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(text, SECTION_LIMIT)}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip_mrkdwn(text, SECTION_LIMIT)}]}


def title_line(url: str, title: str) -> str:
    """The card's bold title, linked to the page; the title alone when the link would not fit in a section."""
    linked = f"*{slack_link(url, title)}*"
    return linked if len(linked) <= SECTION_LIMIT else f"*{escape(title)}*"


def byline(digest: Digest) -> str:
    if (facts := kind_facts(digest, CARD_DATE)) is not None:
        return " · ".join(escape(p) for p in facts)
    parts = [
        digest.site_name,
        digest.author,
        published_text(digest, CARD_DATE),
        f"{digest.reading_minutes} min read" if digest.reading_minutes else None,
    ]
    return " · ".join(escape(p) for p in parts if p)


def related_lines(items: Sequence[RelatedLike], now: datetime | None = None) -> str:
    lines = [
        f"• {slack_link(item.canonical_url, clip(item.title, 150))}\n"
        f"   {escape(item.one_line)}\n   _{escape(item.domain)} · {age(item.shared_at, now)}_"
        for item in items
    ]
    return "\n".join(lines)


def digest_card(
    digest: Digest,
    *,
    shared_by: str | None = None,
    comment: str = "",
    related: Sequence[RelatedLike] = (),
) -> tuple[str, list[Block]]:
    """The digest card and its one-line plain-text fallback (what notifications show)."""
    title = digest.title or digest.canonical_url
    blocks: list[Block] = [section(title_line(digest.canonical_url, clip(title, 300)))]
    if line := byline(digest):
        blocks.append(_context(line))
    if shared_by:
        said = f": “{clip(comment, 500)}”" if comment else ""  # a Slack comment arrives already escaped
        blocks.append(_context(f"Shared by <@{shared_by}>{said}"))
    if digest.warning:
        blocks.append(_context(f":warning: {escape(digest.warning)}"))
    if digest.summary:
        blocks.append(section(f"*{summary_heading(digest)}*\n{escape(clip(digest.summary, 1500))}"))
    if digest.quotes:
        quotes = "\n".join(f"> {escape(clip(q, 400))}" for q in digest.quotes)
        blocks.append(section(f"*Key quotes* · {len(digest.quotes)} pulled\n{quotes}"))
    if related:
        blocks.append(section(f"*You might also want to read*\n{related_lines(related)}"))
    while sum(len(str(b)) for b in blocks) > CARD_BUDGET and len(blocks) > 1:
        blocks.pop()  # the least essential parts come last
    # The one-line fallback: well inside Slack's 40,000 characters even when every character is escaped.
    return escape(clip(f"{clip(title, 200)} — {digest.site_name or digest.canonical_url}", FALLBACK_LIMIT)), blocks


def repeat_notice(name: str, shared_at: datetime, permalink: str | None, now: datetime | None = None) -> str:
    """The note on a link shared again: the first sharer by name, not a mention (every repeat would ping them)."""
    where = f" ({slack_link(permalink, 'see the first message')})" if permalink else ""
    return f"First shared by {escape(name)} {age(shared_at, now)}, on {slack_date(shared_at)}{where}."


def failure_notice(url: str, error: DigestError | str) -> str:
    """What a user reads for a link that gives no card; a link to an ignored site was never fetched, so it is told as a
    refusal, not as a page that could not be read."""
    if isinstance(error, DigestError) and error.reason == "ignored":
        return escape(str(error))
    return f"Couldn't read {slack_link(url, 'this page')}: {escape(str(error))}"
