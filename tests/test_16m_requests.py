"""Signed requests that are replayed, malformed or from another workspace, and the Share button pressed twice:
end to end through `digestbot serve`, the Slack stand-in and real Redis."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.articles import article_html
from tests.support.bot_process import HANG_S, SECRET, wait_remembered
from tests.support.http_server import LocalServer, html
from tests.support.slack_standin import (
    FORM,
    JSON,
    Call,
    SlackStandIn,
    event_body,
    interaction_body,
    message_event,
    post_signed,
    slash_body,
)


@pytest.fixture(scope="module")
def pages() -> Iterator[LocalServer]:
    with LocalServer({f"/{key}": html(article_html(key)) for key in ("rivers", "drought", "chess")}) as server:
        yield server


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(team_id="T1", enterprise_id="E1") as standin:  # a workspace of the Enterprise Grid org E1
        yield standin


def events_url(bot: str) -> str:
    return f"{bot}/slack/events"


def answers_at(slack: SlackStandIn, tag: str, count: int = 1) -> list[Call]:
    """The answers the bot sent to the response_url tagged `tag`, once there are `count` of them."""
    deadline = time.monotonic() + HANG_S
    while len(found := [c for c in slack.calls("response_url") if c.path.endswith(f"/{tag}")]) < count:
        assert time.monotonic() < deadline, f"no answer at response_url {tag}"
        time.sleep(0.05)
    return found


def wait_for_log(log_path: Path, text: str, count: int = 1) -> None:
    deadline = time.monotonic() + HANG_S
    while log_path.read_text(errors="replace").count(text) < count:
        assert time.monotonic() < deadline, f"never logged {text!r} {count} times"
        time.sleep(0.05)


def test_a_replayed_roundup_now_posts_one_roundup(
    bot_and_log: tuple[str, Path], slack: SlackStandIn, pages: LocalServer, redis_url: str
) -> None:
    bot, log_path = bot_and_log
    send = post_signed(events_url(bot), event_body(message_event(f"<{pages.url('/rivers')}>", channel="C300")),
                       SECRET, JSON)  # fmt: skip
    assert send.status_code == 200
    slack.wait_for_posts("C300", 1)
    wait_remembered(redis_url, "C300", pages.url("/rivers"))
    body = slash_body("roundup now", channel_id="C300", response_url=slack.response_url("roundup-now"))
    signed_at = int(time.time())
    for _ in range(3):  # the same signed request, byte for byte, inside its five minutes
        assert post_signed(events_url(bot), body, SECRET, FORM, timestamp=signed_at).status_code == 200
    # Signed again at another time: still the same invocation (its trigger_id), still a replay.
    assert post_signed(events_url(bot), body, SECRET, FORM, timestamp=signed_at - 60).status_code == 200
    wait_for_log(log_path, "ignored a replayed /digest", 3)  # every replay is handled: none can post later
    [answer] = answers_at(slack, "roundup-now")
    assert answer.params["text"] == "Posted the roundup in the channel."
    posts = slack.posts("C300")
    assert len(posts) == 2 and posts[1].params["text"].startswith("Roundup of <#C300>")


NOT_OBJECTS = [(b"[1,2]", JSON), (b"null", JSON), (b'"x"', JSON), (b"{not json", JSON), (b"payload=%5B1%5D", FORM),
               (b"payload=null", FORM)]  # fmt: skip


@pytest.mark.parametrize(("body", "content_type"), NOT_OBJECTS)
def test_a_signed_body_that_is_not_an_object_gets_400(bot: str, body: bytes, content_type: str) -> None:
    assert post_signed(events_url(bot), body, SECRET, content_type).status_code == 400


def test_events_from_a_workspace_the_bot_is_not_in_are_ignored(
    bot_and_log: tuple[str, Path], slack: SlackStandIn, pages: LocalServer
) -> None:
    bot, log_path = bot_and_log
    link = f"<{pages.url('/chess')}>"
    foreign = event_body(message_event(link, channel="C301", ts="1764000301.000100"), team_id="T9")
    assert post_signed(events_url(bot), foreign, SECRET, JSON).status_code == 200  # answered: Slack won't retry
    wait_for_log(log_path, "ignored a request from workspace T9")
    # An org-wide install of the same org (Slack says so in the event's authorization) is the bot's to serve.
    org_wide = json.loads(event_body(message_event(link, channel="C302"), team_id="T8"))
    org_wide["authorizations"] = [{"enterprise_id": "E1", "team_id": "T8", "user_id": "UBOT", "is_bot": True,
                                   "is_enterprise_install": True}]  # fmt: skip
    org_wide["enterprise_id"] = "E1"
    assert post_signed(events_url(bot), json.dumps(org_wide).encode(), SECRET, JSON).status_code == 200
    slack.wait_for_posts("C302", 1)
    ours = event_body(message_event(link, channel="C301", ts="1764000301.000200"))
    assert post_signed(events_url(bot), ours, SECRET, JSON).status_code == 200
    [card] = slack.wait_for_posts("C301", 1)
    assert card.params["thread_ts"] == "1764000301.000200"  # the foreign message got nothing
    assert len(slack.posts("C301")) == 1


def click(url: str, tag: str, slack: SlackStandIn, user: str = "U9") -> bytes:
    payload = {"type": "block_actions", "user": {"id": user}, "channel": {"id": "C303"}, "team": {"id": "T1"},
               "actions": [{"action_id": "share_digest", "value": json.dumps({"url": url})}],
               "response_url": slack.response_url(tag), "trigger_id": f"trigger-{tag}", "api_app_id": "A1",
               "token": "x", "container": {"type": "message", "channel_id": "C303"}}  # fmt: skip
    return interaction_body(payload)


def test_share_in_channel_replaces_the_answer_and_a_second_share_is_a_note(
    bot: str, slack: SlackStandIn, pages: LocalServer, redis_url: str
) -> None:
    url = pages.url("/drought")
    body = slash_body(url, channel_id="C303", response_url=slack.response_url("share-d"))
    assert post_signed(events_url(bot), body, SECRET, FORM).status_code == 200
    [answer] = answers_at(slack, "share-d")
    assert "share_digest" in json.dumps(answer.params["blocks"])
    assert post_signed(events_url(bot), click(url, "click-1", slack), SECRET, FORM).status_code == 200
    [card] = slack.wait_for_posts("C303", 1)
    [replaced] = answers_at(slack, "click-1")
    assert replaced.params == {"replace_original": True, "text": "Shared in the channel."}  # no button left
    wait_remembered(redis_url, "C303", url)
    # Another click on the same digest (an answer shown twice, or someone else's): the repeat note, no card.
    assert post_signed(events_url(bot), click(url, "click-2", slack, user="U10"), SECRET, FORM).status_code == 200
    [note] = answers_at(slack, "click-2")
    assert note.params["replace_original"] is True and "blocks" not in note.params
    assert note.params["text"].startswith("First shared by U9 ")
    assert f"/archives/C303/p{card.response['ts'].replace('.', '')}|" in note.params["text"]
    assert len(slack.posts("C303")) == 1
