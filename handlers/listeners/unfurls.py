"""Links to the manifest's unfurl domains get a compact digest as their preview (link_shared, chat.unfurl).

Unfurls travel the work queue as messages do (an UnfurlJob), so no digest is made in the process that acks.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError

from bot.errors import DigestError
from bot.runtime.metrics import EVENTS_RECEIVED
from handlers.bot import SlackBot
from handlers.cards import digest_card
from handlers.jobs import UnfurlJob
from handlers.listeners.messages import queue_job

log = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    @app.event("link_shared")
    async def on_link_shared(event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext) -> None:
        EVENTS_RECEIVED.labels("link_shared").inc()
        bot: SlackBot = context["bot"]
        job = UnfurlJob(team_id=body.get("team_id", ""), event_id=body.get("event_id", ""), event=event)
        await queue_job(bot, job, lambda: run_unfurl(job, bot))


async def run_unfurl(job: UnfurlJob, bot: SlackBot) -> None:
    """A compact digest through chat.unfurl (also while the user is still typing), unless the channel is muted.

    Best effort: a link that cannot be digested keeps Slack's own preview, and a refused chat.unfurl is logged,
    not retried (Slack's preview is already there). A job run again after a crash unfurls again, which only
    replaces the same preview. Given up on, it leaves Slack's preview too, which needs no apology.
    """
    event = job.event
    if (await bot.service.store.channel_settings.get(event.get("channel", ""))).muted:
        return  # an unfurl is an automatic digest too: a muted channel keeps Slack's own previews
    links = event.get("links", [])[: bot.settings.max_links_per_message]
    unfurls: dict[str, Any] = {}
    for link in links:
        try:
            digest = await bot.digest(link["url"])
        except DigestError:
            continue
        _, blocks = digest_card(digest)
        unfurls[link["url"]] = {"blocks": blocks[:4]}
    error = None
    if unfurls:
        try:
            await bot.client.chat_unfurl(
                channel=event.get("channel"),
                ts=event.get("message_ts"),
                unfurl_id=event.get("unfurl_id"),
                source=event.get("source"),
                unfurls=unfurls,
            )
        except SlackApiError as refused:
            error = refused.response.get("error")
    log.info(
        "unfurl handled",
        extra={
            "event_id": job.event_id,
            "channel": event.get("channel"),
            "links": len(links),
            "unfurled": 0 if error else len(unfurls),
            "error": error,
        },
    )
