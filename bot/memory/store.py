"""The bot's memory in Redis: digest cache, what each channel has seen, event dedupe and channel settings.

Every key, in one place. `P` = settings.redis_prefix + "v1:" (bump the version to change a layout), `U` = sha1
hex of a canonical URL, `C` = channel id, `T` = team id, `E` = event id. `{...}` is a literal Redis Cluster hash
tag, so the keys of one URL (or one channel, or one team) share a slot and may be used together.

| key | type | value | TTL |
| --- | --- | --- | --- |
| `P digest:{U}` | string | Digest JSON `{"v": 1, ...}`; `b"z"` + zlib(JSON) when >= 1 KB and smaller | cache_ttl_days |
| `P fail:{U}` | string | `{"v": 1, "reason": ..., "message": ...}`: U could not be digested | negative_cache_minutes |
| `P lock:{U}` | string | random token of the replica producing U's digest (SET NX PX) | LOCK_TTL_MS |
| `P ch:{C}:first` | hash | U -> Share JSON `{"v": 1, ...}` of the first share of U in C | history |
| `P ch:{C}:n` | hash | U -> how many times U was shared again in C | history |
| `P ch:{C}:who` | hash | U -> space-separated distinct ids of users who shared U again | history |
| `P ch:{C}:time` | zset | U scored by the Unix time of its first share in C (at most MAX_CHANNEL_URLS) | history |
| `P ch:{C}:msg` | hash | message ts -> U: the link each sharing message (or its card) carried (see below) | history |
| `P ch:{C}:reacts` | hash | U -> reactions added minus removed on the messages that shared U in C | history |
| `P ch:{C}:settings` | string | ChannelSettings JSON `{"v": 1, ...}` | none |
| `P team:{T}:seen` | hash | U -> `{"C1": 1, "C2": 0}`: the channels of T that saw U, 1 if private | history |
| `P roundups` | set | ids of channels whose roundup is enabled | none |
| `P event:E` | string | `"1"`: Slack event E was handled (queued work: the queue's `once`) | first_time(ttl_s) |
| `P budget:{N}:M` | string | how much of budget N was taken in minute M (Unix time // 60) | 2 minutes |
| `P queue:digest`, `P done:M`, `P once:E` | stream, string | the work queue, its marks | see bot/runtime/queue.py |

`history` = HISTORY_TTL_S, renewed by every share in that channel (or team). Counters, user lists and channel maps
inside hashes carry no "v" of their own: the `v1` in the key name versions them. `ch:{C}:msg` lets a reaction
count for the link its message shared, and a message recorded again (its job ran again) count once; a message
with several links keeps only its last there.

Every value is validated on read (size, version, schema); a value that fails is deleted and read as a miss.
While Redis is unreachable, reads miss and writes are skipped, so the bot keeps making digests uncached; the
outage is logged once, and once more when Redis answers again (redis-py reconnects by itself).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from time import monotonic
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, TypeAdapter, field_validator
from redis import exceptions as redis_errors

from bot.config import Settings
from bot.errors import DigestError
from bot.memory.connection import Client, connect
from bot.models import Digest
from bot.pipeline.urls import canonicalize
from bot.runtime.metrics import DIGEST_CACHE, REDIS_ERRORS

log = logging.getLogger(__name__)
T = TypeVar("T")

SCHEMA = "v1:"
MAX_VALUE_BYTES = 4 * 1024 * 1024  # a bigger (or bigger once decompressed) value is poison
MAX_MESSAGE_CHARS = 1000
COMPRESS_MIN_BYTES = 1024  # below this the saving is a few bytes and the plain JSON stays readable in redis-cli
LOCK_TTL_MS = 10_000  # renewed while the holder works, so a crashed holder frees it within seconds
LOCK_WAIT_S = 60.0  # a waiting replica gives up and produces the digest itself after this
LOCK_POLL_S = 0.05
CALL_DEADLINE_S = 1.5  # hard bound on one store call: redis-py's retry + reconnect health check can take 2 s
HISTORY_TTL_S = 400 * 86400  # a channel silent for over a year is forgotten
MAX_CHANNEL_URLS = 100_000  # the oldest record is dropped past this
MAX_SHARERS_BYTES = 1024
LOCAL_DEDUPE_MAX = 10_000

# Redis being away (or loading) is an outage; any other RedisError is a bug or a bad key, logged each time.
OUTAGE_ERRORS = (redis_errors.ConnectionError, redis_errors.TimeoutError, redis_errors.ClusterError, OSError)

RECORD_SHARE = """
local first = redis.call('HGET', KEYS[1], ARGV[1])
local n, who = 0, ''
if not first then
  first = ARGV[2]
  redis.call('HSET', KEYS[1], ARGV[1], first)
  redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
  if redis.call('ZCARD', KEYS[4]) > tonumber(ARGV[6]) then
    local oldest = redis.call('ZPOPMIN', KEYS[4])[1]
    for _, i in ipairs({1, 2, 3, 6}) do redis.call('HDEL', KEYS[i], oldest) end
  end
