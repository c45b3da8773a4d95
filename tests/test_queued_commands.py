"""`/digest` commands a digest worker answers (handlers/listeners/commands.py), against the Slack stand-in and
real Redis."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import Settings
from handlers.bot import SlackBot
from handlers.command_text import NOT_SAVED
from handlers.jobs import CommandJob
from handlers.listeners import give_up_job, run_job
from handlers.listeners.commands import SHARED, SOMETHING_WENT_WRONG, once_after_ack, run_command, share_to_channel
from handlers.listeners.home import toggle_mute
from handlers.listeners.messages import GAVE_UP
from tests.support.articles import article_html
from tests.support.bot_process import slack_settings
from tests.support.http_server import LocalServer, Reply, html
from tests.support.redis_server import make_settings
from tests.support.slack_standin import SlackStandIn


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
async def bot(store_settings: Settings, slack: SlackStandIn) -> AsyncIterator[SlackBot]:
    opened = await SlackBot.open(slack_settings(store_settings, slack.base_url))
    yield opened
    await opened.close()


@pytest.fixture
def pages() -> Iterator[LocalServer]:
    with LocalServer({"/rivers": html(article_html("rivers")), "/gone": Reply(status=404, body=b"gone")}) as server:
        yield server


@pytest.fixture
async def page_bot(store_settings: Settings, slack: SlackStandIn) -> AsyncIterator[SlackBot]:
    """A bot that may read the test's pages on 127.0.0.1."""
    settings = store_settings.model_copy(update={"allow_private_networks": True})
    opened = await SlackBot.open(slack_settings(settings, slack.base_url))
    yield opened
    await opened.close()


def command(slack: SlackStandIn, text: str, tag: str) -> dict[str, str]:
    return CommandJob(text=text, channel_id="C1", team_id="T1", user_id="U1",
                      response_url=slack.response_url(tag)).model_dump()  # fmt: skip


async def test_a_queued_command_is_answered_once_however_often_its_job_runs(slack: SlackStandIn, bot: SlackBot) -> None:
    job = command(slack, "search rivers", "once")
    for _ in range(2):  # the second run is the job claimed again after a crash
        await run_job(job, bot)
    [answer] = slack.calls("response_url")
    assert answer.params["response_type"] == "ephemeral" and "No digest matches" in answer.params["text"]


async def test_a_command_given_up_on_gets_an_apology(slack: SlackStandIn, bot: SlackBot) -> None:
    await give_up_job(command(slack, "https://x.example/a", "gave-up"), bot)
    [answer] = slack.calls("response_url")
    assert answer.params == {"response_type": "ephemeral", "replace_original": False, "text": f"Sorry: {GAVE_UP}"}


def slash(slack: SlackStandIn, text: str, tag: str) -> dict[str, str]:
    """A `/digest` as bolt hands it to the listener after the ack."""
    return {**command(slack, text, tag), "trigger_id": f"trigger-{tag}"}


async def test_an_answer_given_in_process_is_sent_again_after_a_429(slack: SlackStandIn, bot: SlackBot) -> None:
    slack.fail_next("response_url", status=429, retry_after="1")
    await run_command(slash(slack, "recent", "in-process"), bot)
    assert [(c.status, c.params["response_type"]) for c in slack.calls("response_url")] == [
        (429, "ephemeral"),
        (200, "ephemeral"),
    ]


