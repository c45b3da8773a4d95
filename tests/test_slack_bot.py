"""End to end: the real `digestbot serve` process, signed Slack requests, the Slack stand-in, real Redis."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import httpx
import pytest
import redis
from slack_sdk.web.async_client import AsyncWebClient

from handlers.app import build_app
from handlers.bot import SlackBot
from handlers.listeners.commands import is_private_channel
from handlers.settings import SlackSettings
from handlers.slack_client import MAX_RETRY_AFTER_S, bot_client, make_client
from tests.support.articles import article_html
from tests.support.bot_process import (
    SECRET,
    TOKEN,
    log_records,
    metric,
    queue_drained,
    running_bot,
    wait_handled,
    wait_remembered,
)
from tests.support.http_server import Gate, LocalServer, Reply, html
from tests.support.slack_standin import (
    FORM,
    JSON,
    Call,
    SlackStandIn,
    app_home_opened_event,
    event_body,
    interaction_body,
    link_shared_event,
    message_event,
    post_signed,
    slash_body,
    url_verification_body,
)
from tests.support.waiting import wait_until


def slowish_page(_: object) -> Reply:
    time.sleep(1.0)  # two pastes of it are both still being digested when the first digest lands
    return html(article_html("drought"))


@pytest.fixture(scope="module")
def pages() -> Iterator[LocalServer]:
    routes = {f"/{key}": html(article_html(key)) for key in ("rivers", "drought", "chess")}
    routes["/missing"] = Reply(status=404, body=b"gone")
    routes["/report.pdf"] = Reply(headers=[("Content-Type", "application/pdf")], body=b"%PDF-1.4")
    routes["/slowish"] = slowish_page
    with LocalServer(routes) as server:
        yield server


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(channels={"G1": {"is_private": True, "name": "secret"}}) as standin:
        yield standin


def send(bot: str, event: dict, **kwargs: object) -> httpx.Response:
    return post_signed(f"{bot}/slack/events", event_body(event, **kwargs), SECRET, JSON)


def event_id() -> str:
    """An event id no other test (nor another run sharing this Redis) uses."""
    return f"Ev{uuid.uuid4().hex[:12].upper()}"


@contextlib.contextmanager
def held(pages: LocalServer, topic: str) -> Iterator[tuple[str, Gate]]:
    """A URL serving `topic`'s article only once the test opens its gate (opened on the way out in any case)."""
    gate = Gate(html(article_html(topic)))
    path = f"/held-{uuid.uuid4().hex[:8]}"
    pages.routes[path] = gate
    try:
        yield pages.url(path), gate
    finally:
        gate.open()


def test_a_pasted_link_is_acked_before_its_digest_and_gets_a_card_in_its_thread(
    bot: str, slack: SlackStandIn, pages: LocalServer
) -> None:
    with held(pages, "rivers") as (url, gate):
        event = message_event(f"worth a read <{url}?utm_source=x>", channel="C10", ts="1764000000.000100")
        # Acked while the page is still held: the ack never waits for the digest (its speed: `bench events`).
        assert send(bot, event).status_code == 200
        assert not slack.posts("C10")
        gate.open()
        [card] = slack.wait_for_posts("C10", 1)
    params = card.params
    assert gate.requested.is_set() and params["thread_ts"] == "1764000000.000100"
    assert str(params["unfurl_links"]).lower() == "false" and str(params["unfurl_media"]).lower() == "false"
    blocks = json.dumps(params["blocks"])
    assert "Rivers are running dry across southern Europe" in blocks
    assert "Daily Planet" in blocks and "Lois Lane" in blocks and "min read" in blocks
    assert "Shared by <@U1>" in blocks and "worth a read" in blocks
    assert "Key quotes" in blocks and "pulled" in blocks


def test_a_slow_digest_shows_the_hourglass_until_posted(bot: str, slack: SlackStandIn, pages: LocalServer) -> None:
    def reactions(method: str) -> list:
        return [c for c in slack.calls(method) if c.params.get("channel") == "C41"]

    with held(pages, "chess") as (url, gate):
        send(bot, message_event(f"<{url}>", channel="C41", ts="1764000004.000100"))
        wait_until(lambda: reactions("reactions.add"), "the hourglass on a message whose page is held")
        assert not slack.posts("C41")  # the sign shows while the work runs, not after it
        gate.open()
        [card] = slack.wait_for_posts("C41", 1)
        wait_until(lambda: reactions("reactions.remove"), "the hourglass taken off once the card is posted")
    [added], [removed] = reactions("reactions.add"), reactions("reactions.remove")
    assert added.params["name"] == removed.params["name"] == "hourglass_flowing_sand"
    assert added.params["timestamp"] == removed.params["timestamp"] == "1764000004.000100"
    assert added.time < card.time <= removed.time


