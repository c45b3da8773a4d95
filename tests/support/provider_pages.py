"""Pages and API answers written from each provider's documented format (never fetched from the real sites),
served by tests/http_server.py, and the DIGESTBOT_PROVIDER_URLS that point the providers' endpoints at them.

    with LocalServer(provider_routes()) as server:
        env = {"DIGESTBOT_PROVIDER_URLS": provider_urls(server)}
"""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.support.articles import ARTICLES, article_html
from tests.support.http_server import LocalServer, Reply, html, redirect
from tests.support.pdfs import report_pdf

VIDEO_ID = "dQw4w9WgXcQ"
MASTODON_ID = "109876543210123456"
README = """# Tidepool

[![build](https://ci.example/badge.svg)](https://ci.example) ![coverage](https://cov.example/badge.svg)

Tidepool measures river levels from cheap ultrasonic gauges and publishes them as open data. It runs on a
Raspberry Pi and sends a reading every five minutes.

```sh
pip install tidepool
```

Readings are kept for ten years, so droughts can be compared across decades.
"""
PDF_PARAGRAPHS = ARTICLES["rivers"]["paragraphs"]  # type: ignore[assignment]


def json_reply(value: Any, content_type: str = "application/json; charset=utf-8") -> Reply:
    return Reply(headers=[("Content-Type", content_type)], body=json.dumps(value).encode())


def page(head: str, body: str = "") -> Reply:
    return html(f"<!doctype html><html lang='en'><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>")


def provider_urls(server: LocalServer) -> str:
    bases = {
        "youtube": "/yt", "youtube_oembed": "/yt/oembed", "vimeo": "/vimeo", "vimeo_oembed": "/vimeo-oembed",
        "twitter_oembed": "/tw-oembed", "bluesky_api": "/bsky/xrpc", "github_api": "/gh-api",
        "gitlab_api": "/gl-api/v4", "arxiv": "/arxiv",
    }  # fmt: skip
    return json.dumps({name: server.url(path) for name, path in bases.items()})


# --- videos and audio ------------------------------------------------------------------------------

YOUTUBE_PAGE = page(
    "<title>Drought on the Po - YouTube</title>"
    "<meta property='og:type' content='video.other'><meta property='og:title' content='Drought on the Po'>"
    "<meta property='og:description' content='The river Po carried less than half its usual flow this summer. "
    "Hydrologists explain why, and what it means for farmers. Filmed in Parma in August.'>",
    "<div itemscope itemtype='http://schema.org/VideoObject'><meta itemprop='duration' content='PT12M34S'>"
    "<meta itemprop='datePublished' content='2026-09-14'></div><div id='player'></div>",
)
YOUTUBE_OEMBED = {
    "title": "Drought on the Po", "author_name": "River Stories", "author_url": "https://www.youtube.com/@riverstories",
    "type": "video", "height": 113, "width": 200, "version": "1.0", "provider_name": "YouTube",
    "provider_url": "https://www.youtube.com/", "thumbnail_height": 360, "thumbnail_width": 480,
    "thumbnail_url": f"https://i.ytimg.com/vi/{VIDEO_ID}/hqdefault.jpg",
    "html": f'<iframe width="200" height="113" src="https://www.youtube.com/embed/{VIDEO_ID}?feature=oembed"></iframe>',
}  # fmt: skip
VIMEO_OEMBED = {
    "type": "video", "version": "1.0", "provider_name": "Vimeo", "provider_url": "https://vimeo.com/",
    "title": "Salt water in the rice fields", "author_name": "Delta Films", "author_url": "https://vimeo.com/deltafilms",
    "is_plus": "0", "account_type": "basic", "html": "<iframe src=\"https://player.vimeo.com/video/76979871\"></iframe>",
    "width": 640, "height": 360, "duration": 3725,
    "description": "Rice growers near the coast watch salt water creep inland. A year on three farms.",
    "thumbnail_url": "https://i.vimeocdn.com/video/1.jpg", "upload_date": "2026-10-02 14:08:29", "video_id": 76979871,
    "uri": "/videos/76979871",
}  # fmt: skip
PODCAST_PAGE = page(
    "<title>Episode 12: Dry rivers</title><meta property='og:site_name' content='Water Talk'>"
    "<script type='application/ld+json'>" + json.dumps({
        "@context": "https://schema.org", "@type": "PodcastEpisode", "name": "Episode 12: Dry rivers",
        "datePublished": "2026-11-02", "duration": "PT1H2M3S",
        "description": "Two hydrologists on the summer the rivers ran dry. We talk reservoirs, rice and rain.",
        "partOfSeries": {"@type": "PodcastSeries", "name": "Water Talk"},
    }) + "</script>",
    "<audio src='/ep12.mp3'></audio>",
)  # fmt: skip

