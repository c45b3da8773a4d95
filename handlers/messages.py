"""Links pasted into conversations become threaded digest cards (or a short "first shared by" note)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import DigestError
from bot.metrics import DIGEST_SECONDS, DIGESTS
from bot.service import DigestService
from bot.store import Share
from bot.urls import canonicalize, domain
from handlers.cards import digest_card, failure_notice, repeat_notice
from handlers.links import comment_without_links, links_in_text

log = logging.getLogger(__name__)

WORKING = "hourglass_flowing_sand"
# Message subtypes that are a person sharing something; edits, deletions, joins and bot posts are not.
PERSON_SUBTYPES = (None, "thread_broadcast", "file_share", "me_message")


def is_from_person(event: dict[str, Any]) -> bool:
    return event.get("subtype") in PERSON_SUBTYPES and not event.get("bot_id") and bool(event.get("user"))


def is_private(event: dict[str, Any]) -> bool:
    # "channel" is public; "group" (private channel), "im" and "mpim" must never leak elsewhere.
    return event.get("channel_type", "channel") != "channel"


def shared_at(event: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(event["ts"]), UTC)


async def post(client: AsyncWebClient, channel: str, thread_ts: str, text: str, blocks: list | None = None) -> None:
    await client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
    )


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


async def handle_message(event: dict[str, Any], team_id: str, client: AsyncWebClient, service: DigestService) -> None:
    if not is_from_person(event):
        return
    settings = service.settings
    ignore = tuple(d.strip().lower() for d in settings.ignore_domains.split(",") if d.strip())
    links = links_in_text(event.get("text", ""), ignore, settings.max_links_per_message)
    channel = event["channel"]
    if not links or (await service.store.get_channel_settings(channel)).muted:
        return
    await react(client, channel, event["ts"], add=True)
    try:
        for url in links:
            await handle_link(url, event, team_id, client, service)
    finally:
        await react(client, channel, event["ts"], add=False)


async def reply_if_repeat(
    canonical_url: str, event: dict[str, Any], client: AsyncWebClient, service: DigestService
) -> bool:
    """A link this channel already saw gets one short note instead of a second card."""
    first = await service.store.first_share(event["channel"], canonical_url)
    if first is None:
        return False
    notice = repeat_notice(first.user_id, first.shared_at, first.permalink)
    await post(client, event["channel"], event.get("thread_ts") or event["ts"], notice)
    again = {"user_id": event["user"], "ts": event["ts"], "shared_at": shared_at(event)}
    await service.store.record_share(first.model_copy(update=again))
    DIGESTS.labels("repeat").inc()
    return True


async def handle_link(
    url: str, event: dict[str, Any], team_id: str, client: AsyncWebClient, service: DigestService
) -> None:
    channel, ts = event["channel"], event["ts"]
    thread_ts = event.get("thread_ts") or ts
    repeats = (await service.store.get_channel_settings(channel)).repeats
    if repeats and await reply_if_repeat(canonicalize(url), event, client, service):
        return
    try:
        with DIGEST_SECONDS.time():
            digest = await service.digest(url)
    except DigestError as error:
        DIGESTS.labels(f"failed_{error.reason}").inc()
        log.info("digest failed", extra={"host": domain(url), "reason": error.reason})
        await post(client, channel, thread_ts, failure_notice(url, str(error)))
        return
    # A shortener resolves to the article itself: it may be a repeat after all.
    if repeats and await reply_if_repeat(digest.canonical_url, event, client, service):
        return
    related = await service.related(digest, team_id, channel)
    text, blocks = digest_card(
        digest, shared_by=event["user"], comment=comment_without_links(event.get("text", "")), related=related
    )
    await post(client, channel, thread_ts, text, blocks)
    DIGESTS.labels("ok").inc()
    share = Share(
        team_id=team_id,
        channel_id=channel,
        channel_is_private=is_private(event),
        canonical_url=digest.canonical_url,
        user_id=event["user"],
        ts=ts,
        permalink=await permalink(client, channel, ts),
        title=digest.title or digest.canonical_url,
        shared_at=shared_at(event),
    )
    await service.remember(share, digest)


async def handle_link_shared(event: dict[str, Any], client: AsyncWebClient, service: DigestService) -> None:
    """Registered unfurl domains: a compact digest through chat.unfurl (also while the user is still typing)."""
    unfurls: dict[str, Any] = {}
    for link in event.get("links", [])[: service.settings.max_links_per_message]:
        try:
            digest = await service.digest(link["url"])
        except DigestError:
            continue
        _, blocks = digest_card(digest)
        unfurls[link["url"]] = {"blocks": blocks[:4]}
    if unfurls:
        await client.chat_unfurl(
            channel=event.get("channel"), ts=event.get("message_ts"), unfurl_id=event.get("unfurl_id"),
            source=event.get("source"), unfurls=unfurls,
        )
