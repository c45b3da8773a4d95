"""The bolt app: every listener of handlers/listeners, with the process's SlackBot in each listener's context."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from handlers import listeners
from handlers.bot import SlackBot

log = logging.getLogger(__name__)


def build_app(bot: SlackBot) -> AsyncApp:
    app = AsyncApp(
        signing_secret=bot.settings.slack_signing_secret.get_secret_value() if bot.settings.slack_signing_secret
        else None,
        client=bot.client,  # bolt takes the token from its client
        process_before_response=False,
    )  # fmt: skip

    @app.middleware
    async def with_bot(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context["bot"] = bot
        await next()

    listeners.register(app)

    @app.error
    async def on_error(error: Exception) -> None:
        log.error("listener failed: %s", type(error).__name__, exc_info=error)

    return app
