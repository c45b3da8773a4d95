"""A local stand-in for the Slack Web API, plus helpers that build signed Slack requests.

Slack is unreachable from the test machines, so digestbot's Slack behaviour is tested against this:
`SlackStandIn` answers the Web API methods the bot uses (point `WebClient(base_url=...)` or the
bot's SLACK_API_URL at `standin.base_url`), records every call and can inject rate limits and errors.
The module-level helpers build what Slack would POST to the bot's Request URL, signed with the
signing secret.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support.waiting import HANG_S, hang_report

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
INVALID_TOKEN = "xoxb-invalid"
TEAM_DOMAIN = "digestbot-test"

# Form-encoded clients send these as JSON strings; decoding them lets tests assert on one shape.
_JSON_FIELDS = ("blocks", "attachments", "view", "unfurls", "metadata")
_BLOCK_LIMITS = {"message": 50, "home": 100}
_TEXT_LIMITS = {"section": 3000, "header": 150}

Params = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request the stand-in received, and what it answered."""

    method: str  # Web API method such as "chat.postMessage", or "response_url"
    path: str
    params: Params  # query, form and JSON parameters merged; the token is kept apart
    headers: dict[str, str]  # lower-cased names
    token: str | None
    time: float
    status: int
    response: dict[str, Any]


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    standin: SlackStandIn


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, as Slack's API does; an idle connection's thread ends after `timeout` seconds.
    protocol_version = "HTTP/1.1"
    timeout = 10
    server: _Server

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _answer(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        params = _parse_params(url.query, self.rfile.read(length), self.headers.get("Content-Type", ""))
        headers = {name.lower(): value for name, value in self.headers.items()}
        answer = self.server.standin._serve(url.path, params, headers)
        data = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        for name, value in {**answer.headers, "Content-Type": f"{JSON}; charset=utf-8"}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _parse_params(query: str, body: bytes, content_type: str) -> Params:
    params: Params = dict(parse_qsl(query, keep_blank_values=True))
    if body and content_type.startswith(JSON):
        params.update(json.loads(body))
    elif body:
        params.update(parse_qsl(body.decode(), keep_blank_values=True))
    for name in _JSON_FIELDS:
        if isinstance(params.get(name), str):
            params[name] = json.loads(params[name])
    return params


def _blocks_error(blocks: list[dict[str, Any]], surface: str) -> str | None:
    """Slack rejects blocks over its documented limits: catch the bot overshooting them here too."""
    if len(blocks) > _BLOCK_LIMITS[surface]:
        return "invalid_blocks"
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        if len(text) > _TEXT_LIMITS.get(block.get("type", ""), 40_000):
            return "invalid_blocks"
    return None


class SlackStandIn:
    """A threaded HTTP server on 127.0.0.1 that answers the Slack Web API subset digestbot uses.

    `channels` and `users` map ids to fields that override the defaults in conversations.info and
    users.info (e.g. {"G1": {"name": "secret", "is_private": True}}, {"U1": {"tz": "Asia/Tokyo"}});
    unknown ids get a public channel or a UTC user named after the id. Both dicts may be changed
    while the server runs.
    """

    def __init__(
        self,
        *,
        channels: dict[str, Params] | None = None,
        users: dict[str, Params] | None = None,
        team_id: str = "T1",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        socket_mode_url: str | None = None,
        enterprise_id: str | None = None,
    ) -> None:
        self.channels = channels if channels is not None else {}
        self.users = users if users is not None else {}
        self.memberships: dict[str, list[str]] = {}  # user id -> channel ids, for users.conversations
        self.team_id, self.bot_user_id, self.bot_id = team_id, bot_user_id, bot_id
        self.enterprise_id = enterprise_id  # the Enterprise Grid org of the workspace, if any (auth.test says it)
        self.socket_mode_url = socket_mode_url  # what apps.connections.open hands out (tests/socket_mode.py)
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._faults: defaultdict[str, deque[_Answer]] = defaultdict(deque)
        self._reactions: set[tuple[str, str, str]] = set()
        self._ts_micros = 1_700_000_000 * 1_000_000
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, Callable[[Params], Params]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._connections_open,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.unfurl": lambda p: {},
            "chat.getPermalink": self._permalink,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "conversations.info": self._conversation_info,
            "users.info": self._user_info,
            "users.conversations": self._user_conversations,
            "views.publish": self._views_publish,
        }

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.standin = self
        # A short poll interval keeps stop() (which waits for the serving loop to notice) quick.
        serve = functools.partial(self._server.serve_forever, poll_interval=0.02)
        self._thread = threading.Thread(target=serve, name="slack-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackStandIn is not running")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, response_id: str) -> str:
        """A slash command `response_url` served here; posts to it are recorded as "response_url"."""
        return f"http://127.0.0.1:{self.port}/response/{response_id}"

    # --- what tests use --------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = HANG_S) -> list[Call]:
        """Block until `count` calls of `method` (failed ones included) were recorded; return them all."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.calls(method)) >= count, timeout):
                seen = [c.method for c in self._calls]
                raise TimeoutError(hang_report(f"{count} {method} call(s) (received {seen})", timeout))
            return self.calls(method)

    def posts(self, channel: str) -> list[Call]:
        """The messages Slack took in `channel` (chat.postMessage answered ok), in order."""
        return [c for c in self.calls("chat.postMessage")
                if c.params.get("channel") == channel and c.status == 200 and c.response.get("ok")]  # fmt: skip

    def wait_for_posts(self, channel: str, count: int = 1, timeout: float = HANG_S) -> list[Call]:
        """Block until `count` messages were posted in `channel`; return all of them."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.posts(channel)) >= count, timeout):
                got = len(self.posts(channel))
                raise TimeoutError(hang_report(f"{count} posts in {channel} (got {got})", timeout))
            return self.posts(channel)

    def wait_for_answer(self, tag: str) -> Call:
        """Block until the bot answered at the response_url tagged `tag` (see response_url()); return its first."""

        def answers() -> list[Call]:
            return [c for c in self._calls if c.method == "response_url" and c.path.endswith(f"/{tag}")]

        with self._cond:
            if not self._cond.wait_for(lambda: bool(answers()), HANG_S):
                raise TimeoutError(hang_report(f"an answer at response_url {tag}"))
            return answers()[0]

    def reactions_on(self) -> set[tuple[str, str, str]]:
        """The reactions messages carry now, as (channel, ts, name)."""
        with self._cond:
            return set(self._reactions)

    def reset(self) -> None:
        """Forget recorded calls, pending faults and reactions (channels, users and ts keep going)."""
        with self._cond:
            self._calls.clear()
            self._faults.clear()
            self._reactions.clear()

    def fail_next(self, method: str, status: int = 429, retry_after: str = "1", count: int = 1) -> None:
        """Answer the next `count` calls of `method` with an HTTP error (429 carries Retry-After)."""
        headers = {"Retry-After": retry_after} if status == 429 else {}
        error = "ratelimited" if status == 429 else "internal_error"
        self._add_fault(method, count, _Answer(status, {"ok": False, "error": error}, headers))

    def error_next(self, method: str, error: str = "not_in_channel", count: int = 1) -> None:
        """Answer the next `count` calls of `method` with HTTP 200 and {"ok": false, "error": error}."""
        self._add_fault(method, count, _Answer(200, {"ok": False, "error": error}))

    def _add_fault(self, method: str, count: int, fault: _Answer) -> None:
        with self._cond:
            self._faults[method].extend([fault] * count)

    # --- serving ---------------------------------------------------------------------------------

    def _serve(self, path: str, params: Params, headers: dict[str, str]) -> _Answer:
        """Answer one request and record it; runs under the lock, so the method handlers need none."""
        auth = headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.pop("token", None)
        method = "response_url" if path.startswith("/response/") else path.removeprefix("/api/")
        with self._cond:
            faults = self._faults[method]
            answer = faults.popleft() if faults else self._dispatch(method, path, params, token)
            self._calls.append(Call(method, path, params, headers, token, time.time(), answer.status, answer.body))
            self._cond.notify_all()
        return answer

    def _dispatch(self, method: str, path: str, params: Params, token: str | None) -> _Answer:
        if method == "response_url":
            return _Answer(200, {"ok": True})
        if not path.startswith("/api/") or method not in self._methods:
            return _Answer(404, {"ok": False, "error": "unknown_method"})
        if not token:
            return _Answer(200, {"ok": False, "error": "not_authed"})
        if token == INVALID_TOKEN:
            return _Answer(200, {"ok": False, "error": "invalid_auth"})
        body = self._methods[method](params)
        return _Answer(200, {"ok": "error" not in body, **body})

    def _next_ts(self) -> str:
        self._ts_micros += 100
        seconds, micros = divmod(self._ts_micros, 1_000_000)
        return f"{seconds}.{micros:06d}"

    # --- Web API methods: each returns the answer without "ok", or {"error": ...} -----------------

    def _auth_test(self, params: Params) -> Params:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Digestbot Test",
            "user": "digestbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        } | ({"enterprise_id": self.enterprise_id} if self.enterprise_id else {})

    def _message_error(self, params: Params) -> str | None:
        if not params.get("channel"):
            return "channel_not_found"
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return "no_text"
        return _blocks_error(params.get("blocks") or [], "message")

    def _message(self, params: Params, ts: str) -> Params:
        fields = ("text", "blocks", "attachments", "thread_ts")
        message = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id, "ts": ts}
        return message | {k: params[k] for k in fields if k in params}

    def _post_message(self, params: Params) -> Params:
        if error := self._message_error(params):
            return {"error": error}
        ts = self._next_ts()
        return {"channel": params["channel"], "ts": ts, "message": self._message(params, ts)}

    def _post_ephemeral(self, params: Params) -> Params:
        if error := self._message_error(params):
            return {"error": error}
        return {"message_ts": self._next_ts()}

    def _update(self, params: Params) -> Params:
        if error := self._message_error(params):
            return {"error": error}
        ts = params.get("ts", "")
        message = self._message(params, ts)
        return {"channel": params["channel"], "ts": ts, "text": params.get("text", ""), "message": message}

    def _connections_open(self, params: Params) -> Params:
        return {"url": self.socket_mode_url} if self.socket_mode_url else {"error": "not_allowed_token_type"}

    def _permalink(self, params: Params) -> Params:
        channel, ts = params.get("channel", ""), params.get("message_ts", "")
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"channel": channel, "permalink": link}

    def _reaction_key(self, params: Params) -> tuple[str, str, str]:
        return params.get("channel", ""), params.get("timestamp", ""), params.get("name", "")

    def _reactions_add(self, params: Params) -> Params:
        key = self._reaction_key(params)
        if key in self._reactions:
            return {"error": "already_reacted"}
        self._reactions.add(key)
        return {}

    def _reactions_remove(self, params: Params) -> Params:
        key = self._reaction_key(params)
        if key not in self._reactions:
            return {"error": "no_reaction"}
        self._reactions.remove(key)
        return {}

    def _conversation_info(self, params: Params) -> Params:
        channel_id = params.get("channel", "")
        channel = {"id": channel_id, "name": channel_id.lower(), "is_channel": True, "is_private": False}
        return {"channel": channel | {"is_member": True} | self.channels.get(channel_id, {})}

    def _user_conversations(self, params: Params) -> Params:
        channel_ids = self.memberships.get(params.get("user", ""), [])
        channels = [self._conversation_info({"channel": c})["channel"] for c in channel_ids]
        return {"channels": channels, "response_metadata": {"next_cursor": ""}}

    def _user_info(self, params: Params) -> Params:
        user_id = params.get("user", "")
        user = {"id": user_id, "team_id": self.team_id, "name": user_id.lower(), "is_bot": False}
        user |= {"real_name": user_id, "deleted": False, "tz": "UTC"} | self.users.get(user_id, {})
        offset = ZoneInfo(user["tz"]).utcoffset(datetime.now())
        return {"user": {"tz_offset": int(offset.total_seconds()) if offset else 0} | user}

    def _views_publish(self, params: Params) -> Params:
        view = params.get("view") or {}
        if error := _blocks_error(view.get("blocks", []), "home"):
            return {"error": error}
        view_id = f"V{self._next_ts().replace('.', '')}"
        return {"view": view | {"id": view_id, "team_id": self.team_id, "hash": view_id.lower()}}


