"""bot.pipeline.fetch against real local servers: redirects, bombs, deadlines,
content types, charsets, HTTP errors and TLS. No httpx mocks: every byte crosses a socket."""

from __future__ import annotations

import codecs
import gzip
import itertools
import socket
import ssl
import subprocess
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4.dammit import UnicodeDammit

from bot.config import Settings
from bot.errors import DigestError
from bot.models import Download, Page
from bot.pipeline import fetch as fetch_module
from bot.pipeline.fetch import BodyRule, _from_private_address, decode_html, fetch_document, fetch_page
from bot.pipeline.pdf import looks_like_pdf
from tests.support.http_server import LocalServer, Reply, brotli_bomb, gzip_bomb, html, redirect

MIB = 1 << 20


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"DIGESTBOT_ALLOW_PRIVATE_NETWORKS": True, "DIGESTBOT_FETCH_DEADLINE": 5}
    values.update(overrides)
    return Settings(**values)


async def fetch(server: LocalServer, path: str, **overrides: Any) -> Page:
    return await fetch_page(server.url(path), make_settings(**overrides))


async def refused(server: LocalServer, path: str, reason: str, **overrides: Any) -> str:
    with pytest.raises(DigestError) as caught:
        await fetch(server, path, **overrides)
    assert caught.value.reason == reason, str(caught.value)
    return str(caught.value)


def typed(body: bytes, content_type: str = "text/html", **headers: str) -> Reply:
    extra = [(name.replace("_", "-"), value) for name, value in headers.items()]
    return Reply(headers=[("Content-Type", content_type), *extra], body=body)


# --- the basics -------------------------------------------------------------------------------


async def test_plain_page_and_request_headers() -> None:
    settings = make_settings(DIGESTBOT_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) test")
    with LocalServer({"/a": html("<title>Hi</title><p>héllo</p>")}) as server:
        page = await fetch_page(server.url("/a?utm_source=slack#top"), settings)
    assert page.html == "<title>Hi</title><p>héllo</p>"
    assert page.url == server.url("/a")
    assert page.requested_url == server.url("/a?utm_source=slack#top")
    assert (page.status, page.content_type, page.truncated) == (200, "text/html", False)
    assert page.private_address  # loopback served it: allowed here, and remembered
    sent = server.requests[0].headers
    assert sent["user-agent"] == "Mozilla/5.0 (X11; Linux x86_64) test"
    assert sent["accept-encoding"] == "gzip, deflate, br"
    assert "authorization" not in sent and "cookie" not in sent


class PeerOnly:
    """A network stream that knows only the address it is connected to."""

    def __init__(self, peer: tuple[str, int] | None) -> None:
        self.peer = peer

    def get_extra_info(self, info: str) -> object:
        return self.peer if info == "server_addr" else None


@pytest.mark.parametrize(
    ("peer", "private"),
    [(("93.184.216.34", 443), False), (("10.0.0.7", 80), True), (("::1", 80), True), (None, True)],
)
def test_the_peer_address_tells_whether_a_private_one_served_the_page(
    peer: tuple[str, int] | None, private: bool
) -> None:
    response = httpx.Response(200, extensions={"network_stream": PeerOnly(peer)})
    assert _from_private_address(response, make_settings()) is private
    assert _from_private_address(response, make_settings(DIGESTBOT_ALLOW_PRIVATE_NETWORKS=False)) is False


async def test_the_address_that_served_a_page_is_read_before_the_connection_closes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # LocalServer closes each connection after the body: read any later, the peer would be unknown (and so
    # taken for private). Here 127.0.0.1 counts as public, so only the real peer gives False.
    monkeypatch.setattr("bot.pipeline.fetch.is_public", lambda ip: str(ip) == "127.0.0.1")
    with LocalServer({"/a": html("<p>served</p>")}) as server:
        page = await fetch(server, "/a")
    assert page.html == "<p>served</p>" and not page.private_address


async def test_environment_proxy_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy would resolve and connect on our behalf, skipping the connect-time check (A21).
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    with LocalServer({"/": html("<p>direct</p>")}) as server:
        assert (await fetch(server, "/")).html == "<p>direct</p>"


