"""Run the real `digestbot serve` process (HTTP mode) for end-to-end tests, against real Redis and a Slack stand-in.

Pass the session's `redis_url` fixture (tests/redis_server.py): the CI Redis, or a throwaway real server; None
leaves REDIS_URL unset, so the bot runs its embedded Redis under `data_dir`. "Started" includes the bot's digest
workers (DIGESTBOT_WORKERS, default 1): each has logged that its consumers run.

As a pytest plugin (tests/conftest.py) it gives each test module that asks a bot with the default settings:
`bot_and_log` (base URL, log file) and `bot` (base URL), started on the module's `slack` stand-in. A module that
needs other settings defines its own `bot_and_log`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from bot.config import Settings, usable_cpus
from bot.memory.keys import url_hash as store_hash
from bot.memory.related.record import doc_id
from bot.pipeline.urls import canonicalize
from bot.runtime.queue import WorkQueue
from bot.service import DigestService
from handlers.bot import SlackBot
from handlers.names import UserNames
from handlers.settings import SlackSettings
from handlers.slack_client import SlackSession, bot_client
from tests.support.redis_server import free_port
from tests.support.slack_standin import SlackStandIn
from tests.support.topologies import sync_client
from tests.support.waiting import HANG_S, log_tail, wait_until, watched_log

REPO = Path(__file__).resolve().parents[2]
TOKEN = "xoxb-test-token-0123456789"
SECRET = "test-signing-secret-0123456789"
WORKER_STARTED = re.compile(r"digest worker (\d+) running \d+ consumers")  # handlers/worker.py's start-up line


@pytest.fixture(scope="module")
def bot_and_log(
    slack: SlackStandIn, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    with running_bot(slack.base_url, redis_url, tmp_path_factory.mktemp("bot")) as started:
        yield started


@pytest.fixture(scope="module")
def bot(bot_and_log: tuple[str, Path]) -> str:
    return bot_and_log[0]


@contextlib.contextmanager
def running_bot(
    slack_api_url: str, redis_url: str | None, data_dir: Path, **settings: str
) -> Iterator[tuple[str, Path]]:
    """Yield (base URL, log file) of a started bot; stop it, drop its Redis keys and check its log for secrets.

    The three checks at the end run whatever happened before them: a failed test, a bot that never started or one
    that would not stop. While the bot runs, a hang report (tests/support/waiting.py) shows its log's tail.
    """
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGESTBOT_", "REDIS_URL"))}
    env |= {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_api_url,
        "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true",
        "DIGESTBOT_REDIS_PREFIX": prefix,
        "DIGESTBOT_DATA_DIR": str(data_dir),
        # set here, so that a developer's .env cannot give the bot another count than the one waited for below
        "DIGESTBOT_WORKERS": str(usable_cpus()),
        **({"REDIS_URL": redis_url} if redis_url else {}),
        **settings,
    }
    port = free_port()
    log_path = data_dir / "bot.log"
    with contextlib.ExitStack() as finally_:  # callbacks run last-in first-out, each even if one before raised
        finally_.callback(assert_no_secrets, log_path)
        if redis_url:  # the embedded one stops with the bot; its files go with data_dir
            finally_.callback(drop_keys, redis_url, prefix)
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "handlers.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
            )
        finally_.callback(stop, process, log_path)
        finally_.enter_context(watched_log(log_path))
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, process, log_path, int(env["DIGESTBOT_WORKERS"]))
        yield base, log_path


def stop(process: subprocess.Popen[bytes], log_path: Path) -> None:
    """SIGTERM, as a service manager stops the bot; SIGKILL and a failure if it is still running at HANG_S."""
    process.terminate()
    try:
        process.wait(HANG_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"the bot did not stop on SIGTERM in {HANG_S} s:\n{log_tail(log_path)}") from None


def drop_keys(redis_url: str, prefix: str) -> None:
    client = sync_client(redis_url)
    try:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    finally:
        client.close()


def assert_no_secrets(log_path: Path) -> None:
    text = log_path.read_text(errors="replace")
    assert TOKEN not in text and SECRET not in text, "a secret reached the bot's logs"


def wait_remembered(redis_url: str, channel: str, url: str, team: str = "T1", card_ts: str | None = None) -> None:
    """Until the bot has remembered `url` as shared in `channel`: the channel's record and the related index's,
    and with `card_ts` that card as the link's. A pasted link's share is recorded before its card is posted but
    the card after it, and a share button's share after its card: a test acting the moment a card shows races it.
    """
    canonical = canonicalize(url)
    client = sync_client(redis_url)
    try:
        wait_until(lambda: _remembered(client, channel, team, canonical, card_ts), f"{url} remembered in {channel}")
    finally:
        client.close()


def _remembered(
    client: redis.Redis | redis.RedisCluster, channel: str, team: str, canonical: str, card_ts: str | None
) -> bool:
    firsts = client.scan_iter(f"*v1:ch:{{{channel}}}:first")
    if not any(client.hexists(key, store_hash(canonical)) for key in firsts):
        return False
    if card_ts and not any(client.hexists(key, card_ts) for key in client.scan_iter(f"*v1:ch:{{{channel}}}:msg")):
        return False
    return any(True for _ in client.scan_iter(f"*v1:related:{{{team}}}:i:{doc_id(canonical).hex()}"))


def metric(base: str, sample: str) -> float:
    """The sum of the bot's /metrics samples whose line starts with `sample` (a name, maybe with labels)."""
    text = httpx.get(f"{base}/metrics", timeout=HANG_S).text
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(sample))


