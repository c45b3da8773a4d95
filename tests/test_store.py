"""The store against a real Redis: cache, negative cache, one fetch across replicas, channel memory, dedupe,
settings and poisoned values."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import redis.asyncio
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.sentinel import SentinelConnectionPool

from bot.config import Settings
from bot.errors import DigestError
from bot.memory.cache import KEPT_TEXT_CHARS
from bot.memory.channel_settings import ChannelSettings
from bot.memory.channels import Share
from bot.memory.connection import connect
from bot.memory.keys import url_hash
from bot.memory.store import Store
from bot.models import Digest
from bot.pipeline.urls import canonicalize
from bot.service import DigestService
from tests.support.articles import article_html
from tests.support.http_server import LocalServer, html

if TYPE_CHECKING:
    from tests.support.redis_server import SilentServer


T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def make_digest(url: str, text: str = "Short text.") -> Digest:
    return Digest(source=url, url=url, canonical_url=url, title="A title", summary="A summary.", text=text)


def make_share(channel: str, url: str, user: str, minutes: int, private: bool = False) -> Share:
    return Share(
        team_id="T1", channel_id=channel, channel_is_private=private, canonical_url=url, user_id=user,
        ts=f"{1741000000 + minutes}.000100",
        title=f"title {url}", shared_at=T0 + timedelta(minutes=minutes),
    )  # fmt: skip


def raw_client(settings: Settings) -> redis.asyncio.Redis:
    return redis.asyncio.Redis.from_url(settings.redis_url or "")


def key(settings: Settings, kind: str, url: str) -> str:
    return f"{settings.redis_prefix}v1:{kind}:{{{url_hash(url)}}}"


# --- digest cache ---------------------------------------------------------------------------------------------


async def test_tracker_variants_share_one_cache_entry(store: Store, store_settings: Settings) -> None:
    plain = canonicalize("https://news.example.com/story?id=7")
    tracked = canonicalize("https://news.example.com/story?utm_source=slack&id=7&fbclid=abc")
    assert plain == tracked
    assert await store.cache.get(plain) is None
    await store.cache.put(make_digest(plain))
    hit = await store.cache.get(tracked)
    assert hit == make_digest(plain)
    client = raw_client(store_settings)
    assert [k async for k in client.scan_iter(match=f"{store_settings.redis_prefix}*")] == [
        key(store_settings, "digest", plain).encode()
    ]
    await client.aclose()


async def test_entries_expire_after_the_configured_ttls(redis_url: str, settings_for: Callable[..., Settings]) -> None:
    settings = settings_for(redis_url, DIGESTBOT_CACHE_TTL_DAYS=2, DIGESTBOT_NEGATIVE_CACHE_MINUTES=3)
    s = Store.from_settings(settings)
    await s.cache.put(make_digest("https://a.example/1"))
    await s.cache.put_failure("https://a.example/2", DigestError("timeout", "The site took too long to answer."))
    client = raw_client(settings)
    [failure] = [k async for k in client.scan_iter(match=key(settings, "fail", "https://a.example/2") + ":*")]
    assert 2 * 86400 - 5 < await client.ttl(key(settings, "digest", "https://a.example/1")) <= 2 * 86400
    assert 3 * 60 - 5 < await client.ttl(failure) <= 3 * 60
    await client.delete(key(settings, "digest", "https://a.example/1"), failure)
    await client.aclose()
    await s.close()


@pytest.mark.parametrize(
    ("failure", "kept_s"),
    [
        (DigestError("http_status", "The site answered 404 Not Found"), 3 * 60),
        (DigestError("http_status", "The site answered 503 Service Unavailable", retry_after=2), 2),
        (DigestError("http_status", "The site answered 429 Too Many Requests", retry_after=1.2), 2),
        (DigestError("timeout", "The site stopped answering", retry_after=30), 30),
        (DigestError("http_status", "The site answered 503 Service Unavailable", retry_after=86400), 3 * 60),
        (DigestError("unreachable", "could not connect to the site", retry_after=0), None),
    ],
)
async def test_a_passing_failure_is_kept_only_as_long_as_the_site_asked(
    redis_url: str, settings_for: Callable[..., Settings], failure: DigestError, kept_s: int | None
) -> None:
    # A 503 with Retry-After: 2 was remembered for the whole negative cache (10 minutes by default).
    settings = settings_for(redis_url, DIGESTBOT_NEGATIVE_CACHE_MINUTES=3)
    s = Store.from_settings(settings)
    link = f"https://busy.example/{failure.retry_after}"
    await s.cache.put_failure(link, failure)
    client = raw_client(settings)
    found = [k async for k in client.scan_iter(match=key(settings, "fail", link) + ":*")]
    if kept_s is None:
        assert found == []
    else:
        assert kept_s - 5 < await client.ttl(found[0]) <= kept_s
        await client.delete(*found)
    await client.aclose()
    await s.close()


async def test_a_long_digest_is_stored_compressed_a_short_one_as_json(store: Store, store_settings: Settings) -> None:
    text = " ".join(f"Sentence {i} of a realistic article about compression and caching." for i in range(60))
    await store.cache.put(make_digest("https://a.example/long", text))
    await store.cache.put(make_digest("https://a.example/short", "Hi."))
    client = raw_client(store_settings)
    long_raw = await client.get(key(store_settings, "digest", "https://a.example/long"))
    short_raw = await client.get(key(store_settings, "digest", "https://a.example/short"))
    await client.aclose()
    assert long_raw[:1] == b"z" and len(long_raw) < len(text) / 2
    assert json.loads(zlib.decompress(long_raw[1:]))["v"] == 2
    assert json.loads(short_raw)["v"] == 2
    assert (await store.cache.get("https://a.example/long")).text == text


async def test_a_huge_page_makes_a_small_record_and_every_asker_gets_the_same_text(
    store: Store, store_settings: Settings
) -> None:
    url = "https://a.example/huge"
    text = " ".join(f"Paragraph {i} of a page that goes on and on, {i * 7919 % 10007} words in." for i in range(15000))
    made = 0

    async def produce() -> Digest:
        nonlocal made
        made += 1
        return make_digest(url, text)

    first = await store.cache.digest_once(url, produce)
    again = await store.cache.digest_once(url, produce)
    assert made == 1 and first == again and len(first.text) == KEPT_TEXT_CHARS and text.startswith(first.text)
    client = raw_client(store_settings)
    raw = await client.get(key(store_settings, "digest", url))
    await client.aclose()
    assert len(text) > 900_000 and len(raw) < 16_000


async def test_negative_cache_raises_without_producing(store: Store) -> None:
    url = "https://dead.example/"
    await store.cache.put_failure(url, DigestError("dns", "The site's name does not resolve."))
    failure = await store.cache.failure(url)
    assert failure is not None
    assert (failure.reason, str(failure)) == ("dns", "The site's name does not resolve.")

    async def produce() -> Digest:
        raise AssertionError("must not fetch a URL that failed a moment ago")

    with pytest.raises(DigestError) as caught:
        await store.cache.digest_once(url, produce)
    assert caught.value.reason == "dns"


async def test_a_variant_that_failed_does_not_fail_the_plain_link(store: Store) -> None:
    async def refused() -> Digest:
        raise DigestError("http_status", "The site answered 414 URI Too Long")

    variant = "https://news.example/story?utm_source=" + "x" * 70_000
    with pytest.raises(DigestError):
        await store.cache.digest_once(variant, refused)
    failure = await store.cache.failure(variant)  # the variant itself is not fetched again at once
    assert failure is not None
    assert (failure.reason, str(failure)) == ("http_status", "The site answered 414 URI Too Long")
    assert await store.cache.failure("https://news.example/story") is None

    async def fetched() -> Digest:
        return make_digest("https://news.example/story")

    assert (await store.cache.digest_once("https://news.example/story", fetched)).title == "A title"


# An internal error may be a passing one (a broken worker pool, memory running out): kept, it failed the link for
# everyone for the negative cache's minutes.
@pytest.mark.parametrize("reason", ["bad_url", "blocked_address", "internal"])
async def test_refusals_of_a_links_form_or_the_address_policy_and_internal_errors_are_not_kept(
    store: Store, reason: str
) -> None:
    calls = 0

    async def refused() -> Digest:
        nonlocal calls
        calls += 1
        raise DigestError(reason, "refused")

    for _ in range(2):
        with pytest.raises(DigestError):
            await store.cache.digest_once("http://user@intranet.example/story", refused)
    assert calls == 2 and await store.cache.failure("http://user@intranet.example/story") is None


async def test_digest_once_caches_a_failure_and_a_success(store: Store) -> None:
    calls: list[str] = []

    async def failing() -> Digest:
        calls.append("fail")
        raise DigestError("http_status", "The site answered 404.")

    for _ in range(3):
        with pytest.raises(DigestError, match="404"):
            await store.cache.digest_once("https://gone.example/", failing)
    assert calls == ["fail"]

    async def working() -> Digest:
        calls.append("ok")
        return make_digest("https://ok.example/")

    for _ in range(3):
        assert (await store.cache.digest_once("https://ok.example/", working)).title == "A title"
    assert calls == ["fail", "ok"]


async def test_two_replicas_asked_at_once_produce_once(store: Store, store_settings: Settings) -> None:
    replica = Store.from_settings(store_settings)
    url, calls = "https://new.example/article", 0

    async def produce() -> Digest:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.3)  # a fetch in flight while the others ask
        return make_digest(url)

    results = await asyncio.gather(*(s.cache.digest_once(url, produce) for s in (store, replica, store, replica)))
    await replica.close()
    assert calls == 1
    assert all(r == make_digest(url) for r in results)
    client = raw_client(store_settings)
    assert not await client.exists(key(store_settings, "lock", url))  # released
    await client.aclose()


async def test_waiting_replica_sees_the_winners_failure(store: Store, store_settings: Settings) -> None:
    replica = Store.from_settings(store_settings)
    calls = 0

    async def produce() -> Digest:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.2)
        raise DigestError("paywall", "Only a teaser was readable.")

    results = await asyncio.gather(
        *(s.cache.digest_once("https://paid.example/", produce) for s in (store, replica)), return_exceptions=True
    )
    await replica.close()
    assert calls == 1
    assert [getattr(r, "reason", None) for r in results] == ["paywall", "paywall"]


async def test_a_redirected_link_is_cached_under_the_link_and_where_it_led(store: Store) -> None:
    async def produce() -> Digest:
        return make_digest("https://site.example/real")  # fetched there, after a redirect

    await store.cache.digest_once("https://site.example/alias", produce)
    assert await store.cache.get("https://site.example/alias") == make_digest("https://site.example/real")
    assert await store.cache.get("https://site.example/real") == make_digest("https://site.example/real")


async def test_a_declared_canonical_url_is_never_cached_for(store: Store) -> None:
    """A page names another article as its canonical: the other article's cache entry stays its own."""

    fetched = make_digest("https://site.example/user/mallory/post")
    declared = fetched.model_copy(update={"canonical_url": "https://site.example/2026/real-story"})

    async def produce() -> Digest:
        return declared

    assert await store.cache.digest_once("https://site.example/user/mallory/post", produce) == declared
    assert await store.cache.get("https://site.example/user/mallory/post") == declared
    assert await store.cache.get("https://site.example/2026/real-story") is None