# A story whose site declares og:type video on every page with a player atop it; its JSON-LD says it is an
# article, and its text is the drought story. The same markup without the JSON-LD is a video page.
PLAYER_TAGS = (
    "<meta property='og:type' content='video.other'>"
    "<meta property='og:description' content='Olive groves in Andalusia after three dry years.'>"
)
PLAYER = "<div class='player'><video src='/clip.mp4'></video></div>"
NEWS_ARTICLE_LD = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                              "headline": ARTICLES["drought"]["title"]})  # fmt: skip
STORY_WITH_PLAYER = html(
    article_html("drought")
    .replace("</head>", f"{PLAYER_TAGS}<script type='application/ld+json'>{NEWS_ARTICLE_LD}</script></head>", 1)
    .replace("<article>", f"{PLAYER}<article>", 1)
)
# the same story whose template declares og:type video and gives no JSON-LD at all
STORY_WITH_PLAYER_NO_LD = html(
    article_html("drought").replace("</head>", f"{PLAYER_TAGS}</head>", 1).replace("<article>", f"{PLAYER}<article>", 1)
)
VIDEO_WITH_CAPTION = page(f"<title>Olive groves after the drought</title>{PLAYER_TAGS}",
                          f"{PLAYER}<p>Filmed in Jaén in October.</p>")  # fmt: skip

# --- posts -----------------------------------------------------------------------------------------

TWEET_TEXT = "The river Po is at its lowest in seventy years. Thread on what it means for rice farmers below."
TWITTER_OEMBED = {
    "url": "https://twitter.com/riverwatch/status/1850000000000000001", "author_name": "River Watch",
    "author_url": "https://twitter.com/riverwatch",
    "html": '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">' + TWEET_TEXT + ' <a href="https://t.co/x1">'
            'pic.twitter.com/x1</a></p>&mdash; River Watch (@riverwatch) <a href="https://twitter.com/riverwatch/'
            'status/1850000000000000001?ref_src=twsrc%5Etfw">November 20, 2026</a></blockquote>\n',
    "width": 550, "height": None, "type": "rich", "cache_age": "3153600000", "provider_name": "Twitter",
    "provider_url": "https://twitter.com", "version": "1.0",
}  # fmt: skip
MASTODON_STATUS = {
    "id": MASTODON_ID, "created_at": "2026-11-18T09:12:00.000Z", "in_reply_to_id": None, "sensitive": False,
    "spoiler_text": "", "visibility": "public", "language": "en", "uri": "https://example.social/users/alice/statuses/1",
    "url": None, "replies_count": 2, "reblogs_count": 5, "favourites_count": 9,
    "content": "<p>Measured the Po at Pontelagoscuro today: 180 m³/s.</p><p>Lowest since 1952. "
               '<a href="https://example.social/tags/drought" class="mention hashtag">#<span>drought</span></a></p>',
    "reblog": None, "account": {"id": "1", "username": "alice", "acct": "alice", "display_name": "Alice Rossi",
                                "url": "https://example.social/@alice"},
    "media_attachments": [], "mentions": [], "tags": [{"name": "drought"}], "card": None,
}  # fmt: skip
BLUESKY_DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
BLUESKY_POST = {"posts": [{
    "uri": f"at://{BLUESKY_DID}/app.bsky.feed.post/3kabcxyz", "cid": "bafyrei",
    "author": {"did": BLUESKY_DID, "handle": "marta.bsky.social", "displayName": "Marta Rossi"},
    "record": {"$type": "app.bsky.feed.post", "text": "Reservoirs in Spain are at 31%. That is not a typo.",
               "createdAt": "2026-11-19T07:30:00.000Z", "langs": ["en"]},
    "replyCount": 0, "repostCount": 3, "likeCount": 12, "indexedAt": "2026-11-19T07:30:01.000Z", "labels": [],
}]}  # fmt: skip
LINKEDIN_PAGE = page(
    "<title>Water policy update | LinkedIn</title><meta property='og:site_name' content='LinkedIn'>"
    "<script type='application/ld+json'>" + json.dumps({
        "@context": "http://schema.org", "@type": "SocialMediaPosting", "headline": "Water policy update",
        "articleBody": "Our district cut irrigation allowances by 40% this week. Farmers, talk to us before planting.",
        "datePublished": "2026-11-10T08:00:00.000+00:00",
        "author": {"@type": "Person", "name": "Rui Santos", "url": "https://pt.linkedin.com/in/ruisantos"},
    }) + "</script>",
)  # fmt: skip

