"""The bolt app: listeners for every event the manifest subscribes to, dedupe of retries, the slash command.

Shared links become jobs on the digest work queue (bot/runtime/queue.py), which every replica's consumers serve.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.config import Settings
from bot.runtime.metrics import EVENTS_DUPLICATE, EVENTS_RECEIVED
from bot.runtime.queue import WorkQueue
from bot.service import DigestService
from handlers.home import MUTE_ACTION, publish_home, toggle_mute
from handlers.messages import digest_queue, handle_link_shared, handle_message, links_to_digest
from handlers.slack_client import bot_client
from handlers.slash import SHARE_ACTION, run_command, share_to_channel

log = logging.getLogger(__name__)


async def count_reaction(event: dict[str, Any], delta: int, service: DigestService) -> None:
    """Reactions on a message that shared a link, or on the bot's card for it, make that link rank higher in the
    weekly roundup."""
    item = event.get("item", {})
    if item.get("type") == "message" and item.get("channel") and item.get("ts"):
        await service.store.count_reaction(item["channel"], item["ts"], delta)


def count_received(body: dict[str, Any]) -> None:
    EVENTS_RECEIVED.labels(body.get("event", {}).get("type", "unknown")).inc()


def build_app(settings: Settings, service: DigestService) -> tuple[AsyncApp, WorkQueue]:
    """The app, and the digest queue its message, unfurl and `/digest` listeners feed (start and stop it with the
    server)."""
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = AsyncApp(
        signing_secret=secret,
        client=bot_client(settings),  # bolt takes the token from its client
        process_before_response=False,
    )
    queue = digest_queue(settings, app.client, service)

    async def first_delivery(body: dict[str, Any]) -> bool:
        """False for an event Slack retried (it thought we missed it) or anyone replayed inside the window.

        Listeners ask after the ack, so no ack waits for Redis; a retry is still answered 200, as Slack needs.
        """
        count_received(body)
        event_id = body.get("event_id")
        if not event_id or await service.store.first_time(event_id):
            return True
        EVENTS_DUPLICATE.inc()
        return False

    # Queued events make no Redis call here for a retry check: the work queue runs one job per event id. A
    # message without links asks for no work at all.
    @app.event("message")
    async def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        count_received(body)
        if links := links_to_digest(event, settings):
            team_id, event_id = body.get("team_id", ""), body.get("event_id", "")
            await handle_message(event, links, team_id, app.client, service, queue, event_id)

    @app.event("link_shared")
    async def on_link_shared(event: dict[str, Any], body: dict[str, Any]) -> None:
        count_received(body)
        team_id, event_id = body.get("team_id", ""), body.get("event_id", "")
        await handle_link_shared(event, team_id, app.client, service, queue, event_id)

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], body: dict[str, Any]) -> None:
        if await first_delivery(body) and event.get("tab", "home") == "home":
            await publish_home(event["user"], app.client, service)

    @app.event("reaction_added")
    async def on_reaction_added(event: dict[str, Any], body: dict[str, Any]) -> None:
        if await first_delivery(body):
            await count_reaction(event, +1, service)

    @app.event("reaction_removed")
    async def on_reaction_removed(event: dict[str, Any], body: dict[str, Any]) -> None:
        if await first_delivery(body):
            await count_reaction(event, -1, service)

    @app.command("/digest")
    async def on_command(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()  # within Slack's 3 seconds; the answer follows through response_url
        await run_command(body, respond, service, app.client, queue)

    @app.action(SHARE_ACTION)
    async def on_share(ack: Any, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await share_to_channel(body, context.team_id or "", app.client, service)

    @app.action(MUTE_ACTION)
    async def on_home_mute(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await toggle_mute(body, app.client, service)

    @app.error
    async def on_error(error: Exception) -> None:
        log.error("listener failed: %s", type(error).__name__, exc_info=error)

    return app, queue