# --- poisoned values ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        b"not json",
        b'{"v": 3, "source": "s", "url": "u", "canonical_url": "c"}',  # a future schema
        b'{"v": 1, "title": "no url fields"}',
        b"z" + zlib.compress(b"{" + b" " * (5 * 1024 * 1024) + b"}"),  # a decompression bomb
        b"z" + b"truncated zlib",
        b"{" + b" " * (5 * 1024 * 1024) + b"}",  # oversized
    ],
    ids=["garbage", "version", "schema", "bomb", "corrupt", "oversized"],
)
async def test_poisoned_digest_is_dropped_and_refetched(store: Store, store_settings: Settings, value: bytes) -> None:
    url = "https://poison.example/"
    client = raw_client(store_settings)
    await client.set(key(store_settings, "digest", url), value)
    assert await store.cache.get(url) is None
    assert not await client.exists(key(store_settings, "digest", url))
    await client.set(key(store_settings, "digest", url), value)

    async def produce() -> Digest:
        return make_digest(url)

    assert await store.cache.digest_once(url, produce) == make_digest(url)
    await client.aclose()


async def test_a_digest_cached_before_dates_had_a_precision_is_a_miss(store: Store, store_settings: Settings) -> None:
    """A v1 record read a year-only date as its January 1st: served, it would show "Jan 1, 2019" for weeks."""
    url = "https://a.example/old"
    await store.cache.put(make_digest(url, "Hi."))
    client = raw_client(store_settings)
    record = json.loads(await client.get(key(store_settings, "digest", url)))
    del record["published_precision"]
    await client.set(key(store_settings, "digest", url), json.dumps({**record, "v": 1}))
    await client.aclose()
    assert await store.cache.get(url) is None


