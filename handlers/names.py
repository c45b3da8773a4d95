"""People named in what the bot posts: a plain name, never a mention, so a repost pings no one."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aiohttp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

MAX_LOOKUPS = 10  # per message: a comment of 300 mentions costs no more users.info calls than this


async def user_name(client: AsyncWebClient, user_id: str) -> str:
    """The name Slack shows for a user (display name, else real name, else handle), or the id if Slack can't
    say. Raw text: escape it where it goes into mrkdwn."""
    try:
        user = (await client.users_info(user=user_id)).get("user") or {}
    except (SlackClientError, aiohttp.ClientError, TimeoutError):
        return user_id
    profile = user.get("profile") or {}
    for name in (profile.get("display_name"), user.get("real_name"), user.get("name")):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return user_id


async def user_names(client: AsyncWebClient, user_ids: Sequence[str]) -> dict[str, str]:
    """user id -> name for the first MAX_LOOKUPS ids; the others are left to the caller's fallback."""
    wanted = list(user_ids)[:MAX_LOOKUPS]
    return dict(zip(wanted, await asyncio.gather(*(user_name(client, u) for u in wanted)), strict=True))
