"""Links pasted into conversations become threaded digest cards (or a short "first shared by" note).

The listener only looks at a message and queues it (bot/runtime/queue.py); a consumer on any replica runs the
MessageJob: it digests the links and posts each link's one reply, at most once per (channel, message, link)
even if the job runs again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import DigestError
from bot.memory.channels import Share
from bot.memory.keys import url_hash
from bot.memory.store import Store
from bot.models import Digest
from bot.pipeline.urls import canonicalize, domain
from bot.runtime.metrics import DIGEST_SECONDS, DIGESTS, EVENTS_DUPLICATE, EVENTS_RECEIVED
from bot.runtime.queue import MAX_DELIVERIES
from handlers.bot import SlackBot
from handlers.cards import Block, digest_card, failure_notice, repeat_notice
from handlers.jobs import MessageJob, UnfurlJob
from handlers.links import comment_without_links, links_in_text, mentioned_users
from handlers.settings import SlackSettings

log = logging.getLogger(__name__)

WORKING = "hourglass_flowing_sand"
WORKING_AFTER_S = 1.0  # a reply quicker than this needs no "working on it" sign (and spares two Slack calls)
# Each sign costs a reactions.add (Slack's Tier 3, ~50/min) and a reactions.remove (Tier 2, ~20/min) per
# workspace: past this many a minute the sign is skipped rather than queued behind Slack's rate limit.
SIGNS_PER_MINUTE = 20
# Message subtypes that are a person sharing something; deletions, joins and bot posts are not. An edit
# (EDITED) is its edited message, which has one of these subtypes too.
PERSON_SUBTYPES = (None, "thread_broadcast", "file_share", "me_message")
EDITED = "message_changed"
GAVE_UP = f"something on my side failed {MAX_DELIVERIES} times in a row, so I gave up. `/digest` it to try again."


def register(app: AsyncApp) -> None:
    # Queued events make no Redis call here for a retry check: the work queue runs one job per event id. A
    # message without links asks for no work at all.
    @app.event("message")
    async def on_message(event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext) -> None:
        EVENTS_RECEIVED.labels("message").inc()
        bot: SlackBot = context["bot"]
        shared = as_shared(event)
        if links_to_digest(shared, bot.settings):
            job = MessageJob(team_id=body.get("team_id", ""), event_id=body.get("event_id", ""), event=shared)
            await queue_job(bot, job, lambda: run_message(job, bot))


def as_shared(event: dict[str, Any]) -> dict[str, Any]:
    """The message as the bot reads it. An edit is the edited message (its ts, thread, user and new text, in its
    channel), with the text before the edit as "previous_text": only the links the edit added are new."""
    if event.get("subtype") != EDITED:
        return event
    message, before = event.get("message") or {}, event.get("previous_message") or {}
    where = {"channel": event.get("channel"), "channel_type": event.get("channel_type", "channel")}
    return {**message, **where, "previous_text": before.get("text", "")}


def is_from_person(event: dict[str, Any]) -> bool:
    return event.get("subtype") in PERSON_SUBTYPES and not event.get("bot_id") and bool(event.get("user"))


def is_private(event: dict[str, Any]) -> bool:
    # "channel" is public; "group" (private channel), "im" and "mpim" must never leak elsewhere.
    return event.get("channel_type", "channel") != "channel"


def shared_at(event: dict[str, Any]) -> datetime:
    # A link an edit added was shared when the edit was made (a roundup since then lists it).
    edited = event.get("edited") if "previous_text" in event else None
    return datetime.fromtimestamp(float((edited or {}).get("ts") or event["ts"]), UTC)


def wanted_links(event: dict[str, Any], settings: SlackSettings) -> list[str]:
    """The message's links to digest; of an edited one, those its text did not have before the edit (a link that
    came back after an edit took it out is then skipped: see answered_before)."""
    links = links_in_text(event.get("text", ""), settings.ignored_domains(), settings.max_links_per_message)
    if "previous_text" not in event:
        return links
    before = {canonicalize(url) for url in links_in_text(event["previous_text"], limit=None)}
    return [url for url in links if canonicalize(url) not in before]


def links_to_digest(event: dict[str, Any], settings: SlackSettings) -> list[str]:
    """What a message asks of the bot: the links a person shared in it, if any."""
    return wanted_links(event, settings) if is_from_person(event) else []


async def queue_job(bot: SlackBot, job: MessageJob | UnfurlJob, here: Callable[[], Awaitable[None]]) -> None:
    """An event's work goes to the queue any replica serves, one job per Slack event however often Slack retries
    it. When the queue cannot take it `here` runs it in this process instead (the queue logs the outage once), so
    nothing is lost. It claims the event's `once` key first, as a queued job does, so a copy that reached the
    stream after all or a retry queued elsewhere runs only if it claimed first; while Redis is away this process's
    memory of event ids drops the retries."""
    if await bot.queue.enqueue(job.model_dump(), once=job.event_id):
        return
    if job.event_id and not (
        await bot.queue.claim_here(job.event_id) and await bot.service.store.events.first_time(job.event_id)
    ):
        EVENTS_DUPLICATE.inc()
        return
    await here()


# --- the job -----------------------------------------------------------------------------------------------


async def run_message(job: MessageJob, bot: SlackBot) -> None:
    """A queued message, on whichever replica's consumer took it (maybe again, after a crash)."""
    await digest_links(wanted_links(job.event, bot.settings), job, bot)