async def test_a_digest_fetched_from_a_private_address_is_not_served_once_those_are_barred(
    store: Store, store_settings: Settings
) -> None:
    """Allowed, a page on 127.0.0.1 is digested and cached; barred later, the cache must not hand it out."""
    allowed = store_settings.model_copy(update={"allow_private_networks": True})
    with LocalServer({"/wiki": html(article_html("rivers"))}) as pages:
        url = pages.url("/wiki")
        first = DigestService.open(allowed)
        digest = await first.digest(url)
        assert digest.private_address and digest.summary
        assert await first.store.cache.get(digest.canonical_url) == digest  # cached, and served while allowed
        await first.close()

        assert await store.cache.get(digest.canonical_url) is None  # barred (the roundup's read)
        barred = DigestService.open(store_settings)
        with pytest.raises(DigestError) as caught:
            await barred.digest(url)
        await barred.close()
    assert caught.value.reason == "blocked_address"
    assert pages.requests and len(pages.requests) == 1  # refused before connecting: the page was fetched once


async def test_poisoned_share_and_settings_read_as_missing(store: Store, store_settings: Settings) -> None:
    url, p = "https://a.example/x", f"{store_settings.redis_prefix}v1:"
    await store.channels.record_share(make_share("C1", url, "U1", 0))
    client = raw_client(store_settings)
    await client.hset(f"{p}ch:{{C1}}:first", url_hash(url), b'{"v": 1, "team_id": 5}')
    await client.set(f"{p}ch:{{C1}}:settings", b'{"v": 1, "roundup_day": 9}')
    await client.hset(f"{p}team:{{T1}}:seen", url_hash(url), b'{"C1": "yes"}')
    await client.aclose()
    assert await store.channels.channels_for_url("T1", url) == {}
    assert await store.channels.first_share("C1", url) is None
    assert await store.channel_settings.get("C1") == ChannelSettings()
    assert (await store.channels.record_share(make_share("C1", url, "U2", 5))).is_first


