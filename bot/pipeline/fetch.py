"""Fetch one web page safely: SSRF-guarded connections, manual redirects, bounded decoding, a deadline.

Everything a hostile server can do is bounded: the decoded body (bombs included) by
`settings.fetch_max_bytes`, the redirects by `settings.max_redirects`, the time by
`settings.fetch_deadline_s` around the whole fetch, the wait for a fetch slot included (httpx's timeouts are per
operation only, so a one-byte-every-five-seconds server would never trip them). Whatever goes wrong on the way
becomes one DigestError.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import http
import ipaddress
import json
import re
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Protocol, TypeVar

import brotli
import httpx
import webencodings
from bs4.dammit import EncodingDetector, UnicodeDammit

from bot.config import Settings
from bot.errors import DigestError
from bot.models import Download, Page
from bot.pipeline.netguard import GuardedBackend, GuardedTransport, Resolver, check_url, is_public
from bot.pipeline.pdf import PDF_SNIFF_BYTES, looks_like_pdf
from bot.pipeline.slots import FetchSlots
from bot.pipeline.urls import canonicalize
from bot.runtime.metrics import FETCH_SECONDS

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
REFUSALS = frozenset({"bad_url", "blocked_address"})  # a link's form or the address policy, not the site's answer
# Answers of a server that is busy, rate-limiting or failing for now: worth asking again soon, not in ten minutes.
PASSING_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# How long a passing failure is worth remembering when the site does not say (Retry-After): long enough for the
# replicas and people asking at once to share one answer, short enough that the next share tries again.
PASSING_RETRY_S = 30.0
TIMEOUTS = httpx.Timeout(10.0, connect=5.0)
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
DOCUMENT_ACCEPT = "text/html,application/xhtml+xml;q=0.9,application/pdf;q=0.8,*/*;q=0.5"

# A compressed body that inflates more than this is a bomb: deflate tops out at 1032:1 and bombs of zeros or tags
# come close, while pages stay far below it, even one paragraph repeated for megabytes (256:1).
MAX_INFLATION = 500
_MIN_SLICE = 256  # compressed bytes fed to a decoder at once, at least
_STRAY_BYTES = 8  # broken characters a declared charset may show before the page counts as in another one
# Charsets where a character may take several bytes (or escapes: ISO-2022-JP is all ASCII), so bytes that are
# valid UTF-8 may be theirs as well.
_MULTI_BYTE = frozenset(webencodings.lookup(label).codec_info.name for label in (
    "shift_jis", "euc-jp", "iso-2022-jp", "gbk", "gb18030", "big5", "euc-kr", "utf-16le", "utf-16be"))  # fmt: skip
_DETECTION_SAMPLE = 16 * 1024  # detection costs half a second on this much
_DETECTION_SCAN = 1024 * 1024  # the prefix of a page searched for that sample: 60 ms at most
# A word holding a non-ASCII byte. It starts only where a word does: unanchored, the search retried every start
# inside a long run of ASCII (a base64 data: URI), each rescanning the run, and 80 KB of it took a minute.
_NON_ASCII_WORD = re.compile(rb"(?<![^\s<>])[^\s<>]*[\x80-\xff][^\s<>]*")
_JSON_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*[\[{]")  # an object or an array, after a BOM and spaces
# WHATWG MIME sniffing: a body starting with one of these (then space or ">") is HTML.
_HTML_STARTS = tuple(
    f"<{tag}" for tag in ("!doctype html", "html", "head", "body", "script", "iframe", "h1", "div", "font",
                          "table", "a", "style", "title", "b", "br", "p", "meta", "link")
)  # fmt: skip


async def fetch_page(url: str, settings: Settings, *, resolver: Resolver | None = None) -> Page:
    """Fetch `url` and return its HTML decoded to text, or raise DigestError with a clear message."""
    backend = GuardedBackend(allow_private=settings.allow_private_networks, resolver=resolver)
    with FETCH_SECONDS.time():
        return await fetch_with_transport(url, settings, GuardedTransport(backend))


class Fetched(Protocol):
    private_address: bool


T = TypeVar("T", bound=Fetched)
# Reads the final (non-redirect) response: `_read_page` for HTML, `_reader(rule)` for PDFs and JSON.
Reader = Callable[[httpx.Response, str, Settings], Awaitable[T]]
Hold = Callable[[httpx.URL], AbstractAsyncContextManager[None]]


async def fetch_with_transport(
    url: str,
    settings: Settings,
    transport: httpx.AsyncBaseTransport,
    *,
    read: Reader[T] | None = None,
    extra_headers: dict[str, str] | None = None,
    slots: FetchSlots | None = None,
) -> T:
    """`fetch_page` over a given transport; tests pass one whose backend dials through a recorder.

    `read` and `extra_headers` serve bodies other than HTML pages (see `fetch_body`); `slots`, when given, are the
    process's, shared with its other fetches (without them this fetch competes with nothing)."""
    target = _parse(url)
    headers = {
        "User-Agent": settings.user_agent,
        "Accept": ACCEPT,
        "Accept-Language": "en-US,en;q=0.8,*;q=0.5",
        "Accept-Encoding": "gzip, deflate, br",
    } | (extra_headers or {})
    hooks = {"response": [partial(_vet_redirect, allow_private=settings.allow_private_networks)]}
    try:
        async with (
            asyncio.timeout(settings.fetch_deadline_s),
            httpx.AsyncClient(
                transport=transport, headers=headers, timeout=TIMEOUTS, follow_redirects=False, trust_env=False,
                event_hooks=hooks,
            ) as client,
        ):  # fmt: skip
            hold = slots.hold if slots else _unlimited
            return await _follow(client, url.strip(), target, settings, read or _read_page, hold)
    except TimeoutError:
        raise DigestError("timeout", f"The site took longer than {settings.fetch_deadline_s:g} s to send the page",
                          retry_after=PASSING_RETRY_S) from None  # fmt: skip
    except httpx.HTTPError as exc:
        raise _transport_error(exc) from exc
    except httpx.InvalidURL as exc:  # a Location httpx reads differently from us ("http:path"): still invalid
        raise DigestError("bad_url", f"The site redirected to an invalid link: {exc}") from exc


