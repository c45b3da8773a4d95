"""What a provider's answer says about a link that has little or nothing to show: a private or removed video, a
post without text, a post page that needs JavaScript, a README of lists and directives, a paper dated by its
year only. Pages and answers written for these tests, served locally; nothing real is contacted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.config import Settings
from bot.errors import DigestError
from bot.models import Digest
from bot.pipeline.codehosts import markdown_paragraphs, readme_paragraphs
from bot.pipeline.facts import ISO_DATE, kind_facts
from bot.pipeline.kinds import digest_link, paper_digest, pdf_digest
from bot.pipeline.media import media_digest
from bot.pipeline.metadata import extract_metadata
from handlers.cards import byline
from tests.support.http_server import LocalServer, Reply
from tests.support.pdfs import report_pdf
from tests.support.provider_pages import PDF_PARAGRAPHS, VIDEO_ID, YOUTUBE_OEMBED, json_reply, page

# What YouTube's watch page of a private or removed video holds: the site's own title and tagline, no video.
TAGLINE = "Enjoy the videos and music you love, upload original content, and share it all with the world."
NO_VIDEO_PAGE = page(f"<title> - YouTube</title><meta name='description' content='{TAGLINE}'>"
                     "<meta property='og:site_name' content='YouTube'>", "<div id='player'></div>")  # fmt: skip


async def digest_from(routes: dict[str, Reply], link: str, **bases: str) -> Digest:
    """The digest of `link` (a path) with the named provider endpoints pointed at paths of the same server."""
    with LocalServer(routes) as server:
        urls = {name: server.url(path) for name, path in bases.items()}
        settings = Settings(DIGESTBOT_ALLOW_PRIVATE_NETWORKS=True, DIGESTBOT_PROVIDER_URLS=urls)
        return await digest_link(server.url(link), settings)


@pytest.mark.parametrize("status", [401, 404])
async def test_a_private_or_removed_youtube_video_says_so_rather_than_show_the_sites_tagline(status: int) -> None:
    routes = {"/yt/watch": NO_VIDEO_PAGE, "/yt/oembed": Reply(status=status)}
    with pytest.raises(DigestError) as raised:
        await digest_from(routes, f"/yt/watch?v={VIDEO_ID}", youtube="/yt", youtube_oembed="/yt/oembed")
    assert "private or was removed" in str(raised.value) and str(status) in str(raised.value)


async def test_a_youtube_watch_page_that_is_no_videos_adds_nothing_to_its_oembed_answer() -> None:
    """A consent wall or the site's front matter in place of the watch page: the card is oEmbed's alone."""
    routes = {"/yt/watch": NO_VIDEO_PAGE, "/yt/oembed": json_reply(YOUTUBE_OEMBED)}
    digest = await digest_from(routes, f"/yt/watch?v={VIDEO_ID}", youtube="/yt", youtube_oembed="/yt/oembed")
    assert (digest.kind, digest.title, digest.author) == ("video", "Drought on the Po", "River Stories")
    assert digest.summary == "" and TAGLINE not in digest.text


def test_a_video_objects_description_and_publisher_make_the_cards_about_and_site() -> None:
    """A page whose only metadata is its schema.org VideoObject (no OpenGraph, no description tag)."""
    video = {"@context": "https://schema.org", "@type": "VideoObject", "name": "Ocean cleanup, a year on",
             "description": "The crew returns to the garbage patch. They weigh what the first sweep removed.",
             "duration": "PT12M30S", "author": {"@type": "Person", "name": "Lena Ortiz"},
             "publisher": {"@type": "Organization", "name": "StreamSite"}}  # fmt: skip
    html = (f"<html><head><script type='application/ld+json'>{json.dumps(video)}</script></head>"
            "<body><h1>Ocean cleanup, a year on</h1><p>Great video! First!</p></body></html>")  # fmt: skip
    article = extract_metadata(html, "https://tube.example/v/ocean")
    digest = media_digest(article, "ocean", "https://tube.example/v/ocean", "video", None)
    assert digest.summary == "The crew returns to the garbage patch. They weigh what the first sweep removed."
    assert (digest.site_name, digest.author, digest.duration_s) == ("StreamSite", "Lena Ortiz", 750)


def mastodon_status(content: str, account: dict[str, Any] | None = None, **fields: Any) -> Reply:
    """A status as Mastodon's API answers it (the fields digestbot reads)."""
    account = {"acct": "ada", "username": "ada", "display_name": "Ada", "emojis": [], **(account or {})}
    return json_reply({"id": "109876543211", "created_at": "2026-11-18T09:12:00.000Z", "spoiler_text": "",
                       "language": "en", "url": None, "content": content, "account": account, "emojis": [],
                       "media_attachments": [], **fields})  # fmt: skip


