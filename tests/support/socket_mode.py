"""Slack's Socket Mode side for tests: a WebSocket server on 127.0.0.1 that the bot connects to.

The Slack stand-in answers `apps.connections.open` with this server's URL (SlackStandIn.socket_mode_url). Like
Slack, it says hello when a client connects, sends envelopes (`events_api`, `slash_commands`, `interactive`)
and records each acknowledgement the client sends back (`{"envelope_id": ...}`). It runs its own event loop
in a thread, so synchronous tests can use it as they use the Web API stand-in.

    with SocketModeServer() as socket_mode, SlackStandIn(socket_mode_url=socket_mode.url) as slack:
        socket_mode.wait_connected()
        envelope_id = socket_mode.send("events_api", json.loads(event_body(event)))
        ack = socket_mode.wait_for_ack(envelope_id)
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import uuid
from types import TracebackType
from typing import Any, Self

from aiohttp import WSMsgType, web

from tests.support.waiting import HANG_S, hang_report


class SocketModeServer:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="socket-mode", daemon=True)
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._cond = threading.Condition()
        self.acks: dict[str, dict[str, Any]] = {}
        self.connections = 0  # clients that ever connected
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    def __enter__(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    # --- what tests use --------------------------------------------------------------------------------------

    def wait_connected(self, timeout: float = HANG_S) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._sockets), timeout):
                raise TimeoutError(hang_report("a Socket Mode client to connect", timeout))

    def send(self, kind: str, payload: dict[str, Any], retry_attempt: int = 0) -> str:
        """Send one envelope to the newest client, as Slack does; return its envelope id."""
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api", "retry_attempt": retry_attempt,
                    "retry_reason": "timeout" if retry_attempt else ""}  # fmt: skip
        asyncio.run_coroutine_threadsafe(self._sockets[-1].send_str(json.dumps(envelope)), self._loop).result(10)
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = HANG_S) -> dict[str, Any]:
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self.acks, timeout):
                raise TimeoutError(hang_report(f"envelope {envelope_id} to be acknowledged", timeout))
            return self.acks[envelope_id]

    # --- the server ------------------------------------------------------------------------------------------

    async def _start(self) -> None:
        app = web.Application()
        app.add_routes([web.get("/link", self._link)])
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        listener = socket.create_server(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        await web.SockSite(self._runner, listener).start()

    async def _stop(self) -> None:
        for client in list(self._sockets):
            await client.close()
        if self._runner:
            await self._runner.cleanup()

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        client = web.WebSocketResponse()  # answers the client's pings itself
        await client.prepare(request)
        with self._cond:
            self._sockets.append(client)
            self.connections += 1
            self._cond.notify_all()
        await client.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                          "connection_info": {"app_id": "A1"}}))  # fmt: skip
        try:
            async for message in client:
                if message.type == WSMsgType.TEXT:
                    self._record_ack(json.loads(message.data))
        finally:
            with self._cond:
                self._sockets.remove(client)
        return client

    def _record_ack(self, ack: dict[str, Any]) -> None:
        if "envelope_id" in ack:
            with self._cond:
                self.acks[ack["envelope_id"]] = ack
                self._cond.notify_all()
