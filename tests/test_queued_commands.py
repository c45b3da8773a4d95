"""`/digest` commands a digest worker answers (handlers/listeners/commands.py), against the Slack stand-in and
real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.config import Settings
from handlers.bot import SlackBot
from handlers.jobs import CommandJob
from handlers.listeners import give_up_job, run_job
from handlers.listeners.commands import SOMETHING_WENT_WRONG, once_after_ack, run_command
from handlers.listeners.messages import GAVE_UP
from tests.support.bot_process import slack_settings
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
