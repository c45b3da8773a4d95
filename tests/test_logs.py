"""Logs are JSON lines off a terminal, readable at one, and never carry a token or a configured secret."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.runtime.logs import REDACTED, RedactingFilter, configure_logging
from handlers.settings import SlackSettings
from handlers.slack_client import SlackSession
from tests.support.http_server import LocalServer, Reply, Request

BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp"
APP_TOKEN = "xapp-1-A0123456789-1234567890123-0123456789abcdef"
USER_TOKEN = "xoxp-11-22-33-aabbcc"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
LLM_KEY = "sk-proj-abcdefghijklmnop"
ALL_SECRETS = (BOT_TOKEN, APP_TOKEN, USER_TOKEN, SIGNING_SECRET, LLM_KEY)
log = logging.getLogger("digestbot.test")
ROOT = Path(__file__).resolve().parent.parent


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def assert_clean(text: str) -> None:
    leaked = [s for s in ALL_SECRETS if s.split("-", 1)[-1] in text]  # a token's prefix alone may show
    assert not leaked, f"leaked: {leaked}"


def test_json_lines_carry_the_extras() -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    extra = {"event_id": "Ev1", "channel": "C1", "host": "example.com", "outcome": "ok", "duration_ms": 412}
    log.info("digest posted", extra=extra)
    log.debug("not at INFO")

    (entry,) = json_lines(stream)
    assert entry["level"] == "INFO" and entry["logger"] == "digestbot.test" and entry["message"] == "digest posted"
    assert entry["timestamp"].endswith("+00:00") and "T" in entry["timestamp"]
    assert {k: entry[k] for k in extra} == extra


def test_tokens_in_messages_and_args_are_redacted() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream, secrets=[SIGNING_SECRET, LLM_KEY])
    log.warning(f"calling Slack with {BOT_TOKEN}")
    log.warning("app token %s, user %s, secret %s, key %s", APP_TOKEN, USER_TOKEN, SIGNING_SECRET, LLM_KEY)
    log.info("fetched", extra={"url": f"https://example.com/?t={USER_TOKEN}", "host": "example.com"})

    first, second, third = json_lines(stream)
    assert first["message"] == f"calling Slack with xoxb-{REDACTED}"
    assert second["message"] == f"app token xapp-{REDACTED}, user xoxp-{REDACTED}, secret {REDACTED}, key {REDACTED}"
    assert third["url"] == f"https://example.com/?t=xoxp-{REDACTED}" and third["host"] == "example.com"
    assert_clean(stream.getvalue())


def test_exceptions_are_formatted_and_redacted() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream, secrets=[SIGNING_SECRET])
    try:
        raise RuntimeError(f"auth failed for {BOT_TOKEN} with {SIGNING_SECRET}")
    except RuntimeError:
        log.exception("listener failed", extra={"event_id": "Ev2"})
    log.error("with stack", stack_info=True)

    failed, stacked = json_lines(stream)
    assert "Traceback" in failed["exc_info"] and "RuntimeError: auth failed for xoxb-" in failed["exc_info"]
    assert failed["event_id"] == "Ev2"
    assert "test_exceptions_are_formatted_and_redacted" in stacked["stack_info"]
    assert_clean(stream.getvalue())


def test_a_terminal_gets_readable_lines_still_redacted() -> None:
    stream = Terminal()
    configure_logging(stream=stream, secrets=[LLM_KEY])
    try:
        raise ValueError(LLM_KEY)
    except ValueError:
        log.error("listener failed with %s", BOT_TOKEN, exc_info=True)

    text = stream.getvalue()
    assert "listener failed with xoxb-" in text and not text.lstrip().startswith("{")
    assert "ValueError" in text
    assert_clean(text)


def test_other_loggers_are_covered_and_level_applies() -> None:
    stream = io.StringIO()
    configure_logging("warning", stream=stream)
    logging.getLogger("slack_bolt.App").warning("token %s", BOT_TOKEN)
    logging.getLogger("aiohttp.access").info("GET /healthz")

    (entry,) = json_lines(stream)
    assert entry["logger"] == "slack_bolt.App" and entry["message"] == f"token xoxb-{REDACTED}"


def test_settings_list_every_configured_secret() -> None:
    settings = SlackSettings.model_validate(
        {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "DIGESTBOT_LLM_API_KEY": LLM_KEY}
    )
    assert set(settings.secret_values()) == {BOT_TOKEN, SIGNING_SECRET, LLM_KEY}


def test_short_secrets_do_not_redact_ordinary_words() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream, secrets=["ok", ""])
    log.info("ok")
    assert json_lines(stream)[0]["message"] == "ok"


def test_extraction_workers_log_in_the_same_format_as_serve() -> None:
    # What a library logs or warns inside an extraction worker reaches stderr as JSON lines, like serve's own.
    script = """
import asyncio
from bot.pipeline.extract.pool import run_in_worker, shutdown_workers

async def main() -> None:
    await run_in_worker("logging:warning", ("a library complains about a page",), 120)
    await run_in_worker("warnings:warn", ("a library warns about a page",), 120)

asyncio.run(main())
shutdown_workers()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines()]  # every line is JSON, or this raises
    messages = [r["message"] for r in records]
    assert "a library complains about a page" in messages
    assert any("a library warns about a page" in m for m in messages)
    assert {r["level"] for r in records} == {"WARNING"}


async def test_a_429_at_a_response_url_logs_no_part_of_its_secret() -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)  # slack_sdk's webhook client logs the URL it posts to
    path = "/commands/T0001/1234567890/Xq9SecretPartOfResponseUrlAbC"
    replies = iter([Reply(status=429, headers=[("Retry-After", "0")]), Reply(body=b"ok")])

    def rate_limited_once(_: Request) -> Reply:
        return next(replies)

    with LocalServer({path: rate_limited_once}) as server:
        session = await SlackSession().open()
        try:
            response = await session.response_client(server.url(path)).send_dict({"text": "an answer"})
        finally:
            await session.close()
    assert response.status_code == 200
    messages = [entry["message"] for entry in json_lines(stream)]
    assert "Slack rate-limited response_url: retrying in 0.0 s" in messages
    assert any(f"/commands/T0001/1234567890/{REDACTED}" in message for message in messages)
    assert "Xq9Secret" not in stream.getvalue() and "AbC" not in stream.getvalue()


@pytest.mark.parametrize(
    ("logged", "kept"),
    [
        ("POST https://hooks.slack.com/commands/T0AB12CD/1234567890123/Xq9SecretAbC - 429", "/1234567890123/"),
        ('{"response_url":"https:\\/\\/hooks.slack.com\\/actions\\/T0AB12CD\\/987654\\/Xq9SecretAbC"}', "987654"),
        ("url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0AB12CD%2F1234%2FXq9SecretAbC&x=1", "&x=1"),
        ("https://hooks.slack.com/services/T0AB12CD/B0CD34EF/Xq9SecretAbC", "B0CD34EF"),
    ],
)
def test_a_response_urls_secret_is_redacted_however_it_is_spelled(logged: str, kept: str) -> None:
    redacted = RedactingFilter().redact(logged)
    assert "Xq9Secret" not in redacted and REDACTED in redacted and kept in redacted


@pytest.mark.parametrize(
    "path",
    [
        "https://www.bbc.co.uk/services/TV/schedule/today-listings",
        "https://docs.example.com/actions/TUTORIAL/step-1/setup",
    ],
)
def test_other_sites_paths_that_look_like_a_response_url_are_logged_whole(path: str) -> None:
    assert RedactingFilter().redact(f"fetch failed for {path}") == f"fetch failed for {path}"
