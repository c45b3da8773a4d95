"""One module per Slack surface, as bolt's starter template lays them out: each registers its listeners and
runs the queued jobs its listeners create. `JOBS` says which surface runs (and gives up on) each job kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.bot import SlackBot
from handlers.jobs import CommandJob, MessageJob, UnfurlJob, parse_job
from handlers.listeners import commands, home, messages, reactions, unfurls


async def _nothing(job: Any, bot: SlackBot) -> None:
    """An unfurl that never came leaves Slack's own preview, which needs no apology."""


JOBS: dict[type, tuple[Callable[[Any, SlackBot], Awaitable[None]], Callable[[Any, SlackBot], Awaitable[None]]]] = {
    MessageJob: (messages.run_message, messages.give_up_message),
    UnfurlJob: (unfurls.run_unfurl, _nothing),
    CommandJob: (commands.run_queued_command, commands.give_up_command),
}


def register(app: AsyncApp) -> None:
    for surface in (messages, unfurls, commands, home, reactions):
        surface.register(app)


async def run_job(raw: dict[str, Any], bot: SlackBot) -> None:
    """A queued job, on whichever replica's consumer took it (maybe again, after a crash)."""
    if job := parse_job(raw):
        await JOBS[type(job)][0](job, bot)


async def give_up_job(raw: dict[str, Any], bot: SlackBot) -> None:
    """The job failed MAX_DELIVERIES times: an honest reply where one is owed."""
    if job := parse_job(raw):
        await JOBS[type(job)][1](job, bot)
