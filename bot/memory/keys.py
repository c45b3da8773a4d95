"""Every Redis key the bot uses, in one place.

`P` = settings.redis_prefix + "v1:" (bump the version to change a layout), `U` = url_hash() of a canonical URL,
`C` = channel id, `T` = team id, `E` = Slack event id. `{...}` is a literal Redis Cluster hash tag, so the keys of
one URL (or one channel, or one team) share a slot and may be used together in one script.

| key | type | value | TTL |
| --- | --- | --- | --- |
| `P digest:{U}` | string | Digest JSON `{"v": 2, ...}`; `b"z"` + zlib(JSON) when >= 1 KB and smaller | cache_ttl_days |
| `P fail:{U}` | string | `{"v": 1, "reason": ..., "message": ...}`: U could not be digested | negative_cache_minutes |
| `P lock:{U}` | string | random token of the replica producing U's digest (SET NX PX) | cache.LOCK_TTL_MS |
| `P ch:{C}:first` | hash | U -> Share JSON `{"v": 1, ...}` of the first share of U in C | history |
| `P ch:{C}:n` | hash | U -> how many times U was shared again in C | history |
| `P ch:{C}:who` | hash | U -> space-separated distinct ids of users who shared U again | history |
| `P ch:{C}:time` | zset | U scored by the Unix time of its first share in C (at most MAX_CHANNEL_URLS) | history |
| `P ch:{C}:msg` | hash | message ts -> U: the link each sharing message (or its card) carried | history |
| `P ch:{C}:reacts` | hash | U -> reactions added minus removed on the messages that shared U in C | history |
| `P ch:{C}:settings` | string | ChannelSettings JSON `{"v": 1, ...}` | none |
| `P team:{T}:seen` | hash | U -> `{"C1": 1, "C2": 0}`: the channels of T that saw U, 1 if private | history |
| `P roundups` | set | ids of channels whose roundup is enabled | none |
| `P roundup-run:C:D` | string | the replica that posts C's roundup due at D (UTC: `2026-11-23T08:00:17Z`) | 8 days |
| `P roundup-end:C` | string | Unix time C's last roundup run ended at: where the next one's links start | 15 days |
| `P event:E` | string | `"1"`: Slack event E was handled in the process that acked it (E: an event id) | 1 hour |
| `P event:trigger:I` | string | `"1"`: the command or click with trigger_id I was answered (replays are not) | 10 min |
| `P event:share:C:U` | string | `"1"`: a Share in channel button is posting U's card in C | 1 hour |
| `P budget:{N}:M` | string | how much of budget N was taken in minute M (Unix time // 60) | 2 minutes |
| `P queue:N` | stream | the work queue N (`digest`), group `workers`: see bot/runtime/queue.py | MAXLEN ~ 10,000 |
| `P done:M` | string | `"1"`: side effect M (one posted reply) happened; a rerun skips it | 7 days |
| `P once:E` | string | the queue entry id of the one job that may run for event E | 1 hour |
| `P related:{T}:i:R` | string | an article of T's related index (R = related_id() hex) | none |
| `P related:{T}:log` | list | related ids in the order they were added or re-shared; replicas tail it | none |
| `P related:{T}:df` | hash | articles per 3-byte term hash; `n` articles in all, `l:<ISO 639-1>` in a language | none |

`history` = channels.HISTORY_TTL_S, renewed by every share in that channel (or team). Counters, user lists and
channel maps inside hashes carry no "v" of their own: the `v1` in the key name versions them. `ch:{C}:msg` lets a
reaction count for the link its message shared, and a message recorded again (its job ran again) count once; a
message with several links keeps only its last there.
"""

from __future__ import annotations

import hashlib

SCHEMA = "v1:"


def url_hash(canonical_url: str) -> str:
    """The `U` of a URL's keys and hash fields."""
    return hashlib.sha1(canonical_url.encode()).hexdigest()


class Keys:
    """The key names under one prefix (settings.redis_prefix)."""

    def __init__(self, prefix: str) -> None:
        self.p = prefix + SCHEMA

    def url(self, kind: str, canonical_url: str) -> str:
        """`digest`, `fail` or `lock` of a URL."""
        return f"{self.p}{kind}:{{{url_hash(canonical_url)}}}"

    def channel(self, channel_id: str, part: str) -> str:
        """`first`, `n`, `who`, `time`, `msg`, `reacts` or `settings` of a channel."""
        return f"{self.p}ch:{{{channel_id}}}:{part}"

    def team_seen(self, team_id: str) -> str:
        return f"{self.p}team:{{{team_id}}}:seen"

    @property
    def roundups(self) -> str:
        return f"{self.p}roundups"

    def roundup_run(self, channel_id: str, due: str) -> str:
        return f"{self.p}roundup-run:{channel_id}:{due}"

    def roundup_end(self, channel_id: str) -> str:
        return f"{self.p}roundup-end:{channel_id}"

    def event(self, event_id: str) -> str:
        return f"{self.p}event:{event_id}"

    def budget(self, name: str, minute: int) -> str:
        return f"{self.p}budget:{{{name}}}:{minute}"

    def queue(self, name: str) -> str:
        return f"{self.p}queue:{name}"

    def done(self, mark: str) -> str:
        return f"{self.p}done:{mark}"

    def once(self, key: str) -> str:
        return f"{self.p}once:{key}"

    def related(self, team_id: str, part: str) -> str:
        """`log`, `df` or `i:<related id hex>` of a team's related index."""
        return f"{self.p}related:{{{team_id}}}:{part}"
