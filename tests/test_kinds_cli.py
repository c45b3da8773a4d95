"""Links that are not HTML articles, end to end through `digestbot digest --json`: PDFs the tests write, and
every provider's documented answers served by a local server (DIGESTBOT_PROVIDER_URLS points the endpoints
there; nothing real is contacted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.models import Article, PageFacts
from bot.pipeline.kinds import is_story_with_player, paper_digest
from bot.pipeline.media import media_digest
from bot.pipeline.metadata import extract_metadata
from tests.support.articles import ARTICLES
from tests.support.http_server import LocalServer, Reply
from tests.support.pdfs import report_pdf, scanned_pdf
from tests.support.provider_pages import (
    ABSTRACT,
    MASTODON_ID,
    PDF_PARAGRAPHS,
    TWEET_TEXT,
    VIDEO_ID,
    provider_routes,
    provider_urls,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(provider_routes()) as running:
        yield running


def digestbot(*sources: str, **env: str) -> list[dict[str, Any]]:
    """Each source's JSON line, in order (`--no-cache`: every run reads afresh)."""
    variables = {k: v for k, v in os.environ.items() if not k.startswith("DIGESTBOT_")}
    variables |= {"DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true", "DIGESTBOT_EXTRACT_TIMEOUT": "20", **env}
    result = subprocess.run([sys.executable, "-m", "handlers.cli", "digest", "--json", "--no-cache", *sources],
                            capture_output=True, text=True, env=variables, timeout=170, cwd=REPO)  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(sources), result.stdout + result.stderr
    return lines


@pytest.fixture(scope="module")
def digests(server: LocalServer) -> dict[str, dict[str, Any]]:
    """One CLI run over every kind of link, keyed by a short name."""
    links = {
        "pdf": server.url("/reports/rivers.pdf"),
        "pdf_octets": server.url("/files/rivers-report.pdf"),
        "youtube": server.url(f"/yt/watch?v={VIDEO_ID}&t=42s"),
        "vimeo": server.url("/vimeo/76979871"),
        "podcast": server.url("/podcast/episode-12"),
        "x": "https://x.com/riverwatch/status/1850000000000000001?s=20",
        "mastodon": server.url(f"/@alice/{MASTODON_ID}"),
        "bluesky": "https://bsky.app/profile/marta.bsky.social/post/3kabcxyz",
        "linkedin": server.url("/posts/rui-water-policy"),
        "github_repo": "https://github.com/octo/tidepool",
        "github_issue": "https://github.com/octo/tidepool/issues/12",
        "github_pull": "https://github.com/octo/tidepool/pull/34",
        "github_release": "https://github.com/octo/tidepool/releases/tag/v2.0",
        "gitlab_mr": "https://gitlab.com/waterlab/gauges/-/merge_requests/7",
        "arxiv": server.url("/arxiv/pdf/2411.01234v2"),
        "doi": server.url("/doi/10.5555/iberia.2026"),
        "player": server.url("/player/42"),
        "story_with_player": server.url("/news/drought-with-player"),
        "video_with_caption": server.url("/videos/olive-groves"),
        "story_with_player_no_ld": server.url("/news/drought-player-no-ld"),
    }
    found = digestbot(*links.values(), DIGESTBOT_PROVIDER_URLS=provider_urls(server))
    return dict(zip(links, found, strict=True))


def test_a_pdf_by_content_type_is_summarised_and_quoted(digests: dict[str, dict[str, Any]]) -> None:
    for name in ("pdf", "pdf_octets"):
        pdf = digests[name]
        assert pdf["kind"] == "pdf" and pdf["pages"] == 12 and "error" not in pdf
        assert pdf["title"] == "The summer the rivers ran dry" and pdf["author"] == "Lois Lane"
        assert pdf["published"] == "2026-03-04" and pdf["language"] == "en" and pdf["reading_minutes"] >= 5
        assert pdf["summary"].startswith("Rivers across southern Europe fell to their lowest levels")
        assert 3 <= len(pdf["quotes"]) <= 5
        flat = " ".join(pdf["text"].split())
        assert all(" ".join(quote.split()) in flat for quote in pdf["quotes"])
        assert "Valley Water Board" not in pdf["text"] and "Page 3" not in pdf["text"]  # running header, footer