# --- channel memory -------------------------------------------------------------------------------------------


async def test_first_share_then_repeats_with_sharers(store: Store) -> None:
    url = "https://a.example/post"
    first = await store.channels.record_share(make_share("C1", url, "U1", 0))
    assert first.is_first and first.repeats == 0 and first.sharers == ["U1"]
    await store.channels.record_share(make_share("C1", url, "U2", 10))
    await store.channels.record_share(make_share("C1", url, "U1", 20))
    again = await store.channels.record_share(make_share("C1", url, "U3", 30))
    assert not again.is_first
    assert again.first == make_share("C1", url, "U1", 0)
    assert again.repeats == 3
    assert again.sharers == ["U1", "U2", "U3"]
    assert await store.channels.first_share("C1", url) == make_share("C1", url, "U1", 0)
    assert await store.channels.first_share("C2", url) is None  # another channel has not seen it
    assert (await store.channels.record_share(make_share("C2", url, "U9", 40))).is_first


async def test_a_message_recorded_again_counts_once(store: Store) -> None:
    """A job run again after a crash records its message's share a second time."""
    url = "https://a.example/twice"
    first, again = make_share("C1", url, "U1", 0), make_share("C1", url, "U2", 10)
    for _ in range(2):
        assert (await store.channels.record_share(first)).is_first  # still the first, not a repeat of itself
    for _ in range(2):
        result = await store.channels.record_share(again)
        assert not result.is_first and result.first == first
        assert result.repeats == 1 and result.sharers == ["U1", "U2"]


