"""What every Slack surface works with, owned by the process that runs it (serve or a digest worker).

Listeners get it from bolt's context (`context["bot"]`, set by a middleware in handlers/app.py); queued jobs get
it from the consumer that runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import DigestError
from bot.models import Digest
from bot.runtime.metrics import EVENTS_DUPLICATE, EVENTS_RECEIVED
from bot.runtime.queue import WorkQueue
from bot.runtime.scheduler import RoundupScheduler
from bot.service import DigestService
from handlers.links import ignored
from handlers.names import UserNames
from handlers.settings import SlackSettings
from handlers.slack_client import SlackSession

IGNORED = "I don't digest links to that site here (it is on this bot's ignore list)."


@dataclass
class SlackBot:
    settings: SlackSettings
    service: DigestService
    slack: SlackSession
    client: AsyncWebClient
    queue: WorkQueue
    names: UserNames
    scheduler: RoundupScheduler | None = None  # serve's: a settings change it makes reschedules at once

    @classmethod
    async def open(cls, settings: SlackSettings) -> SlackBot:
        """The service (which starts the embedded Redis, if any, first), one Slack session and the work queue."""
        service = DigestService.open(settings)
        slack = await SlackSession().open()
        queue = WorkQueue.open(settings, service.redis, service.guard)
        client = slack.bot_client(settings)
        return cls(settings, service, slack, client, queue, UserNames(client))

    async def digest(self, url: str) -> Digest:
        """A link's digest for any Slack surface (pastes, `/digest`, the Share button, unfurls): never one of a site
        DIGESTBOT_IGNORE_DOMAINS lists, which is not even fetched; a DigestError says so instead."""
        if ignored(url, self.settings.ignored_domains()):
            raise DigestError("ignored", IGNORED)
        return await self.service.digest(url)

    async def close(self) -> None:
        await self.queue.stop()
        await self.service.close()
        await self.slack.close()

    async def first_delivery(self, body: dict[str, Any]) -> bool:
        """For events answered in this process: False for one Slack retried (it thought we missed it) or anyone
        replayed inside the window. Asked after the ack, so no ack waits for Redis; a retry is still answered 200,
        as Slack needs. (Queued events are deduplicated by the queue instead: one job per event id.)"""
        EVENTS_RECEIVED.labels(body.get("event", {}).get("type", "unknown")).inc()
        event_id = body.get("event_id")
        if not event_id or await self.service.store.events.first_time(event_id):
            return True
        EVENTS_DUPLICATE.inc()
        return False
