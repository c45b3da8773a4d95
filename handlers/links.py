"""Reading links out of Slack message text: `<https://x|label>` markup, entities unescaped exactly once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from bot.pipeline.urls import canonicalize

# Slack wraps every link, mention and special in angle brackets; a link is `<url>` or `<url|label>`.
_ANGLE = re.compile(r"<([^<>]*)>")
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".ico", ".mp4", ".mov")
SLACK_HOSTS = ("slack.com", "slack-edge.com", "slack-files.com", "slack-redir.net")


def _unescape(text: str) -> str:
    # Slack escapes exactly &, < and >; html.unescape would also turn "&copy" and friends into symbols.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _matches(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def ignored(url: str, domains: tuple[str, ...]) -> bool:
    """Whether `url` is on one of `domains` (DIGESTBOT_IGNORE_DOMAINS) or a subdomain of one, however its host is
    spelled ("Ads.Example." is ads.example)."""
    return _matches(_host(canonicalize(url)), domains)


def links_in_text(text: str, ignore_domains: tuple[str, ...] = (), limit: int | None = 3) -> list[str]:
    """The http(s) links worth digesting, in order, skipping Slack, images and ignored domains; one per article
    (links that differ only in tracking parameters are one link: the first is kept), at most `limit` (None: all)."""
    links: list[str] = []
    seen: set[str] = set()  # canonical forms, as the digest cache and the channels' memory key links
    for inner in _ANGLE.findall(text or ""):
        url = _unescape(inner.split("|", 1)[0]).strip()
        canonical = canonicalize(url)
        if not url.lower().startswith(("http://", "https://")) or canonical in seen:
            continue
        host = _host(url)
        if not host or _matches(host, SLACK_HOSTS) or ignored(url, ignore_domains):
            continue
        if urlsplit(url).path.lower().endswith(_IMAGE_SUFFIXES):
            continue
        seen.add(canonical)
        links.append(url)
    return links[:limit]


# Words and marks that joined a removed link to the comment: "space stuff <a> and <b>" is "space stuff", not
# "space stuff and". (The comment is in Slack's escaped form: "&amp;".)
_JOINERS = frozenset(
    "and or und oder et ou y o &amp; + , ; : - – — | / -> → via from at on here hier".split()  # noqa: SIM905
)
_LINK = "\x00"  # where a link was, while the joiners beside it are found
_BARE_ADDRESS = re.compile(r"^\S+\.\S+$")  # a label that only repeats the link ("a.example/x")


_WEB_SCHEMES = ("http://", "https://")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_CHANNEL = re.compile(r"#[CG][A-Z0-9]+(\|[^<>]*)?")  # a channel link pings no one: kept as Slack wrote it


def mentioned_users(text: str) -> list[str]:
    """The user ids a message mentions, in order, once each."""
    return list(dict.fromkeys(_USER.findall(text or "")))


def comment_without_links(text: str, names: Mapping[str, str] | None = None) -> str:
    """What the sharer said around the links, in a form that pings no one when the bot posts it: web links'
    markup removed (their own words kept), other links dropped but for their label, `<@U1>` shown as "@name"
    (`names`: user id -> name), `<!here>`, `<!channel>`, `<!subteam^…|@team>` as plain "@here", "@team" (plain
    text, which Slack turns into a mention only if a post asks it to with link_names), the words that only joined
    links dropped at either edge, whitespace tidied."""
    names = names or {}

    def inert(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        label = label.strip()
        if _CHANNEL.fullmatch(inner):
            return match.group(0)
        if target.startswith("@"):
            name = names.get(target[1:])
            return "@" + (_escape(name) if name else label.lstrip("@") or target[1:])
        if target.startswith("!"):  # specials: <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>
            special = target[1:].split("^", 1)[0]
            return label if special == "date" and label else "@" + (label.lstrip("@") or special)
        if target.lower().startswith(_WEB_SCHEMES):  # "<https://x|this thread>" reads "this thread"
            return f" {_LINK} " if not label or _BARE_ADDRESS.match(label) else label
        return label or f" {_LINK} "  # ftp:, slack:, javascript:, mailto:...: never a live link in our post

    # The comment stays in Slack's escaped form (&amp; &lt; &gt;): it is posted back into Slack as it came.
    words = _ANGLE.sub(inert, text or "").split()
    words = _without_joined_links(words, at_end=True)
    words = _without_joined_links(words[::-1], at_end=False)[::-1]
    return " ".join(w for w in words if w != _LINK)


def _without_joined_links(words: list[str], at_end: bool) -> list[str]:
    """`words` without the links at its end and the joining words just before them ("stuff, via <a>"); at the
    comment's end, the punctuation that led to them goes too."""
    trimmed = False
    while words and (words[-1] == _LINK or (trimmed and words[-1].lower() in _JOINERS)):
        trimmed = words.pop() == _LINK or trimmed
    if trimmed and at_end and words:
        words[-1] = words[-1].rstrip(",;:|/–—-") or words[-1]
    return words
