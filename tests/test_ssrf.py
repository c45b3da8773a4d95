"""The SSRF guard, table-driven over the address forms, ports and redirects a hostile link can use.

No test sends traffic to a real private or public address: the guard's dialer is replaced by a
recorder that logs every address the guard decided to dial and then connects to a local test server
instead. "No TCP connection was made" is proved twice: the recorder logged no dial, and the local
server counted no accept.
"""

from __future__ import annotations

import ipaddress

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Settings
from bot.errors import DigestError
from bot.models import Page
from bot.pipeline.fetch import fetch_page, fetch_with_transport
from bot.pipeline.netguard import GuardedBackend, GuardedTransport, Resolver, check_ip, check_url, system_resolver
from tests.support.http_server import LocalServer, html, redirect
from tests.support.network import PUBLIC, RecordingDialer, StubDNS


async def guarded_fetch(
    url: str, server: LocalServer, *, resolver: Resolver | None = None, allow_private: bool = False
) -> tuple[Page | DigestError, RecordingDialer]:
    dialer = RecordingDialer(server.port)
    backend = GuardedBackend(allow_private=allow_private, resolver=resolver or StubDNS(), inner=dialer)
    settings = Settings(DIGESTBOT_ALLOW_PRIVATE_NETWORKS=allow_private, DIGESTBOT_FETCH_DEADLINE=5)
    try:
        return await fetch_with_transport(url, settings, GuardedTransport(backend)), dialer
    except DigestError as exc:
        return exc, dialer


def teredo(server: str, client: str) -> str:
    """A Teredo address (2001::/32) carrying `server` and, bit-inverted, `client` (RFC 4380)."""
    value = 0x20010000 << 96 | int(ipaddress.IPv4Address(server)) << 64
    value |= ~int(ipaddress.IPv4Address(client)) & 0xFFFFFFFF
    return str(ipaddress.IPv6Address(value))


# --- check_ip: the address table -------------------------------------------------------------

BLOCKED_IPS = [
    "127.0.0.1", "127.255.255.255", "::1",  # A1, A2 loopback
    "0.0.0.0", "0.1.1.1", "::",  # A3 unspecified and 0/8
    "10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1",  # A4 RFC 1918
    "100.64.0.1", "100.127.255.254",  # A5 CGNAT
    "169.254.169.254", "169.254.0.1", "fe80::1", "fd00:ec2::254",  # A6 link-local, metadata
    "::ffff:127.0.0.1", "::ffff:7f00:1", "0:0:0:0:0:ffff:127.0.0.1", "::ffff:169.254.169.254",  # A7 mapped
    "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "2002:a9fe:a9fe::1", "2002:7f00:1::",  # A8 NAT64, 6to4
    teredo("8.8.8.8", "127.0.0.1"), teredo("10.0.0.1", "8.8.8.8"),  # A8 Teredo, either side internal
    "::7f00:1", "64:ff9b:1::1",  # IPv4-compatible (deprecated) and NAT64 local-use
    "224.0.0.1", "239.255.255.250", "ff02::1", "255.255.255.255", "240.0.0.1",  # A9
    "192.0.0.1", "192.0.2.1", "198.18.0.1", "198.19.255.1", "198.51.100.1", "203.0.113.1", "192.88.99.1",
    "fec0::1", "fc00::1", "2001:db8::1", "100::1",
    "192.0.0.9", "192.0.0.10", "192.0.0.171", "3fff::1", "3fff:fff:ffff::1",  # A9: Python 3.11 lets these through
]  # fmt: skip
ALLOWED_IPS = [
    "8.8.8.8", "1.1.1.1", PUBLIC, "100.63.255.254", "100.128.0.1", "172.15.255.254", "172.32.0.1",
    "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", teredo("8.8.8.8", "1.1.1.1"),
]  # fmt: skip


@pytest.mark.parametrize("ip", BLOCKED_IPS)
def test_check_ip_refuses(ip: str) -> None:
    with pytest.raises(DigestError) as caught:
        check_ip(ipaddress.ip_address(ip))
    assert caught.value.reason == "blocked_address"
    assert str(caught.value).startswith("refused: ")


@pytest.mark.parametrize("ip", ALLOWED_IPS)
def test_check_ip_allows_public_addresses(ip: str) -> None:
    check_ip(ipaddress.ip_address(ip))


def test_check_ip_messages_name_the_kind() -> None:
    cases = {
        "10.0.0.1": "refused: 10.0.0.1 is a private address",
        "127.0.0.1": "refused: 127.0.0.1 is a loopback address",
        "100.64.0.1": "refused: 100.64.0.1 is a non-public address",
        "64:ff9b::a9fe:a9fe": "refused: 64:ff9b::a9fe:a9fe leads to 169.254.169.254, a link-local address",
    }
    for ip, message in cases.items():
        with pytest.raises(DigestError, match=f"^{message}$"):
            check_ip(ipaddress.ip_address(ip))