@asynccontextmanager
async def _unlimited(url: httpx.URL) -> AsyncIterator[None]:
    yield


def _parse(url: str) -> httpx.URL:
    """Parse once with httpx.URL, the parser the client itself uses (no parser differentials)."""
    try:
        return _with_host(httpx.URL(url.strip()))
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise DigestError("bad_url", f"not a valid link: {exc}") from exc


def _with_host(url: httpx.URL) -> httpx.URL:
    """`url`, its host decoded now: httpx decodes a punycode host (xn--) only when `host` is first read, and a
    malformed one raises an IDNAError (a ValueError) there."""
    _ = url.host
    return url


async def _follow(
    client: httpx.AsyncClient, requested: str, target: httpx.URL, settings: Settings, read: Reader[T], hold: Hold
) -> T:
    """GET `target`, following at most `settings.max_redirects` redirects, each hop re-checked and each holding a
    fetch slot of its own site while it talks to it. The result is marked private if any hop was."""
    current, seen, private = target, {str(target)}, False
    for hop in range(settings.max_redirects + 1):
        with _refusal_of(current if hop else None):
            check_url(current, allow_private=settings.allow_private_networks)
        async with hold(current):
            with _refusal_of(current if hop else None):  # an address the name leads to, refused as it is dialled
                response = await client.send(client.build_request("GET", current), stream=True)
            try:
                private |= _from_private_address(response, settings)
                if response.status_code not in REDIRECT_CODES:
                    found = await read(response, requested, settings)
                    found.private_address = private
                    return found
                current = _next_hop(response, current)
            finally:
                await response.aclose()
        if str(current) in seen:
            raise DigestError("too_many_redirects", "The site redirects in a loop")
        seen.add(str(current))
    raise DigestError("too_many_redirects", f"The site redirected more than {settings.max_redirects} times")


def _status_text(response: httpx.Response) -> str:
    try:
        phrase = http.HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = response.reason_phrase
    return f"{response.status_code} {phrase}".strip()


def _status_error(response: httpx.Response) -> DigestError:
    """The error of an answer that is not a success; a busy or failing server's is a passing one."""
    passing = response.status_code in PASSING_STATUSES
    return DigestError("http_status", f"The site answered {_status_text(response)}",
                       retry_after=_retry_after(response) if passing else None)  # fmt: skip