async def test_channel_queries(store: Store) -> None:
    urls = [f"https://a.example/{i}" for i in range(6)]
    for i, url in enumerate(urls):
        await store.channels.record_share(make_share("C1", url, "U1", minutes=i * 60))
    for k in range(3):
        await store.channels.record_share(make_share("C1", urls[4], "U2", minutes=500 + k))
    await store.channels.record_share(make_share("C1", urls[1], "U2", minutes=500))
    await store.channels.record_share(make_share("C9", "https://other.example/", "U1", minutes=60))

    window = await store.channels.shares_between("C1", T0 + timedelta(minutes=60), T0 + timedelta(minutes=180))
    assert [s.canonical_url for s in window] == urls[1:4]
    naive = await store.channels.shares_between("C1", datetime(2025, 3, 3, 10, 0), datetime(2025, 3, 3, 10, 0))
    assert [s.canonical_url for s in naive] == [urls[1]]  # naive datetimes are UTC
    assert [s.canonical_url for s in await store.channels.recent("C1", n=3)] == [urls[5], urls[4], urls[3]]
    top = await store.channels.top_shared("C1", since=T0 + timedelta(minutes=60), n=3)
    assert [(s.canonical_url, count) for s, count in top] == [(urls[4], 4), (urls[1], 2), (urls[5], 1)]
    assert await store.channels.recent("C-empty") == []
    assert await store.channels.top_shared("C-empty", since=T0) == []


async def test_channels_for_url_keep_the_private_flag(store: Store) -> None:
    url = "https://a.example/shared-widely"
    await store.channels.record_share(make_share("CPUB", url, "U1", 0))
    await store.channels.record_share(make_share("CPRIV", url, "U2", 1, private=True))
    assert await store.channels.channels_for_url("T1", url) == {"CPUB": False, "CPRIV": True}
    await store.channels.record_share(make_share("CPUB", url, "U3", 2, private=True))  # the channel was made private
    assert await store.channels.channels_for_url("T1", url) == {"CPUB": True, "CPRIV": True}
    assert await store.channels.channels_for_url("T2", url) == {}


# --- event dedupe ---------------------------------------------------------------------------------------------


async def test_event_seen_once_across_replicas(store: Store, store_settings: Settings) -> None:
    replica = Store.from_settings(store_settings)
    assert await store.events.first_time("Ev1", ttl_s=120)
    assert not await store.events.first_time("Ev1", ttl_s=120)
    assert not await replica.events.first_time("Ev1", ttl_s=120)  # answered by Redis, not the local memory
    assert await replica.events.first_time("Ev2")
    client = raw_client(store_settings)
    assert 110 < await client.ttl(f"{store_settings.redis_prefix}v1:event:Ev1") <= 120
    await client.aclose()
    await replica.close()


async def test_dedupe_falls_back_to_process_memory_without_redis(
    silent_server: SilentServer, refused_url: str, settings_for: Callable[..., Settings]
) -> None:
    for url in (silent_server.url, refused_url):
        s = Store.from_settings(settings_for(url))
        assert await s.events.first_time("Ev1")
        assert not await s.events.first_time("Ev1")
        assert await s.events.first_time("Ev2")
        assert not s.healthy
        await s.close()


# --- shared budgets -------------------------------------------------------------------------------------------


