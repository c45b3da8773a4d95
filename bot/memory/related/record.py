"""A related-reading article as Redis stores it (Doc) and its id: compact, since the log and every replica's
in-memory index hold one per article.

A record is a header, the packed terms of its signature, its shingle sketch, the short ids of its stored
neighbours, then its URL, title, line, domain and channels as text: `C1 !G2@-7S0`, a private channel with when it
first shared the article (in minutes from the header's first share, base 36), as only its own readers may learn that.
A record is format 2 (what the earlier release reads) unless a private channel carries its own first-share time.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from bot.memory import textvec

ONE_LINE_CHARS = 140
# A record's title and line in UTF-8 bytes (not characters: 140 of them can be 560 bytes): with the 508 bytes of
# terms, sketch and neighbours, a record stays under 1 KB for any page, plus its link's own length and its channels:
# 12 bytes a public one (an 11-character id), at most 19 a private one whose first share is within 3 years.
TITLE_BYTES = LINE_BYTES = 200
_FORMAT = 3  # 2: private channels without their own first-share times (read as having none)
_MINUTE = 60.0  # a private channel's first share is kept to the minute: a card shows its age and date
_HEADER = struct.Struct("<BdBBB")  # format, first shared (epoch s), terms, sketch hashes, neighbours
_HEADER_V1 = struct.Struct("<BdBB")  # records stored before neighbours: read as having none
SHORT_ID = 4  # bytes of doc_id() a neighbour list keeps: a clash among a query's 40 candidates is negligible
_SEP = "\x1f"


def one_line(summary: str, limit: int = ONE_LINE_CHARS) -> str:
    """The summary on one line, cut at a word boundary with an ellipsis when longer than `limit`."""
    flat = " ".join(summary.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,;:.-–—") + "…"


def doc_id(url: str) -> bytes:
    """An article's 8-byte id inside a team's index (its record key, its log, the in-memory maps): shorter than
    the key table's url_hash (keys.py), since the log and every replica's maps hold one per article."""
    return hashlib.blake2b(url.encode(), digest_size=8).digest()


@dataclass
class Doc:
    """One indexed article, as stored (the signature stays packed until it is needed)."""

    url: str
    title: str
    one_line: str
    domain: str
    shared_at: float  # first shared in a public channel (or, while only private channels have it, in one of them)
    channels: dict[str, bool]  # channel id -> is private
    signature: bytes
    sketch: tuple[int, ...]
    neighbours: bytes = b""  # short ids of the articles it ranked best when added (TeamIndex.neighbours())
    private_since: dict[str, float] = field(default_factory=dict)  # private channel id -> its first share (epoch s)

    @cached_property
    def title_tokens(self) -> frozenset[str]:
        return textvec.title_tokens(self.title)

    @property
    def public(self) -> bool:
        return not all(self.channels.values())

    def add_share(self, channel_id: str, private: bool, at: float) -> None:
        """Count a share in a channel: a private one keeps its own first-share time, a public one may move the
        article's first public share earlier (a channel that was private and is public now takes its time along)."""
        was_public = self.public
        private = self.channels.get(channel_id, True) and private
        self.channels[channel_id] = private
        since = min(at, self.private_since.pop(channel_id, at))
        if private:
            self.private_since[channel_id] = since
        else:
            self.shared_at = min(self.shared_at, since) if was_public else since

    def first_seen_by(self, channel_id: str) -> float:
        """When a reader in `channel_id` could first have seen it shared: its first public share, or their own
        channel's first share if that is private and earlier. Another private channel's share never shows."""
        seen = [self.shared_at] if self.public else []
        if channel_id in self.private_since:
            seen.append(self.private_since[channel_id])
        return min(seen, default=self.shared_at)

    def encode(self) -> bytes:
        n_terms, n_sketch = len(self.signature) // 4, len(self.sketch)
        fmt = _FORMAT if self.private_since else 2  # a replica on the earlier release reads format 2 only
        head = _HEADER.pack(fmt, self.shared_at, n_terms, n_sketch, len(self.neighbours) // SHORT_ID)
        channels = " ".join(self._channel_text(cid, private) for cid, private in self.channels.items())
        fields = (self.url, self.title, self.one_line, self.domain, channels)
        text = _SEP.join(f.replace(_SEP, " ") for f in fields).encode()
        return head + self.signature + struct.pack(f"<{n_sketch}I", *self.sketch) + self.neighbours + text

    def _channel_text(self, channel_id: str, private: bool) -> str:
        if not private:
            return channel_id
        since = self.private_since.get(channel_id)
        if since is None:
            return f"!{channel_id}"
        return f"!{channel_id}@{np.base_repr(round((since - self.shared_at) / _MINUTE), 36)}"

    @classmethod
    def decode(cls, blob: bytes) -> Doc:
        if blob[:1] == bytes([1]):
            _, shared_at, n_terms, n_sketch = _HEADER_V1.unpack_from(blob)
            start, n_neighbours = _HEADER_V1.size, 0
        else:
            fmt, shared_at, n_terms, n_sketch, n_neighbours = _HEADER.unpack_from(blob)
            if fmt not in (2, _FORMAT):
                raise ValueError(f"unknown related record format {fmt}")
            start = _HEADER.size
        at = start + 4 * n_terms
        sketch = struct.unpack_from(f"<{n_sketch}I", blob, at)
        at += 4 * n_sketch
        neighbours = blob[at : at + SHORT_ID * n_neighbours]
        url, title, line, domain, channels = blob[at + len(neighbours) :].decode().split(_SEP)
        chans: dict[str, bool] = {}
        since: dict[str, float] = {}
        for text in channels.split():
            cid, _, when = text.lstrip("!").partition("@")
            chans[cid] = text.startswith("!")
            if when:
                since[cid] = shared_at + _MINUTE * int(when, 36)
        signature = blob[start : start + 4 * n_terms]
        return cls(url, title, line, domain, shared_at, chans, signature, sketch, neighbours, since)
