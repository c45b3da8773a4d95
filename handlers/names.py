"""People named in what the bot posts: a plain name, never a mention, so a repost pings no one."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aiohttp
from cachetools import TTLCache
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

MAX_LOOKUPS = 10  # per message: a comment of 300 mentions costs no more users.info calls than this
# users.info is Tier 4 (about 100 a minute): a busy channel's repeat notes name the same few people over and
# over, so each process remembers names for a while (a renamed user shows the new name within NAME_TTL_S).
NAME_TTL_S = 3600.0
NAMES_KEPT = 10_000


class UserNames:
    """The names Slack shows for users, as one process (serve or a digest worker) remembers them."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._known: TTLCache[str, str] = TTLCache(NAMES_KEPT, NAME_TTL_S)

    async def name(self, user_id: str) -> str:
        """Display name, else real name, else handle, or the id if Slack can't say. Raw text: escape it where it
        goes into mrkdwn."""
        if (known := self._known.get(user_id)) is not None:
            return known
        try:
            user = (await self._client.users_info(user=user_id)).get("user") or {}
        except (SlackClientError, aiohttp.ClientError, TimeoutError):
            return user_id  # not remembered: asked again next time
        profile = user.get("profile") or {}
        names = (profile.get("display_name"), user.get("real_name"), user.get("name"))
        name = next((n.strip() for n in names if isinstance(n, str) and n.strip()), user_id)
        self._known[user_id] = name
        return name

    async def names(self, user_ids: Sequence[str], limit: int = MAX_LOOKUPS) -> dict[str, str]:
        """user id -> name for the first `limit` distinct ids; the others are left to the caller's fallback."""
        wanted = list(dict.fromkeys(user_ids))[:limit]
        return dict(zip(wanted, await asyncio.gather(*(self.name(u) for u in wanted)), strict=True))
