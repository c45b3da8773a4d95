"""A local stand-in for an OpenAI-compatible chat completions endpoint (DIGESTBOT_LLM_URL points at `url`).

A threaded HTTP server on 127.0.0.1, so a `digestbot` subprocess and in-process tests can both use it. `answer`
maps each request's JSON body to (HTTP status, the assistant message's content); a status other than 200 is
answered with an error body. Every request is recorded as (headers, body).

    with LlmStandIn(lambda body: (200, json.dumps({"summary": ["..."], "quotes": []}))) as llm:
        settings = Settings(DIGESTBOT_LLM_URL=llm.url, DIGESTBOT_LLM_MODEL="m")
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

Answer = Callable[[dict[str, Any]], tuple[int, str]]


class _Server(ThreadingHTTPServer):
    standin: LlmStandIn


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        standin = self.server.standin
        with standin.lock:
            standin.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
        status, content = standin.answer(body) if self.path.endswith("/chat/completions") else (404, "")
        reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
        data = json.dumps(reply if status == 200 else {"error": {"message": content or "error"}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class LlmStandIn:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.standin = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="llm-standin", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def article_title(body: dict[str, Any]) -> str:
    """The title digestbot put in its prompt ("Title: ..."), to answer each article differently."""
    prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    return next((line.removeprefix("Title: ") for line in prompt.splitlines() if line.startswith("Title: ")), "")
