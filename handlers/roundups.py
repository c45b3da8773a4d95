"""The weekly roundup in Slack: its Block Kit, posting it, and `/digest roundup on|off|preview|now`."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ParamSpec

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.memory.channel_settings import ChannelSettings
from bot.pipeline.facts import KIND_LABELS
from bot.roundup import MAX_ITEMS, MemoryUnavailable, Roundup, RoundupItem, build_roundup, record_end, roundup_start
from bot.runtime.metrics import ROUNDUPS_POSTED
from bot.runtime.scheduler import PostFailed, next_fire
from handlers.bot import SlackBot
from handlers.cards import (
    CARD_BUDGET,
    SECTION_LIMIT,
    Block,
    clip,
    escape,
    related_lines,
    section,
    slack_link,
)
from handlers.command_text import DAYS, NOT_SAVED, Command, known_timezone
from handlers.membership import INVITE_ME, not_a_member
from handlers.names import UserNames

QUIET_LINE = "Nothing new was shared here to round up."
MEMORY_AWAY = "My memory of this channel is unavailable right now, so I can't make its roundup: try again soon."
ITEMS_BUDGET = CARD_BUDGET - 3000  # what the week's links may take; the rest is for the header and related reading
# Slack's errors of its own, which a later try may not meet; any other error is Slack refusing this post.
SLACK_HICCUPS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})

P = ParamSpec("P")


def item_line(item: RoundupItem, sharer: str) -> str:
    """One link of the week; `sharer` is its first sharer's name, plain text (a mention would ping them). A link
    too long for any section shows its title unlinked, as a card's title does."""
    times = f" (×{item.shares})" if item.shares > 1 else ""
    kind = f" · _{KIND_LABELS[item.kind]}_" if KIND_LABELS[item.kind] else ""  # articles, most links, go unlabelled
    title = clip(item.title, 150)
    rest = f"{kind} — shared by {escape(sharer)}{times}" + (f"\n   {escape(item.one_line)}" if item.one_line else "")
    line = f"• {slack_link(item.canonical_url, title)}{rest}"
    return line if len(line) <= SECTION_LIMIT else f"• {escape(title)}{rest}"


def _item_sections(lines: list[str], more: int) -> list[Block]:
    """The week's links in as few sections as fit, within ITEMS_BUDGET; links beyond it are counted, not shown."""
    sections: list[list[str]] = [[]]
    used = 0
    for shown, line in enumerate(lines):
        if used + len(line) > ITEMS_BUDGET:
            more += len(lines) - shown
            break
        if sum(len(x) + 1 for x in sections[-1]) + len(line) > SECTION_LIMIT:
            sections.append([])
        sections[-1].append(line)
        used += len(line) + 1
    if more:
        sections[-1].append(f"_…and {more} more link{'s' if more > 1 else ''}_")
    return [section("\n".join(chunk)) for chunk in sections if chunk]


async def sharer_names(names: UserNames, roundup: Roundup) -> dict[str, str]:
    """user id -> name of everyone the roundup lists as a first sharer: each is named, as there are at most
    MAX_ITEMS of them."""
    return await names.names([item.shared_by for item in roundup.items], limit=MAX_ITEMS)


def roundup_blocks(roundup: Roundup, sharers: Mapping[str, str]) -> tuple[str, list[Block]]:
    """The roundup card and its one-line fallback text; `sharers`: user id -> name (else the id is shown)."""
    count = len(roundup.items) + roundup.more
    since = int(roundup.start.timestamp())
    blocks = [
        section(f"*Roundup of <#{roundup.channel_id}>*"),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": (
            f"{count} link{'s' if count > 1 else ''} shared since <!date^{since}^{{date_short_pretty}}|"
            f"{roundup.start:%b %-d}>, most shared first"
        )}]},
        *_item_sections([item_line(item, sharers.get(item.shared_by, item.shared_by)) for item in roundup.items],
                        roundup.more),
    ]  # fmt: skip
    if roundup.related:
        blocks.append(section(f"*Related reading you haven't seen*\n{related_lines(roundup.related)}"))
    return f"Roundup of <#{roundup.channel_id}>: {count} link{'s' if count > 1 else ''} shared", blocks


async def post_roundup(client: AsyncWebClient, names: UserNames, channel_id: str, roundup: Roundup) -> None:
    """Post a roundup for everyone in the channel (the scheduler's `post`, with the client and names bound)."""
    text, blocks = roundup_blocks(roundup, await sharer_names(names, roundup))
    await client.chat_postMessage(channel=channel_id, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False)
    ROUNDUPS_POSTED.inc()


async def post_quiet_line(client: AsyncWebClient, channel_id: str) -> None:
    """The scheduler's optional `on_quiet`: one short line instead of nothing."""
    await client.chat_postMessage(channel=channel_id, text=QUIET_LINE)


