"""Optional abstractive summaries from any OpenAI-compatible chat endpoint, with the extractive path as fallback.

Every failure (timeout, HTTP error, unreadable or off-schema JSON) returns None and logs one WARNING naming the
cause; the API key is only ever in the Authorization header, never in a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re

import httpx

from bot.config import Settings
from bot.models import Article
from bot.pipeline.sentences import split_sentences

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 12_000  # enough for a long article's substance, small enough for any model's context
MAX_RESPONSE_BYTES = 256 * 1024
MAX_SUMMARY_SENTENCES = 4
MAX_QUOTES = 5

_SYSTEM_PROMPT = (
    "You summarize news and blog articles. Answer with one JSON object and nothing else: "
    '{"summary": [2 to 4 sentences], "quotes": [up to 5 strings]}. '
    "Write the summary sentences in the same language as the article. "
    "Each quote must be a complete sentence copied exactly, character for character, from the article text: "
    "strong claims, figures or memorable lines that make sense on their own, 6 to 40 words each, "
    "none repeating the summary."
)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


class _BadAnswer(ValueError):
    """The endpoint answered, but not with the JSON we asked for."""


async def llm_summarize(article: Article, settings: Settings) -> tuple[list[str], list[str]] | None:
    """(summary sentences, proposed quotes) from the configured model, or None when anything goes wrong."""
    if not (settings.llm_url and settings.llm_model):
        return None
    try:
        async with asyncio.timeout(settings.llm_timeout_s):  # httpx's timeout is per read; this is the whole call
            content = await _complete(_messages(article), settings)
        return _parse(content)
    except (TimeoutError, httpx.TimeoutException):
        log.warning("LLM summarizer timed out after %.1fs; using the extractive summary", settings.llm_timeout_s)
    except httpx.HTTPStatusError as error:
        log.warning("LLM summarizer got HTTP %d; using the extractive summary", error.response.status_code)
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        log.warning("LLM summarizer request failed (%s); using the extractive summary", type(error).__name__)
    except _BadAnswer as error:
        log.warning("LLM summarizer answer unusable (%s); using the extractive summary", error)
    return None


def _messages(article: Article) -> list[dict[str, str]]:
    header = "\n".join(
        f"{label}: {value}" for label, value in (("Title", article.title), ("Language", article.language)) if value
    )
    return [
        {"role": "system", "content": _SYSTEM_PROMPT},
        {"role": "user", "content": f"{header}\n\nArticle text:\n{article.text[:MAX_INPUT_CHARS]}".strip()},
    ]


async def _complete(messages: list[dict[str, str]], settings: Settings) -> str:
    headers = {"Content-Type": "application/json"}
    if settings.llm_api_key is not None:
        headers["Authorization"] = f"Bearer {settings.llm_api_key.get_secret_value()}"
    body = {"model": settings.llm_model, "messages": messages, "temperature": 0.2}
    url = f"{(settings.llm_url or '').rstrip('/')}/chat/completions"
    async with (
        httpx.AsyncClient(timeout=settings.llm_timeout_s, trust_env=False) as client,
        client.stream("POST", url, headers=headers, json=body) as response,
    ):
        response.raise_for_status()
        raw = bytearray()
        async for chunk in response.aiter_bytes():
            raw += chunk
            if len(raw) > MAX_RESPONSE_BYTES:
                raise _BadAnswer("response too large")
    try:
        return json.loads(raw)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise _BadAnswer("not a chat completion") from error


def _parse(content: object) -> tuple[list[str], list[str]]:
    """The model's JSON object, tolerating a ```json fence; summary must be 1-4 non-empty sentences."""
    if not isinstance(content, str):
        raise _BadAnswer("no message content")
    try:
        data = json.loads(_FENCE.sub("", content.strip()))
    except ValueError as error:
        raise _BadAnswer("content is not JSON") from error
    if not isinstance(data, dict):
        raise _BadAnswer("content is not a JSON object")
    summary = _strings(data.get("summary"))
    if not summary:
        raise _BadAnswer("no summary sentences")
    return summary[:MAX_SUMMARY_SENTENCES], _strings(data.get("quotes"))[:MAX_QUOTES]


def _strings(value: object) -> list[str]:
    if isinstance(value, str):  # some models answer a paragraph instead of a list
        value = split_sentences(value)
    if not isinstance(value, list):
        return []
    return [" ".join(item.split()) for item in value if isinstance(item, str) and item.strip()]