async def test_a_budget_is_shared_by_replicas_and_refills_each_minute(store: Store, store_settings: Settings) -> None:
    if time.time() % 60 > 55:  # the budget is per clock minute: start inside one
        await asyncio.sleep(60 - time.time() % 60)
    replica = Store.from_settings(store_settings)
    taken = [await (store if i % 2 else replica).budgets.take("signs:T1", 3) for i in range(5)]
    assert taken == [True, True, True, False, False]
    assert await store.budgets.take("signs:T2", 3)  # another workspace has its own
    client = raw_client(store_settings)
    [key] = [k async for k in client.scan_iter(f"{store_settings.redis_prefix}v1:budget:{{signs:T1}}:*")]
    assert key.endswith(str(int(time.time()) // 60).encode()) and 60 < await client.ttl(key) <= 120
    await client.delete(key)
    assert not await store.budgets.take("signs:T1", 3)  # known to be spent this minute: Redis is not asked
    fresh = Store.from_settings(store_settings)
    assert await fresh.budgets.take("signs:T1", 3)
    await client.aclose()
    await replica.close()
    await fresh.close()


async def test_a_budget_is_spent_while_redis_is_away(
    silent_server: SilentServer, settings_for: Callable[..., Settings]
) -> None:
    s = Store.from_settings(settings_for(silent_server.url))
    assert not await s.budgets.take("signs:T1", 20)
    await s.close()


# --- settings -------------------------------------------------------------------------------------------------


async def test_channel_settings_round_trip_and_roundup_index(store: Store) -> None:
    assert await store.channel_settings.get("C1") == ChannelSettings()
    weekly = ChannelSettings(roundup_enabled=True, roundup_day=4, roundup_time="16:30", timezone="Europe/Paris")
    await store.channel_settings.put("C1", weekly)
    await store.channel_settings.put("C2", ChannelSettings(muted=True, repeats=False))
    await store.channel_settings.put("C3", ChannelSettings(roundup_enabled=True))
    assert await store.channel_settings.get("C1") == weekly
    assert (await store.channel_settings.get("C2")).repeats is False
    on = ChannelSettings(roundup_enabled=True)
    assert await store.channel_settings.with_roundups() == [("C1", weekly), ("C3", on)]
    await store.channel_settings.put("C1", weekly.model_copy(update={"roundup_enabled": False}))
    assert [c for c, _ in await store.channel_settings.with_roundups()] == ["C3"]


@pytest.mark.parametrize(
    "bad", [{"roundup_day": 7}, {"roundup_time": "25:00"}, {"roundup_time": "9am"}, {"timezone": "Mars/Base"}]
)
def test_channel_settings_reject_nonsense(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ChannelSettings.model_validate(bad)


# --- connection forms -----------------------------------------------------------------------------------------


def test_sentinel_and_cluster_urls_build_the_right_clients(settings_for: Callable[..., Settings]) -> None:
    sentinel = connect(settings_for("redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2/mymaster/2"))
    assert isinstance(sentinel.connection_pool, SentinelConnectionPool)
    assert sentinel.connection_pool.service_name == "mymaster"
    assert sentinel.connection_pool.connection_kwargs["db"] == 2
    sentinels = sentinel.connection_pool.sentinel_manager.sentinels
    assert [s.connection_pool.connection_kwargs["host"] for s in sentinels] == ["10.0.0.1", "10.0.0.2"]
    assert sentinel.connection_pool.connection_kwargs["password"] == "pw"
    assert isinstance(connect(settings_for("redis+cluster://127.0.0.1:7000")), RedisCluster)
    plain = connect(settings_for("redis://127.0.0.1:6379/3"))
    assert plain.connection_pool.connection_kwargs["socket_timeout"] == 0.5
    assert plain.connection_pool.connection_kwargs["db"] == 3


async def test_reactions_count_for_the_link_their_message_shared(store: Store) -> None:
    first = make_share("C1", "https://a.example/liked", "U1", minutes=0)
    again = make_share("C1", "https://a.example/liked", "U2", minutes=5)
    await store.channels.record_share(first)
    await store.channels.record_share(again)
    await store.channels.record_share(make_share("C1", "https://a.example/plain", "U1", minutes=10))
    await store.channels.note_card("C1", "https://a.example/liked", "555.000")  # the bot's card for the first share
    for ts, delta in ((first.ts, 1), (again.ts, 1), (again.ts, 1), (again.ts, -1), ("555.000", 1), ("999.000", 1)):
        await store.channels.count_reaction("C1", ts, delta)  # the last one is a message that shared nothing
    counts = await store.channels.reactions("C1", ["https://a.example/liked", "https://a.example/plain"])
    assert counts == {"https://a.example/liked": 3, "https://a.example/plain": 0}
    assert await store.channels.reactions("C2", ["https://a.example/liked"]) == {"https://a.example/liked": 0}