@pytest.mark.parametrize(
    ("emojis", "name"),
    [([{"shortcode": "verified", "url": "https://example.social/e/v.png"}], "Ada 🧪 :notlisted:"), (None, "Ada 🧪")],
)
async def test_mastodon_custom_emoji_codes_are_left_out_of_the_name_and_the_post(
    emojis: list[dict[str, str]] | None, name: str
) -> None:
    """The codes the answer lists (a server that lists none: every :code:), never a time like 12:30:00."""
    account = {"display_name": "Ada :verified: 🧪 :notlisted:", "emojis": emojis}
    status = mastodon_status("<p>Lab moved to open tools :verified: at 12:30:00.</p>", account, emojis=emojis)
    digest = await digest_from({"/api/v1/statuses/109876543211": status}, "/@ada/109876543211")
    assert (digest.title, digest.author) == (f"{name} on Mastodon", name)
    assert digest.summary == "Lab moved to open tools at 12:30:00."


# A Mastodon post's page as the server sends it without JavaScript: nothing but a notice (no text, no tags)
MASTODON_SHELL = page("<title>Social Example</title>", "<noscript>Please enable JavaScript.</noscript>")


async def test_a_mastodon_post_with_media_and_no_text_gets_a_card_saying_so() -> None:
    media = [{"type": "image", "description": "A graph of costs falling by half"}, {"type": "image"}]
    routes = {"/api/v1/statuses/109876543211": mastodon_status("", media_attachments=media),
              "/@ada/109876543211": MASTODON_SHELL}  # fmt: skip
    digest = await digest_from(routes, "/@ada/109876543211")
    assert (digest.kind, digest.author, str(digest.published)) == ("post", "Ada", "2026-11-18")
    assert digest.summary == "Post of 2 images (no text). Described as: “A graph of costs falling by half”"


async def test_a_provider_answers_reason_wins_over_a_page_with_no_text_of_its_own() -> None:
    """An empty post's page is only the app's shell: the API said more (and a missing post's page says 404)."""
    routes = {"/api/v1/statuses/109876543211": mastodon_status(""), "/@ada/109876543211": MASTODON_SHELL}
    with pytest.raises(DigestError) as raised:
        await digest_from(routes, "/@ada/109876543211")
    assert (raised.value.reason, str(raised.value)) == ("empty", "The Mastodon post has no text to show.")
    with pytest.raises(DigestError) as raised:
        await digest_from({}, "/@ada/109876543211")
    assert raised.value.reason == "http_status" and "404" in str(raised.value)


def shell_with_tags(title: str, site: str, description: str) -> Reply:
    """An app shell (its text needs JavaScript) whose OpenGraph tags describe the page."""
    return page(f"<meta property='og:title' content='{title}'><meta property='og:site_name' content='{site}'>"
                f"<meta property='og:description' content='{description}'>",
                "<noscript>Please enable JavaScript.</noscript><div id='root'></div>")  # fmt: skip