def for_the_scheduler(post: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """`post` (post_roundup, post_quiet_line) failing as the scheduler understands: PostFailed, lasting when Slack
    refuses the post (not_in_channel, is_archived), not when Slack erred or was unreachable past the client's own
    retries."""

    @functools.wraps(post)
    async def posting(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await post(*args, **kwargs)
        except SlackApiError as error:
            raise _post_failed(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise PostFailed(type(error).__name__, lasting=False) from error

    return posting


def _post_failed(error: SlackApiError) -> PostFailed:
    response = error.response  # a body that was not JSON leaves slack_sdk's aiohttp response here, without .data
    status = getattr(response, "status_code", None) or getattr(response, "status", 0)
    data = getattr(response, "data", None)
    reason = data.get("error") if isinstance(data, dict) else None
    if reason is None or reason in SLACK_HICCUPS or status == 429 or status >= 500:
        return PostFailed(str(reason or f"HTTP {status}"), lasting=False)
    return PostFailed(str(reason), lasting=True)


async def roundup_command(command: Command, where: dict[str, str], bot: SlackBot) -> dict[str, Any]:
    """`/digest roundup on|off|preview|now`: the caller's answer, as chat.postMessage-style kwargs."""
    channel_id = where["channel_id"]
    if command.switch == "on":
        return await _switch_on(command, channel_id, where["user_id"], bot)
    if command.switch == "off":
        if await _save(bot, channel_id, roundup_enabled=False) is None:
            return {"text": NOT_SAVED}
        return {"text": "Weekly roundup off for this channel. `/digest roundup on` brings it back."}
    now = datetime.now(UTC)
    try:  # what the next scheduled roundup would list: the links since the last one
        start = await roundup_start(bot.service, channel_id, now)
        roundup = await build_roundup(bot.service, where["team_id"], channel_id, start, now)
    except MemoryUnavailable:
        return {"text": MEMORY_AWAY}
    if roundup is None:
        return {"text": QUIET_LINE}
    if command.switch == "preview":
        text, blocks = roundup_blocks(roundup, await sharer_names(bot.names, roundup))
        return {"text": text, "blocks": blocks}
    try:
        await post_roundup(bot.client, bot.names, channel_id, roundup)
    except SlackApiError as error:
        return {"text": f"I couldn't post here ({error.response.get('error')}): `/invite` me, then try again."}
    await record_end(bot.service, channel_id, now)  # as a scheduled roundup does: the next one starts here
    return {"text": "Posted the roundup in the channel."}


async def _switch_on(command: Command, channel_id: str, user_id: str, bot: SlackBot) -> dict[str, Any]:
    if await not_a_member(bot.client, channel_id):  # else "on" is promised and every week's post refused
        return {"text": f"I couldn't switch the roundup on: {INVITE_ME}, then try again."}
    settings = await bot.service.store.channel_settings.get(channel_id)
    zone = await _zone(command, settings, user_id, bot.client)
    if zone is None:
        return {"text": f"I don't know the timezone `{clip(command.timezone or '', 60)}`: use a name like "
                        "`Europe/Berlin`, `America/New_York` or `UTC`."}  # fmt: skip
    # The parts given change; the others stay as the channel last had them (a first roundup: Monday 09:00).
    day = settings.roundup_day if command.day is None else command.day
    time = command.time or settings.roundup_time
    schedule = {"roundup_day": day, "roundup_time": time, "timezone": zone}
    kept = settings.roundup_enabled and settings.model_dump(include=set(schedule)) == schedule
    set_at = settings.roundup_set_at if kept else datetime.now(UTC)  # the schedule's due times count from here
    settings = await _save(bot, channel_id, roundup_enabled=True, roundup_set_at=set_at, **schedule)
    if settings is None:
        return {"text": NOT_SAVED}
    due = int(next_fire(channel_id, settings, datetime.now(UTC)).timestamp())
    return {"text": (
        f"Weekly roundup on: every {DAYS[day].title()} at {time} ({zone}). The first one is due "
        f"<!date^{due}^{{date_long_pretty}} at {{time}}|{datetime.fromtimestamp(due, UTC):%Y-%m-%d %H:%M} UTC>; "
        "`/digest roundup preview` shows it now, only to you."
    )}  # fmt: skip


async def _zone(command: Command, settings: ChannelSettings, user_id: str, client: AsyncWebClient) -> str | None:
    """The roundup's timezone: the one given (None if there is no such zone), else the channel's, else, for its
    first roundup, the caller's."""
    if command.timezone:
        return known_timezone(command.timezone)
    if settings.roundup_enabled or settings.roundup_set_at is not None:  # a schedule was set before: it stands
        return settings.timezone
    return await user_timezone(client, user_id)


async def _save(bot: SlackBot, channel_id: str, **change: Any) -> ChannelSettings | None:
    """Store the change and have this replica's scheduler pick it up at once (the other replicas' follow within
    their next sync); None when Redis did not take it."""
    settings = await bot.service.store.channel_settings.change(channel_id, **change)
    if settings is not None and bot.scheduler is not None:
        await bot.scheduler.sync()
    return settings


async def user_timezone(client: AsyncWebClient, user_id: str) -> str:
    """The user's timezone as Slack knows it, or UTC when Slack does not say (or cannot be asked)."""
    try:
        answer = await client.users_info(user=user_id)
    except (SlackClientError, aiohttp.ClientError, TimeoutError):
        return "UTC"
    zone = (answer.get("user") or {}).get("tz")
    return (known_timezone(zone) if isinstance(zone, str) else None) or "UTC"
