"""A stand-in for the network under the SSRF guard: a DNS table, and a dialer that records each address the
guard dials and then connects to a local test server instead, so no test reaches a real address."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpcore

from bot.errors import DigestError

PUBLIC = "93.184.215.14"  # a public address: never dialled for real, the recorder redirects it

DNS: dict[str, list[str]] = {
    "public.test": [PUBLIC],
    "localhost": ["127.0.0.1", "::1"],
    "lvh.me": ["127.0.0.1"],
    "internal.test": ["192.168.1.1"],
    "metadata.test": ["169.254.169.254"],
    "cgnat.test": ["100.64.0.1"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "nat64.test": ["64:ff9b::a9fe:a9fe"],
    "mixed.test": [PUBLIC, "10.0.0.1"],  # A14: one public and one private answer
}


class StubDNS:
    """Answers from a table; a name with several answer lists gives the next one per query (rebinding)."""

    def __init__(self, table: dict[str, list[str]] | None = None, sequences: dict[str, list[list[str]]] | None = None):
        self.table = dict(table or DNS)
        self.sequences = {name: list(answers) for name, answers in (sequences or {}).items()}
        self.queries: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.queries.append(host)
        if host in self.sequences:
            return self.sequences[host].pop(0) if len(self.sequences[host]) > 1 else self.sequences[host][0]
        if host not in self.table:
            raise DigestError("dns", f"could not resolve host {host}")
        return self.table[host]


class RecordingDialer(httpcore.AsyncNetworkBackend):
    """Logs each (ip, port) the guard dials, then connects to the local test server instead."""

    def __init__(self, local_port: int) -> None:
        self.dials: list[tuple[str, int]] = []
        self._local_port = local_port
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.dials.append((host, port))
        return await self._real.connect_tcp("127.0.0.1", self._local_port, timeout=timeout)

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise AssertionError("never used")

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)