# --- redirects --------------------------------------------------------------------------------


async def test_relative_and_absolute_redirect_chain() -> None:
    with LocalServer() as server:
        server.routes.update(
            {
                "/start": redirect("next"),  # relative to /start
                "/next": redirect("/dir/page?x=1"),  # path only
                "/dir/page": redirect(f"//127.0.0.1:{server.port}/final", status=307),  # scheme-relative
                "/final": html("<p>landed</p>"),
            }
        )
        page = await fetch(server, "/start")
    assert page.html == "<p>landed</p>"
    assert page.url == server.url("/final")
    assert page.requested_url == server.url("/start")
    assert [r.target for r in server.requests] == ["/start", "/next", "/dir/page?x=1", "/final"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_every_redirect_status_is_followed(status: int) -> None:
    with LocalServer({"/": redirect("/to", status), "/to": html("<p>ok</p>")}) as server:
        assert (await fetch(server, "/")).html == "<p>ok</p>"


async def test_shortener_redirect_drops_trackers() -> None:
    with LocalServer() as server:
        server.routes["/s/abc"] = redirect(server.url("/article?utm_source=twitter&id=7&fbclid=XyZ"), 301)
        server.routes["/article"] = html("<p>story</p>")
        page = await fetch(server, "/s/abc")
    assert page.url == server.url("/article?id=7")


async def test_redirect_chain_over_the_cap_stops() -> None:
    routes = {"/1": redirect("/2"), "/2": redirect("/3"), "/3": redirect("/4"), "/4": html("<p>far</p>")}
    with LocalServer(routes) as server:
        message = await refused(server, "/1", "too_many_redirects", DIGESTBOT_MAX_REDIRECTS=2)
    assert "more than 2" in message
    assert [r.path for r in server.requests] == ["/1", "/2", "/3"]


async def test_redirect_loop_is_detected() -> None:
    with LocalServer({"/a": redirect("/b"), "/b": redirect("/a")}) as server:
        assert "loop" in await refused(server, "/a", "too_many_redirects")
    assert len(server.requests) == 2


async def test_redirect_without_location_is_a_clean_error() -> None:
    with LocalServer({"/": redirect(None)}) as server:
        assert await refused(server, "/", "http_status") == "The site answered 302 Found but gave no Location"


async def test_meta_refresh_is_not_followed() -> None:
    body = '<meta http-equiv="refresh" content="0;url=/elsewhere"><p>stay</p>'
    with LocalServer({"/": html(body), "/elsewhere": html("<p>moved</p>")}) as server:
        page = await fetch(server, "/")
    assert "stay" in page.html
    assert [r.path for r in server.requests] == ["/"]


# --- hostile bodies: bombs, endless and early-closed bodies -----------------------------------


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {"gzip": gzip_bomb(128), "br": brotli_bomb(128)}


@pytest.mark.parametrize("encoding", ["gzip", "br"])
async def test_compression_bomb_is_refused_with_bounded_memory(bombs: dict[str, bytes], encoding: str) -> None:
    # 128 MiB of zeros in a few hundred bytes (br) or ~130 KiB (gzip); httpx would inflate a whole
    # network read at once, so the fetch must decode itself with output limits.
    reply = typed(bombs[encoding], content_encoding=encoding)
    with LocalServer({"/": reply}) as server:
        tracemalloc.start()
        try:
            message = await refused(server, "/", "too_large")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert "larger than 2,097,152 bytes" in message
    assert peak < 24 * MIB, f"peak {peak / MIB:.1f} MiB"


def _long_page() -> bytes:
    """An article at the top of 8 MiB of varied markup (packing 5-10:1, as pages do)."""
    rows = (f"<li data-id='{n * 7919 % 100003}'>item {n}, rank {n * 31 % 977}</li>\n" for n in range(200_000))
    return b"<html><body><article><p>The article.</p></article><ul>" + "".join(rows).encode()


def _brotli(data: bytes) -> bytes:
    import brotli

    return brotli.compress(data, quality=5)


@pytest.mark.parametrize(
    ("chunked", "encoding", "pack"),
    [
        (True, "identity", bytes),  # no declared size
        (False, "identity", bytes),  # its size declared
        (False, "gzip", gzip.compress),
        (True, "br", _brotli),
    ],
)
async def test_a_page_past_the_cap_is_cut_whether_declared_or_compressed(
    chunked: bool, encoding: str, pack: Callable[[bytes], bytes]
) -> None:
    # The same page is read alike however it is sent: refused when it declared its size or was compressed, the
    # 2-3 MB pages most servers gzip were lost.
    page = _long_page()
    body = pack(page)
    headers = [("Content-Type", "text/html"), ("Content-Encoding", encoding)]
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)] if chunked else None
    with LocalServer({"/": Reply(headers=headers, body=body, chunks=chunks)}) as server:
        found = await fetch(server, "/", DIGESTBOT_FETCH_MAX_BYTES=MIB)
    assert found.truncated
    assert found.html == page[: page.rfind(b">", 0, MIB) + 1].decode()