def duplicates_dropped(bot: str) -> float:
    return metric(bot, "digestbot_events_duplicate_total")


def test_a_retried_or_replayed_event_is_handled_once(bot: str, slack: SlackStandIn, pages: LocalServer) -> None:
    event = message_event(f"<{pages.url('/chess')}>", channel="C11", ts="1764000001.000100")
    body = event_body(event, event_id=event_id())
    dropped = duplicates_dropped(bot)
    for retry in (None, 1, 2):  # each acked 200 at once: the check runs after the ack
        assert post_signed(f"{bot}/slack/events", body, SECRET, JSON, retry_num=retry).status_code == 200
    slack.wait_for_posts("C11", 1)
    wait_until(lambda: duplicates_dropped(bot) == dropped + 2, "both deliveries after the first dropped")
    assert len(slack.posts("C11")) == 1


def messages_received(bot: str) -> float:
    return metric(bot, 'digestbot_events_received_total{type="message"}')


def test_a_message_without_links_is_counted_and_costs_no_redis_key(
    bot: str, slack: SlackStandIn, pages: LocalServer, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    received = messages_received(bot)
    chatter, link = event_id(), event_id()
    send(bot, message_event("morning all, no links today", channel="C16"), event_id=chatter)
    send(bot, message_event(f"<{pages.url('/rivers')}>", channel="C16"), event_id=link)
    slack.wait_for_posts("C16", 1)
    wait_until(lambda: messages_received(bot) == received + 2, "both messages received")
    assert list(client.scan_iter(f"*once:{link}"))  # a message with work to do is deduped by the queue
    assert not list(client.scan_iter(f"*:{chatter}"))  # chatter costs no Redis key at all


def test_a_repeat_gets_first_shared_by(bot: str, slack: SlackStandIn, pages: LocalServer) -> None:
    send(bot, message_event(f"<{pages.url('/drought')}>", channel="C12", user="U5", ts="1764000002.000100"))
    slack.wait_for_posts("C12", 1)  # the share was remembered before its card went out
    send(
        bot,
        message_event(f"again <{pages.url('/drought')}?fbclid=abc>", channel="C12", user="U6", ts="1764000003.000100"),
    )
    notice = slack.wait_for_posts("C12", 2)[1]
    assert notice.params["text"].startswith("First shared by U5 ") and "blocks" not in notice.params
    assert notice.params["thread_ts"] == "1764000003.000100"
    assert "/archives/C12/p1764000002000100|see the first message>" in notice.params["text"]


def test_two_pastes_at_once_get_one_card_and_one_note(
    bot_and_log: tuple[str, Path], slack: SlackStandIn, pages: LocalServer
) -> None:
    bot, log_path = bot_and_log
    link, first, second = f"<{pages.url('/slowish')}>", event_id(), event_id()
    send(bot, message_event(link, channel="C18", user="U5", ts="1764000018.000100"), event_id=first)
    send(bot, message_event(f"me too {link}", channel="C18", user="U6", ts="1764000018.000200"), event_id=second)
    wait_handled(log_path, first)
    wait_handled(log_path, second)  # both jobs over: nothing more will be posted
    replies = slack.posts("C18")
    assert len(replies) == 2
    [card] = [r for r in replies if "blocks" in r.params]
    [note] = [r for r in replies if "blocks" not in r.params]
    first_user = {"1764000018.000100": "U5", "1764000018.000200": "U6"}[card.params["thread_ts"]]
    assert note.params["text"].startswith(f"First shared by {first_user} ")
    assert note.params["thread_ts"] != card.params["thread_ts"]


def test_unreadable_pages_get_an_honest_reply(bot: str, slack: SlackStandIn, pages: LocalServer) -> None:
    send(bot, message_event(f"<{pages.url('/missing')}> <{pages.url('/report.pdf')}>", channel="C13"))
    replies = [c.params["text"] for c in slack.wait_for_posts("C13", 2)]
    assert "404" in replies[0] and "Couldn't read" in replies[0]
    assert "The PDF is damaged and could not be read" in replies[1]  # read as a PDF: "%PDF-1.4" alone is not one


def test_bots_edits_and_muted_channels_are_ignored(
    bot: str, slack: SlackStandIn, pages: LocalServer, redis_url: str
) -> None:
    link, muted = f"<{pages.url('/chess')}>", event_id()
    received = messages_received(bot)
    send(bot, message_event(link, channel="C14", bot_id="B1"))
    send(bot, message_event(link, channel="C14", subtype="message_changed"))
    slash = slash_body("mute", channel_id="C15", response_url=slack.response_url("mute"))
    assert post_signed(f"{bot}/slack/events", slash, SECRET, FORM).status_code == 200
    answer_at(slack, "mute")
    send(bot, message_event(link, channel="C15"), event_id=muted)
    # Finished: all three received (the first two are dropped there and then), the muted one's job started (it
    # claimed its event id) and the queue is empty again.
    client = redis.Redis.from_url(redis_url)
    wait_until(lambda: messages_received(bot) == received + 3, "the three messages received")
    wait_until(lambda: list(client.scan_iter(f"*once:{muted}")), "the muted channel's job started")
    wait_until(lambda: queue_drained(bot), "the queue drained")
    client.close()
    assert not [c for c in slack.calls("chat.postMessage") if c.params.get("channel") in ("C14", "C15")]


def test_bad_missing_stale_or_malformed_signatures_get_401_and_change_nothing(
    bot_and_log: tuple[str, Path], slack: SlackStandIn, pages: LocalServer, redis_url: str
) -> None:
    bot, log_path = bot_and_log
    refused_before = log_path.read_text().count("refused a request to /slack/events from 127.0.0.1")
    received = messages_received(bot)
    forged = event_id()
    body = event_body(message_event(f"<{pages.url('/rivers')}>", channel="C70"), event_id=forged)
    url = f"{bot}/slack/events"
    assert post_signed(url, body, "wrong-secret", JSON).status_code == 401
    assert post_signed(url, body, SECRET, JSON, timestamp=int(time.time()) - 301).status_code == 401
    assert post_signed(url, body, SECRET, JSON, headers={"X-Slack-Request-Timestamp": "abc"}).status_code == 401
    assert httpx.post(url, content=body, headers={"Content-Type": JSON}).status_code == 401
    assert post_signed(url, b"\xff\xfe" + body, SECRET, JSON).status_code == 401
    # A genuine message after them is handled: had any refused one got in, it would have been counted first.
    send(bot, message_event(f"<{pages.url('/drought')}>", channel="C71"))
    slack.wait_for_posts("C71", 1)
    assert messages_received(bot) == received + 1
    assert not [c for c in slack.calls() if c.params.get("channel") == "C70"]  # no Slack call about it
    client = redis.Redis.from_url(redis_url)
    assert not list(client.scan_iter(f"*{forged}*")) and not list(client.scan_iter("*{C70}*"))  # no record
    client.close()
    # Refusals are logged (there is no access log), without the secret or the request's contents.
    assert log_path.read_text().count("refused a request to /slack/events from 127.0.0.1") == refused_before + 5


def test_url_verification_is_answered(bot: str) -> None:
    response = post_signed(f"{bot}/slack/events", url_verification_body("chal-123"), SECRET, JSON)
    assert response.status_code == 200 and "chal-123" in response.text


def test_slash_digest_answers_only_the_caller_with_a_share_button(
    bot_and_log: tuple[str, Path], slack: SlackStandIn, pages: LocalServer, redis_url: str
) -> None:
    bot, log_path = bot_and_log
    body = slash_body(pages.url("/chess"), channel_id="C17", response_url=slack.response_url("d1"))
    response = post_signed(f"{bot}/slack/events", body, SECRET, FORM)
    assert response.status_code == 200
    answer = answer_at(slack, "d1")
    assert answer.params["response_type"] == "ephemeral"
    # A digest worker answered it, not the acking process (its log line follows the answer).
    wait_until(lambda: '"command": "digest"' in log_path.read_text(), "the worker's log line for /digest")
    assert "A teenager wins" in json.dumps(answer.params["blocks"]) and "share_digest" in json.dumps(answer.params)
    click = {
        "type": "block_actions",
        "user": {"id": "U9"},
        "channel": {"id": "C17"},
        "team": {"id": "T1"},
        "actions": [{"action_id": "share_digest", "value": json.dumps({"url": pages.url("/chess")})}],
        "response_url": slack.response_url("d1-click"),
        "trigger_id": "t1",
        "api_app_id": "A1",
        "token": "x",
        "container": {"type": "message", "channel_id": "C17"},
    }
    assert post_signed(f"{bot}/slack/events", interaction_body(click), SECRET, FORM).status_code == 200
    [shared] = slack.wait_for_posts("C17", 1)
    assert "A teenager wins" in json.dumps(shared.params["blocks"])
    wait_remembered(redis_url, "C17", pages.url("/chess"))
    # The shared card is U9's share of the link, as a paste would be: pasting it there again gets the note.
    send(bot, message_event(f"<{pages.url('/chess')}>", channel="C17", user="U10", ts="1764000017.000100"))
    notice = slack.wait_for_posts("C17", 2)[1]
    assert notice.params["text"].startswith("First shared by U9 ") and "blocks" not in notice.params
    assert f"/archives/C17/p{shared.response['ts'].replace('.', '')}|" in notice.params["text"]


async def test_a_shared_card_counts_as_private_unless_slack_says_the_channel_is_public() -> None:
    with SlackStandIn(channels={"C2": {"is_private": True}}) as slack:
        client = AsyncWebClient(token=TOKEN, base_url=slack.base_url)
        assert not await is_private_channel(client, "C1")
        assert await is_private_channel(client, "C2")
        assert await is_private_channel(client, "D1")  # a DM: not asked (the bot may not read DMs' info)
        slack.error_next("conversations.info", "channel_not_found")
        assert await is_private_channel(client, "C1")  # Slack could not tell: kept in the channel
    assert [c.params["channel"] for c in slack.calls("conversations.info")] == ["C1", "C2", "C1"]


async def test_the_app_does_not_warn_that_the_token_in_the_environment_goes_unused(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)  # as serve runs in a container: bolt reads it as well
    settings = SlackSettings.model_validate({"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": "a-signing-secret"})
    bot = cast(SlackBot, SimpleNamespace(settings=settings, client=bot_client(settings)))
    with caplog.at_level(logging.WARNING):
        build_app(bot)
    assert [record.getMessage() for record in caplog.records] == []


def test_malformed_slash_command_gets_help(bot: str, slack: SlackStandIn) -> None:
    assert "don't know `frobnicate`" in slash_answer(bot, slack, "frobnicate now", "C18", "bad")


def share_click(slack: SlackStandIn, value: str, channel: str, tag: str) -> bytes:
    """A click on "Share in channel" in `channel`, whose button carried `value`, answered at response_url `tag`."""
    return interaction_body({
        "type": "block_actions",
        "user": {"id": "U9"},
        "channel": {"id": channel},
        "team": {"id": "T1"},
        "actions": [{"action_id": "share_digest", "value": value}],
        "response_url": slack.response_url(tag),
        "trigger_id": event_id(),
        "container": {"type": "message", "channel_id": channel},
    })  # fmt: skip


def test_a_click_that_fails_after_its_ack_keeps_its_200_and_gets_an_apology(bot: str, slack: SlackStandIn) -> None:
    click = share_click(slack, '{"url": "https://a.example/cut-sh', "C72", "broken-click")  # cut JSON
    assert post_signed(f"{bot}/slack/events", click, SECRET, FORM).status_code == 200
    assert "something went wrong" in answer_at(slack, "broken-click").params["text"]


def test_a_share_slack_refuses_says_to_invite_the_bot_and_can_be_clicked_again(
    bot: str, slack: SlackStandIn, pages: LocalServer
) -> None:
    value = json.dumps({"url": pages.url("/rivers")})
    slack.error_next("chat.postMessage", "not_in_channel")
    assert (
        post_signed(f"{bot}/slack/events", share_click(slack, value, "C73", "uninvited"), SECRET, FORM).status_code
        == 200
    )
    refused = answer_at(slack, "uninvited").params
    assert "`/invite @digestbot`" in refused["text"] and refused["replace_original"] is False  # the button stays
    assert not slack.posts("C73")
    # Invited now: the same button shares the card (the failed click did not keep the claim to share it).
    assert (
        post_signed(f"{bot}/slack/events", share_click(slack, value, "C73", "invited"), SECRET, FORM).status_code == 200
    )
    [card] = slack.wait_for_posts("C73", 1)
    assert "Rivers are running dry" in json.dumps(card.params["blocks"])
    assert answer_at(slack, "invited").params["text"] == "Shared in the channel."


def test_a_429_from_slack_is_retried_after_retry_after_and_posted_once(
    bot_and_log: tuple[str, Path], slack: SlackStandIn, pages: LocalServer
) -> None:
    bot, log_path = bot_and_log
    slack.fail_next("chat.postMessage", status=429, retry_after="1")
    send(bot, message_event(f"<{pages.url('/rivers')}>", channel="C19"))
    [posted] = slack.wait_for_posts("C19", 1)
    statuses = [c.status for c in slack.calls("chat.postMessage") if c.params.get("channel") == "C19"]
    assert statuses == [429, 200] and posted.status == 200
    waits = [r["retry_after_s"] for r in log_records(log_path) if r.get("slack_method") == "chat.postMessage"]
    assert waits == [1.0]  # the bot's own handler (handlers/slack_client.py) waited what Slack asked


@pytest.mark.parametrize(
    ("retry_after", "wait_s"),
    [
        ("1.5", 1.5),  # slack_sdk's own handler raises ValueError on a fraction
        ("3600", MAX_RETRY_AFTER_S),  # Slack may ask for an hour: capped
        (format_datetime(datetime(2100, 1, 1, tzinfo=UTC), usegmt=True), MAX_RETRY_AFTER_S),  # an HTTP date, capped
        ("soon", 1.0),  # unreadable: a second
    ],
)
async def test_the_bots_slack_client_waits_what_retry_after_says_capped_at_30_s(
    retry_after: str, wait_s: float, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="handlers.slack_client")
    with SlackStandIn() as slack:
        slack.fail_next("chat.postMessage", status=429, retry_after=retry_after)
        posting = asyncio.create_task(make_client(TOKEN, slack.base_url).chat_postMessage(channel="C1", text="hi"))
        try:
            [waited] = await asyncio.to_thread(wait_for_record, caplog, "Slack rate-limited chat.postMessage")
            assert waited.retry_after_s == wait_s  # type: ignore[attr-defined]
            if wait_s < MAX_RETRY_AFTER_S:  # the short waits run to the end: posted on the second try
                assert (await posting)["ok"]
                assert [c.status for c in slack.calls("chat.postMessage")] == [429, 200]
        finally:
            posting.cancel()
            await asyncio.gather(posting, return_exceptions=True)
    assert MAX_RETRY_AFTER_S == 30  # the cap README.md states


def wait_for_record(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    def found() -> list[logging.LogRecord]:
        return [r for r in caplog.records if text in r.getMessage()]

    wait_until(found, f"a log record saying {text!r}")
    return found()


def test_health_readiness_and_metrics(bot: str) -> None:
    assert httpx.get(f"{bot}/healthz").status_code == 200
    ready = httpx.get(f"{bot}/readyz")
    assert ready.status_code == 200 and ready.json() == {"redis": True, "slack": True, "workers": True}
    metrics = httpx.get(f"{bot}/metrics").text
    for name in (
        'digestbot_digests_total{outcome="ok"}',
        "digestbot_fetch_seconds_count",
        "digestbot_extract_seconds_count",
        'digestbot_digest_cache_total{result="miss"}',
        "digestbot_events_received_total",
        "digestbot_queue_depth",
        'digestbot_slack_calls_total{method="chat.postMessage",ok="true"}',
        "digestbot_slack_rate_limited_total",
    ):
        assert name in metrics, name
    assert TOKEN not in metrics


def test_logs_are_json_lines_with_outcome_and_no_message_text(bot_and_log: tuple[str, Path]) -> None:
    records = [json.loads(line) for line in bot_and_log[1].read_text().splitlines() if line.startswith("{")]
    handled = [r for r in records if r.get("message") == "link handled"]
    assert handled and {"event_id", "channel", "host", "outcome", "duration_ms"} <= handled[0].keys()
    assert all(r["event_id"].startswith("Ev") for r in handled)
    assert {r["outcome"] for r in handled} >= {"ok", "repeat", "failed_http_status"}
    assert not any("worth a read" in json.dumps(r) for r in records)  # a user's comment never reaches the log


def answer_at(slack: SlackStandIn, tag: str) -> Call:
    """The first answer the bot sent to the response_url tagged `tag` (other tests' answers are not it)."""
    return slack.wait_for_answer(tag)


def slash_answer(bot: str, slack: SlackStandIn, text: str, channel: str, tag: str) -> str:
    body = slash_body(text, channel_id=channel, response_url=slack.response_url(tag))
    assert post_signed(f"{bot}/slack/events", body, SECRET, FORM).status_code == 200
    return answer_at(slack, tag).params["text"]


def test_search_finds_what_the_workspace_shared(bot: str, slack: SlackStandIn, pages: LocalServer) -> None:
    send(bot, message_event(f"<{pages.url('/chess')}>", channel="C20", ts="1764000020.000100"))
    slack.wait_for_posts("C20", 1)
    found = slash_answer(bot, slack, "search rapid chess championship", "C21", "search-hit")
    assert "A teenager wins the world rapid chess championship" in found
    missing = slash_answer(bot, slack, "search quantum chromodynamics lattice", "C21", "search-miss")
    assert missing.startswith("No digest matches")


def test_private_addresses_are_refused_unless_allowed(
    slack: SlackStandIn, pages: LocalServer, redis_url: str, tmp_path: Path
) -> None:
    with running_bot(slack.base_url, redis_url, tmp_path, DIGESTBOT_ALLOW_PRIVATE_NETWORKS="false") as (strict, _):
        before = len(pages.requests)
        send(
            strict, message_event(f"<{pages.url('/rivers')}> <http://169.254.169.254/latest/meta-data/>", channel="C30")
        )
        replies = [c.params["text"] for c in slack.wait_for_posts("C30", 2)]
    assert all("Couldn't read" in r and "refused" in r for r in replies)
    assert len(pages.requests) == before  # not one connection reached the local page server


def test_app_home_shows_the_users_channels_latest_digests_and_a_mute_switch(
    bot: str, slack: SlackStandIn, pages: LocalServer
) -> None:
    send(bot, message_event(f"<{pages.url('/drought')}>", channel="C40", ts="1764000040.000100"))
    send(bot, message_event(f"<{pages.url('/chess')}>", channel="G40", channel_type="group", ts="1764000041.000100"))
    slack.wait_for_posts("C40", 1)
    slack.wait_for_posts("G40", 1)
    slack.memberships["U40"] = ["C40"]  # U40 is not in the private channel G40
    send(bot, app_home_opened_event(user="U40"))
    [view] = [c.params["view"] for c in slack.wait_for("views.publish") if c.params["user_id"] == "U40"]
    home = json.dumps(view)
    assert "Drought forces farmers" in home and "A teenager wins" not in home
    assert "home_toggle_mute" in home and "<#C40>" in home and "digests on" in home
    click = {
        "type": "block_actions",
        "user": {"id": "U40"},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "token": "x",
        "trigger_id": "t",
        "view": {"id": "V1", "type": "home"},
        "actions": [{"action_id": "home_toggle_mute", "value": "C40 mute", "type": "button"}],
    }
    assert post_signed(f"{bot}/slack/events", interaction_body(click), SECRET, FORM).status_code == 200
    slack.wait_for("views.publish", count=2)
    views = [json.dumps(c.params["view"]) for c in slack.calls("views.publish") if c.params["user_id"] == "U40"]
    assert "muted" in views[-1]


def test_app_home_spreads_long_links_over_sections_and_unlinks_one_too_long_for_any(
    bot: str, slack: SlackStandIn, pages: LocalServer
) -> None:
    # Nine links of ~500 characters a line outgrow one section's 3,000; the tenth's URL outgrows any section.
    paths = [f"/long-{i}-{'slug-' * 80}" for i in range(9)] + [f"/longest-{'slug-' * 620}"]
    for path in paths:
        pages.routes[path] = html(article_html("drought"))
        send(bot, message_event(f"<{pages.url(path)}>", channel="C45"))
    slack.wait_for_posts("C45", len(paths))
    slack.memberships["U41"] = ["C45"]
    send(bot, app_home_opened_event(user="U41"))
    wait_until(lambda: [c for c in slack.calls("views.publish") if c.params["user_id"] == "U41"], "U41's home")
    [published] = [c for c in slack.calls("views.publish") if c.params["user_id"] == "U41"]
    assert published.response["ok"], published.response  # every section within Slack's limits
    sections = [b["text"]["text"] for b in published.params["view"]["blocks"] if b["type"] == "section"]
    latest = sections[: sections.index("*Your channels*")]
    assert len(latest) > 1 and latest[0].startswith("*Latest digests*")
    for path in paths[:-1]:  # each link whole, in one section
        assert sum(f"<{pages.url(path)}|Drought forces farmers" in text for text in latest) == 1
    assert pages.url(paths[-1]) not in json.dumps(published.params) and "\n".join(latest).count("Drought") == 10


def test_link_shared_gets_a_compact_unfurl(
    bot_and_log: tuple[str, Path], slack: SlackStandIn, pages: LocalServer
) -> None:
    bot, log_path = bot_and_log
    url = pages.url("/drought")
    send(bot, link_shared_event([url, pages.url("/missing")], channel="C50", message_ts="1764000050.000100"))
    [unfurl] = slack.wait_for("chat.unfurl")
    assert unfurl.params["channel"] == "C50" and unfurl.params["ts"] == "1764000050.000100"
    unfurls = unfurl.params["unfurls"]
    assert list(unfurls) == [url]  # the page that cannot be read gets Slack's own preview, not a broken one
    assert "Drought forces farmers" in json.dumps(unfurls[url]["blocks"])
    # A refused unfurl is logged, not failed: the job is done and Slack's own preview stays.
    slack.error_next("chat.unfurl", "cannot_unfurl_url")
    refused = event_id()
    send(bot, link_shared_event([url], channel="C51"), event_id=refused)
    slack.wait_for("chat.unfurl", count=2)
    wait_until(lambda: "cannot_unfurl_url" in log_path.read_text(), "the refused unfurl logged")
    [line] = [json.loads(line) for line in log_path.read_text().splitlines() if "cannot_unfurl_url" in line]
    assert line["message"] == "unfurl handled" and line["event_id"] == refused and line["unfurled"] == 0
    assert "failed (delivery" not in log_path.read_text()


def test_a_muted_channel_gets_no_unfurl(bot: str, slack: SlackStandIn, pages: LocalServer, redis_url: str) -> None:
    path, muted = f"/unfurl-{uuid.uuid4().hex[:8]}", event_id()
    pages.routes[path] = html(article_html("drought"))
    slash = slash_body("mute", channel_id="C52", response_url=slack.response_url("mute-unfurls"))
    assert post_signed(f"{bot}/slack/events", slash, SECRET, FORM).status_code == 200
    answer_at(slack, "mute-unfurls")
    send(bot, link_shared_event([pages.url(path)], channel="C52"), event_id=muted)
    client = redis.Redis.from_url(redis_url)
    wait_until(lambda: list(client.scan_iter(f"*once:{muted}")), "the muted channel's unfurl job started")
    wait_until(lambda: queue_drained(bot), "the queue drained")
    client.close()
    assert not [c for c in slack.calls("chat.unfurl") if c.params.get("channel") == "C52"]
    assert not [r for r in pages.requests if r.path == path]  # not even digested


def test_reactions_on_a_sharing_message_and_its_card_are_counted_but_not_the_bots_own(
    bot: str, slack: SlackStandIn, pages: LocalServer, redis_url: str
) -> None:
    send(bot, message_event(f"<{pages.url('/chess')}>", channel="C60", ts="1764000060.000100"))
    [card] = slack.wait_for_posts("C60", 1)
    wait_remembered(redis_url, "C60", pages.url("/chess"), card_ts=card.response["ts"])  # which link each carried
    reaction = {
        "type": "reaction_added",
        "user": "U2",
        "reaction": "fire",
        "event_ts": "1764000061.000100",
        "item": {"type": "message", "channel": "C60", "ts": "1764000060.000100"},
    }
    on_card = {**reaction, "item": {"type": "message", "channel": "C60", "ts": card.response["ts"]}}
    # The bot's own working sign comes and goes on the same message: bolt drops its own events.
    own = {**reaction, "user": slack.bot_user_id, "reaction": "hourglass_flowing_sand"}
    client = redis.Redis.from_url(redis_url)

    def counts() -> list[int]:
        return [int(v) for key in client.scan_iter("*v1:ch:{C60}:reacts") for v in client.hvals(key)]

    # One at a time, each awaited: an event counted wrongly (the bot's own, say) leaves a count never awaited.
    removed = {**reaction, "type": "reaction_removed"}
    for events, total in (((own, reaction), 1), ((reaction,), 2), ((removed,), 1), ((on_card,), 2)):
        for event in events:
            assert send(bot, event).status_code == 200
        wait_until(lambda: counts() == [total], f"the link's reactions counted to {total}")  # noqa: B023
    client.close()