def _retry_after(response: httpx.Response) -> float:
    """The answer's Retry-After in seconds (a number or an HTTP date); PASSING_RETRY_S without a readable one."""
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return PASSING_RETRY_S
    return max(0.0, when.timestamp() - time.time())


async def _vet_redirect(response: httpx.Response, *, allow_private: bool) -> None:
    """A redirect's target, checked as it arrives: httpx parses the Location of every redirect it is handed, even
    unfollowed, and a `data:` or `mailto:` one would escape from it as a bare InvalidURL."""
    if response.status_code in REDIRECT_CODES:
        target = _next_hop(response, response.request.url)
        with _refusal_of(target):
            check_url(target, allow_private=allow_private)


@contextlib.contextmanager
def _refusal_of(redirected_to: httpx.URL | None) -> Iterator[None]:
    """A refused link or address says the site redirected there, when it did: the link people gave was fine."""
    try:
        yield
    except DigestError as error:
        if redirected_to is None or error.reason not in REFUSALS:
            raise
        shown = str(redirected_to)
        shown = shown if len(shown) <= 100 else shown[:99] + "…"  # a data: link may be a whole file
        raise DigestError(error.reason, f"The site redirected to {shown}, which is {error}") from error


def _next_hop(response: httpx.Response, current: httpx.URL) -> httpx.URL:
    location = response.headers.get("location", "").strip()
    if not location:
        raise DigestError("http_status", f"The site answered {_status_text(response)} but gave no Location")
    try:
        return _with_host(current.join(location))
    except (httpx.InvalidURL, ValueError) as exc:
        raise DigestError("bad_url", f"The site redirected to an invalid link: {exc}") from exc


async def _read_page(
    response: httpx.Response, requested: str, settings: Settings, raw: AsyncIterator[bytes] | None = None
) -> Page:
    """The page `response` brings; `raw`, when given, is its raw body (some of it already looked at)."""
    if not 200 <= response.status_code < 300:
        raise _status_error(response)
    mime = _mime(response)
    if mime and mime not in HTML_TYPES:
        raise DigestError("not_html", f"not an HTML page ({mime})")
    # However large it says it is or inflates to, a page is read up to the cap and its beginning digested (an
    # article sits at the top); only a compression bomb is refused, by _read_body.
    cap = settings.fetch_max_bytes
    body, truncated = await _read_body(response, cap, raw or response.aiter_raw(), "page")
    if not body:  # 204 No Content, or a page left empty: there is nothing to look for an article in
        raise DigestError("empty", f"The site sent no content ({_status_text(response)})")
    if _is_json(body):
        raise DigestError("not_html", "not an HTML page (the site sent JSON data)")
    if not mime and not _sniff_html(body):
        raise DigestError("not_html", "not an HTML page (no content type, and it does not look like HTML)")
    if truncated and not _looks_like_markup(body):
        raise DigestError("too_large", f"The page is larger than {cap:,} bytes and is not readable HTML")
    return Page(
        requested_url=requested,
        url=canonicalize(str(response.url)),
        html=decode_html(body, response.charset_encoding),
        status=response.status_code,
        content_type=mime or "text/html",
        truncated=truncated,
    )


def _from_private_address(response: httpx.Response, settings: Settings) -> bool:
    """Whether a private or internal address sent this answer, which only happens when those are allowed. Asked
    before the body is read: once it is, the socket may be gone."""
    if not settings.allow_private_networks:
        return False  # every address was vetted public before it was dialled
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    try:
        return not is_public(ipaddress.ip_address(peer[0]))
    except (TypeError, IndexError, ValueError):  # no peer known: treat it as private, to be refetched when barred
        return True


class _Decoder(Protocol):
    def decode(self, data: bytes, limit: int) -> bytes:
        """Decode `data`, returning at most `limit` bytes (reaching the limit ends the read)."""
        ...


class _Identity:
    def decode(self, data: bytes, limit: int) -> bytes:
        return data[:limit]


