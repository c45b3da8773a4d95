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


# Words and marks that joined a removed link to the comment: "space stuff <a> and <b>" is "space stuff", not
# "space stuff and". (The comment is in Slack's escaped form: "&amp;".)
_JOINERS = frozenset(
    "and or und oder et ou y o &amp; + , ; : - – — | / -> → via from at on here hier".split()  # noqa: SIM905
)
_LINK = "\x00"  # where a link was, while the joiners beside it are found
_BARE_ADDRESS = re.compile(r"^\S+\.\S+$")  # a label that only repeats the link ("a.example/x")


def comment_without_links(text: str) -> str:
    """What the sharer said around the links: link markup removed (a link's own words kept), mentions kept, the
    words that only joined links dropped at either edge, whitespace tidied."""

    def keep(match: re.Match[str]) -> str:
        inner = match.group(1)
        if not inner.lower().startswith(("http://", "https://", "mailto:")):
            return match.group(0)
        label = inner.partition("|")[2].strip()  # "<https://x|this thread>" reads "this thread"
        return f" {_LINK} " if not label or _BARE_ADDRESS.match(label) else label

    # The comment stays in Slack's escaped form: it is posted back into Slack as it came.
    words = _ANGLE.sub(keep, text or "").split()
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
