"""App Home: how to use the bot, published when someone opens its Home tab."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from handlers.commands import HELP


async def publish_home(user_id: str, client: AsyncWebClient) -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "digestbot"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": HELP}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Paste a link in any channel I'm in, "
                                          "and I'll answer in its thread with a digest."}]},
    ]
    await client.views_publish(user_id=user_id, view={"type": "home", "blocks": blocks})
