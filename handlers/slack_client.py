"""The Slack Web API client: pointed at SLACK_API_URL, retrying 429s and 5xx politely.

A long-running process (serve, worker) opens one aiohttp session for all its clients with open_shared_session():
without it slack_sdk opens and closes a session, and a TCP (and TLS) connection, for every single call.
"""

from __future__ import annotations

import asyncio
import random
import time
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncSlackResponse, AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.config import Settings
from bot.runtime.metrics import SLACK_CALLS, SLACK_RATE_LIMITED

MAX_RETRY_AFTER_S = 30.0  # Slack may ask for an hour; a worker must not sleep that long
CALL_TIMEOUT_S = 30  # slack_sdk's default per call, which it applies only to the sessions it opens itself

_shared: aiohttp.ClientSession | None = None


def retry_after_seconds(value: str | None) -> float:
    """Retry-After as seconds: an integer, a float or an HTTP date (slack_sdk's own handler crashes on the last two)."""
    if not value:
        return 1.0
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


class RateLimitRetryHandler(AsyncRetryHandler):
    """Honour Retry-After on a 429, capped, with a little jitter."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        SLACK_RATE_LIMITED.inc()
        headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
        value = headers.get("retry-after")
        state.next_attempt_requested = True
        await asyncio.sleep(retry_after_seconds(value[0] if isinstance(value, list) else value) + random.random() / 4)
        state.increment_current_attempt()


async def open_shared_session() -> aiohttp.ClientSession:
    """The session every later make_client() in this process uses (opened in, and bound to, the running loop)."""
    global _shared
    if _shared is None or _shared.closed:
        _shared = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT_S))
    return _shared


async def close_shared_session() -> None:
    """At shutdown; clients made afterwards open a session per call again."""
    global _shared
    if _shared is not None:
        await _shared.close()
        _shared = None


class CountingWebClient(AsyncWebClient):
    """Counts every Web API call by method and outcome for /metrics."""

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
        outcome = "error"
        try:
            response = await super().api_call(api_method, **kwargs)
            outcome = "true"
            return response
        except SlackApiError:
            outcome = "false"
            raise
        finally:
            SLACK_CALLS.labels(api_method, outcome).inc()


def _session() -> aiohttp.ClientSession | None:
    return _shared if _shared is not None and not _shared.closed else None


def make_client(token: str | None, base_url: str) -> AsyncWebClient:
    client = CountingWebClient(
        token=token, base_url=base_url if base_url.endswith("/") else base_url + "/", session=_session()
    )
    client.retry_handlers = retry_handlers()
    return client


def retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


def response_client(response_url: str) -> AsyncWebhookClient:
    """A client for a slash command's response_url, on the shared session, retrying as the Web API client does."""
    return AsyncWebhookClient(response_url, session=_session(), retry_handlers=retry_handlers())


def bot_client(settings: Settings) -> AsyncWebClient:
    """make_client() with the bot token and SLACK_API_URL from `settings`."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return make_client(token, settings.slack_api_url)


def client_problems(settings: Settings) -> list[str]:
    """One clear line per missing or malformed setting the Web API client needs (serve and worker)."""
    problems = []
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    if not token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be set to the bot token (it starts with xoxb-).")
    if not settings.slack_api_url.startswith(("http://", "https://")):
        problems.append("SLACK_API_URL must be an http(s) URL such as https://slack.com/api/.")
    return problems