@pytest.mark.parametrize(
    ("encoding", "packed"),
    [
        ("deflate", zlib.compress(b"<p>zlib-wrapped</p>")),
        ("deflate", (lambda c: c.compress(b"<p>raw deflate</p>") + c.flush())(zlib.compressobj(wbits=-15))),
        ("x-gzip", gzip.compress(b"<p>x-gzip</p>")),
        ("identity", b"<p>identity</p>"),
    ],
)
async def test_content_encodings_decode(encoding: str, packed: bytes) -> None:
    with LocalServer({"/": typed(packed, content_encoding=encoding)}) as server:
        assert (await fetch(server, "/")).html.startswith("<p>")


@pytest.mark.parametrize(
    ("encoding", "chunks"),
    [
        # gzip members end to end (RFC 1952), as concatenated files and some proxies send them, padding after
        ("gzip", [gzip.compress(b"<p>first member, "), gzip.compress(b"second member</p>") + bytes(8)]),
        ("gzip", [gzip.compress(b"<p>first member, ") + b"\x1f", b"\x8b" + gzip.compress(b"second member</p>")[2:]]),
        # junk after the last member that opens with gzip's magic ends the body where it starts, as other junk does
        ("gzip", [gzip.compress(b"<p>first member, second member</p>") + b"\x1f\x8b" + bytes(30)]),
        # the wrapped/raw sniff of deflate waits for a second byte
        ("deflate", [zlib.compress(b"<p>first member, second member</p>")[:1],
                     zlib.compress(b"<p>first member, second member</p>")[1:]]),
    ],
)  # fmt: skip
async def test_compressed_bodies_read_whole_whatever_their_chunks(encoding: str, chunks: list[bytes]) -> None:
    reply = Reply(headers=[("Content-Type", "text/html"), ("Content-Encoding", encoding)], chunks=chunks)
    with LocalServer({"/": reply}) as server:
        assert (await fetch(server, "/")).html == "<p>first member, second member</p>"


@pytest.mark.parametrize(
    ("encoding", "body", "expected"),
    [
        ("gzip", b"this is not gzip", "corrupt"),
        ("br", b"this is not brotli", "corrupt"),
        ("zstd", b"(\xb5/\xfd", "unsupported content encoding (zstd)"),
        ("gzip, br", b"", "unsupported content encoding (gzip, br)"),
    ],
)
async def test_bad_content_encoding_is_a_clean_error(encoding: str, body: bytes, expected: str) -> None:
    with LocalServer({"/": typed(body, content_encoding=encoding)}) as server:
        assert expected in await refused(server, "/", "decode")


def _endless(piece: bytes) -> Iterator[bytes]:
    return itertools.repeat(piece)


async def test_endless_chunked_html_is_cut_at_the_cap() -> None:
    reply = Reply(headers=[("Content-Type", "text/html")], chunks=_endless(b"<p>spam and eggs</p>\n" * 200))
    with LocalServer({"/": reply}) as server:
        page = await fetch(server, "/", DIGESTBOT_FETCH_MAX_BYTES=256 * 1024)
    assert page.truncated and len(page.html) <= 256 * 1024