# --- code hosting ----------------------------------------------------------------------------------

GITHUB_REPO = {
    "id": 1, "name": "tidepool", "full_name": "octo/tidepool", "owner": {"login": "octo", "type": "User"},
    "html_url": "https://github.com/octo/tidepool", "description": "River gauges on a Raspberry Pi.",
    "created_at": "2024-02-01T10:00:00Z", "updated_at": "2026-11-20T10:00:00Z", "pushed_at": "2026-11-19T18:00:00Z",
    "stargazers_count": 421, "language": "Python", "topics": ["hydrology"], "default_branch": "main",
}  # fmt: skip
GITHUB_README = {"type": "file", "encoding": "base64", "name": "README.md", "path": "README.md",
                 "content": base64.encodebytes(README.encode()).decode()}  # fmt: skip
GITHUB_ISSUE = {
    "number": 12, "title": "Gauge readings drift in cold weather", "state": "open", "user": {"login": "marta"},
    "body": "Below 5 °C the ultrasonic readings drift by up to 3 cm. I think the speed of sound is not corrected "
            "for temperature.\n\nSteps: put the gauge in a fridge.", "created_at": "2026-11-02T08:00:00Z",
    "html_url": "https://github.com/octo/tidepool/issues/12", "comments": 4,
}  # fmt: skip
GITHUB_PULL = {
    "number": 34, "title": "Correct the speed of sound for temperature", "state": "closed", "draft": False,
    "merged": True, "merged_at": "2026-11-10T12:00:00Z", "user": {"login": "rui"},
    "body": "Fixes #12. The gauge now reads the air temperature and corrects the speed of sound.",
    "created_at": "2026-11-05T08:00:00Z", "html_url": "https://github.com/octo/tidepool/pull/34",
}  # fmt: skip
GITHUB_RELEASE = {
    "tag_name": "v2.0", "name": "Tidepool 2.0", "author": {"login": "octo"}, "published_at": "2026-11-15T09:00:00Z",
    "body": "Temperature-corrected readings. Ten years of history kept on the device.", "draft": False,
    "prerelease": False, "html_url": "https://github.com/octo/tidepool/releases/tag/v2.0",
}  # fmt: skip
GITLAB_MR = {
    "id": 1, "iid": 7, "project_id": 3, "title": "Add salinity sensor support", "state": "opened", "draft": False,
    "description": "Adds a driver for conductivity probes, so gauges near the coast report salt water.",
    "author": {"id": 2, "username": "delta", "name": "Delta Lab"}, "created_at": "2026-11-12T10:00:00.000Z",
    "web_url": "https://gitlab.com/waterlab/gauges/-/merge_requests/7",
}  # fmt: skip

# --- papers ----------------------------------------------------------------------------------------