def _blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        check_ip(ip)
    except DigestError:
        return True
    return False


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_ipv6_wrappers_are_judged_by_the_ipv4_they_carry(value: int) -> None:
    v4 = _blocked(ipaddress.IPv4Address(value))
    assert _blocked(ipaddress.IPv6Address(0xFFFF << 32 | value)) == v4  # ::ffff:a.b.c.d
    assert _blocked(ipaddress.IPv6Address(0x64FF9B << 96 | value)) == v4  # NAT64
    assert _blocked(ipaddress.IPv6Address(0x2002 << 112 | value << 80)) == v4  # 6to4


# --- check_url: scheme, credentials, ports ---------------------------------------------------


SCHEME = "only http and https links are fetched"
CREDENTIALS = "links with a user name or password are not fetched"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("file:///etc/passwd", f"{SCHEME}, not file:"), ("gopher://127.0.0.1:6379/_INFO", f"{SCHEME}, not gopher:"),
        ("dict://127.0.0.1:11211/stat", f"{SCHEME}, not dict:"), ("ftp://public.test/", f"{SCHEME}, not ftp:"),
        ("javascript:alert(1)", f"{SCHEME}, not javascript:"), ("not a url", f"{SCHEME}, and this link has no scheme"),
        ("http:///nohost", "the link has no host name"),
        ("http://user@public.test/", CREDENTIALS), ("http://public.test@127.0.0.1/", CREDENTIALS),
        ("http://public.test:80@127.0.0.1/", CREDENTIALS), ("http://public.test%2F@127.0.0.1/", CREDENTIALS),
        ("http://127.0.0.1\\@public.test/", CREDENTIALS),  # A18, A19
    ],
)  # fmt: skip
@pytest.mark.parametrize("allow_private", [False, True])
async def test_scheme_and_userinfo_are_refused_even_with_private_networks_allowed(
    url: str, why: str, allow_private: bool
) -> None:
    with LocalServer({"/": html("<p>x</p>")}) as server:
        outcome, dialer = await guarded_fetch(url, server, allow_private=allow_private)
    assert isinstance(outcome, DigestError) and outcome.reason == "bad_url", outcome
    assert str(outcome) == f"refused: {why}"
    assert dialer.dials == [] and server.accepts == 0


@pytest.mark.parametrize(
    "url", ["http://0177.0.0.1/", "http://exa\tmple.com/", "http://[::1/", "http://xn--ls8h.la/", "http://xn--/",
            "http://xn--a/"],
)  # fmt: skip
async def test_unparseable_urls_are_a_clean_error(url: str) -> None:  # A11, A19; punycode httpx decodes late (A12)
    with pytest.raises(DigestError) as caught:
        await fetch_page(url, Settings())
    assert caught.value.reason == "bad_url"
    assert str(caught.value).startswith("not a valid link")


@pytest.mark.parametrize("port", [22, 25, 6379, 11211, 5432])
def test_non_web_ports_are_refused(port: int) -> None:  # A20
    with pytest.raises(DigestError, match=f"^refused: port {port} is not a web port$") as caught:
        check_url(httpx.URL(f"http://public.test:{port}/"))
    assert caught.value.reason == "blocked_address"
    check_url(httpx.URL(f"http://127.0.0.1:{port}/"), allow_private=True)


@pytest.mark.parametrize(
    "url", ["http://public.test:65536/", "http://public.test:99999/", "https://public.test:70000/"]
)
@pytest.mark.parametrize("allow_private", [False, True])
async def test_a_port_that_does_not_exist_is_a_bad_url(url: str, allow_private: bool) -> None:
    with LocalServer({"/": html("<p>x</p>")}) as server:
        outcome, dialer = await guarded_fetch(url, server, allow_private=allow_private)
    assert isinstance(outcome, DigestError) and outcome.reason == "bad_url", outcome
    assert str(outcome) == f"refused: port {httpx.URL(url).port} does not exist"
    assert dialer.dials == [] and server.accepts == 0


@pytest.mark.parametrize("port", [80, 443, 8000, 8080, 8443])
def test_web_ports_are_allowed(port: int) -> None:
    check_url(httpx.URL(f"https://public.test:{port}/"))


# --- the connection layer: every form refused with no TCP connection -------------------------

BLOCKED_URLS = [
    "http://127.0.0.1/", "http://127.255.255.255/", "http://localhost/", "http://localhost:80/",  # A1
    "http://[::1]/",  # A2
    "http://0.0.0.0/", "http://0.1.1.1/", "http://[::]/",  # A3
    "http://10.0.0.1/", "http://172.16.0.1/", "http://172.31.255.254/", "http://192.168.1.1/",  # A4
    "http://100.64.0.1/", "http://cgnat.test/",  # A5
    "http://169.254.169.254/latest/meta-data/", "http://metadata.test/", "http://[fe80::1]/",  # A6
    "http://[fd00:ec2::254]/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[0:0:0:0:0:ffff:127.0.0.1]/",  # A7
    "http://[::ffff:169.254.169.254]/", "http://mapped.test/",
    "http://[64:ff9b::a9fe:a9fe]/", "http://nat64.test/", "http://[2002:a9fe:a9fe::1]/",  # A8
    f"http://[{teredo('8.8.8.8', '127.0.0.1')}]/",
    "http://224.0.0.1/", "http://[ff02::1]/", "http://255.255.255.255/", "http://240.0.0.1/",  # A9
    "http://192.0.2.1/", "http://198.18.0.1/", "http://203.0.113.1/", "http://[2001:db8::1]/",
    "http://127。0。0。1/",  # A12: ideographic full stops normalise to 127.0.0.1
    "http://lvh.me/", "http://internal.test:8080/",  # A13
    "http://mixed.test/",  # A14
    " http://127.0.0.1/",  # A19: stripped, then refused like the plain form
    "http://127.0.0.1:6379/", "http://public.test:6379/", "http://public.test:22/",  # A20
]  # fmt: skip


