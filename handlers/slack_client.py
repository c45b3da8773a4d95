"""The Slack Web API client: pointed at SLACK_API_URL, retrying 429s and 5xx politely."""

from __future__ import annotations

import asyncio
import random
import time
from email.utils import parsedate_to_datetime

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.metrics import SLACK_RATE_LIMITED

MAX_RETRY_AFTER_S = 30.0  # Slack may ask for an hour; a worker must not sleep that long


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


def make_client(token: str | None, base_url: str) -> AsyncWebClient:
    client = AsyncWebClient(token=token, base_url=base_url if base_url.endswith("/") else base_url + "/")
    client.retry_handlers = [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]
    return client
