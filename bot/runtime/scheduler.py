"""Weekly roundups, on time and once: APScheduler jobs built from channel settings kept in Redis as JSON.

Every replica keeps its own in-memory jobs (APScheduler 3's Redis job store pickles jobs, so whoever can write
Redis could run code, and one job store must not be shared by several schedulers). Each replica rebuilds its
jobs from `store.channel_settings.with_roundups()` at start, every SYNC_EVERY_S, and right after a settings change it
made itself (its owner calls `sync()`). When a job fires, every replica races for one Redis key per channel and
due time (`SET NX EX` in a script that lets the holder take it again on a retry): the winner builds and posts the
roundup, the others do nothing, also across restarts. The due time, not the week, names the run: two weekly runs can
fall in one UTC week (across a daylight-saving change, or when a channel moves its roundup to later in the week), and
each is posted.

A roundup lists the links shared since the end of the channel's last one (`bot.roundup.roundup_start`, as
`/digest roundup preview|now` and the CLI do), so no link falls between two roundups or shows in both.

The key is taken before posting, so one replica posts. A post the chat service refuses for good (`post` raises
PostFailed, lasting: the bot is not in the channel, it was archived) is logged once as a warning and not repeated.
One that failed for now (the service erred or timed out past its client's own retries) gives the run back and is
retried within GRACE_S, as when Redis goes away between the claim and reading the channel's links (rather than
posting a quiet week): a roundup whose post timed out after the service took it may then show twice, which beats a
week's roundup lost.

A replica that starts within GRACE_S after a channel's scheduled time runs that missed roundup once (the run
key still decides who posts, and whether it was already posted), unless that time had passed when the roundup was
switched on or moved: the bot never promised it.

Each channel fires at a fixed second of its minute, derived from its id: every replica agrees on it, and a
workspace's roundups all due "Monday 09:00" are spread over that minute instead of landing at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.memory.channel_settings import ChannelSettings
from bot.memory.scripts import CLAIM_ONCE, RELEASE_LOCK
from bot.roundup import WEEK, MemoryUnavailable, Roundup, channel_roundup, record_end, roundup_start
from bot.service import DigestService

log = logging.getLogger(__name__)

GRACE_S = 6 * 3600  # a roundup missed while every replica was down still posts if one is back within this
SYNC_EVERY_S = 60.0  # how soon another replica's settings change is picked up
RETRY_S = 60.0  # Redis unreachable when a roundup is due: try again this much later, within the grace period
RUN_KEY_TTL_S = 8 * 86400  # outlives the grace period of the run it guards
SYNC_JOB = "roundup-sync"

Post = Callable[[str, Roundup], Awaitable[None]]
Quiet = Callable[[str], Awaitable[None]]


class PostFailed(Exception):
    """What `post` and `on_quiet` raise when the roundup did not go out; `reason` is the chat service's word for
    it. `lasting`: the service will go on refusing (the bot is not in the channel), so the run is not retried."""

    def __init__(self, reason: str, *, lasting: bool) -> None:
        super().__init__(reason)
        self.reason, self.lasting = reason, lasting


def fire_second(channel_id: str) -> int:
    return int.from_bytes(hashlib.sha1(channel_id.encode()).digest()[:4], "big") % 60


def trigger(channel_id: str, settings: ChannelSettings) -> CronTrigger:
    hour, minute = (int(part) for part in settings.roundup_time.split(":"))
    return CronTrigger(
        day_of_week=settings.roundup_day, hour=hour, minute=minute, second=fire_second(channel_id),
        timezone=ZoneInfo(settings.timezone),
    )  # fmt: skip


def run_id(fire: datetime) -> str:
    """One due time of a channel's roundup, as every replica names it."""
    return f"{fire.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def next_fire(channel_id: str, settings: ChannelSettings, now: datetime) -> datetime:
    """When the channel's next roundup is due after `now` (UTC)."""
    return trigger(channel_id, settings).get_next_fire_time(None, now).astimezone(UTC)