def test_videos_and_audio_have_channel_duration_date_and_no_quotes(digests: dict[str, dict[str, Any]]) -> None:
    youtube, vimeo, podcast = digests["youtube"], digests["vimeo"], digests["podcast"]
    assert (youtube["kind"], youtube["site_name"], youtube["author"]) == ("video", "YouTube", "River Stories")
    assert youtube["title"] == "Drought on the Po" and youtube["duration_s"] == 12 * 60 + 34
    assert youtube["published"] == "2026-09-14" and youtube["quotes"] == []
    assert youtube["summary"].startswith("The river Po carried less than half its usual flow this summer.")
    assert youtube["canonical_url"].endswith(f"/yt/watch?v={VIDEO_ID}")  # the time offset is not the video
    assert (vimeo["site_name"], vimeo["author"], vimeo["duration_s"]) == ("Vimeo", "Delta Films", 3725)
    assert vimeo["published"] == "2026-10-02" and vimeo["summary"].startswith("Rice growers near the coast")
    assert (podcast["kind"], podcast["duration_s"], podcast["site_name"]) == ("audio", 3723, "Water Talk")
    assert podcast["title"] == "Episode 12: Dry rivers" and podcast["quotes"] == []


def test_og_type_video_makes_a_video_card_unless_the_page_says_it_is_an_article(
    digests: dict[str, dict[str, Any]],
) -> None:
    """Some sites declare og:type video on every story with a player atop it: the story's JSON-LD outranks that."""
    story, video = digests["story_with_player"], digests["video_with_caption"]
    assert story["kind"] == "article" and story["author"] == "Clark Kent" and len(story["quotes"]) >= 1
    assert all(paragraph in story["text"] for paragraph in ARTICLES["drought"]["paragraphs"])  # type: ignore[union-attr]
    assert (video["kind"], video["text"]) == ("video", "Olive groves in Andalusia after three dry years.")


def test_og_type_video_on_a_page_whose_text_is_a_story_makes_an_article_card(
    digests: dict[str, dict[str, Any]],
) -> None:
    """Without JSON-LD to say so, a story with a player atop it is known by its text: far longer than the player's
    description (a video page's text is its caption, as the olive groves' is)."""
    story = digests["story_with_player_no_ld"]
    assert story["kind"] == "article" and len(story["quotes"]) >= 1
    assert all(paragraph in story["text"] for paragraph in ARTICLES["drought"]["paragraphs"])  # type: ignore[union-attr]


def test_posts_are_quoted_verbatim_with_author_handle_and_date(digests: dict[str, dict[str, Any]]) -> None:
    x, mastodon, bluesky, linkedin = (digests[k] for k in ("x", "mastodon", "bluesky", "linkedin"))
    assert x["kind"] == "post" and x["site_name"] == "X" and x["summary"] == f"{TWEET_TEXT} pic.twitter.com/x1"
    assert (x["author"], x["handle"], x["published"]) == ("River Watch", "@riverwatch", "2026-11-20")
    assert mastodon["summary"] == "Measured the Po at Pontelagoscuro today: 180 m³/s.\n\nLowest since 1952. #drought"
    assert mastodon["handle"] == f"@alice@127.0.0.1:{mastodon['url'].split(':')[2].split('/')[0]}"
    assert (mastodon["author"], mastodon["published"]) == ("Alice Rossi", "2026-11-18")
    assert mastodon["site_name"] == "Mastodon"
    assert bluesky["summary"] == "Reservoirs in Spain are at 31%. That is not a typo."
    assert (bluesky["handle"], bluesky["author"], bluesky["published"]) == ("@marta.bsky.social", "Marta Rossi",
                                                                            "2026-11-19")  # fmt: skip
    assert linkedin["kind"] == "post" and linkedin["summary"].startswith("Our district cut irrigation allowances")
    assert (linkedin["author"], linkedin["handle"]) == ("Rui Santos", "@ruisantos")
    assert all(digests[k]["quotes"] == [] for k in ("x", "mastodon", "bluesky", "linkedin"))