class _Zlib:
    """gzip or deflate. deflate is sniffed as zlib-wrapped or raw, since servers send both; gzip may be several
    members end to end (RFC 1952), each inflated in turn. Bytes after the last (padding, junk, even junk that opens
    like a member but fails to decode) are ignored."""

    def __init__(self, wbits: int | None) -> None:
        self._wbits = wbits
        self._inflater: zlib._Decompress | None = None
        self._pending = b""  # a stream's first byte: its second tells raw deflate from wrapped, or gzip from junk
        self._members = 0
        self._ended = False

    def decode(self, data: bytes, limit: int) -> bytes:
        parts: list[bytes] = []
        size = 0
        while data and size < limit and not self._ended:
            if self._inflater is None:
                data, self._pending = self._pending + data, b""
                if len(data) < 2:
                    self._pending = data
                    break
                self._start(data)
                continue
            try:
                out = self._inflater.decompress(data, limit - size)
            except zlib.error:
                if self._members == 1:
                    raise
                self._ended = True  # junk that opens with gzip's magic: the body ends where it starts
                break
            parts.append(out)
            size += len(out)
            if self._inflater.eof:
                data, self._inflater = self._inflater.unused_data, None
            else:
                data = self._inflater.unconsumed_tail
        return b"".join(parts)

    def _start(self, head: bytes) -> None:
        """Begin the stream `head` (two bytes at least) starts, or end the body where it starts none."""
        if self._members and (self._wbits is None or not head.startswith(b"\x1f\x8b")):
            self._ended = True  # only gzip has a next member, and it opens with gzip's magic
            return
        wbits = self._wbits
        if wbits is None:  # deflate: zlib-wrapped or raw
            wrapped = head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
            wbits = 15 if wrapped else -15
        self._members += 1
        self._inflater = zlib.decompressobj(wbits)


class _Brotli:
    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def decode(self, data: bytes, limit: int) -> bytes:
        parts = [self._decompressor.process(data, output_buffer_limit=limit)]
        size = len(parts[0])
        # Output held back by the limit must be drained with empty input before new input is fed.
        while size < limit and not self._decompressor.can_accept_more_data():
            more = self._decompressor.process(b"", output_buffer_limit=limit - size)
            if not more:
                break
            parts.append(more)
            size += len(more)
        return b"".join(parts)[:limit]  # the limit is a buffer size hint; brotli may overshoot a bit


def _decoder(content_encoding: str) -> _Decoder:
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip().lower() not in ("", "identity")]
    if not codings:
        return _Identity()
    if codings == ["br"]:
        return _Brotli()
    if codings in (["gzip"], ["x-gzip"]):
        return _Zlib(31)
    if codings == ["deflate"]:
        return _Zlib(None)
    raise DigestError("decode", f"The page uses an unsupported content encoding ({content_encoding})")