elseif redis.call('HGET', KEYS[5], ARGV[8]) == ARGV[1] then
  n = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
  who = redis.call('HGET', KEYS[3], ARGV[1]) or ''
else
  n = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  who = redis.call('HGET', KEYS[3], ARGV[1]) or ''
  local known = string.find(' ' .. who .. ' ', ' ' .. ARGV[4] .. ' ', 1, true)
  if not known and #who < tonumber(ARGV[7]) then
    if who == '' then who = ARGV[4] else who = who .. ' ' .. ARGV[4] end
    redis.call('HSET', KEYS[3], ARGV[1], who)
  end
end
redis.call('HSET', KEYS[5], ARGV[8], ARGV[1])
for i = 1, 6 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
return {first, n, who}
"""
COUNT_REACTION = """
local field = redis.call('HGET', KEYS[1], ARGV[1])
if field then return redis.call('HINCRBY', KEYS[2], field, ARGV[2]) end
return false
"""
SEEN_IN_TEAM = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local seen = {}
if cur then
  local ok, decoded = pcall(cjson.decode, cur)
  if ok and type(decoded) == 'table' then seen = decoded end
end
local flag = tonumber(ARGV[3])
if seen[ARGV[2]] ~= flag then
  seen[ARGV[2]] = flag
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(seen))
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""
RELEASE_LOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
RENEW_LOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Share(BaseModel):
    """One message in a channel that shared a link."""

    team_id: str
    channel_id: str
    channel_is_private: bool
    canonical_url: str
    user_id: str
    ts: str  # Slack message ts
    title: str | None = None
    shared_at: datetime  # naive means UTC

    @field_validator("shared_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return _utc(value)


class ShareResult(BaseModel):
    """What record_share learned: the first share of that URL in the channel, and how often it came back."""

    first: Share
    is_first: bool  # this share's message is the first (also when its job runs again after a crash)
    repeats: int  # times shared again after the first
    sharers: list[str]  # distinct users who shared it, the first sharer first


class ChannelSettings(BaseModel):
    roundup_enabled: bool = False
    roundup_day: int = Field(0, ge=0, le=6)  # 0 = Monday
    roundup_time: str = Field("09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str = "UTC"
    muted: bool = False
    repeats: bool = True  # say so when a link was shared here before

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value


# Stored forms: the model plus its schema version, validated in one pass on read.
class _DigestRecord(Digest):
    v: Literal[1] = 1


class _FailureRecord(BaseModel):
    v: Literal[1] = 1
    reason: str = Field(max_length=64)
    message: str = Field(max_length=MAX_MESSAGE_CHARS)


class _ShareRecord(Share):
    v: Literal[1] = 1


class _SettingsRecord(ChannelSettings):
    v: Literal[1] = 1


R = TypeVar("R", bound=BaseModel)
_CHANNEL_MAP = TypeAdapter(dict[str, Literal[0, 1]])


def _pack(record: BaseModel, *, compress: bool = False) -> bytes:
    raw = record.model_dump_json().encode()
    if compress and len(raw) >= COMPRESS_MIN_BYTES:
        packed = b"z" + zlib.compress(raw, 6)
        if len(packed) < len(raw):
            return packed
    return raw


def _unpack(model: type[R], raw: bytes) -> R:
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


def url_hash(canonical_url: str) -> str:
    return hashlib.sha1(canonical_url.encode()).hexdigest()


class Store:
    """Async access to the bot's memory; see the module docstring for the keys."""

    def __init__(self, client: Client, settings: Settings) -> None:
        self._r = client
        self._settings = settings
        self._p = settings.redis_prefix + SCHEMA
        self._healthy = True
        self._local_events: OrderedDict[str, float] = OrderedDict()  # event id -> expiry (monotonic)
        self._spent: dict[str, int] = {}  # budget name -> the minute it ran out
        self._count_reaction = client.register_script(COUNT_REACTION)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        return cls(connect(settings), settings)

    # --- health -------------------------------------------------------------------------------------------

    @property
    def healthy(self) -> bool:
        """False from a failed Redis call until the next call that succeeds (readiness)."""
        return self._healthy

    async def ping(self) -> bool:
        return bool(await self._run(self._r.ping, False))

    async def close(self) -> None:
        await self._r.aclose()

    async def _run(self, call: Callable[[], Awaitable[T]], default: T) -> T:
        """Run one Redis call, bounded in time; on failure return `default` and note the outage."""
        try:
            async with asyncio.timeout(CALL_DEADLINE_S):
                result = await call()
        except (*OUTAGE_ERRORS, TimeoutError) as exc:
            REDIS_ERRORS.inc()
            if self._healthy:
                self._healthy = False
                log.error(
                    "Redis is unreachable (%s: %s): digests are made uncached, channel memory and settings are "
                    "unavailable and event dedupe is in-process only until it is back",
                    type(exc).__name__,
                    str(exc) or f"no answer within {CALL_DEADLINE_S} s",
                )
            return default
        except redis_errors.RedisError as exc:
            REDIS_ERRORS.inc()
            log.warning("Redis refused a store command: %s: %s", type(exc).__name__, exc)
            return default
        if not self._healthy:
            self._healthy = True
            log.warning("Redis is reachable again: cache, channel memory and dedupe are back")
        return result

    async def _drop(self, key: str, why: Exception) -> None:
        log.warning("dropping bad value at %s: %s", key, why)
        await self._run(lambda: self._r.delete(key), 0)

    # --- digest cache -------------------------------------------------------------------------------------

    def _url_key(self, kind: str, canonical_url: str) -> str:
        return f"{self._p}{kind}:{{{url_hash(canonical_url)}}}"

    async def get_digest(self, canonical_url: str) -> Digest | None:
        key = self._url_key("digest", canonical_url)
        raw = await self._run(lambda: self._r.get(key), None)
        return await self._parse_digest(key, raw)

    async def _parse_digest(self, key: str, raw: bytes | None) -> Digest | None:
        if raw is None:
            return None
        try:
            record = _unpack(_DigestRecord, raw)
        except ValueError as exc:
            await self._drop(key, exc)
            return None
        digest = Digest.model_validate(record.model_dump(exclude={"v"}))
        if digest.private_address and not self._settings.allow_private_networks:
            return None  # made while private addresses were allowed; barred now, so the fetch must refuse it
        return digest

    async def put_digest(self, digest: Digest) -> None:
        """Cache a digest under the address its page was fetched from."""
        await self._set_all(self._digest_values(digest.url, digest))

    def _digest_values(self, canonical_url: str, digest: Digest) -> list[tuple[str, bytes, int]]:
        """(key, value, TTL) to cache a digest under the URL asked for and the URL the page was fetched from.

        Never under the canonical URL the page declares: any page can name any same-site address, and a digest
        kept there would replace that article's card for everyone (its real page would never be fetched).
        """
        value = _pack(_DigestRecord.model_validate(digest.model_dump()), compress=True)
        if len(value) > MAX_VALUE_BYTES:
            return []  # would be dropped as poison on read
        ttl, urls = self._settings.cache_ttl_days * 86400, dict.fromkeys((canonical_url, canonicalize(digest.url)))
        return [(self._url_key("digest", url), value, ttl) for url in urls]

    async def _set_all(self, values: list[tuple[str, bytes, int]], release: tuple[str, str] | None = None) -> None:
        """SET each (key, value, TTL), then release our lock (key, token), in one round trip."""

        async def call() -> None:
            async with self._r.pipeline(transaction=False) as pipe:
                for key, value, ttl in values:
                    pipe.set(key, value, ex=ttl)
                if release is not None:
                    pipe.eval(RELEASE_LOCK, 1, *release)
                await pipe.execute()

        if values or release is not None:
            await self._run(call, None)

    async def get_failure(self, canonical_url: str) -> tuple[str, str] | None:
        key = self._url_key("fail", canonical_url)
        raw = await self._run(lambda: self._r.get(key), None)
        failure = await self._parse_failure(key, raw)
        return (failure.reason, str(failure)) if failure else None

    async def _parse_failure(self, key: str, raw: bytes | None) -> DigestError | None:
        if raw is None:
            return None
        try:
            record = _unpack(_FailureRecord, raw)
        except ValueError as exc:
            await self._drop(key, exc)
            return None
        return DigestError(record.reason, record.message)

    async def put_failure(self, canonical_url: str, reason: str, message: str) -> None:
        await self._set_all(self._failure_values(canonical_url, reason, message))

    def _failure_values(self, canonical_url: str, reason: str, message: str) -> list[tuple[str, bytes, int]]:
        value = _pack(_FailureRecord(reason=reason[:64], message=message[:MAX_MESSAGE_CHARS]))
        return [(self._url_key("fail", canonical_url), value, self._settings.negative_cache_minutes * 60)]

    async def _cached_outcome(self, canonical_url: str) -> Digest | DigestError | None:
        keys = [self._url_key("digest", canonical_url), self._url_key("fail", canonical_url)]
        raw_digest, raw_failure = await self._run(lambda: self._r.mget(keys), [None, None])
        return await self._parse_digest(keys[0], raw_digest) or await self._parse_failure(keys[1], raw_failure)

    async def digest_once(self, canonical_url: str, produce: Callable[[], Awaitable[Digest]]) -> Digest:
        """The cached digest, or the cached failure raised, or produce() run once across all replicas.

        The caller that wins a short lock produces and caches; the others poll the cache until the result (or
        failure) lands, the lock vanishes without one (they then compete again), or LOCK_WAIT_S passes (they
        then produce it themselves). With Redis away, produce() simply runs.
        """
        deadline = monotonic() + LOCK_WAIT_S
        while True:
            outcome = await self._cached_outcome(canonical_url)
            DIGEST_CACHE.labels("miss" if outcome is None else "hit").inc()
            if isinstance(outcome, Digest):
                return outcome
            if isinstance(outcome, DigestError):
                raise outcome
            if not self._healthy:  # Redis is away: nothing to coordinate with or cache in
                return await produce()
            if monotonic() > deadline:
                return await self._produce(canonical_url, produce, None)
            token = secrets.token_hex(16)
            if await self._lock(canonical_url, token):
                return await self._produce(canonical_url, produce, token)
            await asyncio.sleep(LOCK_POLL_S)

    async def _lock(self, canonical_url: str, token: str) -> bool:
        """True if we hold the lock for this URL now, or Redis is away (so nobody can coordinate)."""
        key = self._url_key("lock", canonical_url)
        return bool(await self._run(lambda: self._r.set(key, token, nx=True, px=LOCK_TTL_MS), True))

    async def _keep_lock(self, canonical_url: str, token: str) -> None:
        """Renew our lock while the digest is being made: a slow page keeps it, a dead replica loses it fast."""
        key = self._url_key("lock", canonical_url)
        while True:
            await asyncio.sleep(LOCK_TTL_MS / 3000)
            await self._run(lambda: self._r.eval(RENEW_LOCK, 1, key, token, LOCK_TTL_MS), 0)

    async def _produce(self, canonical_url: str, produce: Callable[[], Awaitable[Digest]], token: str | None) -> Digest:
        renewal = asyncio.create_task(self._keep_lock(canonical_url, token)) if token else None
        outcome: list[tuple[str, bytes, int]] = []
        try:
            digest = await produce()
            outcome = self._digest_values(canonical_url, digest)
            return digest
        except DigestError as exc:
            outcome = self._failure_values(canonical_url, exc.reason, str(exc))
            raise
        finally:
            if renewal is not None:
                renewal.cancel()
            # The outcome lands before the lock goes, so a replica waiting for it finds it.
            await self._set_all(outcome, (self._url_key("lock", canonical_url), token) if token else None)

    # --- channel memory -----------------------------------------------------------------------------------

    def _channel_keys(self, channel_id: str) -> list[str]:
        return [f"{self._p}ch:{{{channel_id}}}:{part}" for part in ("first", "n", "who", "time", "msg", "reacts")]

    def _team_key(self, team_id: str) -> str:
        return f"{self._p}team:{{{team_id}}}:seen"

    async def record_share(self, share: Share) -> ShareResult:
        """Remember a share; report whether the channel saw this URL before, first when and by whom.

        The same message recorded again (its job ran again after a crash) counts once.
        """
        keys = self._channel_keys(share.channel_id)
        field = url_hash(share.canonical_url)
        args = [
            field, _pack(_ShareRecord.model_validate(share.model_dump())), share.shared_at.timestamp(),
            share.user_id, HISTORY_TTL_S, MAX_CHANNEL_URLS, MAX_SHARERS_BYTES, share.ts,
        ]  # fmt: skip
        team_args = [field, share.channel_id, int(share.channel_is_private), HISTORY_TTL_S]

        async def call() -> list[Any]:
            # Two scripts, as the team's hash lives in another cluster slot, in one round trip (EVAL, not a
            # registered script: a cluster pipeline cannot reload one). The privacy flag is kept current.
            async with self._r.pipeline(transaction=False) as pipe:
                pipe.eval(RECORD_SHARE, len(keys), *keys, *args)
                pipe.eval(SEEN_IN_TEAM, 1, self._team_key(share.team_id), *team_args)
                reply, _ = await pipe.execute()
            return list(reply)

        reply = await self._run(call, None)
        if reply is None:
            return ShareResult(first=share, is_first=True, repeats=0, sharers=[share.user_id])
        raw_first, repeats, who = reply
        first = await self._parse_share(keys[0], field, raw_first)
        if first is None:  # a poisoned record was dropped: this share becomes the first
            return await self.record_share(share)
        sharers = list(dict.fromkeys([first.user_id, *who.decode().split()]))
        return ShareResult(first=first, is_first=first.ts == share.ts, repeats=repeats, sharers=sharers)

    async def note_card(self, channel_id: str, canonical_url: str, card_ts: str) -> None:
        """The bot's card for a share: reactions to it count for its link as reactions to the share do."""
        key = self._channel_keys(channel_id)[4]

        async def call() -> None:
            async with self._r.pipeline(transaction=False) as pipe:
                pipe.hset(key, card_ts, url_hash(canonical_url))
                pipe.expire(key, HISTORY_TTL_S)
                await pipe.execute()

        await self._run(call, None)

    async def _parse_share(self, key: str, field: str | bytes, raw: bytes | None) -> Share | None:
        if raw is None:
            return None
        try:
            return Share.model_validate(_unpack(_ShareRecord, raw).model_dump(exclude={"v"}))
        except ValueError as exc:
            log.warning("dropping bad share record %s in %s: %s", field, key, exc)
            await self._run(lambda: self._r.hdel(key, field), 0)
            return None

    async def first_share(self, channel_id: str, canonical_url: str) -> Share | None:
        """The first share of this URL in the channel: None if the channel has not seen it."""
        key, field = self._channel_keys(channel_id)[0], url_hash(canonical_url)
        return await self._parse_share(key, field, await self._run(lambda: self._r.hget(key, field), None))

    async def _shares(self, channel_id: str, fields: list[bytes]) -> list[Share]:
        if not fields:
            return []
        key = self._channel_keys(channel_id)[0]
        raws = await self._run(lambda: self._r.hmget(key, fields), [])
        shares = [await self._parse_share(key, f, raw) for f, raw in zip(fields, raws, strict=False)]
        return [s for s in shares if s is not None]

    async def shares_between(self, channel_id: str, start: datetime, end: datetime) -> list[Share]:
        """URLs first shared in the channel within [start, end], oldest first (for roundups)."""
        key = self._channel_keys(channel_id)[3]
        lo, hi = _utc(start).timestamp(), _utc(end).timestamp()
        fields = await self._run(lambda: self._r.zrangebyscore(key, lo, hi), [])
        return await self._shares(channel_id, fields)

    async def recent(self, channel_id: str, n: int = 10) -> list[Share]:
        """The n URLs most recently first shared in the channel, newest first."""
        key = self._channel_keys(channel_id)[3]
        fields = await self._run(lambda: self._r.zrange(key, 0, n - 1, desc=True), [])
        return await self._shares(channel_id, fields)

    async def top_shared(self, channel_id: str, since: datetime, n: int = 10) -> list[tuple[Share, int]]:
        """URLs first shared since `since`, most shared first, with how many times each was shared in all."""
        _, count_key, _, time_key, _, _ = self._channel_keys(channel_id)
        fields = await self._run(lambda: self._r.zrevrangebyscore(time_key, "+inf", _utc(since).timestamp()), [])
        if not fields:
            return []
        counts = await self._run(lambda: self._r.hmget(count_key, fields), [None] * len(fields))
        totals = {f: 1 + int(c or 0) for f, c in zip(fields, counts, strict=False)}
        best = sorted(fields, key=lambda f: -totals[f])[:n]  # stable: newest first among equals
        return [(s, totals[url_hash(s.canonical_url).encode()]) for s in await self._shares(channel_id, best)]

    async def reactions(self, channel_id: str, canonical_urls: list[str]) -> dict[str, int]:
        """How many reactions the messages sharing each URL in the channel got (0 when none or unknown)."""
        if not canonical_urls:
            return {}
        key = self._channel_keys(channel_id)[5]
        fields = [url_hash(url) for url in canonical_urls]
        counts = await self._run(lambda: self._r.hmget(key, fields), [None] * len(fields))
        return {url: max(0, int(c or 0)) for url, c in zip(canonical_urls, counts, strict=True)}

    async def count_reaction(self, channel_id: str, ts: str, delta: int) -> None:
        """A reaction added (+1) or removed (-1) on a message that shared a link counts for that link."""
        keys = self._channel_keys(channel_id)
        await self._run(lambda: self._count_reaction(keys=[keys[4], keys[5]], args=[ts, delta]), None)

    async def channels_for_url(self, team_id: str, canonical_url: str) -> dict[str, bool]:
        """Every channel of the team that saw this URL -> whether that channel is private."""
        key, field = self._team_key(team_id), url_hash(canonical_url)
        raw = await self._run(lambda: self._r.hget(key, field), None)
        if raw is None:
            return {}
        try:
            seen = _CHANNEL_MAP.validate_json(raw)
        except ValueError as exc:
            log.warning("dropping bad channel map %s in %s: %s", field, key, exc)
            await self._run(lambda: self._r.hdel(key, field), 0)
            return {}
        return {channel: flag == 1 for channel, flag in seen.items()}

    # --- event dedupe -------------------------------------------------------------------------------------

    async def first_time(self, event_id: str, ttl_s: int = 3600) -> bool:
        """True the first time an event id is seen (SET NX EX), False for a retry.

        Every id is also kept in a bounded in-process LRU, so a retry is still caught while Redis is away.
        """
        now = monotonic()
        expiry = self._local_events.get(event_id)
        if expiry is not None and expiry > now:
            return False
        self._local_events[event_id] = now + ttl_s
        self._local_events.move_to_end(event_id)
        while len(self._local_events) > LOCAL_DEDUPE_MAX:
            self._local_events.popitem(last=False)
        key = f"{self._p}event:{event_id}"
        return bool(await self._run(lambda: self._r.set(key, b"1", nx=True, ex=ttl_s), True))

    # --- shared budgets -----------------------------------------------------------------------------------

    async def take_budget(self, name: str, per_minute: int) -> bool:
        """Take one of `per_minute` units of a budget every replica shares; False once this minute's are gone.

        Also False while Redis is away: what a budget guards (a cosmetic Slack call) can always be skipped.
        A budget found spent is not asked for again this minute.
        """
        minute = int(time.time()) // 60
        if self._spent.get(name) == minute:
            return False
        key = f"{self._p}budget:{{{name}}}:{minute}"

        async def call() -> int:
            async with self._r.pipeline(transaction=False) as pipe:
                pipe.incr(key)
                pipe.expire(key, 120)
                taken, _ = await pipe.execute()
            return int(taken)

        if await self._run(call, per_minute + 1) <= per_minute:
            return True
        self._spent[name] = minute
        return False

    # --- channel settings ---------------------------------------------------------------------------------

    def _settings_key(self, channel_id: str) -> str:
        return f"{self._p}ch:{{{channel_id}}}:settings"

    async def get_channel_settings(self, channel_id: str) -> ChannelSettings:
        """The channel's settings, or the defaults if it has none (or Redis is away)."""
        key = self._settings_key(channel_id)
        return await self._parse_settings(key, await self._run(lambda: self._r.get(key), None))

    async def _parse_settings(self, key: str, raw: bytes | None) -> ChannelSettings:
        if raw is not None:
            try:
                return ChannelSettings.model_validate(_unpack(_SettingsRecord, raw).model_dump(exclude={"v"}))
            except ValueError as exc:
                await self._drop(key, exc)
        return ChannelSettings()

    async def put_channel_settings(self, channel_id: str, s: ChannelSettings) -> None:
        value, roundups = _pack(_SettingsRecord.model_validate(s.model_dump())), f"{self._p}roundups"

        async def call() -> None:
            async with self._r.pipeline(transaction=False) as pipe:
                pipe.set(self._settings_key(channel_id), value)
                (pipe.sadd if s.roundup_enabled else pipe.srem)(roundups, channel_id)
                await pipe.execute()

        await self._run(call, None)

    async def channels_with_roundups(self) -> list[tuple[str, ChannelSettings]]:
        """Channels whose roundup is on, with their settings, sorted by channel id."""
        channels = sorted(c.decode() for c in await self._run(lambda: self._r.smembers(f"{self._p}roundups"), set()))
        found = []
        for channel in channels:
            s = await self.get_channel_settings(channel)
            if s.roundup_enabled:
                found.append((channel, s))
        return found
