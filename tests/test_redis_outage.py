"""Redis failing under the store: stopped and restarted mid-run, a server that never answers, and the embedded
default surviving a restart of the bot."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import redis

from bot.config import Settings
from bot.errors import DigestError
from bot.memory.channel_settings import ChannelSettings
from bot.memory.channels import Share
from bot.memory.connection import connect
from bot.memory.guard import LATE_S, TRIP_AFTER, RedisGuard
from bot.memory.store import Store
from bot.models import Digest
from tests.support.waiting import HANG_S

if TYPE_CHECKING:
    from tests.support.redis_server import RedisServer, SilentServer


REPO = Path(__file__).resolve().parent.parent
URL = "https://a.example/kept"
README_BOUND_S = 1.5  # README.md: "a Redis that accepts and never answers costs at most 1.5 s per call"
SHARE = Share(
    team_id="T1", channel_id="C1", channel_is_private=True, canonical_url=URL, user_id="U1",
    ts="1741000000.000100", title="Kept",
    shared_at=datetime(2025, 3, 3, tzinfo=UTC),
)  # fmt: skip


def digest(url: str = URL) -> Digest:
    return Digest(source=url, url=url, canonical_url=url, title="Kept", summary="It stays.")


def messages(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if text in r.getMessage()]


class ListeningSilentServer:
    """A Redis address that accepts connections and never answers, counting them: a call cut off by its deadline
    drops its connection, so each call that tries Redis opens one (and sends its PING there)."""

    def __init__(self) -> None:
        self.connections: list[asyncio.StreamWriter] = []
        self._handlers: list[asyncio.Task[None]] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._swallow, "127.0.0.1", 0)
        return f"redis://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/0"

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self.connections:
            writer.close()
        await asyncio.gather(*self._handlers)

    async def _swallow(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.append(writer)
        self._handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        while await reader.read(65536):
            pass


async def test_store_degrades_while_redis_is_down_and_recovers_everything(
    throwaway_redis: RedisServer, settings_for: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.memory.guard")
    settings = settings_for(throwaway_redis.url)
    store = Store.from_settings(settings)
    await store.cache.put(digest())
    await store.channels.record_share(SHARE)
    await store.channel_settings.put("C1", ChannelSettings(roundup_enabled=True, timezone="Asia/Tokyo"))
    assert await store.events.first_time("Ev1")

    throwaway_redis.stop()
    assert await store.cache.get(URL) is None
    assert await store.channels.first_share("C1", URL) is None
    assert await store.channel_settings.get("C1") == ChannelSettings()
    assert not store.healthy and not await store.ping()
    assert not await store.events.first_time("Ev1")  # remembered in process
    assert await store.events.first_time("Ev2") and not await store.events.first_time("Ev2")

    async def produce() -> Digest:
        return digest("https://a.example/new")

    assert await store.cache.digest_once("https://a.example/new", produce) == digest("https://a.example/new")
    assert (await store.channels.record_share(SHARE)).is_first  # a miss, not a crash
    outage = messages(caplog, "Redis is unreachable")
    assert len(outage) == 1 and outage[0].levelno == logging.ERROR

    throwaway_redis.start()  # same port, same data dir: the client reconnects by itself
    assert await store.ping() and store.healthy  # a refused connection tripped no breaker: the next call tries
    assert len(messages(caplog, "Redis is reachable again")) == 1
    assert await store.cache.get(URL) == digest()
    assert await store.channels.first_share("C1", URL) == SHARE
    assert (await store.channel_settings.get("C1")).timezone == "Asia/Tokyo"
    await store.close()

    restarted_bot = Store.from_settings(settings)  # a fresh process: no in-process memory
    assert not await restarted_bot.events.first_time("Ev1")
    assert await restarted_bot.channels.channels_for_url("T1", URL) == {"C1": True}
    await restarted_bot.close()


async def test_a_server_that_accepts_and_never_answers_is_given_up_on_at_the_guards_deadline(
    silent_server: SilentServer, settings_for: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.memory.guard")
    store = Store.from_settings(settings_for(silent_server.url))
    # Every call is cut off by the guard's deadline (asyncio.timeout), the README's bound; how long the calls take
    # on a given machine is not checked here.
    assert store.guard.deadline_s == README_BOUND_S
    assert await store.cache.get(URL) is None  # a miss
    assert await store.events.first_time("Ev1") and not await store.events.first_time("Ev1")  # remembered here
    assert not await store.ping()
    assert len(messages(caplog, "Redis is unreachable")) == 1

    async def failing() -> Digest:
        raise DigestError("timeout", "The site took too long.")

    with pytest.raises(DigestError):  # one bounded cache read, then the fetch; no lock, no cache write
        await store.cache.digest_once(URL, failing)
    await store.close()


def guarded_store(settings: Settings, **guard: float) -> Store:
    client = connect(settings)
    return Store(client, settings, RedisGuard(client, **guard))


async def test_once_two_calls_in_a_row_timed_out_the_next_ones_skip_redis_until_the_cool_off_ends(
    settings_for: Callable[..., Settings],
) -> None:
    silent = ListeningSilentServer()
    async with silent as url:
        # A short deadline keeps the test quick. A cool-off longer than the test: no call tries Redis in it.
        cooling = guarded_store(settings_for(url), deadline_s=0.2, cool_off_s=HANG_S)
        assert [await cooling.cache.get(URL) for _ in range(10)] == [None] * 10
        assert len(silent.connections) == TRIP_AFTER and not cooling.healthy  # these waited, the others skipped
        await cooling.close()

        # A cool-off of 0 s: over at once, so every next call tries Redis again, none waiting for another.
        cooled = guarded_store(settings_for(url), deadline_s=0.2, cool_off_s=0.0)
        assert [await cooled.cache.get(URL) for _ in range(TRIP_AFTER)] == [None] * TRIP_AFTER
        assert await asyncio.gather(*(cooled.cache.get(URL) for _ in range(5))) == [None] * 5
        assert len(silent.connections) == 2 * TRIP_AFTER + 5 and not cooled.healthy
        await cooled.close()


async def test_one_timeout_skips_nothing_and_a_success_closes_the_breaker(
    redis_url: str, refused_url: str, settings_for: Callable[..., Settings]
) -> None:
    live = connect(settings_for(redis_url))
    async with ListeningSilentServer() as silent_url:
        hung = connect(settings_for(silent_url))
        cooling, cooled = RedisGuard(deadline_s=0.2, cool_off_s=HANG_S), RedisGuard(deadline_s=0.2, cool_off_s=0.0)
        assert not await cooling.run(hung.ping, False)
        assert await cooling.run(live.ping, False) and cooling.healthy  # one timeout alone: a failover, a blip
        for guard in (cooling, cooled):
            for _ in range(TRIP_AFTER):
                assert not await guard.run(hung.ping, False)
            assert not guard.healthy
        assert not await cooling.run(live.ping, False)  # still cooling off: Redis is not asked
        assert await cooled.run(live.ping, False) and cooled.healthy  # the cool-off over, the call found it
        assert not await cooled.run(hung.ping, False)
        assert await cooled.run(live.ping, False)  # the success closed it: one timeout since opens nothing
        await hung.aclose()

    refused = connect(settings_for(refused_url))
    guard = RedisGuard(cool_off_s=HANG_S)
    for _ in range(TRIP_AFTER):
        assert not await guard.run(refused.ping, False)
    assert await guard.run(live.ping, False) and guard.healthy  # refused at once: no cool-off, the next call tries
    await refused.aclose()
    await live.aclose()


async def test_calls_cut_off_together_by_one_pause_count_once(settings_for: Callable[..., Settings]) -> None:
    silent = ListeningSilentServer()
    async with silent as url:
        store = guarded_store(settings_for(url), deadline_s=0.2, cool_off_s=HANG_S)
        assert await asyncio.gather(*(store.cache.get(URL) for _ in range(TRIP_AFTER))) == [None] * TRIP_AFTER
        assert await store.cache.get(URL) is None
        assert len(silent.connections) == TRIP_AFTER + 1  # the next call still tried Redis: one pause, not two
        await store.close()


async def test_a_stalled_event_loop_never_makes_a_healthy_redis_skipped(
    redis_url: str, settings_for: Callable[..., Settings]
) -> None:
    live = connect(settings_for(redis_url))
    guard = RedisGuard(deadline_s=0.2, cool_off_s=HANG_S)

    async def ping_after_a_stall() -> bool:
        time.sleep(0.2 + 2 * LATE_S)  # blocks the loop past the deadline, as the service's 2 s stalls do
        return await live.ping()

    for _ in range(TRIP_AFTER):
        assert not await guard.run(ping_after_a_stall, False)  # cut off when the loop woke, long past its deadline
        assert not guard.healthy  # its answer is unknown: callers say memory is unavailable, not "nothing there"
    assert await guard.run(live.ping, False) and guard.healthy
    await live.aclose()


async def test_a_settings_change_redis_does_not_take_says_so(
    refused_url: str, settings_for: Callable[..., Settings]
) -> None:
    store = Store.from_settings(settings_for(refused_url))
    assert await store.channel_settings.change("C1", muted=True) is None  # `/digest mute` must not answer "Muted"
    assert await store.channel_settings.put("C1", ChannelSettings(muted=True)) is False
    await store.close()


async def test_a_settings_change_never_writes_over_settings_it_could_not_read(
    throwaway_redis: RedisServer, settings_for: Callable[..., Settings]
) -> None:
    admin = redis.Redis.from_url(throwaway_redis.url)
    # A client whose reads fail and writes succeed: a blip that loses the read of a read-modify-write, on cue.
    admin.acl_setuser("blind", enabled=True, nopass=True, keys=["*"], commands=["+@all", "-get"])
    admin.close()
    settings = settings_for(throwaway_redis.url)
    store = Store.from_settings(settings)
    blind_url = throwaway_redis.url.replace("redis://", "redis://blind@")
    blind = Store.from_settings(settings_for(blind_url, DIGESTBOT_REDIS_PREFIX=settings.redis_prefix))
    weekly = ChannelSettings(roundup_enabled=True, roundup_day=4, roundup_time="17:00", timezone="Europe/Berlin")
    assert await store.channel_settings.put("C1", weekly)

    assert await blind.channel_settings.change("C1", muted=True) is None
    assert await store.channel_settings.get("C1") == weekly  # the roundup was not switched off by the defaults
    muted = weekly.model_copy(update={"muted": True})
    assert await store.channel_settings.change("C1", muted=True) == muted
    assert await store.channel_settings.with_roundups() == [("C1", muted)]
    await blind.close()
    await store.close()


EMBEDDED_SCRIPT = """
import asyncio, sys
from bot.config import Settings
from bot.models import Digest
from bot.memory.channel_settings import ChannelSettings
from bot.memory.connection import embedded_redis
from bot.memory.store import Store

async def main(mode: str, settings: Settings) -> None:
    store = Store.from_settings(settings)
    url = "https://a.example/kept"
    if mode == "write":
        await store.cache.put(Digest(source=url, url=url, canonical_url=url, title="kept"))
        await store.channel_settings.put("C1", ChannelSettings(roundup_enabled=True))
    else:
        found = await store.cache.get(url)
        print(found and found.title, (await store.channel_settings.get("C1")).roundup_enabled)
    await store.close()

settings = Settings()
with embedded_redis(settings):  # as every digestbot command runs: started here, stopped at the end
    asyncio.run(main(sys.argv[1], settings))
"""


def test_embedded_redis_keeps_its_data_across_a_restart_of_the_bot(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "DIGESTBOT_"))}
    env |= {"DIGESTBOT_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}

    def bot(mode: str) -> str:
        run = subprocess.run(
            [sys.executable, "-c", EMBEDDED_SCRIPT, mode], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    bot("write")
    assert (data_dir / "appendonly.aof").exists()
    sock = data_dir / "redis.sock"
    with pytest.raises(redis.ConnectionError):  # the server stopped with the bot
        redis.Redis(unix_socket_path=str(sock), socket_timeout=0.5).ping()
    assert bot("read") == "kept True"
