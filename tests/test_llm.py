"""The optional LLM summarizer against a real local stand-in for an OpenAI-compatible endpoint."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from pydantic import ValidationError

from bot.config import Settings, problems
from bot.models import Article
from bot.pipeline import llm
from bot.pipeline.llm import llm_summarize
from tests.support.articles import ARTICLES, article_html
from tests.support.bot_process import REPO
from tests.support.http_server import LocalServer, html
from tests.support.llm_standin import LlmStandIn, article_title
from tests.support.waiting import HANG_S

API_KEY = "sk-test-5f2c9e0d-never-log-me"
ARTICLE = Article(
    title="Bridge closed",
    language="en",
    text="The city council closed the Riverside bridge on Tuesday. Engineers found deep cracks in two supports.",
)
GOOD_ANSWER = {
    "summary": ["The council closed the Riverside bridge.", "Engineers had found deep cracks."],
    "quotes": ["Engineers found deep cracks in two supports."],
}


@dataclass
class StandIn:
    url: str
    requests: list[tuple[dict[str, str], dict[str, object]]] = field(default_factory=list)


def _completion(content: str) -> web.Response:
    return web.json_response({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})


@pytest.fixture
async def endpoint() -> AsyncIterator[StandIn]:
    """Answers according to the requested model name, so each test picks a behaviour through settings."""
    release = asyncio.Event()
    stand_in = StandIn(url="")

    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        stand_in.requests.append((dict(request.headers), body))
        model = body["model"]
        if model == "good":
            return _completion(json.dumps(GOOD_ANSWER))
        if model == "fenced":
            return _completion("```json\n" + json.dumps(GOOD_ANSWER) + "\n```")
        if model == "chatty":
            return _completion("Sure! Here is a summary of the article: the bridge is closed.")
        if model == "no-summary":
            return _completion(json.dumps({"summary": [], "quotes": ["x"]}))
        if model == "not-a-completion":
            return web.Response(text="<html>gateway error</html>", content_type="text/html")
        if model == "huge":
            return web.Response(body=b"x" * (llm.MAX_RESPONSE_BYTES + 10))
        if model == "slow":
            await asyncio.wait_for(release.wait(), timeout=10)
            return _completion(json.dumps(GOOD_ANSWER))
        return web.json_response({"error": {"message": "internal"}}, status=500)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    stand_in.url = f"http://{host}:{port}/v1"
    yield stand_in
    release.set()
    await runner.cleanup()


def _settings(url: str, model: str, timeout: float = 5.0) -> Settings:
    return Settings(
        _env_file=None,
        DIGESTBOT_LLM_URL=url,
        DIGESTBOT_LLM_MODEL=model,
        DIGESTBOT_LLM_API_KEY=API_KEY,
        DIGESTBOT_LLM_TIMEOUT=timeout,
    )


async def test_good_answer_is_returned_and_request_is_well_formed(
    endpoint: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    result = await llm_summarize(ARTICLE, _settings(endpoint.url + "/", "good"))
    assert result == (GOOD_ANSWER["summary"], GOOD_ANSWER["quotes"])
    headers, body = endpoint.requests[0]
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert body["model"] == "good"
    messages = body["messages"]
    assert isinstance(messages, list)
    prompt = " ".join(m["content"] for m in messages)
    assert ARTICLE.text in prompt
    assert "same language as the article" in prompt
    assert "JSON" in prompt
    assert API_KEY not in caplog.text


async def test_fenced_json_is_accepted(endpoint: StandIn) -> None:
    assert await llm_summarize(ARTICLE, _settings(endpoint.url, "fenced")) == (
        GOOD_ANSWER["summary"],
        GOOD_ANSWER["quotes"],
    )


@pytest.mark.parametrize(
    ("model", "reason"),
    [
        ("chatty", "not JSON"),
        ("no-summary", "no summary"),
        ("not-a-completion", "not a chat completion"),
        ("huge", "too large"),
        ("server-error", "HTTP 500"),
    ],
)
async def test_bad_answers_fall_back_with_a_warning(
    endpoint: StandIn, caplog: pytest.LogCaptureFixture, model: str, reason: str
) -> None:
    caplog.set_level(logging.DEBUG)
    assert await llm_summarize(ARTICLE, _settings(endpoint.url, model)) is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "bot.pipeline.llm"]
    assert len(warnings) == 1
    assert reason in warnings[0].getMessage()
    assert API_KEY not in caplog.text


async def test_slow_answer_times_out(endpoint: StandIn, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert await llm_summarize(ARTICLE, _settings(endpoint.url, "slow", timeout=0.3)) is None
    assert "timed out" in caplog.text
    assert API_KEY not in caplog.text


async def test_unreachable_endpoint_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
    assert await llm_summarize(ARTICLE, _settings("http://127.0.0.1:9/v1", "good")) is None
    assert "request failed" in caplog.text
    assert API_KEY not in caplog.text


@pytest.mark.parametrize("url", ["http://[not-a-host/v1", "ftp://127.0.0.1/v1"])
def test_a_malformed_endpoint_is_refused_with_the_settings(url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _settings(url, "good")
    assert problems(refused.value)[0].startswith("DIGESTBOT_LLM_URL:")


async def test_not_configured_means_no_call() -> None:
    assert await llm_summarize(ARTICLE, Settings(_env_file=None, DIGESTBOT_LLM_URL=None)) is None


# --- the LLM path of a digest, end to end through `digestbot digest` ------------------------------------------

RIVERS, DROUGHT, CHESS = (str(ARTICLES[topic]["title"]) for topic in ("rivers", "drought", "chess"))
LLM_SUMMARY = ["A drought has emptied rivers and reservoirs across southern Europe.", "Farmers lost crops."]
CHESS_SUMMARY = ["A teenager won the rapid chess title."]
VERBATIM = ("In Spain, reservoirs held 31 percent of their capacity by September, and several towns in Catalonia "
            "received drinking water by truck.")  # fmt: skip
INVENTED = "Officials promised that every river in Europe will be full again by next spring."


def by_article(body: dict) -> tuple[int, str]:
    """Rivers: a summary and one real and one invented quote. Chess: only an invented quote. Drought: chatter."""
    title = article_title(body)
    if title == RIVERS:
        return 200, json.dumps({"summary": LLM_SUMMARY, "quotes": [INVENTED, VERBATIM]})
    if title == CHESS:
        return 200, json.dumps({"summary": CHESS_SUMMARY, "quotes": [INVENTED]})
    return 200, "Sure! The article is about olive farmers."


def digests(*urls: str, **env: str) -> dict[str, dict]:
    """`digestbot digest --json --no-cache` of `urls`: each digest by its title."""
    variables = {k: v for k, v in os.environ.items() if not k.startswith("DIGESTBOT_")}
    variables |= {"DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true", **env}
    done = subprocess.run([sys.executable, "-m", "handlers.cli", "digest", "--json", "--no-cache", *urls],
                          capture_output=True, text=True, env=variables, cwd=REPO, timeout=HANG_S)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return {d["title"]: d for d in map(json.loads, done.stdout.splitlines())}


def test_a_digest_takes_the_llms_summary_and_only_its_verbatim_quotes_and_falls_back_otherwise() -> None:
    routes = {f"/{topic}": html(article_html(topic)) for topic in ("rivers", "drought", "chess")}
    with LocalServer(routes) as pages, LlmStandIn(by_article) as llm:
        urls = [pages.url(f"/{topic}") for topic in ("rivers", "drought", "chess")]
        with_llm = digests(*urls, DIGESTBOT_LLM_URL=llm.url, DIGESTBOT_LLM_MODEL="stand-in")
        without = digests(*urls)
    assert sorted(article_title(body) for _, body in llm.requests) == sorted([RIVERS, DROUGHT, CHESS])
    rivers = with_llm[RIVERS]
    assert rivers["summary"] == " ".join(LLM_SUMMARY) != without[RIVERS]["summary"]
    assert rivers["quotes"] == [VERBATIM]  # the invented quote is dropped
    # An answer that is not the JSON asked for: the digest is the extractive one, summary and quotes.
    assert (with_llm[DROUGHT]["summary"], with_llm[DROUGHT]["quotes"]) == (
        without[DROUGHT]["summary"], without[DROUGHT]["quotes"])  # fmt: skip
    # Every quote invented: the summary is the model's, the quotes are picked from the article.
    chess = with_llm[CHESS]
    assert chess["summary"] == " ".join(CHESS_SUMMARY) and chess["quotes"]
    assert INVENTED not in chess["quotes"] and all(quote in chess["text"] for quote in chess["quotes"])