async def give_up_message(job: MessageJob, bot: SlackBot) -> None:
    """The job failed MAX_DELIVERIES times: say so for every link that got no reply yet."""
    for url in wanted_links(job.event, bot.settings):
        await Reply(bot, job.event, url).say(failure_notice(url, GAVE_UP))
    await react(bot.client, job.event["channel"], job.event["ts"], add=False)


async def post(
    client: AsyncWebClient, channel: str, thread_ts: str, text: str, blocks: list | None = None
) -> str | None:
    """Post in a thread; the new message's ts."""
    posted = await client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
    )
    return posted.get("ts")


async def permalink(client: AsyncWebClient, channel: str, ts: str) -> str | None:
    try:
        return (await client.chat_getPermalink(channel=channel, message_ts=ts)).get("permalink")
    except SlackApiError:
        return None


async def react(client: AsyncWebClient, channel: str, ts: str, add: bool) -> None:
    """The hourglass says "working on it"; losing it is harmless, so errors are only logged."""
    try:
        call = client.reactions_add if add else client.reactions_remove
        await call(channel=channel, timestamp=ts, name=WORKING)
    except SlackApiError as error:
        log.info("reaction %s failed: %s", "add" if add else "remove", error.response.get("error"))


@asynccontextmanager
async def working_sign(
    client: AsyncWebClient, store: Store, team_id: str, channel: str, ts: str
) -> AsyncIterator[None]:
    """The hourglass on the message while the work inside takes longer than WORKING_AFTER_S, and not after.

    At most SIGNS_PER_MINUTE per workspace (shared by every replica): in a burst only the first get one.
    """
    shown = False

    async def show() -> None:
        nonlocal shown
        await asyncio.sleep(WORKING_AFTER_S)
        if not await store.budgets.take(f"signs:{team_id}", SIGNS_PER_MINUTE):
            return
        shown = True
        await react(client, channel, ts, add=True)

    later = asyncio.create_task(show())
    try:
        yield
    finally:
        if shown:
            await later  # the add may still be on its way: the remove must come after it
            await react(client, channel, ts, add=False)
        else:
            later.cancel()


@dataclass
class Reply:
    """The one reply a link in a message gets, in the message's thread, posted once whoever runs the job."""

    bot: SlackBot
    event: dict[str, Any]
    url: str

    @cached_property
    def mark(self) -> str:
        return f"{{{self.event['channel']}}}:{self.event['ts']}:{url_hash(canonicalize(self.url))}"

    async def already_posted(self) -> bool:
        return await self.bot.queue.done(self.mark)

    async def say(self, text: str, blocks: list | None = None) -> str | None:
        """Post the reply unless it was posted already; the ts of the one this call posted."""
        # Checked again here, after the digest: another replica may have posted meanwhile (it held this job,
        # froze past the visibility timeout and woke up). What remains is one window: a replica that dies after
        # Slack took the post and before mark_done lands (one Redis round trip) leaves the job unmarked, and
        # the replica that claims it posts a second time. Likewise if Redis is unreachable for the mark only.
        if await self.already_posted():
            return None
        event = self.event
        ts = await post(self.bot.client, event["channel"], event.get("thread_ts") or event["ts"], text, blocks)
        await self.bot.queue.mark_done(self.mark)
        return ts


