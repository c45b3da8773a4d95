"""The SSRF guard: which URLs and addresses a fetch may reach, enforced where the socket is opened.

Rule: resolve the name once, classify every address, connect to the exact
address that was classified, and re-check every redirect hop. Checking the URL string alone is not
enough (`http://2130706433/` is 127.0.0.1 to getaddrinfo), so the decisive check sits in
`GuardedBackend.connect_tcp`, which httpcore calls for every new connection.

ssrfguard 0.4.1 was evaluated and not used: its resolver hook is a blocking getaddrinfo-shaped
callable run with `anyio.to_thread.run_sync`, which cannot be cancelled, so a hung DNS lookup would
outlive our overall fetch deadline, and it brings ~5,500 lines for what is ~100 here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from functools import lru_cache

import httpcore
import httpx

from bot.errors import DigestError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# (host, port) -> the IP addresses, as text. Injectable so tests never need real DNS.
Resolver = Callable[[str, int], Awaitable[list[str]]]

DNS_TIMEOUT_S = 5.0
ALLOWED_SCHEMES = frozenset({"http", "https"})
# Advocate's default port allow-list; any port is allowed only when private networks are.
ALLOWED_PORTS = frozenset({80, 443, 8000, 8080, 8443})
# Try at most this many vetted addresses of one name, so a name with 100 dead answers stays cheap.
MAX_CONNECT_ATTEMPTS = 3

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Not covered by Python's is_global/is_reserved in 3.11: the deprecated 6to4 relay anycast, the IETF protocol
# assignments (3.11 lets 192.0.0.9, .10 and most others through) and the IPv6 documentation range of RFC 9637.
_EXTRA_BLOCKED = (
    ipaddress.IPv4Network("192.88.99.0/24"),
    ipaddress.IPv4Network("192.0.0.0/24"),
    ipaddress.IPv6Network("3fff::/20"),
)


def _kind(ip: IPAddress) -> str | None:
    """Why `ip` must not be reached, or None when it is an ordinary public address."""
    checks = (
        (ip.is_loopback, "a loopback"),
        (ip.is_unspecified, "an unspecified"),
        (ip.is_link_local, "a link-local"),
        (ip.is_multicast, "a multicast"),
        (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local, "a site-local"),
        (ip.is_private, "a private"),
        (ip.is_reserved, "a reserved"),
        # CGNAT 100.64/10 is not is_private but is not global either: hence `not is_global`.
        (not ip.is_global, "a non-public"),
        (any(ip in net for net in _EXTRA_BLOCKED), "a reserved"),
    )
    return next((label for hit, label in checks if hit), None)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses that packets to this IPv6 address really reach (mapped, NAT64, 6to4, Teredo)."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in _NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)  # (server, client): either being internal is enough to refuse
    return []


def check_ip(ip: IPAddress) -> None:
    """Raise DigestError("blocked_address") unless `ip` is a public unicast address.

    IPv6 forms that carry an IPv4 address are judged only by what they carry: Python calls
    `64:ff9b::a9fe:a9fe` (NAT64 of the metadata IP) global, and on a DNS64 network every public
    IPv4 site legitimately resolves to 64:ff9b::/96. IPv4-compatible `::a.b.c.d` is not unwrapped:
    it is deprecated, and refused as reserved (::/8).
    """
    embedded = _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else []
    for inner in embedded:
        kind = _kind(inner)
        if kind:
            raise DigestError("blocked_address", f"refused: {ip} leads to {inner}, {kind} address")
    kind = None if embedded else _kind(ip)
    if kind:
        raise DigestError("blocked_address", f"refused: {ip} is {kind} address")


def is_public(ip: IPAddress) -> bool:
    try:
        check_ip(ip)
    except DigestError:
        return False
    return True


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_port(port: int, *, allow_private: bool = False) -> None:
    if not 0 < port < 65536:  # httpx parses any number; the socket layer would raise OverflowError
        raise DigestError("bad_url", f"refused: port {port} does not exist")
    if not allow_private and port not in ALLOWED_PORTS:
        raise DigestError("blocked_address", f"refused: port {port} is not a web port")


def check_url(url: httpx.URL, *, allow_private: bool = False) -> None:
    """Refuse a URL before any connection: scheme, credentials, empty host, literal IP and port.

    `allow_private` lifts the address and web-port checks (tests use 127.0.0.1) but never the scheme, userinfo
    or port-range checks.
    """
    if url.scheme not in ALLOWED_SCHEMES:
        what = f"not {url.scheme}:" if url.scheme else "and this link has no scheme"
        raise DigestError("bad_url", f"refused: only http and https links are fetched, {what}")
    if url.userinfo:
        raise DigestError("bad_url", "refused: links with a user name or password are not fetched")
    if not url.host:
        raise DigestError("bad_url", "refused: the link has no host name")
    if not allow_private and (ip := _literal_ip(url.host)) is not None:
        check_ip(ip)
    check_port(url.port or (443 if url.scheme == "https" else 80), allow_private=allow_private)


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the platform resolver, off the event loop and with a timeout."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(DNS_TIMEOUT_S):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise DigestError("dns", f"could not resolve host {host}: the lookup timed out") from None
    except (socket.gaierror, UnicodeError) as exc:
        raise DigestError("dns", f"could not resolve host {host}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that resolves once, vets every answer and dials the vetted IP.

    TLS still verifies the original host name: httpcore passes it to `start_tls` separately.
    `inner` is the backend that really dials; tests pass a recording one.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._allow_private = allow_private
        self._resolve = resolver or system_resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def vetted_addresses(self, host: str, port: int) -> list[str]:
        """One resolution; refuse the whole name if any answer is internal (a rebinding signature)."""
        check_port(port, allow_private=self._allow_private)
        literal = _literal_ip(host)
        answers = [str(literal)] if literal is not None else await self._resolve(host, port)
        ips = [ipaddress.ip_address(answer) for answer in answers]
        if not ips:
            raise DigestError("dns", f"could not resolve host {host}")
        if not self._allow_private:
            for ip in ips:
                check_ip(ip)
        return [str(ip) for ip in ips]

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.vetted_addresses(host, port)
        last: Exception | None = None
        for ip in addresses[:MAX_CONNECT_ATTEMPTS]:
            try:
                return await self._inner.connect_tcp(
                    ip, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # the loop ran at least once: addresses is never empty
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise DigestError("blocked_address", "refused: unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@lru_cache(maxsize=1)
def ssl_context() -> ssl.SSLContext:
    """Verifying context (certifi roots), built once: loading the roots costs ~20 ms per build."""
    return httpx.create_ssl_context(verify=True, trust_env=False)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx transport whose every new connection goes through a GuardedBackend. TLS is always verified.

    httpx 0.28 has no public hook for the network backend, so the pool it builds is replaced by
    one with the same settings plus ours.
    """

    def __init__(self, backend: GuardedBackend, *, max_connections: int = 4) -> None:
        super().__init__(verify=ssl_context(), trust_env=False, retries=0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            http1=True,
            http2=False,
            retries=0,
            network_backend=backend,
        )
