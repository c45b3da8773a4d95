"""Reactions on a message that shared a link, or on the bot's card for it, rank that link higher in the roundup."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from handlers.bot import SlackBot


def register(app: AsyncApp) -> None:
    @app.event("reaction_added")
    async def on_reaction_added(event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext) -> None:
        await count_reaction(event, body, +1, context["bot"])

    @app.event("reaction_removed")
    async def on_reaction_removed(event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext) -> None:
        await count_reaction(event, body, -1, context["bot"])


async def count_reaction(event: dict[str, Any], body: dict[str, Any], delta: int, bot: SlackBot) -> None:
    item = event.get("item", {})
    if not await bot.first_delivery(body):
        return
    if item.get("type") == "message" and item.get("channel") and item.get("ts"):
        await bot.service.store.channels.count_reaction(item["channel"], item["ts"], delta)