# --- signed requests to the bot's Request URL ------------------------------------------------------

_event_seq = itertools.count(1)


def _event_ts() -> str:
    """A unique, increasing message ts near the current time."""
    return f"{int(time.time())}.{next(_event_seq) % 1_000_000:06d}"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature headers for `body`, signed at `timestamp` (default: now)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def event_body(
    event: dict[str, Any], *, event_id: str | None = None, team_id: str = "T1", api_app_id: str = "A1"
) -> bytes:
    """An Events API `event_callback` envelope around `event`."""
    envelope = {
        "token": "unused-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}],
    }
    return json.dumps(envelope).encode()


def message_event(
    text: str,
    channel: str = "C1",
    user: str = "U1",
    ts: str | None = None,
    channel_type: str = "channel",
    thread_ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A `message` event; `extra` adds or overrides fields (bot_id, subtype, blocks...)."""
    ts = ts or _event_ts()
    event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts}
    event["channel_type"] = channel_type
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event | extra


def link_shared_event(
    urls: list[str],
    channel: str = "C1",
    user: str = "U1",
    message_ts: str | None = None,
    source: str = "conversations_history",
) -> dict[str, Any]:
    """A `link_shared` event for `urls` (registered unfurl domains only, in real Slack)."""
    message_ts = message_ts or _event_ts()
    links = [{"url": url, "domain": urlsplit(url).hostname or ""} for url in urls]
    return {
        "type": "link_shared",
        "channel": channel,
        "user": user,
        "message_ts": message_ts,
        "unfurl_id": f"unfurl-{uuid.uuid4().hex[:12]}",
        "source": source,
        "links": links,
        "event_ts": _event_ts(),
    }


def app_home_opened_event(user: str = "U1", channel: str = "D1", tab: str = "home") -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": channel, "tab": tab, "event_ts": _event_ts()}


def slash_body(
    text: str,
    command: str = "/digest",
    channel_id: str = "C1",
    user_id: str = "U1",
    team_id: str = "T1",
    response_url: str = "http://127.0.0.1:9/response/unset",  # a closed port: fails fast, never leaves
) -> bytes:
    """A form-encoded slash command; pass `standin.response_url(id)` to record the bot's answers."""
    fields = {
        "token": "unused-verification-token",
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_id.lower(),
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A1",
        "response_url": response_url,
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().hex[:12]}",
    }
    return urlencode(fields).encode()


def interaction_body(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def url_verification_body(challenge: str) -> bytes:
    body = {"token": "unused-verification-token", "challenge": challenge, "type": "url_verification"}
    return json.dumps(body).encode()


def post_signed(
    url: str,
    body: bytes,
    secret: str,
    content_type: str,
    *,
    timestamp: int | None = None,
    retry_num: int | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST `body` signed with `secret`, as Slack would; `headers` are applied last, to tamper with."""
    sent = {"Content-Type": content_type, **sign(secret, body, timestamp)}
    if retry_num is not None:
        sent |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
    sent |= headers or {}
    with httpx.Client(trust_env=False, timeout=10) as client:
        return client.post(url, content=body, headers=sent)


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackStandIn]:
    """One stand-in for a test module's tests (a module that needs a fresh one per test declares its own)."""
    with SlackStandIn() as standin:
        yield standin
