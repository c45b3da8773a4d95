"""What a hostile answer can do to one fetch (issue 16): a redirect anywhere, a private hop on the way, a
compressed page past the size limit, a slow site beside the others. Real local servers; the SSRF guard's dialer
is replaced by a recorder (tests/support/network.py), so no test reaches a real address."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.errors import DigestError
from bot.models import Page
from bot.pipeline.fetch import fetch_with_transport
from bot.pipeline.netguard import GuardedBackend, GuardedTransport
from bot.pipeline.slots import FetchSlots
from tests.support.articles import article_html
from tests.support.bot_process import HANG_S
from tests.support.http_server import LocalServer, Reply, Request, html, redirect
from tests.support.network import PUBLIC, RecordingDialer, StubDNS

MIB = 1 << 20


async def fetch(url: str, server: LocalServer, dialer: httpcore.AsyncNetworkBackend | None = None,
                **overrides: Any) -> Page:  # fmt: skip
    """A fetch through the guard, every dial going to `server` (StubDNS names public.test, internal.test...)."""
    settings = Settings(**{"DIGESTBOT_FETCH_DEADLINE": 5} | overrides)
    backend = GuardedBackend(allow_private=settings.allow_private_networks, resolver=StubDNS(),
                             inner=dialer or RecordingDialer(server.port))  # fmt: skip
    return await fetch_with_transport(url, settings, GuardedTransport(backend))


# --- redirects anywhere -------------------------------------------------------------------------------

LOCATION_STARTS = ["data:", "mailto:", "javascript:", "about:", "file:", "ftp://", "http:", "https:", "//", "",
                   "http://public.test:8080/", "http://[", "http://public.test:99999", "HTTP://PUBLIC.TEST:8080",
                   "http://internal.test/", "\\\\", "?", "#", "http://x@public.test:8080/", "http://xn--",
                   "http://xn--ls8h.", "HTTP://XN--A."]  # fmt: skip
locations = st.one_of(
    st.binary(max_size=80),
    st.tuples(st.sampled_from(LOCATION_STARTS), st.text(max_size=40)).map(
        lambda parts: (parts[0] + parts[1]).encode("utf-8", "surrogatepass")
    ),
)


def redirect_to(location: bytes) -> Reply:
    """A 302 whose Location header is exactly these bytes, whatever they are."""
    head = b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    return Reply(raw=head)


@pytest.fixture(scope="module")
def redirector() -> Iterator[LocalServer]:
    with LocalServer({"/article": html(article_html("rivers"))}) as server:
        yield server


@settings(max_examples=150, deadline=None)
@given(location=locations)
@example(location=b"data:text/html,<h1>hi</h1>")
@example(location=b"mailto:someone@example.com")
@example(location=b"javascript:alert(1)")
@example(location=b"about:blank")
@example(location=b"http://[::1")
@example(location=b"http://\xc2\x80/")
@example(location=b"http://xn--/")
def test_any_location_header_ends_in_a_page_or_one_digest_error(redirector: LocalServer, location: bytes) -> None:
    redirector.routes["/"] = redirect_to(location)
    try:
        outcome: Page | DigestError = asyncio.run(fetch("http://public.test:8080/", redirector))
    except DigestError as error:
        outcome = error
    assert isinstance(outcome, Page) or (outcome.reason and str(outcome)), outcome


@pytest.mark.parametrize("location", ["data:text/html,hi", "mailto:a@b.example", "javascript:alert(1)", "about:blank"])
async def test_a_redirect_to_a_non_web_scheme_is_refused_by_name(redirector: LocalServer, location: str) -> None:
    redirector.routes["/"] = redirect(location)
    with pytest.raises(DigestError) as refused:
        await fetch("http://public.test:8080/", redirector)
    scheme = location.split(":")[0]
    assert refused.value.reason == "bad_url"
    assert str(refused.value) == (
        f"The site redirected to {location}, which is refused: only http and https links are fetched, not {scheme}:"
    )


# --- private hops ------------------------------------------------------------------------------------


class _Peer(httpcore.AsyncNetworkStream):
    """A connection to the local server that reports the address the guard dialled as its peer."""

    def __init__(self, stream: httpcore.AsyncNetworkStream, peer: tuple[str, int]) -> None:
        self._stream, self._peer = stream, peer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    def get_extra_info(self, info: str) -> Any:
        return self._peer if info == "server_addr" else self._stream.get_extra_info(info)


class PeerDialer(RecordingDialer):
    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:  # fmt: skip
        return _Peer(await super().connect_tcp(host, port, timeout), (host, port))


async def test_a_private_redirector_marks_the_page_private() -> None:
    routes = {"/go": redirect("http://public.test:8080/article"), "/article": html(article_html("rivers"))}
    with LocalServer(routes) as server:
        dialer = PeerDialer(server.port)
        page = await fetch("http://internal.test:8080/go", server, dialer, DIGESTBOT_ALLOW_PRIVATE_NETWORKS=True)
        public = await fetch("http://public.test:8080/article", server, PeerDialer(server.port),
                             DIGESTBOT_ALLOW_PRIVATE_NETWORKS=True)  # fmt: skip
    assert dialer.dials == [("192.168.1.1", 8080), (PUBLIC, 8080)]  # the last hop was a public address
    assert page.private_address and "Rivers are running dry" in page.html
    assert not public.private_address


# --- compressed pages past the limit -----------------------------------------------------------------


def gzip_stream(head: bytes, piece: bytes, mib: int) -> Iterator[bytes]:
    """`head` then `piece` repeated to `mib` MiB, gzip-compressed as it is sent (never held whole)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    yield packer.compress(head)
    block = piece * (MIB // len(piece))
    for _ in range(mib):
        if out := packer.compress(block):
            yield out
    yield packer.flush()


@pytest.mark.parametrize("piece", [b" ", b"<p>"])
async def test_a_gzip_bomb_of_markup_is_too_large(piece: bytes) -> None:
    bomb = Reply(headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                 chunks=gzip_stream(b"<html><body>", piece, 220))  # fmt: skip
    with LocalServer({"/": bomb}) as server, pytest.raises(DigestError) as refused:
        await fetch("http://public.test:8080/", server)
    assert refused.value.reason == "too_large"
    assert str(refused.value).startswith("The page is larger than 2,097,152 bytes once decompressed, from only ")
    assert str(refused.value).endswith(" compressed bytes: a compression bomb")


async def test_a_compressed_page_of_one_line_repeated_is_cut_like_the_same_page_sent_plain() -> None:
    # It packs 343:1, short of a bomb's 1000:1: read up to the cap, as it would be uncompressed.
    stream = Reply(headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                   chunks=gzip_stream(b"<html><body>", b"<p>lorem ipsum dolor sit amet</p>\n", 220))  # fmt: skip
    with LocalServer({"/": stream}) as server:
        page = await fetch("http://public.test:8080/", server)
    assert page.truncated and len(page.html) <= 2 * MIB and page.html.startswith("<html><body><p>lorem ipsum")


# --- fetch slots --------------------------------------------------------------------------------------


def dripping(_: Request) -> Reply:
    return Reply(headers=[("Content-Type", "text/html")], body=b"<p>" + b"x" * 10_000, drip_s=0.5)


async def test_a_slow_sites_backlog_leaves_the_other_sites_their_slots() -> None:
    slots = FetchSlots(per_host=2, total=3)
    settings = Settings(DIGESTBOT_ALLOW_PRIVATE_NETWORKS=True, DIGESTBOT_FETCH_DEADLINE=HANG_S)
    with LocalServer({"/": dripping}) as slow, LocalServer({"/": html(article_html("rivers"))}) as fast:
        backlog = [asyncio.create_task(_fetch_with(slow.url("/"), settings, slots)) for _ in range(6)]
        while len(slow.requests) < 2:
            await asyncio.sleep(0.01)
        page = await _fetch_with(fast.url("/"), settings, slots)
        started = len(slow.requests)
        for task in backlog:
            task.cancel()
        await asyncio.gather(*backlog, return_exceptions=True)
    assert "Rivers are running dry" in page.html
    assert started == 2  # the slow site's other four links wait for its two slots, not for the process's


async def test_waiting_for_a_slot_counts_against_the_deadline() -> None:
    slots = FetchSlots(per_host=1)
    hold = Settings(DIGESTBOT_ALLOW_PRIVATE_NETWORKS=True, DIGESTBOT_FETCH_DEADLINE=HANG_S)
    short = Settings(DIGESTBOT_ALLOW_PRIVATE_NETWORKS=True, DIGESTBOT_FETCH_DEADLINE=1)
    with LocalServer({"/": dripping}) as slow:
        holder = asyncio.create_task(_fetch_with(slow.url("/"), hold, slots))
        while not slow.requests:
            await asyncio.sleep(0.01)
        with pytest.raises(DigestError) as late:
            await _fetch_with(slow.url("/"), short, slots)
        holder.cancel()
        await asyncio.gather(holder, return_exceptions=True)
    assert late.value.reason == "timeout" and len(slow.requests) == 1  # refused in time, never sent


async def test_sites_that_proved_slow_share_a_lane_of_their_own() -> None:
    slots = FetchSlots(per_host=2, total=2, slow_lane=1)
    settings = Settings(DIGESTBOT_ALLOW_PRIVATE_NETWORKS=True, DIGESTBOT_FETCH_DEADLINE=HANG_S)
    short = Settings(DIGESTBOT_ALLOW_PRIVATE_NETWORKS=True, DIGESTBOT_FETCH_DEADLINE=1)
    with LocalServer({"/": dripping}) as slow, LocalServer({"/": html(article_html("rivers"))}) as fast:
        with pytest.raises(DigestError):
            await _fetch_with(slow.url("/"), short, slots)  # it ran out of time: the site proved slow
        backlog = [asyncio.create_task(_fetch_with(slow.url("/"), settings, slots)) for _ in range(2)]
        while len(slow.requests) < 2:
            await asyncio.sleep(0.01)
        page = await _fetch_with(fast.url("/"), settings, slots)
        running = [task for task in backlog if not task.done()]
        for task in backlog:
            task.cancel()
        await asyncio.gather(*backlog, return_exceptions=True)
    assert "Rivers are running dry" in page.html and len(running) == 2
    assert len(slow.requests) == 2  # the first, timed out, and one of the two now: the lane has one slot


async def _fetch_with(url: str, settings: Settings, slots: FetchSlots) -> Page:
    transport = GuardedTransport(GuardedBackend(allow_private=True))
    return await fetch_with_transport(url, settings, transport, slots=slots)


def test_a_70_kb_link_is_refused_unsent_as_the_links_own_form() -> None:
    with LocalServer({"/": html("<p>x</p>")}) as server, pytest.raises(DigestError) as refused:
        asyncio.run(fetch("http://public.test:8080/?utm_source=" + "x" * 70_000, server))
    assert (refused.value.reason, str(refused.value)) == ("bad_url", "not a valid link: URL too long")
    assert server.accepts == 0