@pytest.mark.parametrize(
    ("title", "site", "author", "handle"),
    [("Ada (@ada@social.example)", "Social Example", "Ada", "@ada@social.example"),
     ("Jo Lee (@jolee) on Threads", "Threads", "Jo Lee", "@jolee"),
     ("Jo Lee on X", "X (formerly Twitter)", "Jo Lee", None)],
)  # fmt: skip
async def test_a_post_page_that_needs_javascript_is_read_from_its_opengraph_tags(
    title: str, site: str, author: str, handle: str | None
) -> None:
    post = "Shipping the new release today. Three years of work went into this one."
    digest = await digest_from({"/p/1": shell_with_tags(title, site, f"“{post}”")}, "/p/1")
    assert (digest.kind, digest.author, digest.handle, digest.summary) == ("post", author, handle, post)


async def test_an_app_shell_whose_tags_are_no_posts_is_still_refused() -> None:
    shell = shell_with_tags("Acme maps", "Acme", "Draw maps from one YAML file, host them anywhere.")
    with pytest.raises(DigestError) as raised:
        await digest_from({"/app": shell}, "/app")
    assert raised.value.reason == "javascript_only"


MARKDOWN_README = """<h1 align="center">Quickmap</h1>

> **Note**
> We are looking for maintainers! See #42.

## Features

- Vector tiles
- Offline mode

Quickmap turns a YAML description of layers into a web map you can host anywhere.
"""
RST_README = """==========
 fastyaml
==========

.. image:: https://img.shields.io/pypi/v/fastyaml.svg
   :target: https://pypi.org/project/fastyaml/

.. |ci| image:: https://ci.example/badge.svg

|ci|

fastyaml is a YAML parser written in C. It loads large documents ten times faster.

.. note:: We are looking for maintainers.

.. code-block:: bash

    pip install fastyaml

.. include:: /etc/passwd

Usage
-----

- ``fastyaml.load`` reads a string or a file.
"""


def test_a_markdown_readmes_summary_is_its_prose_not_its_lists_or_quoted_notes() -> None:
    assert readme_paragraphs(MARKDOWN_README, "README.md") == [
        "Quickmap turns a YAML description of layers into a web map you can host anywhere."
    ]
    assert markdown_paragraphs("- Fixes the drift\n- Adds a test") == ["Fixes the drift", "Adds a test"]  # no prose


def test_a_restructuredtext_readme_is_read_as_one_without_directives_badges_or_included_files() -> None:
    assert readme_paragraphs(RST_README, "docs/README.rst") == [
        "fastyaml is a YAML parser written in C. It loads large documents ten times faster."
    ]
    assert readme_paragraphs(RST_README.split("fastyaml is")[0] + "Usage\n-----\n\n- ``load`` a file.\n",
                             "README.rst") == ["load a file."]  # fmt: skip


@pytest.mark.parametrize(
    ("tag", "card", "iso"),
    [("2019", "2019", "2019"), ("2019/06", "Jun 2019", "2019-06"), ("2019-06-03", "Jun 3, 2019", "2019-06-03")],
)
def test_a_papers_date_is_shown_as_precisely_as_its_page_gives_it(tag: str, card: str, iso: str) -> None:
    html = (
        f"<html><head><meta name='citation_title' content='Sparse attention'><meta name='citation_author' "
        f"content='Curie, Marie'><meta name='citation_publication_date' content='{tag}'></head></html>"
    )
    digest = paper_digest(extract_metadata(html, "https://papers.example/1"), "p", "https://papers.example/1")
    assert byline(digest) == f"Marie Curie · {card}"
    assert kind_facts(digest, ISO_DATE) == ["Marie Curie", iso]
    as_article = digest.model_copy(update={"kind": "article"})  # an article's byline reads the same date
    assert byline(as_article) == f"Marie Curie · {card}"


async def test_a_pdf_dated_by_its_year_only_shows_the_year() -> None:
    """ "D:2019" in the document's dictionary (same length as the full date, so its cross-references hold)."""
    full = b"(D:20260304093000Z)"
    data = report_pdf(PDF_PARAGRAPHS, title="The summer the rivers ran dry", pages=1).replace(
        full, b"(D:2019          )"
    )
    digest = await pdf_digest(data, "report.pdf", "https://reports.example/report.pdf", Settings())
    assert (str(digest.published), digest.published_precision) == ("2019-01-01", "year")
    assert kind_facts(digest, ISO_DATE)[-1] == "2019"