async def test_endless_chunked_garbage_is_too_large() -> None:
    reply = Reply(headers=[("Content-Type", "text/html")], chunks=_endless(bytes(16384)))
    with LocalServer({"/": reply}) as server:
        await refused(server, "/", "too_large", DIGESTBOT_FETCH_MAX_BYTES=256 * 1024)


async def test_early_eof_is_a_clean_error() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<p>only a bit"
    with LocalServer({"/": Reply(raw=raw)}) as server:
        assert "before the page was complete" in await refused(server, "/", "unreachable")


# --- time: deadline, silent servers, refused connections ---------------------------------------


async def test_slow_drip_hits_the_overall_deadline() -> None:
    # One byte every 0.2 s never trips the 10 s per-read timeout; only the overall deadline stops it.
    reply = Reply(headers=[("Content-Type", "text/html")], body=b"<p>" + b"x" * 200 + b"</p>", drip_s=0.2)
    with LocalServer({"/": reply}) as server:
        message = await refused(server, "/", "timeout", DIGESTBOT_FETCH_DEADLINE=1)
    assert message == "The site took longer than 1 s to send the page"


async def test_headers_never_sent_times_out() -> None:
    with LocalServer({"/": Reply(hang=True)}) as server:
        await refused(server, "/", "timeout", DIGESTBOT_FETCH_DEADLINE=1)
    assert server.accepts == 1


async def test_connection_refused_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DigestError) as caught:
        await fetch_page(f"http://127.0.0.1:{port}/", make_settings())
    assert caught.value.reason == "unreachable"


# --- content types and statuses ----------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/pdf", "image/png", "application/json", "text/plain", "application/octet-stream"]
)
async def test_non_html_types_are_refused_from_the_header(content_type: str) -> None:
    with LocalServer({"/": typed(b"<html>pretend</html>", f"{content_type}; charset=utf-8")}) as server:
        assert await refused(server, "/", "not_html") == f"not an HTML page ({content_type})"


@pytest.mark.parametrize("content_type", ["text/html", "TEXT/HTML; charset=utf-8", "application/xhtml+xml"])
async def test_html_types_are_accepted(content_type: str) -> None:
    with LocalServer({"/": typed(b"<p>fine</p>", content_type)}) as server:
        assert (await fetch(server, "/")).html == "<p>fine</p>"


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        (b"\n  <!DOCTYPE html><html><p>sniffed</p></html>", True),
        (b"<html lang=en><p>sniffed</p>", True),
        (b"<!-- comment --><p>x</p>", True),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", False),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", False),
        (b'{"json": true}', False),
    ],
)
async def test_missing_content_type_is_sniffed(body: bytes, ok: bool) -> None:
    with LocalServer({"/": Reply(body=body)}) as server:
        if ok:
            assert (await fetch(server, "/")).html.lstrip().startswith("<")
        else:
            await refused(server, "/", "not_html")


REPORT = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
PDF = BodyRule("PDF", frozenset({"application/pdf"}), MIB, "application/pdf")


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("Content-Type", "application/octet-stream")],
        [("Content-Type", "text/html; charset=utf-8")],
        [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
        [("Content-Type", "application/force-download")],
        [("Content-Type", "application/x-download")],
        [("Content-Type", "text/plain")],
    ],
)
async def test_a_pdf_is_known_by_its_signature_whatever_its_type(headers: list[tuple[str, str]]) -> None:
    body = gzip.compress(REPORT) if ("Content-Encoding", "gzip") in headers else REPORT
    with LocalServer({"/report": Reply(headers=headers, body=body)}) as server:
        found = await fetch_document(server.url("/report"), make_settings(), PDF)
    assert isinstance(found, Download) and found.body == REPORT


