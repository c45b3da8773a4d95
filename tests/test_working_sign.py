"""The hourglass "working on it" sign, against the Slack stand-in and real Redis: shown only for slow work,
removed after it, and at most SIGNS_PER_MINUTE per workspace (reactions.remove is Tier 2, ~20 a minute)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from bot.memory.store import Store
from handlers.listeners import messages
from handlers.slack_client import make_client
from tests.support.bot_process import TOKEN
from tests.support.slack_standin import SlackStandIn


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def quick_signs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "WORKING_AFTER_S", 0.05)
    monkeypatch.setattr(messages, "SIGNS_PER_MINUTE", 2)
    if time.time() % 60 > 55:  # the budget is per clock minute: start inside one
        time.sleep(60 - time.time() % 60)


async def work(slack: SlackStandIn, store: Store, team: str, ts: str, seconds: float) -> None:
    async with messages.working_sign(make_client(TOKEN, slack.base_url), store, team, "C1", ts):
        await asyncio.sleep(seconds)


async def test_quick_work_shows_no_sign(slack: SlackStandIn, store: Store, quick_signs: None) -> None:
    await work(slack, store, "T1", "1.1", 0)
    await asyncio.sleep(0.1)
    assert slack.calls("reactions.add") == slack.calls("reactions.remove") == []


async def test_slow_work_shows_signs_up_to_the_workspace_budget(
    slack: SlackStandIn, store: Store, quick_signs: None
) -> None:
    await asyncio.gather(*(work(slack, store, "T1", f"2.{i}", 0.3) for i in range(4)))
    await work(slack, store, "T2", "3.1", 0.3)  # another workspace's budget is untouched
    added, removed = slack.calls("reactions.add"), slack.calls("reactions.remove")
    assert len(added) == len(removed) == 3
    assert {c.params["timestamp"] for c in added} == {c.params["timestamp"] for c in removed}
    assert sum(c.params["timestamp"].startswith("2.") for c in added) == 2
    assert all(c.params["name"] == messages.WORKING for c in added)
