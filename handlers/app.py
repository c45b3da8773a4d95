"""The bolt app: every listener of handlers/listeners, with the process's SlackBot in each listener's context."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

from handlers import listeners
from handlers.bot import SlackBot

log = logging.getLogger(__name__)


def _not_the_unused_token_notice(record: logging.LogRecord) -> bool:
    # bolt reads SLACK_BOT_TOKEN from the environment itself and, given a client too, warns on every start that
    # the token goes unused; the client carries that same token (the settings read the environment first).
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


def build_app(bot: SlackBot) -> AsyncApp:
    logging.getLogger(f"slack_bolt.{AsyncApp.__name__}").addFilter(_not_the_unused_token_notice)  # added once
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

    @app.middleware
    async def only_where_installed(
        context: AsyncBoltContext, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        if installed_here(context):
            return await next()
        log.info("ignored a request from workspace %s: the bot is not installed there", context.team_id)
        return BoltResponse(status=200, body="")  # answered, so Slack does not retry it

    listeners.register(app)

    @app.error
    async def on_error(error: Exception) -> None:
        log.error("listener failed: %s", type(error).__name__, exc_info=error)

    return app


def installed_here(context: AsyncBoltContext) -> bool:
    """Whether a request comes from the workspace the bot's token belongs to (auth.test's team), or from an
    organization the app is installed in org-wide. Anyone who knows the signing secret's app can be installed
    elsewhere too: a signed request from another workspace is not ours to act on."""
    ours = context.authorize_result
    if ours is None or context.team_id is None:  # url_verification and ssl_check carry no workspace
        return True
    if context.team_id == ours.team_id:
        return True
    return bool(context.is_enterprise_install and ours.enterprise_id and context.enterprise_id == ours.enterprise_id)