def last_fire(channel_id: str, settings: ChannelSettings, now: datetime) -> datetime:
    """When the channel's roundup was last due at or before `now` (UTC), as the cron trigger counts."""
    cron = trigger(channel_id, settings)
    fire = cron.get_next_fire_time(None, now - WEEK - timedelta(days=1))
    while (later := cron.get_next_fire_time(None, fire + timedelta(seconds=1))) <= now:
        fire = later
    return fire.astimezone(UTC)


class RoundupScheduler:
    """Posts each channel's weekly roundup through `post`; `on_quiet` (if given) is told of a quiet week."""

    def __init__(
        self,
        service: DigestService,
        post: Post,
        *,
        on_quiet: Quiet | None = None,
        sync_every_s: float = SYNC_EVERY_S,
        grace_s: float = GRACE_S,
    ) -> None:
        self._service, self._post, self._on_quiet = service, post, on_quiet
        self._sync_every_s, self._grace = sync_every_s, timedelta(seconds=grace_s)
        self._redis = service.redis
        self._replica = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": int(grace_s)}
        )
        self._jobs: dict[str, ChannelSettings] = {}  # channel -> the settings its cron job was built from
        self._sync_lock = asyncio.Lock()

    async def start(self) -> None:
        """Build the jobs from Redis, start firing them, and run the roundups missed while we were down."""
        await self.sync()
        self._scheduler.add_job(self.sync, IntervalTrigger(seconds=self._sync_every_s), id=SYNC_JOB)
        self._scheduler.start()
        now = datetime.now(UTC)
        for channel_id, settings in self._jobs.items():
            if self._due(channel_id, settings, now) is not None:
                self._scheduler.add_job(self._run, args=[channel_id], id=f"catch-up:{channel_id}")

    async def shutdown(self) -> None:
        """Stop firing; a roundup being built right now is cancelled."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down in its next loop turn

    def next_run(self, channel_id: str) -> datetime | None:
        """When this replica will next fire the channel's roundup job (None: no roundup here)."""
        job = self._scheduler.get_job(_job_id(channel_id))
        return job.next_run_time.astimezone(UTC) if job and job.next_run_time else None

    async def sync(self) -> None:
        """Make the jobs match the settings in Redis: one cron job per channel with its roundup on."""
        async with self._sync_lock:
            wanted = dict(await self._service.store.channel_settings.with_roundups())
            if not self._service.store.healthy:
                return  # Redis is away: keep the jobs we have rather than drop them all
            for channel_id in self._jobs.keys() - wanted.keys():
                self._scheduler.remove_job(_job_id(channel_id))
                del self._jobs[channel_id]
            for channel_id, settings in wanted.items():
                known = self._jobs.get(channel_id)
                if known is None or _schedule(known) != _schedule(settings):  # replacing recomputes the next run
                    self._scheduler.add_job(self._run, trigger(channel_id, settings), args=[channel_id],
                                            id=_job_id(channel_id), replace_existing=True)  # fmt: skip
                    self._jobs[channel_id] = settings

    async def _run(self, channel_id: str) -> None:
        """The job: if the roundup is (still) due and no replica claimed this run, build and post it."""
        store, now = self._service.store, datetime.now(UTC)
        settings = await store.channel_settings.get(channel_id)
        if not store.healthy:
            self._retry(channel_id, now)
            return
        fire = self._due(channel_id, settings, now)
        if not settings.roundup_enabled or fire is None:
            return  # switched off or moved since our last sync, or a time past the grace period or never promised
        claimed = await self._claim(channel_id, fire)
        if claimed is None:
            self._retry(channel_id, now)
        elif claimed:
            await self._deliver(channel_id, fire)
        else:
            log.info("the roundup of %s due %s is another replica's", channel_id, run_id(fire))

    def _due(self, channel_id: str, settings: ChannelSettings, now: datetime) -> datetime | None:
        """The run to make now: the last due time, if within the grace period and not before the roundup was
        switched on or moved to this schedule."""
        fire = last_fire(channel_id, settings, now)
        promised = settings.roundup_set_at is None or fire >= settings.roundup_set_at
        return fire if promised and now - fire <= self._grace else None

    async def _claim(self, channel_id: str, fire: datetime) -> bool | None:
        """True if this replica won the run due at `fire` (or already holds it: a retry), False if another did,
        None if Redis could not say."""
        key = self._service.store.keys.roundup_run(channel_id, run_id(fire))

        async def claim() -> bool:
            return bool(await self._redis.eval(CLAIM_ONCE, 1, key, self._replica, RUN_KEY_TTL_S))

        won = await self._service.guard.run(claim, None)
        if won is None:
            log.warning("cannot claim the roundup run for %s: retrying in %.0f s", channel_id, RETRY_S)
        return won

    def _retry(self, channel_id: str, now: datetime, failing: str = "Redis was unreachable") -> None:
        when = now + timedelta(seconds=RETRY_S)
        settings = self._jobs.get(channel_id)  # what this replica last knew, as Redis cannot say now
        if settings is None:
            return
        if when - last_fire(channel_id, settings, now) > self._grace:
            log.error("gave up on the roundup of %s: %s for the whole grace period", channel_id, failing)
            return
        self._scheduler.add_job(self._run, DateTrigger(when), args=[channel_id], id=f"retry:{channel_id}",
                                replace_existing=True)  # fmt: skip

    async def _deliver(self, channel_id: str, fire: datetime) -> None:
        try:
            start = await roundup_start(self._service, channel_id, fire)
            if start >= fire:
                log.info("the roundup of %s due %s is covered by its last one", channel_id, run_id(fire))
                return
            roundup = await channel_roundup(self._service, channel_id, fire, start)
        except MemoryUnavailable:
            log.warning("cannot read the links of %s for its roundup: retrying in %.0f s", channel_id, RETRY_S)
            await self._release(channel_id, fire)
            self._retry(channel_id, datetime.now(UTC))
            return
        try:
            await self._send(channel_id, fire, roundup)
        except PostFailed as failure:
            await self._not_sent(channel_id, fire, failure)
            return
        await record_end(self._service, channel_id, fire)  # only once it went out: else the next one lists these too

    async def _send(self, channel_id: str, fire: datetime, roundup: Roundup | None) -> None:
        if roundup is not None:
            await self._post(channel_id, roundup)
            log.info("posted the roundup of %s due %s: %d links", channel_id, run_id(fire), len(roundup.items))
        elif self._on_quiet is not None:
            await self._on_quiet(channel_id)

    async def _not_sent(self, channel_id: str, fire: datetime, failure: PostFailed) -> None:
        """A refusal that lasts is said once and the run kept (no replica tries it again); any other failure gives
        the run back and retries it."""
        if failure.lasting:
            log.warning("cannot post the roundup of %s due %s there (%s): not retried; its links wait for the next "
                        "roundup", channel_id, run_id(fire), failure.reason)  # fmt: skip
            return
        log.warning("could not post the roundup of %s due %s (%s): retrying in %.0f s", channel_id, run_id(fire),
                    failure.reason, RETRY_S)  # fmt: skip
        await self._release(channel_id, fire)
        self._retry(channel_id, datetime.now(UTC), f"posting failed ({failure.reason})")

    async def _release(self, channel_id: str, fire: datetime) -> None:
        """Give the run back, so that any replica may take it (if Redis is still away, our own retry may)."""
        key = self._service.store.keys.roundup_run(channel_id, run_id(fire))
        await self._service.guard.run(lambda: self._redis.eval(RELEASE_LOCK, 1, key, self._replica), 0)


def _schedule(settings: ChannelSettings) -> tuple[int, str, str]:
    return settings.roundup_day, settings.roundup_time, settings.timezone


def _job_id(channel_id: str) -> str:
    return f"roundup:{channel_id}"