@pytest.mark.parametrize(
    "junk", [b"", b"\r\n", b"\xef\xbb\xbf", b"<br />\n<b>Notice</b>: x" * 20, bytes(1020), bytes(1030)]
)
async def test_a_fetched_body_is_a_pdf_exactly_when_a_saved_one_would_be(junk: bytes) -> None:
    # One definition for both: a PDF with two bytes before its signature was read when saved, refused when fetched.
    body = junk + REPORT
    with LocalServer({"/get": Reply(headers=[("Content-Type", "text/html")], body=body)}) as server:
        try:
            found: Page | Download | DigestError = await fetch_document(server.url("/get"), make_settings(), PDF)
        except DigestError as error:
            found = error
    assert isinstance(found, Download) == looks_like_pdf(body) == (len(junk) < 1020)
    assert not isinstance(found, Download) or found.body == body


async def test_a_sniffed_pdf_past_its_cap_is_refused_as_a_pdf() -> None:
    body = REPORT + bytes(MIB)
    reply = Reply(headers=[("Content-Type", "text/html")], body=body)
    with LocalServer({"/": reply}) as server, pytest.raises(DigestError) as caught:
        await fetch_document(server.url("/"), make_settings(), PDF)
    assert caught.value.reason == "too_large"
    assert str(caught.value) == (
        f"The PDF is too large ({len(body):,} bytes, limit 1,048,576), and it cannot be read in part"
    )


async def test_a_page_looked_at_for_a_pdf_signature_is_read_whole() -> None:
    page = b"<html><body><p>" + "Grüße aus Köln. ".encode() * 40 + b"</p></body></html>"
    chunks = [page[i : i + 3] for i in range(0, len(page), 3)]
    with LocalServer({"/": Reply(headers=[("Content-Type", "text/html")], chunks=chunks)}) as server:
        found = await fetch_document(server.url("/"), make_settings(), PDF)
    assert isinstance(found, Page) and found.html == page.decode()


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (403, "403 Forbidden"),
        (404, "404 Not Found"),
        (410, "410 Gone"),
        (429, "429 Too Many Requests"),
        (500, "500 Internal Server Error"),
        (503, "503 Service Unavailable"),
    ],
)
async def test_http_errors_are_named(status: int, text: str) -> None:
    with LocalServer({"/": Reply(status=status, headers=[("Content-Type", "text/html")], body=b"<p>no")}) as server:
        assert await refused(server, "/", "http_status") == f"The site answered {text}"
    assert len(server.requests) == 1  # no retry


@pytest.mark.parametrize(
    ("status", "headers", "retry_after"),
    [
        (503, [("Retry-After", "2")], 2.0),
        (429, [("Retry-After", "120")], 120.0),
        (503, [("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")], 0.0),  # a date gone by: ask again now
        (502, [], fetch_module.PASSING_RETRY_S),
        (503, [("Retry-After", "soon")], fetch_module.PASSING_RETRY_S),
        (404, [("Retry-After", "2")], None),
        (410, [], None),
    ],
)
async def test_a_busy_or_failing_server_s_answer_is_a_passing_failure(
    status: int, headers: list[tuple[str, str]], retry_after: float | None
) -> None:
    reply = Reply(status=status, headers=[("Content-Type", "text/html"), *headers], body=b"<p>no")
    with LocalServer({"/": reply}) as server, pytest.raises(DigestError) as caught:
        await fetch(server, "/")
    assert caught.value.retry_after == retry_after


async def test_a_refused_connection_is_a_passing_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DigestError) as caught:
        await fetch_page(f"http://127.0.0.1:{port}/", make_settings())
    assert (caught.value.reason, caught.value.retry_after) == ("unreachable", fetch_module.PASSING_RETRY_S)


@pytest.mark.parametrize("content_type", ["text/html", "application/xhtml+xml", None])
@pytest.mark.parametrize("body", [b'{"title": "Spring", "tags": ["a", "b"]}', b"\xef\xbb\xbf\n  [1, 2, {}]"])
async def test_json_sent_as_a_page_is_not_one(body: bytes, content_type: str | None) -> None:
    # As text/plain it was refused; as text/html it became a card of its raw text ("spring.", "tags": [...]}).
    reply = Reply(headers=[("Content-Type", content_type)] if content_type else [], body=body)
    with LocalServer({"/": reply}) as server:
        assert await refused(server, "/", "not_html") == "not an HTML page (the site sent JSON data)"