def test_code_hosting_links(digests: dict[str, dict[str, Any]]) -> None:
    repo, issue, pull, release, merge = (digests[k] for k in ("github_repo", "github_issue", "github_pull",
                                                              "github_release", "gitlab_mr"))  # fmt: skip
    assert (repo["kind"], repo["title"], repo["item"]) == ("code", "octo/tidepool", "repository")
    assert repo["author"] == "octo"
    assert repo["summary"].startswith("River gauges on a Raspberry Pi. Tidepool measures river levels")
    assert "badge" not in repo["summary"] and "pip install" not in repo["text"]  # badges and code are not prose
    assert issue["title"] == "Gauge readings drift in cold weather"
    assert (issue["state"], issue["author"]) == ("open", "marta")
    assert issue["item"] == "issue octo/tidepool#12" and issue["summary"].startswith("Below 5 °C the ultrasonic")
    assert (pull["state"], pull["item"], pull["author"]) == ("merged", "pull request octo/tidepool#34", "rui")
    assert (release["title"], release["item"]) == ("Tidepool 2.0", "release v2.0 of octo/tidepool")
    assert (merge["site_name"], merge["state"], merge["item"]) == ("GitLab", "open", "merge request waterlab/gauges!7")
    assert merge["summary"].startswith("Adds a driver for conductivity probes")


def test_papers_have_every_author_and_the_abstract(digests: dict[str, dict[str, Any]]) -> None:
    arxiv, doi = digests["arxiv"], digests["doi"]
    assert arxiv["kind"] == "paper" and arxiv["title"] == "The longest drought of the river Po"
    assert arxiv["author"] == "Marta Rossi, Rui Santos and Antonio Garcia" and arxiv["published"] == "2026-11-04"
    assert arxiv["summary"] == ABSTRACT and arxiv["canonical_url"].endswith("/arxiv/abs/2411.01234")
    assert arxiv["quotes"] == []  # the page shows only the abstract, which the card already shows in full
    assert doi["kind"] == "paper" and doi["site_name"] == "Journal of Water"
    assert doi["author"] == "Diana Prince and Clark Kent" and doi["summary"].startswith("Reservoirs in Spain")
    assert doi["canonical_url"].endswith("/journal/iberia-reservoirs")


def test_a_papers_quotes_come_from_its_text_and_never_repeat_the_abstract() -> None:
    abstract = ("Transformers scale quadratically with sequence length, which limits their use on long documents. "
                "On three benchmarks our method matches dense attention while using 8 times less memory.")  # fmt: skip
    body = ("Long documents such as books, legal contracts and scientific papers are common in practice. Existing "
            "models truncate them to a few thousand tokens, losing most of the content. We will release every "
            "trained model.")  # fmt: skip
    paper = Article(text=f"{abstract}\n\n{body}", language="en", facts=PageFacts(kind="paper", abstract=abstract))
    digest = paper_digest(paper, "paper.html", "https://journal.example/paper")
    assert digest.summary == abstract
    assert digest.quotes and all(quote in body for quote in digest.quotes)


def test_a_player_page_is_described_by_its_discovered_oembed(digests: dict[str, dict[str, Any]]) -> None:
    player = digests["player"]
    assert (player["kind"], player["title"]) == ("embed", "Rain over the Alentejo, live map")
    assert (player["author"], player["site_name"]) == ("Weather Lab", "MapCast")


def test_saved_pdfs_scans_and_page_limits(tmp_path: Path) -> None:
    long_report, scan, locked = tmp_path / "long.pdf", tmp_path / "scan.pdf", tmp_path / "locked.pdf"
    long_report.write_bytes(
        report_pdf(
            PDF_PARAGRAPHS[:2],
            headline="Rivers, month by month",
            pages=8,
            cover=("By Marta Rossi and Rui Santos", "4 November 2026"),
        )
    )
    scan.write_bytes(scanned_pdf())
    locked.write_bytes(report_pdf(PDF_PARAGRAPHS, title="Confidential", password="hunter2"))
    first, second, third = digestbot(str(long_report), str(scan), str(locked), DIGESTBOT_PDF_MAX_PAGES="5")
    assert first["title"] == "Rivers, month by month" and first["pages"] == 8
    # no author in the metadata: the first page's byline; its printed date beats the file's creation date
    assert (first["author"], first["published"]) == ("Marta Rossi and Rui Santos", "2026-11-04")
    assert first["summary"].startswith("Rivers across southern Europe")  # the cover lines are not the text
    assert first["warning"] == "only the first 5 of its 8 pages were read" and "Part 5:" in first["text"]
    assert "Part 6:" not in first["text"] and not first["summary"].startswith("Rivers, month by month")
    assert second["kind"] == "pdf" and second["pages"] == 2 and second["summary"] == ""
    assert "no text layer" in second["warning"] and second["title"] == "Scanned minutes"
    assert third == {
        "source": str(locked),
        "error": "The PDF is password-protected, so its text cannot be read.",
        "reason": "encrypted",
    }