async def _read_body(response: httpx.Response, cap: int, raw: AsyncIterator[bytes], label: str) -> tuple[bytes, bool]:
    """The decoded body of `raw` chunks, at most `cap` bytes, and whether it was cut; DigestError for a compression
    bomb (a body `label` names). Memory and decoding stay O(cap + one read) whatever the body inflates to."""
    decoder = _decoder(response.headers.get("content-encoding", ""))
    # Fed in slices, so that the compressed bytes it took to fill the cap are known within a slice: a network read
    # may hold a whole bomb.
    piece = max(_MIN_SLICE, cap // (4 * MAX_INFLATION)) if not isinstance(decoder, _Identity) else None
    parts: list[bytes] = []
    size = fed = 0
    try:
        async for chunk in raw:
            for data in _slices(chunk, piece):
                fed += len(data)
                out = decoder.decode(data, cap + 1 - size)  # one byte over the cap tells us there is more
                parts.append(out)
                size += len(out)
                if size > cap:
                    _refuse_bomb(cap, fed, label, compressed=piece is not None)
                    return _cut_at_tag(b"".join(parts)[:cap]), True
    except (zlib.error, brotli.error) as exc:
        raise DigestError("decode", f"The {label}'s compressed body is corrupt") from exc
    return b"".join(parts), False


def _slices(chunk: bytes, size: int | None) -> Iterator[bytes]:
    if size is None:
        yield chunk
        return
    for start in range(0, len(chunk), size):
        yield chunk[start : start + size]


def _refuse_bomb(cap: int, fed: int, label: str, *, compressed: bool) -> None:
    """Refuse a compressed body that filled `cap` from `fed` bytes, far more tightly than any page packs."""
    if compressed and fed * MAX_INFLATION < cap:
        raise DigestError("too_large", f"The {label} is larger than {cap:,} bytes once decompressed, from only "
                                       f"{fed:,} compressed bytes: a compression bomb")  # fmt: skip


def _cut_at_tag(body: bytes) -> bytes:
    """Cut a truncated body after its last '>' so no multi-byte character is split (it is never a
    trail byte in UTF-8, Shift_JIS, GBK or Big5)."""
    end = body.rfind(b">", max(0, len(body) - 65536))
    return body[: end + 1] if end >= 0 else body


def _head_text(body: bytes) -> str:
    data, bom = EncodingDetector.strip_byte_order_mark(body[:1024])
    return data.decode(bom or "latin-1", errors="replace").lstrip().lower()


def _sniff_html(body: bytes) -> bool:
    head = _head_text(body)
    return any(head.startswith(tag) and head[len(tag) : len(tag) + 1] in (" ", ">", "\n", "\t", "\r")
               for tag in _HTML_STARTS) or head.startswith(("<!--", "<?xml"))  # fmt: skip


def _is_json(body: bytes) -> bool:
    """JSON sent as a page (an API's answer), whatever its type: as HTML it would be a card of its raw text."""
    if not _JSON_START.match(body):
        return False
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        return False
    return True


def _looks_like_markup(body: bytes) -> bool:
    return "<" in _head_text(body)


def decode_html(body: bytes, header_charset: str | None) -> str:
    """Bytes to text: BOM, then valid UTF-8 unless a multi-byte charset is declared, then the HTTP charset, then
    <meta charset>, then detection.

    A declared charset (header or meta) that fails to decode the bytes (a lying server) falls through to the next.
    """
    data, bom = EncodingDetector.strip_byte_order_mark(body)
    if bom:
        return data.decode(bom, errors="replace")
    header = _header_charset(header_charset, data)
    label = EncodingDetector.find_declared_encoding(data, is_html=True)
    declared = _meta_charset(label)
    if not any(codec and codec.name in _MULTI_BYTE for codec in (header, declared)):
        # Bytes that are valid UTF-8 are UTF-8 whatever single-byte charset a template or server names (read as
        # windows-1252, "Café" shows as "CafÃ©"), as browsers show such pages; ASCII reads the same in all of them.
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-8")
    if header and (text := _mostly_decodes(data, header)) is not None:
        return text
    # The page's own charset, read as browsers read it: one truncated character must not send the page to
    # detection, which took a UTF-8 page with one stray byte for Mac Roman and garbled every accent. Only a
    # handful, whatever the page's size: a page saved in another charset than it names is detection's job.
    if declared and (text := _mostly_decodes(data, declared, _STRAY_BYTES)) is not None:
        return text
    known = [header.name] if header else []
    unknown = [label] if label and not declared else []  # not for detection either: "unicode_escape" rewrites text
    found = UnicodeDammit(_detection_sample(data), known_definite_encodings=known, exclude_encodings=unknown,
                          is_html=True).original_encoding  # fmt: skip
    return data.decode(found or "utf-8", errors="replace")


def _detection_sample(data: bytes) -> bytes:
    """What detection reads of a page: its words that hold non-ASCII bytes, the only ones a detector learns from,
    at most `_DETECTION_SAMPLE` bytes of them. Detection is pure Python (30-40 µs a byte): on a whole 2 MB page it
    held the event loop for half a minute, past the fetch deadline. Words are taken whole, as a word cut in a
    multi-byte character fails the detector's own check of its guess; only a first word too long is cut. They are
    searched for in the first `_DETECTION_SCAN` bytes."""
    words: list[bytes] = []
    size = 0
    for match in _NON_ASCII_WORD.finditer(data, 0, _DETECTION_SCAN):
        size += len(match[0]) + 1
        if size > _DETECTION_SAMPLE:
            return b" ".join(words) if words else match[0][:_DETECTION_SAMPLE]
        words.append(match[0])
    return b" ".join(words)


def _header_charset(label: str | None, data: bytes) -> codecs.CodecInfo | None:
    """The HTTP charset, unless it names UTF-16 for bytes that cannot be: UTF-16 markup has a NUL in every ASCII
    character, and an ASCII page read as UTF-16 is a card of CJK gibberish."""
    codec = _web_charset(label)
    return None if codec and codec.name.startswith("utf-16") and b"\0" not in data[:1024] else codec


def _web_charset(label: str | None) -> codecs.CodecInfo | None:
    """A declared charset as browsers take it, by the WHATWG Encoding Standard's labels (latin-1 means
    windows-1252); None for a label browsers do not know, such as Python's own "undefined" or "unicode_escape"."""
    found = webencodings.lookup(label) if label else None
    return found.codec_info if found else None


def _meta_charset(label: str | None) -> codecs.CodecInfo | None:
    """A <meta> charset as browsers take it: a page that names UTF-16 in its own bytes cannot be UTF-16 (the
    declaration would not read as ASCII), so WHATWG reads it as UTF-8."""
    codec = _web_charset(label)
    return codecs.lookup("utf-8") if codec and codec.name.startswith("utf-16") else codec


def _mostly_decodes(data: bytes, codec: codecs.CodecInfo | None, tolerance: int | None = None) -> str | None:
    """The text in the declared charset when only a few stray bytes break it, as browsers read it: at most
    `tolerance` broken characters, by default 8 or one a kilobyte on a large page. Where any break it and the
    bytes are all valid UTF-8, the label is stale (a template's) and the text is UTF-8.

    Re-detecting the whole page because of a handful of bad bytes turns every accent into mojibake.
    """
    if codec is None:
        return None
    text, _ = codec.decode(data, "replace")
    if "\ufffd" in text:  # stray bytes, or a stale label (a template's) on a page that is all valid UTF-8
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-8")
    limit = max(_STRAY_BYTES, len(data) // 1000) if tolerance is None else tolerance
    return text if text.count("\ufffd") <= limit else None


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _transport_error(exc: httpx.HTTPError) -> DigestError:
    """Map httpx's exceptions to a reason code and a sentence a person can act on."""
    cert = _cause(exc, ssl.SSLCertVerificationError)
    if isinstance(cert, ssl.SSLCertVerificationError):
        return DigestError("tls", f"TLS certificate problem: {cert.verify_message}")
    tls = _cause(exc, ssl.SSLError)
    if tls is not None:
        return DigestError("tls", f"TLS handshake failed: {getattr(tls, 'reason', None) or tls}")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return DigestError("bad_url", f"not a valid link: {exc}")
    # The rest are passing: a site that is slow, down or dropping connections now may answer in a minute.
    if isinstance(exc, httpx.ConnectTimeout):
        return DigestError("timeout", "The site did not accept a connection within 5 s", retry_after=PASSING_RETRY_S)
    if isinstance(exc, httpx.TimeoutException):
        return DigestError("timeout", "The site stopped answering (no data for 10 s)", retry_after=PASSING_RETRY_S)
    if isinstance(exc, httpx.ConnectError):
        return DigestError("unreachable", "could not connect to the site", retry_after=PASSING_RETRY_S)
    return DigestError("unreachable", "The connection broke before the page was complete", retry_after=PASSING_RETRY_S)


# --- bodies other than HTML pages: PDFs, oEmbed and API answers ------------------------------------------
# The same guarded client, redirects, decoders and deadline as pages; each rule has its own content types and
# byte cap, and a body past its cap is refused (a cut PDF or JSON document cannot be read).


@dataclass(frozen=True)
class BodyRule:
    label: str  # what the body is, for messages: "PDF", "JSON", "text"
    types: frozenset[str]
    max_bytes: int
    accept: str


async def fetch_body(
    url: str,
    settings: Settings,
    rule: BodyRule,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: dict[str, str] | None = None,
    slots: FetchSlots | None = None,
) -> Download:
    """Fetch `url` expecting a body `rule` accepts, or raise DigestError (not_<label>, too_large, ...)."""
    with FETCH_SECONDS.time():
        return await fetch_with_transport(url, settings, transport or _guarded(settings), read=_reader(rule),
                                          extra_headers={"Accept": rule.accept} | (headers or {}),
                                          slots=slots)  # fmt: skip


async def fetch_document(
    url: str,
    settings: Settings,
    pdf: BodyRule,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    slots: FetchSlots | None = None,
) -> Page | Download:
    """A link's one fetch: an HTML page as `fetch_page` reads it, or a PDF (by its content type, a generic binary
    type on a path ending in .pdf, or its body's signature as pdf.looks_like_pdf finds it) read as `pdf` allows."""

    async def read(response: httpx.Response, requested: str, settings: Settings) -> Page | Download:
        if _is_pdf(response):
            return await _reader(pdf)(response, requested, settings)
        raw = response.aiter_raw()
        if response.is_success:  # servers send PDFs with no type, a binary one, HTML's, text's, "force-download"
            head, raw = await _peek(response, raw, PDF_SNIFF_BYTES)
            if looks_like_pdf(head):
                return await _download(response, pdf, raw)
        return await _read_page(response, requested, settings, raw)

    with FETCH_SECONDS.time():
        return await fetch_with_transport(url, settings, transport or _guarded(settings), read=read,
                                          extra_headers={"Accept": DOCUMENT_ACCEPT}, slots=slots)  # fmt: skip


def _guarded(settings: Settings) -> GuardedTransport:
    return GuardedTransport(GuardedBackend(allow_private=settings.allow_private_networks))


_PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})
_BINARY_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", "application/download"})