def queue_drained(base: str) -> bool:
    """No job queued or running: every queued job has finished (entries are deleted once done)."""
    return metric(base, "digestbot_queue_depth") == 0


def log_records(log_path: Path) -> list[dict[str, Any]]:
    """The bot's JSON log lines, parsed (all but a last line still being written)."""
    complete = log_path.read_text(errors="replace").split("\n")[:-1]
    return [json.loads(line) for line in complete if line.startswith("{")]


def wait_handled(log_path: Path, event_id: str, links: int = 1) -> list[dict[str, Any]]:
    """Until the bot logged "link handled" for `links` links of the event `event_id`: its job's work is over."""

    def handled() -> list[dict[str, Any]]:
        return [r for r in log_records(log_path) if r.get("message") == "link handled" and r["event_id"] == event_id]

    wait_until(lambda: len(handled()) >= links, f"{links} link(s) of event {event_id} handled")
    return handled()


def slack_settings(base: Settings, slack_api_url: str) -> SlackSettings:
    """`base` (a test's Redis and prefix) with the test token, pointed at a Slack stand-in."""
    return SlackSettings.model_validate(
        base.model_dump(by_alias=True) | {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack_api_url}
    )


def bot_for(service: DigestService, slack_api_url: str) -> SlackBot:
    """A SlackBot around a test's service, talking to a Slack stand-in (no session: a client session per call)."""
    settings = slack_settings(service.settings, slack_api_url)
    queue = WorkQueue.open(settings, service.redis, service.guard)
    client = bot_client(settings)
    return SlackBot(settings, service, SlackSession(), client, queue, UserNames(client))


def worker_pids(log_path: Path) -> list[int]:
    """Every digest worker the bot started so far (restarted ones too), from their start-up log lines."""
    return [int(pid) for pid in WORKER_STARTED.findall(log_path.read_text(errors="replace"))]


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log_path: Path, workers: int) -> None:
    def started() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the bot exited with {process.returncode}:\n{log_tail(log_path)}")
        try:
            healthy = httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False
        return healthy and len(worker_pids(log_path)) >= workers

    wait_until(started, f"the bot to answer /healthz with {workers} digest worker(s) running")
