"""End to end through `digestbot serve`: links that are not HTML articles get their own cards, take part in
search and roundups, and hostile PDFs and oEmbed answers each get one honest reply while the bot keeps working.
Signed Slack events, the Slack stand-in, real Redis, and every provider answer from a local server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.bot_process import SECRET, running_bot, wait_handled
from tests.support.http_server import LocalServer, Reply
from tests.support.pdfs import nested_pdf, report_pdf, scanned_pdf, stream_bomb_pdf, text_bomb_pdf
from tests.support.provider_pages import VIDEO_ID, provider_routes, provider_urls, shell_with_oembed
from tests.support.slack_standin import (
    FORM,
    JSON,
    Call,
    SlackStandIn,
    event_body,
    message_event,
    post_signed,
    slash_body,
)

FETCH_DEADLINE_S = 10
EXTRACT_TIMEOUT_S = 5


def pdf(body: bytes) -> Reply:
    return Reply(headers=[("Content-Type", "application/pdf")], body=body)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    routes = provider_routes() | {
        "/bomb-stream.pdf": pdf(stream_bomb_pdf(1024)),
        "/bomb-text.pdf": pdf(text_bomb_pdf(256)),
        "/bomb-nested.pdf": pdf(nested_pdf()),
        "/encrypted.pdf": pdf(report_pdf(["Minutes of the closed meeting."], password="hunter2")),
        "/scanned.pdf": pdf(scanned_pdf()),
        "/shell-html-oembed": shell_with_oembed("/oembed-html"),
        "/oembed-html": Reply(headers=[("Content-Type", "text/html")], body=b"<html><body>Sign in</body></html>"),
        "/shell-huge-oembed": shell_with_oembed("/oembed-huge"),
        "/oembed-huge": Reply(headers=[("Content-Type", "application/json")],
                              body=b'{"type": "rich", "title": "' + b"x" * (8 << 20) + b'"}'),
    }  # fmt: skip
    with LocalServer(routes) as running:
        yield running


@pytest.fixture(scope="module")
def bot_and_log(
    slack: SlackStandIn, server: LocalServer, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    limits = {"DIGESTBOT_FETCH_DEADLINE": str(FETCH_DEADLINE_S), "DIGESTBOT_EXTRACT_TIMEOUT": str(EXTRACT_TIMEOUT_S),
              "DIGESTBOT_PROVIDER_URLS": provider_urls(server), "DIGESTBOT_WORKERS": "1"}  # fmt: skip
    with running_bot(slack.base_url, redis_url, tmp_path_factory.mktemp("kinds"), **limits) as (base, log):
        yield f"{base}/slack/events", log


@pytest.fixture(scope="module")
def bot(bot_and_log: tuple[str, Path]) -> str:
    return bot_and_log[0]


def share(bot: str, link: str, channel: str, ts: str, event_id: str | None = None) -> None:
    event = message_event(f"have a look <{link}>", channel=channel, ts=ts)
    assert post_signed(bot, event_body(event, event_id=event_id), SECRET, JSON).status_code == 200


def card_text(call: Call) -> str:
    return json.dumps(call.params.get("blocks") or [], ensure_ascii=False)


def command(bot: str, slack: SlackStandIn, text: str, channel: str, tag: str) -> str:
    body = slash_body(text, channel_id=channel, response_url=slack.response_url(tag))
    assert post_signed(bot, body, SECRET, FORM).status_code == 200
    answer = slack.wait_for_answer(tag).params
    return answer.get("text", "") + json.dumps(answer.get("blocks") or [], ensure_ascii=False)


@pytest.fixture(scope="module")
def cards(bot: str, slack: SlackStandIn, server: LocalServer) -> dict[str, str]:
    """One channel shares a PDF, a video, a post and a pull request; each one's card, by name."""
    links = {
        "pdf": server.url("/reports/rivers.pdf"), "video": server.url(f"/yt/watch?v={VIDEO_ID}"),
        "post": "https://x.com/riverwatch/status/1850000000000000001",
        "code": "https://github.com/octo/tidepool/pull/34",
    }  # fmt: skip
    now = int(time.time())  # this week's shares: the roundup looks back 7 days
    for n, link in enumerate(links.values()):
        share(bot, link, "CKINDS", f"{now}.{n:06d}")
    posted = slack.wait_for_posts("CKINDS", len(links))
    by_thread = {call.params["thread_ts"]: card_text(call) for call in posted}
    return {name: by_thread[f"{now}.{n:06d}"] for n, name in enumerate(links)}