@pytest.mark.parametrize("body", [b"[citation needed] <p>A page that opens with brackets.</p>", b"{not json}<p>x</p>"])
async def test_a_page_opening_with_a_bracket_is_still_a_page(body: bytes) -> None:
    with LocalServer({"/": typed(body)}) as server:
        assert (await fetch(server, "/")).html == body.decode()


@pytest.mark.parametrize(("status", "text"), [(204, "204 No Content"), (200, "200 OK")])
async def test_an_answer_without_content_says_so(status: int, text: str) -> None:
    # A 204 was "not an HTML page (no content type, and it does not look like HTML)".
    with LocalServer(
        {"/": Reply(status=status, headers=[("Content-Type", "text/html")] if status == 200 else [])}
    ) as server:
        assert await refused(server, "/", "empty") == f"The site sent no content ({text})"


# --- charsets ------------------------------------------------------------------------------------

JAPANESE = "こんにちは世界。これは日本語の記事です。"
RUSSIAN = "Привет, мир! Это статья на русском языке."
POLISH = "Zażółć gęślą jaźń. Kolejne organizacje sprzeciwiają się atakom, mówiła."
ELECTION = "Избирательная комиссия объявила итоги выборов. Итоги обсудили в Иркутске."
GERMAN = "Die Bürger der Städte müssen künftig höhere Gebühren für Straßenreinigung und Müllabfuhr zahlen."
FILLER = "The quick brown fox jumps over the lazy dog. " * 2000


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        # A byte-order mark beats everything, even a header that says otherwise.
        (codecs.BOM_UTF8 + "<p>café ✓</p>".encode(), "text/html; charset=iso-8859-1", "café ✓"),
        (codecs.BOM_UTF16_LE + "<p>Grüße</p>".encode("utf-16-le"), "text/html", "Grüße"),
        (codecs.BOM_UTF16_BE + "<p>Grüße</p>".encode("utf-16-be"), "text/html", "Grüße"),
        # latin-1 in a header means windows-1252, as in browsers: curly quotes survive.
        ("<p>“Quoted” café</p>".encode("cp1252"), "text/html; charset=ISO-8859-1", "“Quoted” café"),
        ("<p>naïve – façade</p>".encode("cp1252"), "text/html; charset=windows-1252", "naïve – façade"),
        # No header charset: the document's own <meta> decides.
        (f'<html><head><meta charset="shift_jis"></head><p>{JAPANESE}</p>'.encode("shift_jis"), "text/html", JAPANESE),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
            f"<p>{RUSSIAN}</p>".encode("cp1251"),
            "text/html",
            RUSSIAN,
        ),
        # A header that cannot decode the bytes is a lie; fall back to the meta.
        (f'<meta charset="windows-1251"><p>{RUSSIAN}</p>'.encode("cp1251"), "text/html; charset=utf-8", RUSSIAN),
        # The meta's charset holds where one truncated character breaks it (detection read the page as Mac Roman),
        # and its latin-1 means windows-1252, as in browsers.
        (f'<meta charset="UTF-8"><p>{POLISH}</p><p>cut …'.encode()[:-2], "text/html", POLISH),
        ('<meta charset="iso-8859-1"><p>„Zitat“ – Grüße</p>'.encode("cp1252"), "text/html", "„Zitat“ – Grüße"),
        # ... but a large page saved in another charset than its meta names is detected, however few its accents.
        (f'<meta charset="utf-8"><p>{FILLER}</p><p>{GERMAN} {GERMAN}</p>'.encode("cp1252"), "text/html", GERMAN),
        # A stale label on a page that is all valid UTF-8 ("И" is D0 98, and 98 is no windows-1251 character).
        (f'<meta charset="windows-1251"><p>{ELECTION}</p>'.encode(), "text/html", ELECTION),
        (f"<p>{ELECTION}</p>".encode(), "text/html; charset=windows-1251", ELECTION),
        # Valid UTF-8 is UTF-8 whatever single-byte charset the header names, the page's meta agreeing or not.
        ('<meta charset="utf-8"><p>Café Grüße</p>'.encode(), "text/html; charset=iso-8859-1", "Café Grüße"),
        (f"<p>{GERMAN}</p>".encode(), "text/html; charset=windows-1252", GERMAN),
        # A header's UTF-16 holds for bytes with the NULs of UTF-16 markup, not for an ASCII or UTF-8 page.
        ("<p>Grüße</p>".encode("utf-16-le"), "text/html; charset=utf-16", "Grüße"),
        (b"<title>Plain page</title><p>Only ASCII here.</p>", "text/html; charset=utf-16", "Only ASCII here."),
        (f"<p>{GERMAN}</p>".encode(), "text/html; charset=utf-16be", GERMAN),
        # Python's own codecs are no web charsets: "undefined" raises on any byte, "unicode_escape" rewrites text.
        *[(f'<meta charset="{name}"><p>{GERMAN} C:\\new</p>'.encode(), "text/html", f"{GERMAN} C:\\new")
          for name in ("undefined", "idna", "punycode", "unicode_escape", "utf-7")],
        (f"<p>{GERMAN}</p>".encode(), "text/html; charset=undefined", GERMAN),
        # Nothing declared at all: valid UTF-8 is UTF-8, anything else goes to detection.
        (f"<p>{RUSSIAN} {RUSSIAN}</p>".encode(), "text/html", RUSSIAN),
        (f"<p>{RUSSIAN} {RUSSIAN} {RUSSIAN}</p>".encode("cp1251"), "text/html", RUSSIAN),
    ],
)  # fmt: skip
async def test_charsets(body: bytes, content_type: str, expected: str) -> None:
    with LocalServer({"/": typed(body, content_type)}) as server:
        page = await fetch(server, "/")
    assert expected in page.html
    assert "\ufeff" not in page.html


