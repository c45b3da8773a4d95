"""The Slack Web API client: pointed at SLACK_API_URL, retrying 429s and 5xx politely.

A long-running process (serve, worker) owns one SlackSession for all its clients: without it slack_sdk opens
and closes an aiohttp session, and a TCP (and TLS) connection, for every single call.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

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

from bot.runtime.metrics import SLACK_CALLS, SLACK_RATE_LIMITED
from handlers.settings import SlackSettings

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_S = 30.0  # Slack may ask for an hour; a worker must not sleep that long
CALL_TIMEOUT_S = 30  # slack_sdk's default per call, which it applies only to the sessions it opens itself


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


def slack_method(url: str) -> str:
    """The Web API method `url` calls, or "response_url" for any other URL (its last segment is a secret)."""
    folder, _, method = urlsplit(url).path.rpartition("/")
    return method if folder.endswith("/api") else "response_url"


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
        wait_s = retry_after_seconds(value[0] if isinstance(value, list) else value)
        method = slack_method(request.url)
        log.info("Slack rate-limited %s: retrying in %.1f s", method, wait_s,
                    extra={"slack_method": method, "retry_after_s": wait_s})  # fmt: skip
        state.next_attempt_requested = True
        await asyncio.sleep(wait_s + random.random() / 4)
        state.increment_current_attempt()


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


def make_client(token: str | None, base_url: str, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    client = CountingWebClient(token=token, base_url=base_url, session=session)
    client.retry_handlers = retry_handlers()
    return client


def retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


def bot_client(settings: SlackSettings, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    """A Web API client with the bot token and SLACK_API_URL from `settings`."""
    return make_client(settings.bot_token(), settings.slack_api_url, session)


class SlackSession:
    """The one aiohttp session a long-running process's Slack clients share, from open() to close()."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> SlackSession:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT_S))
        return self

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def bot_client(self, settings: SlackSettings) -> AsyncWebClient:
        return bot_client(settings, self._session)

    def response_client(self, response_url: str) -> AsyncWebhookClient:
        """A client for a slash command's response_url, retrying as the Web API client does."""
        return AsyncWebhookClient(response_url, session=self._session, retry_handlers=retry_handlers())