def test_each_kind_gets_its_own_card(cards: dict[str, str]) -> None:
    assert "The summer the rivers ran dry" in cards["pdf"] and "PDF · 12 pages · " in cards["pdf"]
    assert "min read" in cards["pdf"] and "Key quotes" in cards["pdf"] and "*Summary*" in cards["pdf"]
    assert "▶ YouTube · River Stories · 12:34" in cards["video"] and "Key quotes" not in cards["video"]
    assert "*Post*" in cards["post"] and "The river Po is at its lowest in seventy years." in cards["post"]
    assert "X · River Watch @riverwatch · Nov 20, 2026" in cards["post"]
    assert "GitHub · pull request octo/tidepool#34 · merged · rui" in cards["code"]


def test_roundups_show_what_kind_each_link_is(bot: str, slack: SlackStandIn, cards: dict[str, str]) -> None:
    preview = command(bot, slack, "roundup preview", "CKINDS", "kinds-roundup")
    for title, kind in (
        ("The summer the rivers ran dry", "PDF"),
        ("Drought on the Po", "video"),
        ("River Watch on X", "post"),
        ("Correct the speed of sound for temperature", "code"),
    ):
        assert f"|{title}> · _{kind}_ — shared by" in preview


def test_search_finds_a_pdf_by_its_text(bot: str, slack: SlackStandIn, cards: dict[str, str]) -> None:
    found = command(bot, slack, "search Hydrologists Po farmland", "COTHER", "kinds-search")
    assert "The summer the rivers ran dry" in found


HOSTILE = [
    ("/bomb-stream.pdf", ("needed more than 768 MiB of memory", f"took longer than {EXTRACT_TIMEOUT_S} s")),
    ("/bomb-text.pdf", ("needed more than 768 MiB of memory", f"took longer than {EXTRACT_TIMEOUT_S} s")),
    ("/encrypted.pdf", ("The PDF is password-protected",)),
    ("/shell-html-oembed", ("only shows its content with JavaScript",)),
    ("/shell-huge-oembed", ("only shows its content with JavaScript",)),
]
CARDS = [("/bomb-nested.pdf", "PDF · 1 page"), ("/scanned.pdf", "no text layer")]


@pytest.fixture(scope="module")
def hostile_replies(bot_and_log: tuple[str, Path], slack: SlackStandIn, server: LocalServer) -> dict[str, list[Call]]:
    bot, log = bot_and_log
    paths = [path for path, _ in HOSTILE + CARDS]
    for n, path in enumerate(paths):
        share(bot, server.url(path), f"CH{n}", f"1764300000.{n:06d}", event_id=f"EvKinds{n}")
    for n in range(len(paths)):
        slack.wait_for_posts(f"CH{n}", 1)
        wait_handled(log, f"EvKinds{n}")  # its job is over: no second reply can come
    return {path: slack.posts(f"CH{n}") for n, path in enumerate(paths)}


@pytest.mark.parametrize(("path", "says"), HOSTILE)
def test_hostile_pdfs_and_oembed_answers_get_one_honest_reply(
    hostile_replies: dict[str, list[Call]], path: str, says: tuple[str, ...]
) -> None:
    [reply] = hostile_replies[path]
    assert reply.params["text"].startswith("Couldn't read") and any(s in reply.params["text"] for s in says)


@pytest.mark.parametrize(("path", "says"), CARDS)
def test_odd_but_readable_pdfs_get_a_card_that_says_what_they_are(
    hostile_replies: dict[str, list[Call]], path: str, says: str
) -> None:
    [reply] = hostile_replies[path]
    assert says in card_text(reply)


def test_the_bot_still_digests_after_the_hostile_ones_and_a_pdf_is_related_reading(
    bot: str, slack: SlackStandIn, server: LocalServer, hostile_replies: dict[str, list[Call]], cards: dict[str, str]
) -> None:
    share(bot, server.url("/article"), "CAFTERKINDS", "1764400000.000001")
    [card] = slack.wait_for_posts("CAFTERKINDS", 1)
    text = card_text(card)
    assert "Drought forces farmers in Spain to abandon olive groves" in text
    # the drought story's related reading includes the rivers report the other channel shared as a PDF
    related = text.split("You might also want to read", 1)[1]
    assert "The summer the rivers ran dry" in related
