"""End to end: what each Slack surface digests, and the card it gives.

The real `digestbot serve` with DIGESTBOT_IGNORE_DOMAINS=localhost, signed Slack requests, the Slack stand-in and
real Redis. The pages are served on 127.0.0.1; the same server addressed as `localhost` is the ignored site.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.support.articles import ARTICLES, article_html
from tests.support.bot_process import SECRET, metric, queue_drained, running_bot
from tests.support.http_server import LocalServer, html
from tests.support.slack_standin import (
    FORM,
    JSON,
    SlackStandIn,
    app_home_opened_event,
    event_body,
    interaction_body,
    link_shared_event,
    message_event,
    post_signed,
    slash_body,
)
from tests.support.waiting import wait_until

IGNORED = "I don't digest links to that site here (it is on this bot's ignore list)."
PRIVATE = "G8"


@pytest.fixture(scope="module")
def pages() -> Iterator[LocalServer]:
    with LocalServer({f"/{key}": html(article_html(key)) for key in ARTICLES}) as server:
        yield server


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(channels={PRIVATE: {"is_private": True, "name": "secret"}}) as standin:
        yield standin


@pytest.fixture(scope="module")
def bot_and_log(
    slack: SlackStandIn, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("listeners")
    with running_bot(slack.base_url, redis_url, data_dir, DIGESTBOT_IGNORE_DOMAINS="localhost") as started:
        yield started


@pytest.fixture(scope="module")
def bot(bot_and_log: tuple[str, Path]) -> str:
    return bot_and_log[0]


def send(bot: str, event: dict[str, Any], event_id: str | None = None) -> None:
    assert post_signed(f"{bot}/slack/events", event_body(event, event_id=event_id), SECRET, JSON).status_code == 200


def new_id() -> str:
    return f"Ev{uuid.uuid4().hex[:12].upper()}"


def command(bot: str, slack: SlackStandIn, text: str, channel: str) -> dict[str, Any]:
    tag = f"cmd-{uuid.uuid4().hex[:8]}"
    body = slash_body(text, channel_id=channel, response_url=slack.response_url(tag))
    assert post_signed(f"{bot}/slack/events", body, SECRET, FORM).status_code == 200
    return slack.wait_for_answer(tag).params


def share_click(bot: str, slack: SlackStandIn, url: str, channel: str) -> dict[str, Any]:
    """A click on "Share in channel" for `url` in `channel`; the answer at its response_url."""
    tag = f"click-{uuid.uuid4().hex[:8]}"
    click = {
        "type": "block_actions",
        "user": {"id": "U9"},
        "channel": {"id": channel},
        "team": {"id": "T1"},
        "actions": [{"action_id": "share_digest", "value": json.dumps({"url": url})}],
        "response_url": slack.response_url(tag),
        "trigger_id": new_id(),
        "container": {"type": "message", "channel_id": channel},
    }
    assert post_signed(f"{bot}/slack/events", interaction_body(click), SECRET, FORM).status_code == 200
    return slack.wait_for_answer(tag).params


def title(key: str) -> str:
    return str(ARTICLES[key]["title"])


def test_an_ignored_site_is_never_fetched_whichever_way_its_link_comes(
    bot: str, slack: SlackStandIn, pages: LocalServer
) -> None:
    ignored = pages.url("/bike-lanes", host="localhost")
    send(bot, message_event(f"<{ignored}> <{pages.url('/chess')}>", channel="C1"))
    [card] = slack.wait_for_posts("C1", 1)
    assert title("chess") in json.dumps(card.params["blocks"])
    for text in (ignored, f"related {ignored}"):  # told plainly, not answered with a digest
        answer = command(bot, slack, text, "C2")
        assert answer["text"] == IGNORED and "blocks" not in answer
    assert share_click(bot, slack, ignored, "C2")["text"] == IGNORED
    send(bot, link_shared_event([ignored, pages.url("/chess")], channel="C3"))
    [unfurl] = slack.wait_for("chat.unfurl")
    assert list(unfurl.params["unfurls"]) == [pages.url("/chess")]  # the ignored link keeps Slack's own preview
    assert not slack.posts("C2")
    assert not [r for r in pages.requests if r.path == "/bike-lanes"]


def messages_received(bot: str) -> float:
    return metric(bot, 'digestbot_events_received_total{type="message"}')


def edit(before: dict[str, Any], text: str, edit_ts: str, **changed: Any) -> dict[str, Any]:
    """Slack's message_changed event for a message (`before`: its message event, or its last edit's) edited to say
    `text`; `changed` sets fields of the edited message."""
    message = before.get("message") or {key: before[key] for key in ("type", "user", "text", "ts", "thread_ts")}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": before["channel"],
        "channel_type": before["channel_type"],
        "message": {**message, "text": text, "edited": {"user": message["user"], "ts": edit_ts}, **changed},
        "previous_message": message,
        "ts": edit_ts,
        "event_ts": edit_ts,
    }


def test_an_edit_that_adds_a_link_gets_its_card_in_the_messages_thread_once(
    bot: str, slack: SlackStandIn, pages: LocalServer, redis_url: str
) -> None:
    first, second, botlink = (pages.url(f"/{key}") for key in ("ai-chips", "ai-tutors", "redis-streams"))
    original = message_event(f"look <{first}>", channel="C30", ts="1764000300.000100", thread_ts="1764000299.000100")
    send(bot, original)
    slack.wait_for_posts("C30", 1)
    adding = edit(original, f"look <{first}> and <{second}?utm_source=x>", "1764000301.000100")
    send(bot, adding)
    [_, card] = slack.wait_for_posts("C30", 2)
    assert card.params["thread_ts"] == "1764000299.000100" and title("ai-tutors") in json.dumps(card.params["blocks"])
    # None of these asks for a card: words changed around the same links, a bot's edit, the added link taken
    # out and put back (answered already), Slack's own edit of the message (its link previews).
    reworded = edit(adding, f"so: <{first}> and <{second}>", "1764000302.000100")
    by_bot = edit(reworded, f"<{first}> <{second}> <{botlink}>", "1764000303.000100", bot_id="B1")
    taken_out = edit(reworded, f"so: <{first}>", "1764000304.000100")
    put_back = edit(taken_out, f"so: <{first}> and <{second}> again", "1764000305.000100")
    previews = edit(put_back, put_back["message"]["text"], "1764000305.000100", attachments=[{"id": 1}])
    ids, received = [new_id() for _ in range(5)], messages_received(bot)
    for event, event_id in zip((reworded, by_bot, taken_out, put_back, previews), ids, strict=True):
        send(bot, event, event_id)
    wait_until(lambda: messages_received(bot) == received + 5, "the five edits received")
    client = redis.Redis.from_url(redis_url)
    wait_until(lambda: list(client.scan_iter(f"*once:{ids[3]}")), "the job of the edit putting the link back")
    wait_until(lambda: queue_drained(bot), "the queue drained")
    # Past the 7 days its reply's done mark lives, the channel's memory still knows this message answered it.
    assert client.delete(*client.scan_iter("*done:{C30}:1764000300.000100:*")) == 2
    again = new_id()
    send(bot, edit(taken_out, f"so: <{first}> and <{second}> once more", "1764000306.000100"), again)
    wait_until(lambda: list(client.scan_iter(f"*once:{again}")), "the job of the edit putting the link back again")
    wait_until(lambda: queue_drained(bot), "the queue drained")
    client.close()
    assert len(slack.posts("C30")) == 2
    assert not [r for r in pages.requests if r.path == "/redis-streams"]


def test_a_card_shared_with_the_button_has_the_related_reading_a_paste_there_would_get(
    bot: str, slack: SlackStandIn, pages: LocalServer
) -> None:
    # The reservoirs story is public; the rivers story, on the same topic, was shared only in a private channel.
    send(bot, message_event(f"<{pages.url('/rivers')}>", channel=PRIVATE, channel_type="group"))
    send(bot, message_event(f"<{pages.url('/reservoirs')}>", channel="C40"))
    slack.wait_for_posts(PRIVATE, 1)
    slack.wait_for_posts("C40", 1)
    assert share_click(bot, slack, pages.url("/drought"), "C41")["text"] == "Shared in the channel."
    [shared] = slack.wait_for_posts("C41", 1)
    card = json.dumps(shared.params["blocks"])
    assert "Shared by <@U9>" in card and title("drought") in card
    assert "You might also want to read" in card and title("reservoirs") in card and title("rivers") not in card


def test_app_home_lists_an_article_two_of_the_users_channels_shared_once_at_its_latest_share(
    bot: str, slack: SlackStandIn, pages: LocalServer
) -> None:
    send(bot, message_event(f"<{pages.url('/ai-agents')}>", channel="C50", ts="1764000500.000100"))
    send(bot, message_event(f"<{pages.url('/ai-agents')}?utm_source=x>", channel="C51", ts="1764000510.000100"))
    slack.wait_for_posts("C50", 1)
    slack.wait_for_posts("C51", 1)
    slack.memberships["U50"] = ["C50", "C51"]
    send(bot, app_home_opened_event(user="U50"))
    [view] = [c.params["view"] for c in slack.wait_for("views.publish") if c.params["user_id"] == "U50"]
    [latest] = [line for line in json.dumps(view).split("\\n") if title("ai-agents") in line]
    assert "<#C51>" in latest
