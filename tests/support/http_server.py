"""A small threaded HTTP/1.1 server on 127.0.0.1 for tests, written on raw sockets so it can also
misbehave: slow drip, endless chunked body, headers never sent, raw bytes, compression bombs.

    with LocalServer({"/": html("<p>hi</p>"), "/r": redirect("/")}) as server:
        url = server.url("/r")

Each connection serves one request and closes (Connection: close). Every accepted connection is
counted in `accepts`, every parsed request kept in `requests`, so a test can prove that no TCP
connection was made. Import with `from tests.support.http_server import ...`.
"""

from __future__ import annotations

import contextlib
import http
import socket
import ssl
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Self

import brotli

from tests.support.waiting import HANG_S


@dataclass
class Request:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # lower-case names

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    raw: bytes | None = None  # written verbatim instead of a status line, headers and body
    chunks: Iterable[bytes] | None = None  # sent chunked (may be endless) instead of `body`
    drip_s: float = 0.0  # pause before each body byte: a slowloris that never trips a read timeout
    hang: bool = False  # read the request, then never answer


Handler = Callable[[Request], Reply]
Route = Reply | Handler


def html(text: str, *, charset: str | None = "utf-8", content_type: str = "text/html") -> Reply:
    """An HTML reply; `charset=None` omits the charset parameter (the body is then utf-8 bytes)."""
    ctype = f"{content_type}; charset={charset}" if charset else content_type
    return Reply(headers=[("Content-Type", ctype)], body=text.encode(charset or "utf-8"))


def redirect(location: str | None, status: int = 302) -> Reply:
    return Reply(status=status, headers=[("Location", location)] if location is not None else [])


def gzip_bomb(mib: int) -> bytes:
    """`mib` MiB of zeros, gzip-compressed (about 1 KiB on the wire per MiB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(mib)) + packer.flush()


def brotli_bomb(mib: int) -> bytes:
    """`mib` MiB of zeros, brotli-compressed (a few hundred bytes on the wire)."""
    packer = brotli.Compressor(quality=5)
    block = bytes(1 << 20)
    return b"".join(packer.process(block) for _ in range(mib)) + packer.finish()


class Gate:
    """A route that holds each request until the test opens the gate: the work on that page is provably still
    running, however fast or slow the machine (a held request is answered anyway after HANG_S)."""

    def __init__(self, page: Reply) -> None:
        self.page = page
        self.requested = threading.Event()
        self._open = threading.Event()

    def open(self) -> None:
        self._open.set()

    def __call__(self, _: Request) -> Reply:
        self.requested.set()
        self._open.wait(HANG_S)
        return self.page


def _read_head(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece or len(data) > 1 << 20:
            return None
        data += piece
    lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Request(method, target, headers)


class LocalServer:
    """Serves `routes` (path -> Reply or handler) on 127.0.0.1:<free port>; TLS when `tls` is given."""

    def __init__(self, routes: dict[str, Route] | None = None, *, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Request] = []
        self.accepts = 0
        self._tls = tls
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        scheme = "https" if self._tls else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            self.accepts += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), contextlib.closing(conn):
            conn.settimeout(10)
            if self._tls:
                conn = self._tls.wrap_socket(conn, server_side=True)
            request = _read_head(conn)
            if request is None:
                return
            self.requests.append(request)
            route = self.routes.get(request.target) or self.routes.get(request.path) or Reply(status=404)
            self._send(conn, route if isinstance(route, Reply) else route(request))

    def _send(self, conn: socket.socket, reply: Reply) -> None:
        if reply.hang:
            self._stop.wait()
            return
        if reply.raw is not None:
            conn.sendall(reply.raw)
            return
        names = {name.lower() for name, _ in reply.headers}
        headers = [*reply.headers, ("Connection", "close")]
        if reply.chunks is not None:
            headers.append(("Transfer-Encoding", "chunked"))
        elif "content-length" not in names:
            headers.append(("Content-Length", str(len(reply.body))))
        head = f"HTTP/1.1 {reply.status} {http.HTTPStatus(reply.status).phrase}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
        conn.sendall(head.encode("latin-1"))
        if reply.chunks is not None:
            for chunk in self._until_stopped(reply.chunks):
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.sendall(b"0\r\n\r\n")
        elif reply.drip_s:
            for i in range(len(reply.body)):
                if self._stop.wait(reply.drip_s):
                    return
                conn.sendall(reply.body[i : i + 1])
        else:
            conn.sendall(reply.body)

    def _until_stopped(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            if self._stop.is_set():
                return
            yield chunk
