"""Issue 16 end to end: the real `digestbot serve`, signed Slack requests, the Slack stand-in, real Redis.

What one person's link does to everyone else's: a failing variant never fails the plain link, a policy change
takes effect at once, a redirect to a non-web scheme is one honest answer, and a slow site's backlog does not
hold up another link's card."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.articles import ARTICLES, article_html
from tests.support.bot_process import HANG_S, SECRET, running_bot
from tests.support.http_server import LocalServer, Reply, html, redirect
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

RIVERS = ARTICLES["rivers"]["title"]


@pytest.fixture(scope="module")
def pages() -> Iterator[LocalServer]:
    routes = {
        "/story": html(article_html("rivers")),
        "/story?utm_source=boom": Reply(status=500),
        "/to-data": redirect("data:text/html,<h1>hi</h1>"),
        "/warm-up": html(article_html("chess")),
        "/ordinary": html(article_html("drought")),
    }
    with LocalServer(routes) as server:
        yield server


def paste(bot: str, text: str, channel: str, user: str = "U1") -> None:
    event = message_event(text, channel=channel, user=user)
    assert post_signed(f"{bot}/slack/events", event_body(event), SECRET, JSON).status_code == 200


def only_reply(slack: SlackStandIn, channel: str) -> Call:
    [reply] = slack.wait_for_posts(channel, 1, timeout=HANG_S)
    return reply


def card_text(call: Call) -> str:
    return json.dumps(call.params.get("blocks") or [])


def answer_at(slack: SlackStandIn, tag: str) -> Call:
    deadline = time.monotonic() + HANG_S
    while not (answers := [c for c in slack.calls("response_url") if c.path.endswith(f"/{tag}")]):
        assert time.monotonic() < deadline, f"no answer at response_url {tag}"
        time.sleep(0.05)
    return answers[0]


def test_failing_variants_never_fail_the_plain_link_for_others(
    bot_and_log: tuple[str, Path], slack: SlackStandIn, pages: LocalServer
) -> None:
    bot = bot_and_log[0]
    with_user = pages.url("/story").replace("http://", "http://x@")
    body = slash_body(with_user, channel_id="C16A", response_url=slack.response_url("variant"))
    assert post_signed(f"{bot}/slack/events", body, SECRET, FORM).status_code == 200
    answer = answer_at(slack, "variant")
    assert answer.params["response_type"] == "ephemeral" and "user name or password" in answer.params["text"]
    paste(bot, f"<{pages.url('/story?utm_source=boom')}>", "C16B")
    assert "500 Internal Server Error" in only_reply(slack, "C16B").params["text"]
    paste(bot, f"<{pages.url('/story')}>", "C16C", user="U2")
    assert RIVERS in card_text(only_reply(slack, "C16C"))


def test_a_redirect_to_a_non_web_scheme_gets_one_honest_answer(
    bot_and_log: tuple[str, Path], slack: SlackStandIn, pages: LocalServer
) -> None:
    bot, log_path = bot_and_log
    paste(bot, f"<{pages.url('/to-data')}>", "C16D")
    text = only_reply(slack, "C16D").params["text"]
    assert text.startswith("Couldn't read") and "only http and https links are fetched, not data:" in text
    deadline = time.monotonic() + HANG_S  # the job logs its outcome just after the reply: it finished, unretried
    while '"outcome": "failed_bad_url"' not in (log := log_path.read_text()):
        assert time.monotonic() < deadline, "the job never finished"
        time.sleep(0.05)
    assert "failed (delivery" not in log and "something on my side failed" not in text


def test_the_private_network_setting_takes_effect_at_once(
    slack: SlackStandIn, pages: LocalServer, redis_url: str, tmp_path: Path
) -> None:
    prefix = f"test-{uuid.uuid4().hex[:8]}:"  # one memory for the three bots below, as after a restart

    def paste_with(allowed: str, channel: str) -> Call:
        (tmp_path / channel).mkdir()
        with running_bot(slack.base_url, redis_url, tmp_path / channel, DIGESTBOT_REDIS_PREFIX=prefix,
                         DIGESTBOT_ALLOW_PRIVATE_NETWORKS=allowed) as (bot, _log):  # fmt: skip
            paste(bot, f"<{pages.url('/story')}?from=intranet>", channel)
            return only_reply(slack, channel)

    try:
        barred = paste_with("false", "C16E")
        allowed = paste_with("true", "C16F")
        barred_again = paste_with("false", "C16G")
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    assert "refused: 127.0.0.1 is a loopback address" in barred.params["text"]
    assert RIVERS in card_text(allowed)
    assert "refused: 127.0.0.1 is a loopback address" in barred_again.params["text"]  # not served from the cache


def test_an_ordinary_card_is_not_stuck_behind_a_slow_sites_backlog(
    slack: SlackStandIn, pages: LocalServer, redis_url: str, tmp_path: Path
) -> None:
    drip = Reply(headers=[("Content-Type", "text/html")], body=b"<p>" + b"x" * 1000, drip_s=2.0)
    # One worker, so its fetches are the ones that count: twelve messages of three slow links each are more than
    # its 8 slots, which on their own (first come, first served) kept the ordinary link waiting for them.
    with LocalServer({f"/slow/{n}": drip for n in range(36)}) as slow, \
            running_bot(slack.base_url, redis_url, tmp_path, DIGESTBOT_WORKERS="1") as (bot, _log):  # fmt: skip
        paste(bot, f"<{pages.url('/warm-up')}>", "C16W")  # the extraction workers' start is not what is tested
        only_reply(slack, "C16W")
        for i in range(12):
            paste(bot, " ".join(f"<{slow.url(f'/slow/{n}')}>" for n in range(i * 3, i * 3 + 3)), f"C16S{i}", "U666")
        paste(bot, f"<{pages.url('/ordinary')}>", "C16H", user="U2")
        card = only_reply(slack, "C16H")
        first_slow = [slack.wait_for_posts(f"C16S{i}", 1, timeout=HANG_S)[0] for i in range(12)]  # first links
    assert ARTICLES["drought"]["title"] in card_text(card)
    assert all("took longer than 15 s" in reply.params["text"] for reply in first_slow)
    assert card.time < min(reply.time for reply in first_slow)  # the card did not wait for the slow site
