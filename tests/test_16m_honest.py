"""Honest answers while parts are down: `/digest recent` with Redis away, and /readyz before (or without) the
digest workers. End to end through `digestbot serve`, the Slack stand-in and real Redis servers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from handlers.listeners.commands import MEMORY_AWAY
from tests.support.articles import article_html
from tests.support.bot_process import HANG_S, REPO, SECRET, TOKEN, running_bot, wait_remembered, worker_pids
from tests.support.http_server import LocalServer, html
from tests.support.redis_server import RedisServer, free_port
from tests.support.slack_standin import FORM, JSON, SlackStandIn, event_body, message_event, post_signed, slash_body


@pytest.fixture(scope="module")
def pages() -> Iterator[LocalServer]:
    with LocalServer({f"/{key}": html(article_html(key)) for key in ("rivers", "drought", "chess")}) as server:
        yield server


def paste(bot: str, slack: SlackStandIn, url: str, channel: str, count: int) -> None:
    assert post_signed(f"{bot}/slack/events", event_body(message_event(f"<{url}>", channel=channel)), SECRET,
                       JSON).status_code == 200  # fmt: skip
    slack.wait_for_posts(channel, count)


def recent(bot: str, slack: SlackStandIn, channel: str) -> str:
    tag = f"recent-{uuid.uuid4().hex[:8]}"
    body = slash_body("recent", channel_id=channel, response_url=slack.response_url(tag))
    assert post_signed(f"{bot}/slack/events", body, SECRET, FORM).status_code == 200
    deadline = time.monotonic() + HANG_S
    while not (found := [c for c in slack.calls("response_url") if c.path.endswith(f"/{tag}")]):
        assert time.monotonic() < deadline, "/digest recent was never answered"
        time.sleep(0.05)
    return found[0].params["text"]


def test_recent_says_memory_is_unavailable_while_redis_is_down(
    slack: SlackStandIn, pages: LocalServer, throwaway_redis: RedisServer, tmp_path: Path
) -> None:
    with running_bot(slack.base_url, throwaway_redis.url, tmp_path) as (bot, _):
        paste(bot, slack, pages.url("/rivers"), "C400", 1)
        wait_remembered(throwaway_redis.url, "C400", pages.url("/rivers"))
        assert "Rivers are running dry" in recent(bot, slack, "C400")
        throwaway_redis.stop()
        assert recent(bot, slack, "C400") == MEMORY_AWAY  # not "Nothing shared in this channel yet"
        paste(bot, slack, pages.url("/chess"), "C400", 2)  # still digested, in the process that took it
        throwaway_redis.start()
        # What the README says is lost: a link shared during the outage is not in the channel's memory.
        deadline = time.monotonic() + HANG_S
        while (listed := recent(bot, slack, "C400")) == MEMORY_AWAY:  # redis-py reconnects by itself
            assert time.monotonic() < deadline
        assert "Rivers are running dry" in listed and "chess" not in listed


def readiness(base: str) -> tuple[int, dict] | None:
    try:
        answer = httpx.get(f"{base}/readyz", timeout=10)
    except httpx.HTTPError:
        return None  # not listening yet
    return answer.status_code, answer.json()


def wait_readiness(base: str, status: int) -> dict:
    deadline = time.monotonic() + HANG_S
    while (seen := readiness(base)) is None or seen[0] != status:
        assert time.monotonic() < deadline, f"/readyz never answered {status}"
        time.sleep(0.05)
    return seen[1]


WORKERS = 2


@pytest.fixture
def started_bot(slack: SlackStandIn, redis_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`digestbot serve` just started: nothing waited for (tests/support/bot_process.py waits for its workers)."""
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGESTBOT_", "REDIS_URL"))}
    env |= {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.base_url,
            "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true", "DIGESTBOT_REDIS_PREFIX": prefix,
            "DIGESTBOT_DATA_DIR": str(tmp_path), "REDIS_URL": redis_url, "DIGESTBOT_WORKERS": str(WORKERS)}  # fmt: skip
    port, log_path = free_port(), tmp_path / "bot.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "handlers.cli", "serve", "--port", str(port)],
                                   env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)  # fmt: skip
        try:
            yield f"http://127.0.0.1:{port}", log_path
        finally:
            process.terminate()
            process.wait(30)
            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter(f"{prefix}*"):
                client.delete(key)


def test_readyz_waits_for_the_digest_workers(
    started_bot: tuple[str, Path], slack: SlackStandIn, pages: LocalServer
) -> None:
    bot, log_path = started_bot
    answers = []
    deadline = time.monotonic() + HANG_S
    while (seen := readiness(bot)) is None or seen[0] != 200:
        assert time.monotonic() < deadline, "/readyz never went green"
        answers += [seen[1]] if seen else []
        time.sleep(0.02)
    assert len(worker_pids(log_path)) == WORKERS  # each said its consumers run before /readyz went green
    assert all(a == {"redis": True, "slack": True, "workers": False} for a in answers)
    paste(bot, slack, pages.url("/drought"), "C401", 1)  # sent the moment it is ready: its card comes
    # A worker that dies takes readiness with it until its replacement runs.
    os.kill(worker_pids(log_path)[0], signal.SIGKILL)
    assert wait_readiness(bot, 503) == {"redis": True, "slack": True, "workers": False}
    wait_readiness(bot, 200)
    assert len(worker_pids(log_path)) == WORKERS + 1
    paste(bot, slack, pages.url("/rivers"), "C401", 2)
