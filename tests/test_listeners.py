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

from tests.support.articles import ARTICLES, article_html
from tests.support.bot_process import SECRET, running_bot
from tests.support.http_server import LocalServer, html
from tests.support.slack_standin import (
    FORM,
    JSON,
    SlackStandIn,
    event_body,
    interaction_body,
    link_shared_event,
    message_event,
    post_signed,
    slash_body,
)

IGNORED = "that site is set to be ignored here"
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
    send(bot, message_event(f"<{ignored}> <{pages.url('/rivers')}>", channel="C1"))
    [card] = slack.wait_for_posts("C1", 1)
    assert title("rivers") in json.dumps(card.params["blocks"])
    for text in (ignored, f"related {ignored}"):  # told plainly, not answered with a digest
        answer = command(bot, slack, text, "C2")
        assert IGNORED in answer["text"] and "blocks" not in answer
    assert IGNORED in share_click(bot, slack, ignored, "C2")["text"]
    send(bot, link_shared_event([ignored, pages.url("/chess")], channel="C3"))
    [unfurl] = slack.wait_for("chat.unfurl")
    assert list(unfurl.params["unfurls"]) == [pages.url("/chess")]  # the ignored link keeps Slack's own preview
    assert not slack.posts("C2")
    assert not [r for r in pages.requests if r.path == "/bike-lanes"]
