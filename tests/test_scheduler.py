"""The roundup scheduler against real Redis and the Slack stand-in: two replica processes post a due roundup once,
settings survive a restart, a missed run posts once within the grace period and never twice.

A roundup is made due by a run time already past (within the grace period), which a starting replica catches up
on at once: no test races the wall clock for a run a few seconds ahead. "Never twice" is checked once each replica
has logged what it did with the run (posted it, or found it another replica's).

Run as a script, this file is one replica: `python tests/test_scheduler.py REDIS_URL PREFIX SLACK_URL ...`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.memory.channel_settings import ChannelSettings
from bot.memory.channels import Share
from bot.models import Digest
from bot.roundup import Roundup, record_end
from bot.runtime import scheduler as scheduler_module
from bot.runtime.scheduler import RoundupScheduler, fire_second, last_fire, next_fire, run_id
from bot.service import DigestService
from handlers.command_text import DAYS, parse_command
from handlers.names import UserNames
from handlers.roundups import for_the_scheduler, post_roundup, roundup_command
from handlers.slack_client import make_client
from tests.support.bot_process import bot_for
from tests.support.redis_server import RedisServer
from tests.support.slack_standin import SlackStandIn
from tests.support.topologies import TOPOLOGIES, redis_url_for, sync_client
from tests.support.waiting import HANG_S, wait_until

REPO = Path(__file__).resolve().parents[1]  # on the replica's PYTHONPATH, beside tests/ (the script's own folder)

# --- one replica, as a process -----------------------------------------------------------------------------------


def replica_settings(redis_url: str, prefix: str, data_dir: str) -> Settings:
    return Settings.model_validate({
        "REDIS_URL": redis_url, "DIGESTBOT_REDIS_PREFIX": prefix, "DIGESTBOT_DATA_DIR": data_dir,
    })  # fmt: skip


async def replica(args: argparse.Namespace) -> None:
    """Run a RoundupScheduler posting to the Slack stand-in until SIGTERM; it logs to stderr."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as data_dir:
        service = DigestService.open(replica_settings(args.redis_url, args.prefix, data_dir))
        client = make_client("xoxb-test", args.slack_url)
        post = functools.partial(post_roundup, client, UserNames(client))
        scheduler = RoundupScheduler(service, post, sync_every_s=0.2, grace_s=args.grace)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await scheduler.start()
        print("ready", flush=True)
        await stop.wait()
        await scheduler.shutdown()
        await service.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("redis_url", "prefix", "slack_url"):
        parser.add_argument(name)
    parser.add_argument("--grace", type=float, default=3600)
    asyncio.run(replica(parser.parse_args()))


