"""Which provider a link belongs to, and the small parsers the kinds of link rely on."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.config import Settings
from bot.pipeline.facts import duration_text
from bot.pipeline.kinds import digest_link
from bot.pipeline.metadata import extract_metadata
from bot.pipeline.oembed import parse_oembed
from bot.pipeline.pagefacts import iso_duration
from bot.pipeline.pdf import page_paragraphs, pdf_date
from bot.pipeline.providers import provider_link
from tests.support.articles import ARTICLES, article_html
from tests.support.http_server import LocalServer, html
from tests.support.provider_pages import json_reply

LINKS = [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s", "youtube", "video", ("dQw4w9WgXcQ",)),
    ("https://youtu.be/dQw4w9WgXcQ?si=abc", "youtube", "video", ("dQw4w9WgXcQ",)),
    ("https://m.youtube.com/shorts/dQw4w9WgXcQ", "youtube", "video", ("dQw4w9WgXcQ",)),
    ("https://vimeo.com/channels/staffpicks/76979871", "vimeo", "video", ("76979871",)),
    ("https://x.com/riverwatch/status/1850000000000000001?s=20", "twitter", "post",
     ("riverwatch", "1850000000000000001")),
    ("https://bsky.app/profile/marta.bsky.social/post/3kabcxyz", "bluesky", "post", ("marta.bsky.social", "3kabcxyz")),
    ("https://mastodon.social/@Gargron/109876543210123456", "mastodon", "post",
     ("https://mastodon.social", "109876543210123456")),
    ("https://github.com/psf/requests", "github", "repository", ("psf", "requests")),
    ("https://github.com/psf/requests/pull/6710/files", "github", "pull", ("psf", "requests", "6710")),
    ("https://github.com/psf/requests/releases/latest", "github", "release", ("psf", "requests", "latest")),
    ("https://gitlab.com/gitlab-org/cli/-/merge_requests/7", "gitlab", "merge_request", ("gitlab-org/cli", "7")),
    ("https://arxiv.org/pdf/2411.01234v2", "arxiv", "paper", ("2411.01234",)),
]  # fmt: skip
NOT_PROVIDERS = ["https://www.youtube.com/feed/subscriptions", "https://github.com/topics/python",
                 "https://github.com/psf/requests/blob/main/README.md", "https://example.org/@alice/12",
                 "https://www.example.org/news/2026/11/rivers",
                 "http://[::1/@alice/12", "http://[zz]/@alice/12"]  # fmt: skip  # malformed: the fetch says so


@pytest.mark.parametrize(("url", "site", "what", "parts"), LINKS)
def test_provider_links(url: str, site: str, what: str, parts: tuple[str, ...]) -> None:
    link = provider_link(url, Settings())
    assert link is not None and (link.site, link.what, link.parts) == (site, what, parts)


@pytest.mark.parametrize("url", NOT_PROVIDERS)
def test_other_links_are_read_as_pages(url: str) -> None:
    assert provider_link(url, Settings()) is None


def test_a_replaced_site_base_is_recognised_in_links(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGESTBOT_PROVIDER_URLS", '{"youtube": "http://127.0.0.1:8080/yt"}')
    link = provider_link("http://127.0.0.1:8080/yt/watch?v=dQw4w9WgXcQ", Settings())
    assert link is not None and link.site == "youtube"


def test_durations_and_dates() -> None:
    assert [iso_duration(v) for v in ("PT12M34S", "PT1H2M3S", "P1DT1S", "PT", "12:34")] == [754, 3723, 86401,
                                                                                         None, None]  # fmt: skip
    assert [duration_text(s) for s in (754, 3723, 5)] == ["12:34", "1:02:03", "0:05"]
    assert [pdf_date(v) for v in ("D:20260304093000+01'00'", "D:2026", "D:202611", "D:20261399", "garbage")] == [
        (date(2026, 3, 4), "day"), (date(2026, 1, 1), "year"), (date(2026, 11, 1), "month"), None, None]  # fmt: skip


NINES = "9" * 400  # a float of 400 digits is infinity


@pytest.mark.parametrize("value", [f"PT{NINES}S", f"P{NINES}D", f"PT{NINES}.5S", "PT0S", "P30D"])
def test_an_iso_duration_no_video_has_is_none(value: str) -> None:
    assert iso_duration(value) is None


@pytest.mark.parametrize("value", ["9" * 5000, "0", "²", "1" + "0" * 7])
def test_a_meta_duration_no_video_has_is_none(value: str) -> None:
    head = f'<meta property="og:type" content="video.other"><meta property="video:duration" content="{value}">'
    assert extract_metadata(f"<html><head>{head}</head><body></body></html>", None).facts.duration_s is None


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), -5, 0, 10**30, True, [1], "long",
                                   "inf", "nan", "1e3", "-5", "0", "9" * 5000, "²", "١٢٥", ""])  # fmt: skip
def test_an_oembed_duration_no_video_has_is_left_out(value: object) -> None:
    answer = parse_oembed({"type": "video", "title": "Rain", "duration": value})
    assert (answer.title, answer.duration) == ("Rain", None)
    assert parse_oembed({"type": "video", "duration": 3725.4}).duration == 3725


@pytest.mark.parametrize(("value", "seconds"), [("125", 125), (" 125 ", 125), ("125.6", 126)])
def test_an_oembed_duration_quoted_as_a_string_is_read(value: str, seconds: int) -> None:
    assert parse_oembed({"type": "video", "duration": value}).duration == seconds


def test_pdf_lines_become_paragraphs_without_running_headers_or_page_numbers() -> None:
    body = ["the reservoir fell by a third over the summer, and the water board warned that the wells in the",
            "valley would run dry by October unless it rained. Farmers were told to ration what was left and to",
            "water at night.", "", "A second paragraph begins here and is accus-"]  # fmt: skip
    # each page's first and last lines differ, as in any real document; the header and footer do not
    pages = ["\r\n".join(["Water Board Report 2026", f"On the {river}, {body[0]}", *body[1:],
                           f"ed of nothing on the {river}.", f"Page {n} of 3"])
             for n, river in enumerate(("Po", "Ebro", "Tagus"), 1)]  # fmt: skip
    paragraphs = page_paragraphs(pages)
    assert paragraphs[0].startswith("On the Po, the reservoir fell") and paragraphs[0].endswith("water at night.")
    assert paragraphs[1] == "A second paragraph begins here and is accused of nothing on the Po."
    assert len(paragraphs) == 6 and not any("Water Board Report" in p or "Page" in p for p in paragraphs)


# A provider answer whose fields are of other types than its API documents: a field read as missing, or, when the
# answer is not one at all (a reblog without an account), the link's own page instead (link, API path, answer).
MALFORMED_ANSWERS = [
    ("/@bob/1234567", "/api/v1/statuses/1234567",
     {"account": {"acct": "bob", "display_name": ["Bob"]}, "content": "<p>Rain at last.</p>", "language": {"a": 1}}),
    ("/@bob/1234567", "/api/v1/statuses/1234567", {"account": {"acct": "bob"}, "reblog": {"account": "evil"}}),
    ("/gh/octo/tidepool", "/gh-api/repos/octo/tidepool",
     {"full_name": "octo/tidepool", "description": 5, "owner": {"login": ["octo"]}, "pushed_at": 7}),
    ("/gl/acme/gauges", "/gl-api/projects/acme%2Fgauges",
     {"path_with_namespace": "acme/gauges", "namespace": "acme", "description": {"a": 1}, "readme_url": 3}),
    ("/bsky/profile/did:plc:bob/post/3kabc", "/bsky-api/app.bsky.feed.getPosts",
     {"posts": [{"author": "bob", "record": {"text": "Rain at last.", "langs": {"a": 1}, "createdAt": []}}]}),
]  # fmt: skip


@pytest.mark.parametrize(("link", "api", "answer"), MALFORMED_ANSWERS)
async def test_a_malformed_provider_answer_is_read_leniently_or_the_page_is(link: str, api: str, answer: Any) -> None:
    rivers = str(ARTICLES["rivers"]["title"])
    with LocalServer({api: json_reply(answer), link: html(article_html("rivers"))}) as server:
        bases = {"github": "/gh", "github_api": "/gh-api", "gitlab": "/gl", "gitlab_api": "/gl-api",
                 "bluesky": "/bsky", "bluesky_api": "/bsky-api"}  # fmt: skip
        urls = {name: server.url(path) for name, path in bases.items()}
        settings = Settings(DIGESTBOT_ALLOW_PRIVATE_NETWORKS=True, DIGESTBOT_PROVIDER_URLS=urls)
        digest = await digest_link(server.url(link), settings)
        asked = [request.path for request in server.requests]
    if "reblog" in answer:
        assert (digest.kind, digest.title, asked) == ("article", rivers, [api, link])
    elif digest.kind == "post":
        assert (digest.author, digest.language, digest.published, digest.summary) == (None, None, None, "Rain at last.")
    else:
        assert digest.kind == "code" and digest.title in ("octo/tidepool", "acme/gauges")
        assert (digest.author, digest.published, digest.summary) == (None, None, "")


def test_a_pdf_heading_is_a_paragraph_of_its_own_and_a_wrapped_line_is_not() -> None:
    page = "\r\n".join([
        "Executive summary",
        "Air quality in the city improved for the fifth year in a row in 2025. Average concentrations of nitrogen",
        "dioxide fell by 14 percent compared with 2024, and the city met the national limit at every station of",
        "Lisbon for the first time. Residents can check live readings from all stations on the city website.",
        "Methods",
        "Measurements were taken with certified analysers at 24 fixed stations, which report hourly averages.",
    ])  # fmt: skip
    assert page_paragraphs([page]) == [
        "Executive summary",
        "Air quality in the city improved for the fifth year in a row in 2025. Average concentrations of nitrogen "
        "dioxide fell by 14 percent compared with 2024, and the city met the national limit at every station of "
        "Lisbon for the first time. Residents can check live readings from all stations on the city website.",
        "Methods",
        "Measurements were taken with certified analysers at 24 fixed stations, which report hourly averages.",
    ]


def test_a_pdf_line_as_narrow_as_its_neighbours_is_wrapped_text_not_a_heading() -> None:
    page = "\n".join([
        "The council approved the new transport budget on Tuesday evening after a long debate on spending.",
        "Most of the money goes to buses, trams and the cycle lanes that were promised before the elections.",
        "Opposition members said the plan left the outer districts with fewer buses than they have today.",
        "Bus ridership rose by a fifth in the year.",  # set beside a figure, narrower than the page
        "The mayor said the figures proved the",
        "Council had been right to press ahead",
        "with the new lanes and cheaper fares.",
    ])  # fmt: skip
    assert page_paragraphs([page])[-1] == (
        "The mayor said the figures proved the Council had been right to press ahead with the new lanes and cheaper"
        " fares."
    )
    assert page_paragraphs(["", ""]) == []  # a scan's pages have no text


def test_a_pdf_sentence_wrapped_in_a_narrow_column_between_sentence_ends_is_not_a_heading() -> None:
    page = "\n".join([
        "The council approved the new transport budget on Tuesday evening after a long debate on spending.",
        "Most of the money goes to buses, trams and the cycle lanes that were promised before the elections.",
        "",
        "The council met on Monday to vote.",  # a narrow column under full-width text
        "The plan for new bike lanes across",
        "Paris was approved by nine votes.",
    ])  # fmt: skip
    assert page_paragraphs([page])[-2:] == [
        "The council met on Monday to vote.",
        "The plan for new bike lanes across Paris was approved by nine votes.",
    ]


def test_a_pdf_heading_between_short_lines_that_end_sentences_is_a_paragraph_of_its_own() -> None:
    page = "\n".join([
        "The council approved the new transport budget on Tuesday evening after a long debate on spending.",
        "Most of the money goes to buses, trams and the cycle lanes that were promised before the elections.",
        "The vote was close.",
        "Recommendations",
        "Cut fares for students.",
        "Extend the night buses to the outer districts and publish the timetable before the summer.",
    ])  # fmt: skip
    assert page_paragraphs([page])[-3:] == [
        "Recommendations",
        "Cut fares for students.",
        "Extend the night buses to the outer districts and publish the timetable before the summer.",
    ]
