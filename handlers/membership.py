"""Whether the bot is a member of a channel, as Slack says: where it is not, Slack refuses its posts."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

# Slack's refusals of a post, or of conversations.info, where the bot is not a member (a private channel it is not
# in is "not found" to it).
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
INVITE_ME = "I'm not a member of this channel. Invite me with `/invite @digestbot`"


async def not_a_member(client: AsyncWebClient, channel: str) -> bool:
    """True when Slack says the bot is not in `channel`. False when it is, and when Slack cannot tell (a DM's info
    needs a scope the bot lacks; Slack unreachable): a post there then says so itself."""
    try:
        info = (await client.conversations_info(channel=channel))["channel"]
    except SlackApiError as error:
        data = getattr(error.response, "data", None)
        return isinstance(data, dict) and data.get("error") in NOT_A_MEMBER
    except (SlackClientError, aiohttp.ClientError, TimeoutError, KeyError):
        return False
    return isinstance(info, dict) and info.get("is_member") is False