def _declared_size(response: httpx.Response) -> int:
    """The body's size as its Content-Length declares it; 0 when it declares none."""
    declared = response.headers.get("content-length", "")
    return int(declared) if declared.isdigit() else 0


def _mime(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _is_pdf(response: httpx.Response) -> bool:
    mime = _mime(response)
    return mime in _PDF_TYPES or (mime in _BINARY_TYPES and response.url.path.lower().endswith(".pdf"))


def _reader(rule: BodyRule) -> Reader[Download]:
    async def read(response: httpx.Response, requested: str, settings: Settings) -> Download:
        if not 200 <= response.status_code < 300:
            raise _status_error(response)
        mime = _mime(response)
        if mime not in rule.types and not (rule.types & _PDF_TYPES and _is_pdf(response)):
            raise DigestError(f"not_{rule.label.lower()}", f"not {rule.label} ({mime or 'no content type'})")
        return await _download(response, rule, response.aiter_raw())

    return read


async def _download(response: httpx.Response, rule: BodyRule, raw: AsyncIterator[bytes]) -> Download:
    """The body of `raw` chunks as a Download, refused past the rule's cap."""
    # Unlike a page's beginning, part of a PDF or a JSON document cannot be read.
    whole = "and it cannot be read in part"
    if (declared := _declared_size(response)) > rule.max_bytes:
        raise DigestError("too_large", f"The {rule.label} is too large ({declared:,} bytes, limit "
                                       f"{rule.max_bytes:,}), {whole}")  # fmt: skip
    body, truncated = await _read_body(response, rule.max_bytes, raw, rule.label)
    if truncated:
        raise DigestError("too_large", f"The {rule.label} is larger than {rule.max_bytes:,} bytes, {whole}")
    return Download(url=canonicalize(str(response.url)), content_type=_mime(response), body=body,
                    charset=response.charset_encoding, filename=_file_name(response))  # fmt: skip


def _file_name(response: httpx.Response) -> str | None:
    """The file name Content-Disposition gives (RFC 6266, filename* first), without any folders."""
    header = Message()
    header["content-disposition"] = response.headers.get("content-disposition", "")
    name = header.get_filename()
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip() if isinstance(name, str) else ""
    return name or None


async def _peek(response: httpx.Response, raw: AsyncIterator[bytes], size: int) -> tuple[bytes, AsyncIterator[bytes]]:
    """The first `size` bytes of the decoded body (fewer if it is shorter or corrupt), and the raw body again from
    its start, for the reader."""
    decoder = _decoder(response.headers.get("content-encoding", ""))
    seen: list[bytes] = []
    head = b""
    with contextlib.suppress(zlib.error, brotli.error):  # the reader says the body is corrupt
        async for chunk in raw:
            seen.append(chunk)
            head += decoder.decode(chunk, size - len(head))
            if len(head) >= size:
                break
    return head, _replayed(seen, raw)


async def _replayed(seen: list[bytes], rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in seen:
        yield chunk
    async for chunk in rest:
        yield chunk