async def digest_links(links: list[str], job: MessageJob, bot: SlackBot) -> None:
    event = job.event
    channel, ts = event["channel"], event["ts"]
    channel_settings = await bot.service.store.channel_settings.get(channel)
    if channel_settings.muted:
        return
    async with working_sign(bot.client, bot.service.store, job.team_id, channel, ts):
        for url in links:
            reply = Reply(bot, event, url)
            # A job claimed again after a crash skips what its first owner finished (and its channel memory).
            if not await reply.already_posted():
                started = time.monotonic()
                outcome = await handle_link(url, job, bot, reply, channel_settings.repeats)
                # One structured line per link; never the message text, which is the users' own words.
                duration_ms = round((time.monotonic() - started) * 1000)
                log.info(
                    "link handled",
                    extra={
                        "event_id": job.event_id,
                        "channel": channel,
                        "host": domain(url),
                        "outcome": outcome,
                        "duration_ms": duration_ms,
                    },
                )


async def reply_if_repeat(canonical_url: str, event: dict[str, Any], bot: SlackBot, reply: Reply) -> bool:
    """A link this channel already saw (in another message) gets one short note instead of a second card."""
    store = bot.service.store
    first = await store.channels.first_share(event["channel"], canonical_url)
    if first is None or first.ts == event["ts"]:
        return False
    await say_repeat(first, reply)
    again = {"user_id": event["user"], "ts": event["ts"], "shared_at": shared_at(event)}
    await store.channels.record_share(first.model_copy(update=again))
    return True


async def answered_before(canonical_url: str, event: dict[str, Any], bot: SlackBot) -> bool:
    """Whether an earlier version of this edited message shared the link, so its reply went out then: a link put
    back after an edit took it out, once the reply's done mark has expired. (This edit's own job, run again, finds
    its own share, dated by this edit, and still owes the card.)"""
    if "previous_text" not in event:
        return False
    first = await bot.service.store.channels.first_share(event["channel"], canonical_url)
    return first is not None and first.ts == event["ts"] and first.shared_at < shared_at(event)


async def say_repeat(first: Share, reply: Reply) -> None:
    # Looked up only now: most links are never repeated, so the first share's post skips this Slack call.
    client = reply.bot.client
    link = await permalink(client, first.channel_id, first.ts)
    await reply.say(repeat_notice(await reply.bot.names.name(first.user_id), first.shared_at, link))
    DIGESTS.labels("repeat").inc()


async def handle_link(url: str, job: MessageJob, bot: SlackBot, reply: Reply, repeats: bool) -> str:
    """Digest one link and post its reply; the outcome ("ok", "repeat", "answered", "failed_<reason>") is returned.

    `repeats`: the channel wants a short note instead of a second card for a link it saw before.
    """
    event, service = job.event, bot.service
    channel, ts = event["channel"], event["ts"]
    canonical_url = canonicalize(url)
    if await answered_before(canonical_url, event, bot):
        return "answered"
    if repeats and await reply_if_repeat(canonical_url, event, bot, reply):
        return "repeat"
    try:
        with DIGEST_SECONDS.time():
            digest = await bot.digest(url)
    except DigestError as error:
        DIGESTS.labels(f"failed_{error.reason}").inc()
        await reply.say(failure_notice(url, error))
        return f"failed_{error.reason}"
    # A shortener resolves to the article itself: it may be a repeat after all.
    moved = digest.canonical_url != canonical_url
    if repeats and moved and await reply_if_repeat(digest.canonical_url, event, bot, reply):
        return "repeat"
    said = event.get("text", "")
    comment = comment_without_links(said, await bot.names.names(mentioned_users(said)))
    text, blocks = await channel_card(digest, bot, job.team_id, channel, event["user"], comment)
    share = Share(
        team_id=job.team_id,
        channel_id=channel,
        channel_is_private=is_private(event),
        canonical_url=digest.canonical_url,
        user_id=event["user"],
        ts=ts,
        title=digest.title or digest.canonical_url,
        shared_at=shared_at(event),
    )
    # Remembered before the card goes out, atomically: of two messages sharing the link at once, one is first
    # and gets the card, the other the note.
    remembered = await service.remember(share, digest)
    if repeats and not remembered.is_first:
        await say_repeat(remembered.first, reply)
        return "repeat"
    if card_ts := await reply.say(text, blocks):
        await service.store.channels.note_card(channel, digest.canonical_url, card_ts)
    DIGESTS.labels("ok").inc()
    return "ok"


async def channel_card(
    digest: Digest, bot: SlackBot, team_id: str, channel: str, user: str, comment: str = ""
) -> tuple[str, list[Block]]:
    """The card for everyone in `channel`, `user`'s share of the link, whether pasted or shared with the button: its
    related reading is what that channel may see (a private channel's links only there)."""
    related = await bot.service.related(digest, team_id, channel)
    return digest_card(digest, shared_by=user, comment=comment, related=related)
