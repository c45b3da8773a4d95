"""How values are kept in Redis: versioned JSON records (compressed when that pays), validated on every read.

A value that fails to parse (oversized, corrupt, another schema) is poison: `Part.parsed` logs it, deletes it and
reads it as a miss, so one bad value never breaks a feature for good.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

from bot.memory.connection import Client
from bot.memory.guard import RedisGuard
from bot.memory.keys import Keys

log = logging.getLogger(__name__)
R = TypeVar("R", bound=BaseModel)
T = TypeVar("T")

MAX_VALUE_BYTES = 4 * 1024 * 1024  # a bigger (or bigger once decompressed) value is poison
COMPRESS_MIN_BYTES = 1024  # below this the saving is a few bytes and the plain JSON stays readable in redis-cli


def pack(record: BaseModel, *, compress: bool = False) -> bytes:
    raw = record.model_dump_json().encode()
    if compress and len(raw) >= COMPRESS_MIN_BYTES:
        packed = b"z" + zlib.compress(raw, 6)
        if len(packed) < len(raw):
            return packed
    return raw


def unpack(model: type[R], raw: bytes) -> R:
    """Parse a stored value; raises ValueError if it is oversized, corrupt or not our schema."""
    if len(raw) > MAX_VALUE_BYTES:
        raise ValueError("oversized value")
    if raw[:1] == b"z":
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(raw[1:], MAX_VALUE_BYTES)
        except zlib.error as exc:
            raise ValueError(f"corrupt compressed value: {exc}") from exc
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError("oversized or truncated compressed value")
    return model.model_validate_json(raw)  # ValidationError is a ValueError


class Part:
    """A part of the bot's memory: the process's client, its outage guard and the key names."""

    def __init__(self, client: Client, guard: RedisGuard, keys: Keys) -> None:
        self.r, self.guard, self.keys = client, guard, keys

    async def parsed(
        self, key: str, raw: bytes | None, parse: Callable[[bytes], T], field: str | None = None
    ) -> T | None:
        """`parse(raw)`, or None for a miss; a value that does not parse is deleted (the key, or its hash field)."""
        if raw is None:
            return None
        try:
            return parse(raw)
        except ValueError as exc:
            log.warning("dropping bad value at %s%s: %s", key, f" field {field}" if field else "", exc)
            await self.guard.run(lambda: self.r.hdel(key, field) if field else self.r.delete(key), 0)
            return None
