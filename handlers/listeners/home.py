"""App Home: the latest digests from the user's own channels, and those channels' settings with a mute switch."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ages import age
from bot.memory.channel_settings import ChannelSettings
from bot.memory.channels import Share
from bot.service import DigestService
from handlers.bot import SlackBot
from handlers.cards import SECTION_LIMIT, Block, clip, escape, section, slack_link
from handlers.command_text import DAYS, HELP, NOT_SAVED

log = logging.getLogger(__name__)

MUTE_ACTION = "home_toggle_mute"
LATEST = 10
MAX_CHANNELS = 20  # with a section per latest link at most, keeps the view under App Home's 100 blocks


def register(app: AsyncApp) -> None:
    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext) -> None:
        bot: SlackBot = context["bot"]
        if await bot.first_delivery(body) and event.get("tab", "home") == "home":
            await publish_home(event["user"], bot.client, bot.service)

    @app.action(MUTE_ACTION)
    async def on_home_mute(ack: Any, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        bot: SlackBot = context["bot"]
        await toggle_mute(body, bot.client, bot.service)


async def user_channels(client: AsyncWebClient, user_id: str) -> list[str]:
    """Only channels the user is in: App Home must never show a private channel's links to an outsider."""
    try:
        answer = await client.users_conversations(
            user=user_id, types="public_channel,private_channel", exclude_archived=True, limit=200
        )
    except SlackApiError:
        return []
    return [channel["id"] for channel in answer.get("channels", [])][:MAX_CHANNELS]


def settings_line(channel_id: str, settings: ChannelSettings) -> str:
    digests = "muted" if settings.muted else "digests on"
    roundup = (
        f"roundup {DAYS[settings.roundup_day].capitalize()} {settings.roundup_time} {settings.timezone}"
        if settings.roundup_enabled
        else "roundup off"
    )
    repeats = "repeat notes on" if settings.repeats else "repeat notes off"
    return f"<#{channel_id}> · {digests} · {roundup} · {repeats}"


def mute_button(channel_id: str, settings: ChannelSettings) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Unmute" if settings.muted else "Mute"},
        "action_id": MUTE_ACTION,
        "value": f"{channel_id} {'unmute' if settings.muted else 'mute'}",  # what the click asks for, not a flip
    }


def latest_line(share: Share) -> str:
    """A share's line; a URL too long for any section loses its link rather than break the whole view."""
    label = clip(share.title or share.canonical_url, 150)
    where = f" — <#{share.channel_id}>, {age(share.shared_at)}"
    linked = f"• {slack_link(share.canonical_url, label)}{where}"
    return linked if len(linked) <= SECTION_LIMIT else f"• {escape(label)}{where}"


def latest_sections(shares: list[Share]) -> list[Block]:
    """The latest links over as many sections as Slack's 3,000 characters a section need, never a line cut."""
    lines = [latest_line(share) for share in shares] or ["Nothing shared in your channels yet. Paste a link in one!"]
    texts = ["*Latest digests*"]
    for line in lines:
        if len(texts[-1]) + 1 + len(line) <= SECTION_LIMIT:
            texts[-1] += f"\n{line}"
        else:
            texts.append(line)
    return [section(text) for text in texts]


def latest_by_article(shares: list[Share]) -> list[Share]:
    """Newest first, each article once: shared in two of the user's channels, it is listed at its latest share."""
    latest: dict[str, Share] = {}
    for share in sorted(shares, key=lambda share: share.shared_at, reverse=True):
        latest.setdefault(share.canonical_url, share)
    return list(latest.values())


async def home_view(
    user_id: str, client: AsyncWebClient, service: DigestService, note: str | None = None
) -> dict[str, Any]:
    """The Home tab; `note` first, under the header, when there is something to say about the last click."""
    store = service.store
    channels = await user_channels(client, user_id)
    shares = [share for channel in channels for share in await store.channels.recent(channel, LATEST)]
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": "digestbot"}}]
    if note:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f":warning: {note}"}]})
    blocks += latest_sections(latest_by_article(shares)[:LATEST])
    if channels:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "*Your channels*"}})
    for channel in channels:
        settings = await store.channel_settings.get(channel)
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": settings_line(channel, settings)},
                "accessory": mute_button(channel, settings),
            }
        )
    blocks += [{"type": "divider"}, {"type": "section", "text": {"type": "mrkdwn", "text": HELP}}]
    return {"type": "home", "blocks": blocks}


async def publish_home(user_id: str, client: AsyncWebClient, service: DigestService, note: str | None = None) -> None:
    await client.views_publish(user_id=user_id, view=await home_view(user_id, client, service, note))


async def toggle_mute(body: dict[str, Any], client: AsyncWebClient, service: DigestService) -> None:
    """The Home tab's Mute/Unmute button, allowed only for channels the user is in. Nothing may escape it (bolt
    would answer Slack 404 after the ack): a failure is logged."""
    user_id = body["user"]["id"]
    channel_id, _, wanted = body["actions"][0]["value"].partition(" ")
    try:
        saved = True
        if channel_id in await user_channels(client, user_id):
            # The button says what it does, so a settings read that failed cannot turn "Unmute" into a mute; a
            # view published before buttons said so flips what is stored.
            muted = wanted == "mute" if wanted else not (await service.store.channel_settings.get(channel_id)).muted
            saved = await service.store.channel_settings.change(channel_id, muted=muted) is not None
        # Unsaved, the view would show the defaults read while Redis is away ("digests on"): it says so first.
        await publish_home(user_id, client, service, None if saved else NOT_SAVED)
    except Exception:
        log.exception("a Home tab mute click failed after its ack")