def test_detection_reads_a_bounded_sample_of_a_large_page(monkeypatch: pytest.MonkeyPatch) -> None:
    # Detection is pure Python: over a whole 1.8 MB page it held the event loop for half a minute.
    sizes: list[int] = []

    class Recorded(UnicodeDammit):
        def __init__(self, markup: bytes, *args: Any, **kwargs: Any) -> None:
            sizes.append(len(markup))
            super().__init__(markup, *args, **kwargs)

    monkeypatch.setattr(fetch_module, "UnicodeDammit", Recorded)
    body = f"<p>{GERMAN}</p>\n".encode("cp1252") * 2000 + "<p>Schluß</p>".encode("cp1252")  # 220 KB
    text = decode_html(body, None)
    assert sizes and max(sizes) <= 16 * 1024
    assert text.startswith(f"<p>{GERMAN}</p>") and text.endswith("<p>Schluß</p>")


def test_detection_sample_costs_one_pass_over_a_bounded_prefix() -> None:
    # The search for non-ASCII words starts only where a word starts: one that started anywhere inside a word
    # rescanned the rest of it from every byte, and an 80 KB base64 data: URI held the event loop for a minute.
    assert fetch_module._NON_ASCII_WORD.search(b"xxxxxxxx" + "é".encode(), 1) is None
    data_uri = b'<img src="data:image/png;base64,' + b"A" * 80_000 + b'">'
    assert fetch_module._detection_sample(data_uri + " Café".encode("cp1252")) == "Café".encode("cp1252")
    # Only a prefix of the page is searched, however large the page may be.
    assert fetch_module._detection_sample(b"A" * fetch_module._DETECTION_SCAN + b" \xe9") == b""


# --- TLS -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    where: Path = tmp_path_factory.mktemp("tls")
    key, cert = where / "key.pem", where / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def test_self_signed_certificate_is_refused(self_signed: ssl.SSLContext) -> None:
    with LocalServer({"/": html("<p>secret</p>")}, tls=self_signed) as server:
        message = await refused(server, "/", "tls")
    assert message.startswith("TLS certificate problem: ") and "self-signed" in message
