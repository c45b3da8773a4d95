"""Reading links out of Slack message text: `<https://x|label>` markup, entities unescaped exactly once."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Slack wraps every link, mention and special in angle brackets; a link is `<url>` or `<url|label>`.
_ANGLE = re.compile(r"<([^<>]*)>")
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".ico", ".mp4", ".mov")
SLACK_HOSTS = ("slack.com", "slack-edge.com", "slack-files.com", "slack-redir.net")


def _unescape(text: str) -> str:
    # Slack escapes exactly &, < and >; html.unescape would also turn "&copy" and friends into symbols.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _matches(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def links_in_text(text: str, ignore_domains: tuple[str, ...] = (), limit: int = 3) -> list[str]:
    """The http(s) links worth digesting, in order, without duplicates, skipping Slack, images and ignored domains."""
    links: list[str] = []
    for inner in _ANGLE.findall(text or ""):
        url = _unescape(inner.split("|", 1)[0]).strip()
        if not url.lower().startswith(("http://", "https://")) or url in links:
            continue
        host = _host(url)
        if not host or _matches(host, SLACK_HOSTS) or _matches(host, ignore_domains):
            continue
        if urlsplit(url).path.lower().endswith(_IMAGE_SUFFIXES):
            continue
        links.append(url)
    return links[:limit]


def comment_without_links(text: str) -> str:
    """What the sharer said around the links: link markup removed, mentions kept, whitespace tidied."""
    def keep(match: re.Match[str]) -> str:
        inner = match.group(1)
        return "" if inner.lower().startswith(("http://", "https://", "mailto:")) else match.group(0)

    # The comment stays in Slack's escaped form: it is posted back into Slack as it came.
    return re.sub(r"\s+", " ", _ANGLE.sub(keep, text or "")).strip()