async def test_a_failure_after_the_ack_is_logged_and_the_caller_told(
    slack: SlackStandIn, bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        raise RuntimeError("a bug")

    await once_after_ack(slash(slack, "recent", "broken"), bot, broken)  # raises nothing: bolt keeps its 200
    [answer] = slack.calls("response_url")
    assert answer.params["response_type"] == "ephemeral" and answer.params["text"] == SOMETHING_WENT_WRONG
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [RuntimeError]


async def test_words_beside_the_link_are_said_to_be_ignored(slack: SlackStandIn, bot: SlackBot) -> None:
    await run_job(command(slack, "related http://127.0.0.1:9/a http://127.0.0.1:9/b", "two-links"), bot)
    [answer] = slack.calls("response_url")
    note, said = answer.params["text"].split("\n", 1)
    assert note == "_(I take one link at a time, so I ignored `http://127.0.0.1:9/b`.)_"
    assert said.startswith("Couldn't read <http://127.0.0.1:9/a|this page>")  # the first link alone was read


def share_click(url: str, response_url: str, tag: str) -> dict[str, Any]:
    """A click on "Share in channel" in C1, as bolt hands it to the listener after the ack."""
    return {"actions": [{"value": json.dumps({"url": url})}], "channel": {"id": "C1"}, "user": {"id": "U1"},
            "response_url": response_url, "trigger_id": f"trigger-{tag}"}  # fmt: skip


async def click_share(bot: SlackBot, body: dict[str, Any]) -> None:
    await once_after_ack(body, bot, partial(share_to_channel, body, "T1", bot))


async def test_a_share_whose_post_was_cut_off_is_apologised_for_and_shared_by_the_next_click(
    slack: SlackStandIn, page_bot: SlackBot, pages: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = page_bot.client.chat_postMessage

    async def reset_once(**kwargs: Any) -> Any:
        monkeypatch.setattr(page_bot.client, "chat_postMessage", post)
        raise aiohttp.ClientConnectionError("Connection reset by peer")

    monkeypatch.setattr(page_bot.client, "chat_postMessage", reset_once)
    for tag in ("reset", "again"):
        await click_share(page_bot, share_click(pages.url("/rivers"), slack.response_url(tag), tag))
    assert [c.params["text"] for c in slack.calls("response_url")] == [SOMETHING_WENT_WRONG, SHARED]
    [card] = slack.posts("C1")
    assert "Rivers are running dry" in json.dumps(card.params["blocks"])


async def test_a_posted_share_is_not_apologised_for_when_remembering_it_or_answering_fails(
    slack: SlackStandIn, page_bot: SlackBot, pages: LocalServer, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    async def memory_lost(*args: Any) -> None:
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(page_bot.service, "remember", memory_lost)
    await click_share(page_bot, share_click(pages.url("/rivers"), slack.response_url("forgot"), "forgot"))
    assert [c.params["text"] for c in slack.calls("response_url")] == [SHARED]
    closed = "http://127.0.0.1:9/response/closed"  # nothing listens: the answer cannot be replaced
    caplog.clear()
    await click_share(page_bot, share_click(pages.url("/rivers") + "?again", closed, "unanswered"))
    assert len(slack.posts("C1")) == 2
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and "after its ack" in r.getMessage()]
    assert any("answer was not replaced" in r.getMessage() for r in caplog.records)


async def test_a_share_of_a_page_that_cannot_be_read_is_answered_at_the_response_url(
    slack: SlackStandIn, page_bot: SlackBot, pages: LocalServer
) -> None:
    await click_share(page_bot, share_click(pages.url("/gone"), slack.response_url("gone"), "gone"))
    [answer] = slack.calls("response_url")  # chat.postEphemeral would fail where I am not a member
    assert answer.params["text"].startswith("Couldn't read") and not slack.calls("chat.postEphemeral")


def mute_click(value: str) -> dict[str, Any]:
    return {"user": {"id": "U1"}, "actions": [{"value": value}]}


async def test_an_unmute_redis_did_not_take_says_so_in_the_home_view(
    slack: SlackStandIn, refused_url: str, tmp_path: Path
) -> None:
    slack.memberships["U1"] = ["C1"]
    away = await SlackBot.open(slack_settings(make_settings(refused_url, tmp_path), slack.base_url))
    try:
        await toggle_mute(mute_click("C1 unmute"), away.client, away.service)
    finally:
        await away.close()
    [published] = slack.calls("views.publish")
    assert NOT_SAVED in json.dumps(published.params["view"])  # above the "digests on" of settings it could not read


async def test_a_mute_click_whose_view_slack_refuses_is_logged_not_raised(
    slack: SlackStandIn, bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    slack.memberships["U1"] = ["C1"]
    slack.error_next("views.publish", "internal_error")
    await toggle_mute(mute_click("C1 mute"), bot.client, bot.service)  # raises nothing: bolt keeps its 200
    assert (await bot.service.store.channel_settings.get("C1")).muted
    assert any("mute click failed" in r.getMessage() for r in caplog.records)
    assert NOT_SAVED not in json.dumps(slack.calls("views.publish")[0].params)