class Replica:
    """A replica process logging to `log_path`; it is ready once its scheduler has started."""

    def __init__(self, settings: Settings, slack_url: str, log_path: Path) -> None:
        argv = [sys.executable, __file__, settings.redis_url or "", settings.redis_prefix, slack_url]
        env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        self.log_path = log_path
        with log_path.open("w") as log:
            self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=REPO)

    def ready(self) -> Replica:
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready", f"the replica did not start: {self.log()}"
        return self

    def log(self) -> str:
        return self.log_path.read_text()

    async def settled(self, channel: str) -> None:
        """Until this replica has run the channel's due roundup: posted it, or found it another replica's."""

        def said() -> bool:
            return f"roundup of {channel}" in self.log()

        await asyncio.to_thread(wait_until, said, f"replica {self.process.pid} to run the roundup of {channel}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(HANG_S)


# --- fixtures ----------------------------------------------------------------------------------------------------


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def redis_url(request: pytest.FixtureRequest, redis_url: str) -> str:
    """The session's Redis, or (parametrized with indirect=True) the cluster's or the Sentinel's."""
    return redis_url_for(getattr(request, "param", "single"), request, redis_url)


@pytest.fixture
async def service(redis_url: str, slack: SlackStandIn, tmp_path: Path) -> AsyncIterator[DigestService]:
    settings = replica_settings(redis_url, f"test:sched:{uuid.uuid4().hex}:", str(tmp_path))
    svc = DigestService.open(settings)
    yield svc
    client = sync_client(redis_url)
    for key in client.scan_iter(match=f"{settings.redis_prefix}*", count=1000):
        client.delete(key)
    client.close()
    await svc.close()


async def seed(service: DigestService, channel: str, at: datetime, story: str = "") -> str:
    """One link shared in the channel at `at`, with its digest cached; returns its URL."""
    link = f"https://news.example.com/{channel.lower()}{story}"
    digest = Digest(source=link, url=link, canonical_url=link, title=f"Story for {channel}", summary="Summary.")
    await service.store.cache.put(digest)
    share = Share(team_id="T1", channel_id=channel, channel_is_private=False, canonical_url=link, user_id="U1",
                  ts=f"{int(at.timestamp())}.000100", title=digest.title, shared_at=at)  # fmt: skip
    await service.remember(share, digest)
    return link


def channel_firing_at(second: int) -> str:
    """A channel id whose roundup fires at this second of its minute."""
    while fire_second(channel := f"C{uuid.uuid4().hex[:8].upper()}") != second:
        pass
    return channel


def due_at(moment: datetime) -> ChannelSettings:
    """Roundup settings whose weekly minute is the one `moment` falls in (UTC)."""
    return ChannelSettings(roundup_enabled=True, roundup_day=moment.weekday(), roundup_time=f"{moment:%H:%M}")


async def run_key_holder(service: DigestService, channel: str, fire: datetime) -> bytes | None:
    return await service.redis.get(f"{service.settings.redis_prefix}v1:roundup-run:{channel}:{run_id(fire)}")


class Clock(datetime):
    """The scheduler's clock, set by a test: `now()` is `Clock.at`."""

    at = datetime(2026, 1, 1, tzinfo=UTC)

    @classmethod
    def now(cls, tz: object = None) -> datetime:
        return cls.at


async def run_at(scheduler: RoundupScheduler, channel: str, settings: ChannelSettings, moment: datetime) -> None:
    """The channel's cron job firing, as it does one second after its last due time before `moment`."""
    Clock.at = last_fire(channel, settings, moment) + timedelta(seconds=1)
    await scheduler._run(channel)


# --- tests -------------------------------------------------------------------------------------------------------


def test_last_and_next_fire_follow_the_channels_zone_and_second() -> None:
    settings = ChannelSettings(roundup_enabled=True, roundup_day=0, roundup_time="09:00", timezone="Europe/Berlin")
    channel = channel_firing_at(17)
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
    assert last_fire(channel, settings, now) == datetime(2026, 11, 23, 8, 0, 17, tzinfo=UTC)  # CET is UTC+1
    assert next_fire(channel, settings, now) == datetime(2026, 11, 30, 8, 0, 17, tzinfo=UTC)
    summer = datetime(2026, 7, 1, tzinfo=UTC)
    assert last_fire(channel, settings, summer) == datetime(2026, 6, 29, 7, 0, 17, tzinfo=UTC)  # CEST is UTC+2
    at_fire = datetime(2026, 11, 23, 8, 0, 17, tzinfo=UTC)
    assert last_fire(channel, settings, at_fire) == at_fire


@pytest.mark.parametrize("redis_url", TOPOLOGIES, indirect=True)
async def test_two_replicas_post_a_due_roundup_once(
    service: DigestService, slack: SlackStandIn, tmp_path: Path
) -> None:
    due = datetime.now(UTC) - timedelta(minutes=1)  # both replicas start with it due
    channel = channel_firing_at(5)
    link = await seed(service, channel, due - timedelta(hours=5))
    await service.store.channel_settings.put(channel, due_at(due))
    replicas = [Replica(service.settings, slack.base_url, tmp_path / f"replica-{n}.log") for n in range(2)]
    try:
        for r in replicas:
            r.ready()
        for r in replicas:
            await r.settled(channel)
    finally:
        for r in replicas:
            r.stop()
    [post] = slack.calls("chat.postMessage")
    assert post.params["channel"] == channel and link in str(post.params["blocks"])
    logs = [r.log() for r in replicas]
    fire = last_fire(channel, due_at(due), datetime.now(UTC))
    posted = f"posted the roundup of {channel} due {run_id(fire)}: 1 links"
    lost = f"the roundup of {channel} due {run_id(fire)} is another replica's"
    assert sorted((posted in log, lost in log) for log in logs) == [(False, True), (True, False)]  # one each
    assert await run_key_holder(service, channel, fire)  # held by the replica that posted, for 8 days


async def test_settings_survive_a_restart(service: DigestService, slack: SlackStandIn) -> None:
    channel = channel_firing_at(30)
    settings = ChannelSettings(roundup_enabled=True, roundup_day=4, roundup_time="16:30", timezone="America/Chicago")
    await service.store.channel_settings.put(channel, settings)
    posts: list[tuple[str, Roundup]] = []

    async def post(channel_id: str, roundup: Roundup) -> None:
        posts.append((channel_id, roundup))

    first = RoundupScheduler(service, post)
    await first.start()
    planned = first.next_run(channel)
    await first.shutdown()
    assert planned == next_fire(channel, settings, datetime.now(UTC))
    fresh = DigestService.open(service.settings)  # a new process would know nothing but Redis
    second = RoundupScheduler(fresh, post)
    await second.start()
    try:
        assert second.next_run(channel) == planned
    finally:
        await second.shutdown()
        await fresh.close()
    assert posts == []


async def test_a_missed_run_posts_once_and_never_twice(
    service: DigestService, slack: SlackStandIn, tmp_path: Path
) -> None:
    missed = datetime.now(UTC) - timedelta(minutes=10)  # the bot was down then
    channel = channel_firing_at(5)
    link = await seed(service, channel, missed - timedelta(days=1))
    await service.store.channel_settings.put(channel, due_at(missed))
    first = Replica(service.settings, slack.base_url, tmp_path / "first.log").ready()
    try:
        (post,) = await asyncio.to_thread(slack.wait_for, "chat.postMessage", 1)
    finally:
        first.stop()
    assert link in str(post.params["blocks"])
    fire = last_fire(channel, due_at(missed), datetime.now(UTC))
    assert await run_key_holder(service, channel, fire)
    # Restarted: it catches up, and finds the key.
    again = Replica(service.settings, slack.base_url, tmp_path / "again.log").ready()
    try:
        await again.settled(channel)
    finally:
        again.stop()
    assert f"the roundup of {channel} due {run_id(fire)} is another replica's" in again.log()
    assert len(slack.calls("chat.postMessage")) == 1


async def test_a_run_missed_beyond_the_grace_period_is_skipped(service: DigestService) -> None:
    missed, recent = datetime.now(UTC) - timedelta(minutes=10), datetime.now(UTC) - timedelta(minutes=1)
    channel, caught_up = channel_firing_at(5), channel_firing_at(5)
    for name, when in ((channel, missed), (caught_up, recent)):
        await seed(service, name, when - timedelta(days=1))
        await service.store.channel_settings.put(name, due_at(when))
    posts: list[str] = []

    async def post(channel_id: str, roundup: Roundup) -> None:
        posts.append(channel_id)

    late = RoundupScheduler(service, post, grace_s=300)
    await late.start()
    try:  # the run missed by a minute is caught up: the catch-up runs are over
        await asyncio.to_thread(wait_until, lambda: caught_up in posts, "the recent missed run caught up")
    finally:
        await late.shutdown()
    assert posts == [caught_up]
    assert await run_key_holder(service, channel, last_fire(channel, due_at(missed), datetime.now(UTC))) is None


async def test_each_weekly_run_posts_across_a_daylight_saving_change(
    service: DigestService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sunday 19:30 in New York is Monday 00:30 UTC in winter, Sunday 23:30 UTC from March 8: two runs in one UTC
    week, each posted, each listing only what was shared since the one before."""
    monkeypatch.setattr(scheduler_module, "datetime", Clock)
    channel = channel_firing_at(5)
    settings = ChannelSettings(roundup_enabled=True, roundup_day=6, roundup_time="19:30", timezone="America/New_York")
    await service.store.channel_settings.put(channel, settings)
    sundays = [datetime(2026, 3, day, 12, tzinfo=UTC) for day in (2, 9, 16)]  # in UTC, the morning after each run
    fires = [last_fire(channel, settings, sunday) for sunday in sundays]
    assert fires[1] - fires[0] == timedelta(days=6, hours=23)
    links = [await seed(service, channel, fire - timedelta(minutes=30), f"-{n}") for n, fire in enumerate(fires)]
    posts: list[list[str]] = []

    async def post(channel_id: str, roundup: Roundup) -> None:
        posts.append([item.canonical_url for item in roundup.items])

    scheduler = RoundupScheduler(service, post)
    for sunday in sundays:
        await run_at(scheduler, channel, settings, sunday)
    assert posts == [[link] for link in links]


async def test_a_roundup_moved_later_in_the_week_posts_when_promised(
    service: DigestService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Posted on Monday, then moved to Friday the next day: Friday's roundup posts too, with the links since
    Monday's."""
    monkeypatch.setattr(scheduler_module, "datetime", Clock)
    channel = channel_firing_at(5)
    monday = ChannelSettings(roundup_enabled=True, roundup_day=0, roundup_time="09:00")
    friday = ChannelSettings(roundup_enabled=True, roundup_day=4, roundup_time="17:00")
    before = await seed(service, channel, datetime(2026, 11, 28, 12, tzinfo=UTC), "-saturday")
    after = await seed(service, channel, datetime(2026, 12, 2, 12, tzinfo=UTC), "-wednesday")
    posts: list[list[str]] = []

    async def post(channel_id: str, roundup: Roundup) -> None:
        posts.append([item.canonical_url for item in roundup.items])

    scheduler = RoundupScheduler(service, post)
    await service.store.channel_settings.put(channel, monday)
    await run_at(scheduler, channel, monday, datetime(2026, 11, 30, 12, tzinfo=UTC))
    await service.store.channel_settings.put(channel, friday)
    await run_at(scheduler, channel, friday, datetime(2026, 12, 4, 18, tzinfo=UTC))
    assert posts == [[before], [after]]


async def test_redis_lost_after_the_claim_is_retried_not_posted_as_a_quiet_week(
    throwaway_redis: RedisServer, tmp_path: Path
) -> None:
    service = DigestService.open(replica_settings(throwaway_redis.url, "test:sched:", str(tmp_path)))
    due = datetime.now(UTC) - timedelta(minutes=1)
    channel = channel_firing_at(5)
    link = await seed(service, channel, due - timedelta(hours=5))
    await service.store.channel_settings.put(channel, due_at(due))
    posts: list[list[str]] = []
    quiet: list[str] = []

    async def post(channel_id: str, roundup: Roundup) -> None:
        posts.append([item.canonical_url for item in roundup.items])

    async def on_quiet(channel_id: str) -> None:
        quiet.append(channel_id)

    scheduler = RoundupScheduler(service, post, on_quiet=on_quiet)
    await scheduler.sync()
    fire = last_fire(channel, due_at(due), datetime.now(UTC))
    try:
        assert await scheduler._claim(channel, fire)
        throwaway_redis.stop()  # between the claim and reading the channel's links
        await scheduler._deliver(channel, fire)
        assert (posts, quiet) == ([], []) and scheduler._scheduler.get_job(f"retry:{channel}")
        throwaway_redis.start()
        await scheduler._run(channel)  # the retry it set, a minute later
    finally:
        await service.close()
    assert (posts, quiet) == ([[link]], [])


async def due_roundup_posting_to_slack(service: DigestService, slack: SlackStandIn) -> tuple[RoundupScheduler, str]:
    """A channel whose roundup is due, with a link to list, and a scheduler posting to the Slack stand-in as serve's
    does."""
    due = datetime.now(UTC) - timedelta(minutes=1)
    channel = channel_firing_at(5)
    await seed(service, channel, due - timedelta(hours=5))
    await service.store.channel_settings.put(channel, due_at(due))
    client = make_client("xoxb-test", slack.base_url)
    scheduler = RoundupScheduler(service, functools.partial(for_the_scheduler(post_roundup), client, UserNames(client)))
    await scheduler.sync()
    return scheduler, channel


@pytest.mark.parametrize("refusal", ["not_in_channel", "channel_not_found", "is_archived"])
async def test_a_roundup_slack_refuses_is_said_once_and_not_retried(
    service: DigestService, slack: SlackStandIn, caplog: pytest.LogCaptureFixture, refusal: str
) -> None:
    scheduler, channel = await due_roundup_posting_to_slack(service, slack)
    fire = last_fire(channel, await service.store.channel_settings.get(channel), datetime.now(UTC))
    slack.error_next("chat.postMessage", refusal)
    with caplog.at_level(logging.INFO, logger="bot.runtime.scheduler"):
        await scheduler._run(channel)  # the job: nothing escapes it for apscheduler to log without a word
    said = [r for r in caplog.records if r.levelno >= logging.WARNING and channel in r.getMessage()]
    assert len(said) == 1 and said[0].levelname == "WARNING" and refusal in said[0].getMessage()
    assert scheduler._scheduler.get_job(f"retry:{channel}") is None
    assert await run_key_holder(service, channel, fire)  # kept: no replica tries the run again
    assert await service.redis.get(service.store.keys.roundup_end(channel)) is None  # the next lists these links


async def test_a_roundup_slack_fails_to_take_is_given_back_and_retried(
    service: DigestService, slack: SlackStandIn
) -> None:
    scheduler, channel = await due_roundup_posting_to_slack(service, slack)
    fire = last_fire(channel, await service.store.channel_settings.get(channel), datetime.now(UTC))
    slack.fail_next("chat.postMessage", status=500, count=3)  # the client's own two retries fail too
    await scheduler._run(channel)
    assert scheduler._scheduler.get_job(f"retry:{channel}")
    assert await run_key_holder(service, channel, fire) is None  # given back: any replica may take it
    await scheduler._run(channel)  # the retry it set, a minute later
    assert [call.status for call in slack.calls("chat.postMessage")] == [500, 500, 500, 200]
    assert float(await service.redis.get(service.store.keys.roundup_end(channel))) == fire.timestamp()


async def test_the_end_of_a_posted_roundup_is_recorded_through_a_redis_blip(
    throwaway_redis: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Else the next roundup lists this one's links again; a Redis that stays away is logged as an error."""
    service = DigestService.open(replica_settings(throwaway_redis.url, "test:sched:", str(tmp_path)))
    due = datetime.now(UTC) - timedelta(minutes=1)
    channel = channel_firing_at(5)
    await seed(service, channel, due - timedelta(hours=5))
    await service.store.channel_settings.put(channel, due_at(due))

    async def post(channel_id: str, roundup: Roundup) -> None:
        throwaway_redis.stop()  # right after the post went out

    scheduler = RoundupScheduler(service, post)
    await scheduler.sync()
    fire = last_fire(channel, due_at(due), datetime.now(UTC))
    end_key = service.store.keys.roundup_end(channel)
    try:
        assert await scheduler._claim(channel, fire)
        delivery = asyncio.create_task(scheduler._deliver(channel, fire))
        while service.guard.healthy:  # until the first write of the end has failed
            await asyncio.sleep(0.05)
        throwaway_redis.start()  # blocking the loop: Redis is back before the next try
        await delivery
        assert float(await service.redis.get(end_key)) == fire.timestamp()
        throwaway_redis.stop()
        await record_end(service, channel, fire + timedelta(days=7))  # Redis away for every try
    finally:
        await service.close()
    assert any(r.levelname == "ERROR" and "could not record the end" in r.message for r in caplog.records)


async def test_a_time_already_past_when_the_roundup_was_set_is_not_caught_up(
    service: DigestService, slack: SlackStandIn
) -> None:
    """A replica starting an hour after a channel's roundup time does not post it if the roundup was switched on, or
    moved to that time, after it: the bot promised the next one. One set earlier is caught up."""
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    switched_on, moved, set_before = (channel_firing_at(5) for _ in range(3))
    for channel in (switched_on, moved, set_before):
        await seed(service, channel, hour_ago - timedelta(hours=1))
    bot, body = bot_for(service, slack.base_url), {"user_id": "U1", "team_id": "T1"}
    await roundup_command(parse_command("roundup on UTC"), body | {"channel_id": moved}, bot)
    for channel in (switched_on, moved):  # now, after the time it names
        when = f"{DAYS[hour_ago.weekday()]} {hour_ago:%H:%M} UTC"
        await roundup_command(parse_command(f"roundup on {when}"), body | {"channel_id": channel}, bot)
    earlier = due_at(hour_ago).model_copy(update={"roundup_set_at": hour_ago - timedelta(days=1)})
    await service.store.channel_settings.put(set_before, earlier)
    posts: list[str] = []

    async def post(channel_id: str, roundup: Roundup) -> None:
        posts.append(channel_id)

    scheduler = RoundupScheduler(service, post)
    await scheduler.start()
    try:  # the roundup set before its time is caught up: the catch-up runs are over
        await asyncio.to_thread(wait_until, lambda: set_before in posts, "the roundup set earlier caught up")
        for channel in (switched_on, moved):
            await scheduler._run(channel)  # as a retry would: not due either
    finally:
        await scheduler.shutdown()
    assert posts == [set_before]


async def test_a_settings_change_reaches_the_running_scheduler_at_once(
    service: DigestService, slack: SlackStandIn
) -> None:
    async def post(channel_id: str, roundup: Roundup) -> None:
        raise AssertionError("nothing is due")

    scheduler = RoundupScheduler(service, post, sync_every_s=3600)  # no periodic sync during the test
    await scheduler.start()
    bot = bot_for(service, slack.base_url)
    bot.scheduler = scheduler  # as serve's bot holds it
    body = {"channel_id": "C42", "user_id": "U1", "team_id": "T1"}
    try:
        assert scheduler.next_run("C42") is None
        await roundup_command(parse_command("roundup on thu 08:15 Asia/Tokyo"), body, bot)
        settings = await service.store.channel_settings.get("C42")
        assert scheduler.next_run("C42") == next_fire("C42", settings, datetime.now(UTC))
        await roundup_command(parse_command("roundup off"), body, bot)
        assert scheduler.next_run("C42") is None
    finally:
        await scheduler.shutdown()


if __name__ == "__main__":
    main()