def test_pdfs_and_provider_answers_are_cached_like_articles(server: LocalServer, tmp_path: Path) -> None:
    """Without --no-cache the digests go through Redis (an embedded one here): the second run fetches nothing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGESTBOT_", "REDIS_URL"))}
    env |= {"DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true", "DIGESTBOT_PROVIDER_URLS": provider_urls(server),
            "DIGESTBOT_DATA_DIR": str(tmp_path)}  # fmt: skip
    links = [server.url("/reports/rivers.pdf?utm_source=mail"), "https://vimeo.com/76979871"]
    before = len(server.requests)
    runs = [subprocess.run([sys.executable, "-m", "handlers.cli", "digest", "--json", *links], capture_output=True,
                           text=True, env=env, timeout=170, cwd=REPO) for _ in range(2)]  # fmt: skip
    assert [run.returncode for run in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    assert runs[0].stdout == runs[1].stdout and '"kind":"pdf"' in runs[0].stdout
    asked = [request.path for request in server.requests[before:]]
    assert asked.count("/reports/rivers.pdf") == 1 and asked.count("/vimeo-oembed") == 1


def test_readable_output_names_the_kind(server: LocalServer) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGESTBOT_")}
    env |= {"DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true", "DIGESTBOT_PROVIDER_URLS": provider_urls(server)}
    links = [server.url("/reports/rivers.pdf"), server.url(f"/yt/watch?v={VIDEO_ID}")]
    result = subprocess.run([sys.executable, "-m", "handlers.cli", "digest", "--no-cache", *links],
                            capture_output=True, text=True, env=env, timeout=170, cwd=REPO)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "PDF · 12 pages ·" in result.stdout and "min read" in result.stdout
    assert "▶ YouTube · River Stories · 12:34" in result.stdout


def test_an_oembed_endpoint_that_answers_html_or_too_much(server: LocalServer) -> None:
    server.routes["/tw-html"] = Reply(headers=[("Content-Type", "text/html")], body=b"<html>Log in</html>")
    server.routes["/tw-huge"] = Reply(headers=[("Content-Type", "application/json")],
                                      body=b'{"type": "rich", "html": "' + b"x" * (3 << 20) + b'"}')  # fmt: skip
    tweet = "https://twitter.com/riverwatch/status/1850000000000000001"
    urls = json.loads(provider_urls(server))
    as_html = digestbot(tweet, DIGESTBOT_PROVIDER_URLS=json.dumps(urls | {"twitter_oembed": server.url("/tw-html")}))
    huge = digestbot(tweet, DIGESTBOT_PROVIDER_URLS=json.dumps(urls | {"twitter_oembed": server.url("/tw-huge")}))
    assert as_html[0]["reason"] == "not_json" and as_html[0]["error"] == "not JSON (text/html)"
    assert huge[0]["reason"] == "too_large" and "limit 524,288" in huge[0]["error"]


def test_a_video_pages_about_drops_channel_prompts_and_names_the_videos_author() -> None:
    description = ("A ten-minute animated explainer on how volcanoes form. Subscribe for a new video every week! "
                   "We follow magma from the mantle to the surface.")  # fmt: skip
    video = {"@type": "VideoObject", "name": "How volcanoes form", "description": description,
             "duration": "PT10M32S", "author": {"@type": "Person", "name": "Dr. Lava"}}  # fmt: skip
    html = (f"<html><head><meta property='og:type' content='video.other'><meta property='og:description' "
            f"content='{description}'><script type='application/ld+json'>{json.dumps(video)}</script></head>"
            "<body><h1>How volcanoes form</h1></body></html>")  # fmt: skip
    article = extract_metadata(html, "https://tube.example/v/volcanoes")
    digest = media_digest(article, "volcanoes", "https://tube.example/v/volcanoes", "video", None)
    assert digest.summary == ("A ten-minute animated explainer on how volcanoes form. "
                              "We follow magma from the mantle to the surface.")  # fmt: skip
    assert digest.author == "Dr. Lava" and digest.duration_s == 632


def test_a_video_beside_a_web_page_in_a_json_ld_graph_names_its_author() -> None:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "name": "How Paris built its bike lanes", "url": "https://tube.example/v/1"},
        {"@type": "VideoObject", "name": "How Paris built its bike lanes", "duration": "PT12M30S",
         "description": "Paris tripled its protected bike lanes in four years.",
         "author": {"@type": "Person", "name": "Jane Rider"}},
    ]}  # fmt: skip
    html = (f"<html><head><meta property='og:type' content='video.other'><script type='application/ld+json'>"
            f"{json.dumps(graph)}</script></head><body><h1>Bike lanes</h1></body></html>")  # fmt: skip
    facts = extract_metadata(html, "https://tube.example/v/1").facts
    assert facts.kind == "video" and facts.authors == ["Jane Rider"] and facts.duration_s == 750


_STORY_BESIDE_CLIP = {"@context": "https://schema.org", "@graph": [
    {"@type": "WebPage", "@id": "https://news.example/library#page", "name": "Council closes Elm Street library"},
    {"@type": "VideoObject", "@id": "https://news.example/library#clip", "name": "Library vote", "duration": "PT1M30S",
     "author": {"@type": "Person", "name": "Video Desk"}},
]}  # fmt: skip


def test_a_news_story_whose_web_page_has_a_clip_beside_it_stays_an_article() -> None:
    """No og:type video and the WebPage's mainEntity is not the clip: the clip is only something the story shows."""
    html = (f"<html><head><script type='application/ld+json'>{json.dumps(_STORY_BESIDE_CLIP)}</script></head>"
            "<body><h1>Council closes Elm Street library</h1><p>By Jane Doe</p></body></html>")  # fmt: skip
    facts = extract_metadata(html, "https://news.example/library").facts
    assert facts.kind is None and facts.authors == [] and facts.duration_s is None


