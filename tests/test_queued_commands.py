"""`/digest` commands a digest worker answers (handlers/slash.py), against the Slack stand-in and real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from bot_process import TOKEN
from slack_standin import SlackStandIn

from bot.config import Settings
from bot.runtime.queue import WorkQueue
from bot.service import DigestService
from handlers.jobs import SLASH_COMMAND, DigestJob
from handlers.messages import GAVE_UP, give_up_job
from handlers.slack_client import make_client
from handlers.slash import answer_queued_command


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
async def service(store_settings: Settings) -> AsyncIterator[DigestService]:
    opened = DigestService.open(store_settings)
    yield opened
    await opened.close()


def command(slack: SlackStandIn, text: str, tag: str) -> dict[str, str]:
    return {"type": SLASH_COMMAND, "text": text, "channel_id": "C1", "team_id": "T1", "user_id": "U1",
            "response_url": slack.response_url(tag)}  # fmt: skip


async def nothing(_: dict) -> None:
    """The queue's handlers: these tests call the job functions themselves."""


async def test_a_queued_command_is_answered_once_however_often_its_job_runs(
    slack: SlackStandIn, service: DigestService, store_settings: Settings
) -> None:
    queue = WorkQueue.open(store_settings, nothing, nothing)
    client = make_client(TOKEN, slack.base_url)
    event = command(slack, "search rivers", "once")
    for _ in range(2):  # the second run is the job claimed again after a crash
        await answer_queued_command(event, client, service, queue)
    [answer] = slack.calls("response_url")
    assert answer.params["response_type"] == "ephemeral" and "No digest matches" in answer.params["text"]


async def test_a_command_given_up_on_gets_an_apology(
    slack: SlackStandIn, service: DigestService, store_settings: Settings
) -> None:
    queue = WorkQueue.open(store_settings, nothing, nothing)
    job = DigestJob(team_id="T1", event=command(slack, "https://x.example/a", "gave-up")).model_dump()
    await give_up_job(job, make_client(TOKEN, slack.base_url), service, queue)
    [answer] = slack.calls("response_url")
    assert answer.params == {"response_type": "ephemeral", "replace_original": False, "text": f"Sorry: {GAVE_UP}"}