@pytest.mark.parametrize("url", BLOCKED_URLS)
async def test_internal_targets_are_refused_before_connecting(url: str) -> None:
    with LocalServer({"/": html("<p>internal</p>")}) as server:
        outcome, dialer = await guarded_fetch(url, server)
    assert isinstance(outcome, DigestError) and outcome.reason == "blocked_address", outcome
    assert str(outcome).startswith("refused: ")
    assert dialer.dials == [] and server.accepts == 0


@pytest.mark.parametrize(
    "url", ["http://2130706433/", "http://0x7f000001/", "http://0x7f.0.0.1/", "http://017700000001/", "http://127.1/",
            "http://0/", "http://localhost/"],
)  # fmt: skip
async def test_numeric_host_forms_are_caught_after_real_resolution(url: str) -> None:  # A3, A10
    # httpx keeps these as host names and getaddrinfo turns them into 127.0.0.1 or 0.0.0.0
    # (no DNS traffic: they are numeric or in /etc/hosts); only a check on the resolved IP sees it.
    with LocalServer() as server:
        outcome, dialer = await guarded_fetch(url, server, resolver=system_resolver)
    assert isinstance(outcome, DigestError) and outcome.reason == "blocked_address", outcome
    assert dialer.dials == [] and server.accepts == 0


async def test_public_name_is_dialled_at_its_vetted_address() -> None:
    with LocalServer({"/": html("<p>public</p>")}) as server:
        outcome, dialer = await guarded_fetch("http://public.test:8080/", server)
    assert isinstance(outcome, Page) and outcome.html == "<p>public</p>"
    assert dialer.dials == [(PUBLIC, 8080)]
    assert server.requests[0].headers["host"] == "public.test:8080"  # the name still goes in Host


async def test_dns_rebinding_never_reaches_the_second_answer() -> None:  # A15
    dns = StubDNS(sequences={"rebind.test": [[PUBLIC], ["127.0.0.1"]]})
    routes = {"/": redirect("http://rebind.test:8080/again"), "/again": html("<p>internal</p>")}
    with LocalServer(routes) as server:
        outcome, dialer = await guarded_fetch("http://rebind.test:8080/", server, resolver=dns)
    assert isinstance(outcome, DigestError) and outcome.reason == "blocked_address"
    assert (
        str(outcome)
        == "The site redirected to http://rebind.test:8080/again, which is refused: 127.0.0.1 is a loopback address"
    )
    assert dns.queries == ["rebind.test", "rebind.test"]  # one resolution per connection
    assert dialer.dials == [(PUBLIC, 8080)]  # only the vetted first answer was ever dialled
    assert server.accepts == 1 and [r.path for r in server.requests] == ["/"]


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://127.0.0.1:8080/", "blocked_address"),
        ("http://localhost:8080/", "blocked_address"),
        ("http://lvh.me/", "blocked_address"),
        ("http://[::1]:8080/", "blocked_address"),
        ("http://169.254.169.254/latest/meta-data/", "blocked_address"),
        ("http://public.test:6379/", "blocked_address"),
        ("http://user:pass@127.0.0.100/", "bad_url"),  # A16 with credentials
        ("file:///etc/passwd", "bad_url"),  # A17
        ("gopher://127.0.0.1:6379/_FLUSHALL", "bad_url"),
        ("dict://127.0.0.1:11211/stat", "bad_url"),
        ("ftp://public.test/", "bad_url"),
    ],
)
async def test_redirect_hops_are_rechecked(location: str, reason: str) -> None:  # A16, A17
    with LocalServer({"/": redirect(location), "/next": html("<p>x</p>")}) as server:
        outcome, dialer = await guarded_fetch("http://public.test:8080/", server)
    assert isinstance(outcome, DigestError) and outcome.reason == reason, outcome
    assert str(outcome).startswith("The site redirected to "), outcome  # the link people gave was fine
    assert dialer.dials == [(PUBLIC, 8080)]  # the first, allowed hop only
    assert server.accepts == 1


async def test_unknown_host_is_a_clean_dns_error() -> None:  # A23
    with pytest.raises(DigestError) as caught:
        await fetch_page("http://notarealhost.invalid/", Settings())
    assert caught.value.reason == "dns"
    assert str(caught.value) == "could not resolve host notarealhost.invalid"
