"""Which provider a link belongs to (YouTube, Vimeo, X, Mastodon, Bluesky, GitHub, GitLab, arXiv) and where its
documented endpoints are. Each endpoint base can be replaced through DIGESTBOT_PROVIDER_URLS (tests point them
at a local server; a replaced site base is also recognised in links), and every URL built here is fetched
through the same SSRF guard as any link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.pipeline.urls import absolute_http_url

if TYPE_CHECKING:  # bot.config validates DIGESTBOT_PROVIDER_URLS against DEFAULT_URLS
    from bot.config import Settings

# The providers' documented endpoints and sites, by the names DIGESTBOT_PROVIDER_URLS uses.
DEFAULT_URLS = {
    "youtube": "https://www.youtube.com",
    "youtube_oembed": "https://www.youtube.com/oembed",
    "vimeo": "https://vimeo.com",
    "vimeo_oembed": "https://vimeo.com/api/oembed.json",
    "twitter": "https://twitter.com",
    "twitter_oembed": "https://publish.twitter.com/oembed",
    "bluesky": "https://bsky.app",
    "bluesky_api": "https://public.api.bsky.app/xrpc",
    "github": "https://github.com",
    "github_api": "https://api.github.com",
    "gitlab": "https://gitlab.com",
    "gitlab_api": "https://gitlab.com/api/v4",
    "arxiv": "https://arxiv.org",
}
# The hosts whose links belong to each site.
HOSTS = {
    "youtube": {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"},
    "vimeo": {"vimeo.com", "www.vimeo.com", "player.vimeo.com"},
    "twitter": {"twitter.com", "www.twitter.com", "mobile.twitter.com", "x.com", "www.x.com"},
    "bluesky": {"bsky.app", "www.bsky.app"},
    "github": {"github.com", "www.github.com"},
    "gitlab": {"gitlab.com", "www.gitlab.com"},
    "arxiv": {"arxiv.org", "www.arxiv.org", "export.arxiv.org"},
}
_VIDEO = r"[\w-]{11}"  # YouTube's video ids
# (site, what, pattern over the path and query after the site's base)
PATTERNS: list[tuple[str, str, re.Pattern[str]]] = [
    ("youtube", "video", re.compile(rf"^/(?:watch\?(?:.*&)?v=|shorts/|live/|embed/)?({_VIDEO})(?:[/?#&]|$)")),
    ("vimeo", "video", re.compile(r"^/(?:video/|channels/[\w-]+/|groups/[\w-]+/videos/)?(\d+)(?:[/?#]|$)")),
    ("twitter", "post", re.compile(r"^/(\w{1,15})/status(?:es)?/(\d+)")),
    ("bluesky", "post", re.compile(r"^/profile/([\w.:-]+)/post/(\w+)")),
    ("github", "issue", re.compile(r"^/([\w.-]+)/([\w.-]+)/issues/(\d+)(?:[/?#]|$)")),
    ("github", "pull", re.compile(r"^/([\w.-]+)/([\w.-]+)/pull/(\d+)(?:[/?#]|$)")),
    ("github", "release", re.compile(r"^/([\w.-]+)/([\w.-]+)/releases/(?:tag/([^/?#]+)|(latest))(?:[/?#]|$)")),
    ("github", "repository", re.compile(r"^/([\w.-]+)/([\w.-]+?)(?:\.git)?/?(?:[?#]|$)")),
    ("gitlab", "issue", re.compile(r"^/((?:[\w.-]+/)+[\w.-]+)/-/issues/(\d+)(?:[/?#]|$)")),
    ("gitlab", "merge_request", re.compile(r"^/((?:[\w.-]+/)+[\w.-]+)/-/merge_requests/(\d+)(?:[/?#]|$)")),
    ("gitlab", "release", re.compile(r"^/((?:[\w.-]+/)+[\w.-]+)/-/releases/([^/?#]+)(?:[/?#]|$)")),
    ("gitlab", "repository", re.compile(r"^/((?:[\w.-]+/)+[\w.-]+?)(?:\.git)?/?(?:[?#]|$)")),
    ("arxiv", "paper", re.compile(r"^/(?:abs|pdf)/([\w./-]+?)(?:v\d+)?(?:\.pdf)?/?(?:[?#]|$)")),
]
# Any Mastodon server: /@user/<id>, /@user@other.server/<id>, /users/<user>/statuses/<id>.
MASTODON = re.compile(r"^/(?:@[\w.]+(?:@[\w.-]+)?|users/[\w.]+/statuses)/(\d{6,})/?$")
# First path segments of github.com and gitlab.com that are not an owner.
_NOT_OWNERS = {
    "about",
    "explore",
    "features",
    "marketplace",
    "orgs",
    "settings",
    "sponsors",
    "topics",
    "trending",
    "users",
    "groups",
    "dashboard",
    "help",
    "search",
    "login",
    "signup",
    "pricing",
    "enterprise",
    "-",
}


@dataclass(frozen=True)
class Link:
    """A link a provider serves: the site, what it is there, and the parts of its address that say which."""

    site: str
    what: str
    parts: tuple[str, ...]


def endpoints(settings: Settings) -> dict[str, str]:
    return DEFAULT_URLS | {name: url.rstrip("/") for name, url in settings.provider_urls.items()}


def provider_link(url: str, settings: Settings) -> Link | None:
    """The provider link `url` is, or None for any other link."""
    bases = endpoints(settings)
    for site, what, pattern in PATTERNS:
        rest = _after_site(url, site, bases)
        if rest is not None and (match := pattern.match(rest)) and _plausible(site, what, match.groups()):
            return Link(site, what, tuple(part for part in match.groups() if part))
    parts = urlsplit(url) if absolute_http_url(url) else None  # a malformed host is for the fetch to report
    if parts is not None and (match := MASTODON.match(parts.path)):
        return Link("mastodon", "post", (f"{parts.scheme}://{parts.netloc}", match[1]))
    return None


def _after_site(url: str, site: str, bases: dict[str, str]) -> str | None:
    """The path and query of `url` when it is on `site` (one of its hosts, or its configured base)."""
    base = bases[site]
    if base != DEFAULT_URLS[site] and url.startswith(base + "/"):
        return url[len(base) :]
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if host not in HOSTS[site]:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _plausible(site: str, what: str, groups: tuple[str | None, ...]) -> bool:
    if site in ("github", "gitlab"):
        return (groups[0] or "").split("/")[0].lower() not in _NOT_OWNERS
    return True