def test_a_web_page_whose_main_entity_is_its_video_is_a_video() -> None:
    graph = json.loads(json.dumps(_STORY_BESIDE_CLIP))
    graph["@graph"][0]["mainEntity"] = {"@id": "https://news.example/library#clip"}
    html = f"<html><head><script type='application/ld+json'>{json.dumps(graph)}</script></head><body></body></html>"
    facts = extract_metadata(html, "https://news.example/library").facts
    assert facts.kind == "video" and facts.authors == ["Video Desk"] and facts.duration_s == 90


@pytest.mark.parametrize(
    ("description", "about"),
    [
        ("🚲 Paris tripled its protected bike lanes in four years. We rode all of them.\n\nSubscribe for more!",
         "🚲 Paris tripled its protected bike lanes in four years. We rode all of them."),
        ("[4K] A night walk through Kyoto's Gion district in the rain.\n\nFollow us on Instagram",
         "[4K] A night walk through Kyoto's Gion district in the rain."),
    ],
)  # fmt: skip
def test_a_video_description_opening_with_an_emoji_or_a_bracket_keeps_its_opening(description: str, about: str) -> None:
    article = Article(title="A video", description=description, text=description)
    digest = media_digest(article, "video", "https://tube.example/v/1", "video", None)
    assert digest.summary == about


@pytest.mark.parametrize(
    "prompts",
    [
        "► Subscribe: https://tube.example/c/rides ► Follow us on Instagram.",
        "👉 Follow us on Instagram for more!",
        "➡️ Read more: https://example.com/paris",
        "#shorts #paris #bikes",
        "https://example.com/paris www.example.com/rides",
    ],
)
def test_a_video_description_s_prompts_behind_an_arrow_or_emoji_and_its_hashtags_and_links_are_left_out(
    prompts: str,
) -> None:
    description = f"{prompts}\nParis tripled its protected bike lanes in four years. We rode all of them."
    article = Article(title="A video", description=description, text=description)
    digest = media_digest(article, "video", "https://tube.example/v/1", "video", None)
    assert digest.summary == "Paris tripled its protected bike lanes in four years. We rode all of them."


def test_a_video_page_without_a_description_stays_a_video_whatever_its_text() -> None:
    """Its text may be the "up next" list or the comments: only a description shows the text is far longer."""
    text = "Up next: another clip about the harbour and its boats. " * 20
    assert not is_story_with_player(Article(text=text))
    assert is_story_with_player(Article(text=text, description="The harbour at dawn."))