ABSTRACT = (
    "We measure the summer flow of the river Po from 1950 to 2026 and find that the 2026 drought was "
    "the longest on record. Flow fell below half its median for ninety days. Salt water reached "
    "forty kilometres inland, the furthest ever observed. We estimate that rice yields in the delta "
    "fell by a third. Our model shows that droughts of this length will recur every eight years by 2050."
)
ARXIV_PAGE = page(
    "<title>[2411.01234] The longest drought of the river Po</title>"
    "<meta name='citation_title' content='The longest drought of the river Po'>"
    "<meta name='citation_author' content='Rossi, Marta'><meta name='citation_author' content='Santos, Rui'>"
    "<meta name='citation_author' content='Garcia, Antonio'><meta name='citation_date' content='2026/11/04'>"
    "<meta name='citation_online_date' content='2026/11/05'>"
    "<meta name='citation_pdf_url' content='https://arxiv.org/pdf/2411.01234'>"
    "<meta name='citation_arxiv_id' content='2411.01234'><meta property='og:site_name' content='arXiv.org'>",
    f"<h1 class='title mathjax'>The longest drought of the river Po</h1><blockquote class='abstract mathjax'>"
    f"<span class='descriptor'>Abstract:</span>{ABSTRACT}</blockquote>",
)
DOI_LANDING = page(
    "<title>Reservoir levels in Iberia | Journal of Water</title>"
    "<meta name='citation_title' content='Reservoir levels in Iberia, 1990-2026'>"
    "<meta name='citation_author' content='Diana Prince'><meta name='citation_author' content='Clark Kent'>"
    "<meta name='citation_publication_date' content='2026/10/01'>"
    "<meta name='citation_journal_title' content='Journal of Water'>"
    "<meta name='citation_abstract' content='Abstract: Reservoirs in Spain and Portugal held less water in 2026 than "
    "in any year since records began. We trace the decline to a drier winter and to more irrigation. Storage "
    "fell by a third in a decade. Desalination covered less than five percent of the shortfall.'>",
    "<div id='app'></div>",
)

# --- players: only their oEmbed answer describes them ----------------------------------------------

JS_SHELL = ("<script src='/app.js'></script><noscript>You need to enable JavaScript to run this app.</noscript>"
            "<div id='root'></div>")  # fmt: skip


def shell_with_oembed(endpoint: str) -> Reply:
    return page(f"<title>Player</title><link rel='alternate' type='application/json+oembed' href='{endpoint}'>",
                JS_SHELL)  # fmt: skip


PLAYER_OEMBED = {"version": "1.0", "type": "rich", "title": "Rain over the Alentejo, live map",
                 "author_name": "Weather Lab", "provider_name": "MapCast", "html": "<iframe></iframe>"}  # fmt: skip


def provider_routes() -> dict[str, Reply | Any]:
    """Every provider's answers at the paths provider_urls() names, and the pages the tests link."""
    gh = "/gh-api/repos/octo/tidepool"
    return {
        "/yt/watch": YOUTUBE_PAGE, "/yt/oembed": json_reply(YOUTUBE_OEMBED), "/vimeo-oembed": json_reply(VIMEO_OEMBED),
        "/podcast/episode-12": PODCAST_PAGE, "/tw-oembed": json_reply(TWITTER_OEMBED),
        f"/api/v1/statuses/{MASTODON_ID}": json_reply(MASTODON_STATUS),
        "/bsky/xrpc/com.atproto.identity.resolveHandle": json_reply({"did": BLUESKY_DID}),
        "/bsky/xrpc/app.bsky.feed.getPosts": json_reply(BLUESKY_POST), "/posts/rui-water-policy": LINKEDIN_PAGE,
        gh: json_reply(GITHUB_REPO), f"{gh}/readme": json_reply(GITHUB_README),
        f"{gh}/issues/12": json_reply(GITHUB_ISSUE), f"{gh}/pulls/34": json_reply(GITHUB_PULL),
        f"{gh}/releases/tags/v2.0": json_reply(GITHUB_RELEASE),
        "/gl-api/v4/projects/waterlab%2Fgauges/merge_requests/7": json_reply(GITLAB_MR),
        "/arxiv/abs/2411.01234": ARXIV_PAGE, "/doi/10.5555/iberia.2026": redirect("/journal/iberia-reservoirs"),
        "/journal/iberia-reservoirs": DOI_LANDING,
        "/player/42": shell_with_oembed("/player-oembed?url=/player/42&format=json"),
        "/player-oembed": json_reply(PLAYER_OEMBED),
        "/reports/rivers.pdf": Reply(headers=[("Content-Type", "application/pdf")], body=REPORT),
        "/files/rivers-report.pdf": Reply(headers=[("Content-Type", "application/octet-stream")], body=REPORT),
        "/article": html(article_html("drought")),
        "/news/drought-with-player": STORY_WITH_PLAYER, "/videos/olive-groves": VIDEO_WITH_CAPTION,
        "/news/drought-player-no-ld": STORY_WITH_PLAYER_NO_LD,
    }  # fmt: skip


REPORT = report_pdf(PDF_PARAGRAPHS, title="The summer the rivers ran dry", author="Lois Lane", pages=12)
