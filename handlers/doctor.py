"""`digestbot doctor`: the core's checks (bot/doctor.py) with Slack's: the tokens and an auth.test call.

A token appears as its prefix only ("xoxb-…"), never a character of its secret part.
"""

from __future__ import annotations

import asyncio

from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.doctor import (
    DEFAULT_EGRESS,
    NETWORK_TIMEOUT_S,
    Check,
    check_egress,
    check_settings,
    load_settings,
    redis_checks,
)
from handlers.settings import SlackSettings

AUTH_FIXES = {
    "invalid_auth": "SLACK_BOT_TOKEN is wrong: copy the Bot User OAuth Token again (OAuth & Permissions).",
    "not_authed": "SLACK_BOT_TOKEN is empty: set it to the Bot User OAuth Token.",
    "account_inactive": "The app was uninstalled or the token revoked: reinstall the app, then update the token.",
    "token_revoked": "The token was revoked: reinstall the app to the workspace and update SLACK_BOT_TOKEN.",
}


def mask(secret: SecretStr | None) -> str:
    """What may be shown of a token: its type prefix and its length."""
    if secret is None:
        return "unset"
    value = secret.get_secret_value()
    return f"{value[:5]}… ({len(value)} characters)"


def check_tokens(s: SlackSettings) -> list[Check]:
    """The settings already refuse a token of the wrong kind; here: which are set, and what serve still needs."""
    missing = s.needs(serving=True)
    bot_missing = [line for line in missing if line.startswith("SLACK_BOT_TOKEN")]
    checks = [Check("slack bot token", not bot_missing, mask(s.slack_bot_token), " ".join(bot_missing))]
    mode = f"{mask(s.slack_app_token)}: Socket Mode" if s.socket_mode else "unset: HTTP mode on /slack/events"
    checks.append(Check("slack app token", True, mode))
    secret_missing = [line for line in missing if line.startswith("SLACK_SIGNING_SECRET")]
    secret = s.slack_signing_secret
    detail = f"set ({len(secret.get_secret_value())} characters)" if secret else "unset"
    if secret is None and s.socket_mode:
        detail += " (not needed in Socket Mode)"
    checks.append(Check("signing secret", not secret_missing, detail, " ".join(secret_missing)))
    return checks


async def check_slack(s: SlackSettings) -> Check:
    name = "slack auth.test"
    if s.slack_bot_token is None:
        return Check(name, False, "not tried: no bot token", "Set SLACK_BOT_TOKEN first.")
    client = AsyncWebClient(s.bot_token(), base_url=s.slack_api_url, timeout=NETWORK_TIMEOUT_S)
    try:
        answer = await client.auth_test()
    except SlackApiError as error:
        code = str(error.response.get("error", "unknown"))
        fix = AUTH_FIXES.get(code, "See https://api.slack.com/methods/auth.test for this error.")
        return Check(name, False, f"{s.slack_api_url} answered {code}", fix)
    except Exception as error:  # aiohttp, DNS, TLS and timeout errors all mean "could not reach Slack"
        return Check(name, False, f"cannot reach {s.slack_api_url}: {type(error).__name__}: {error}",
                     "Allow outbound HTTPS to Slack from this host, or correct SLACK_API_URL.")  # fmt: skip
    who = f"workspace {answer.get('team')} ({answer.get('team_id')}), bot {answer.get('user')}"
    return Check(name, True, f"{who} via {s.slack_api_url}")


async def run_checks(settings: SlackSettings, egress: str = DEFAULT_EGRESS) -> list[Check]:
    """Every check, in display order; the network-bound ones run concurrently."""
    head = [check_settings(settings), *check_tokens(settings)]
    slack, redis, network = await asyncio.gather(check_slack(settings), redis_checks(settings), check_egress(egress))
    return [*head, slack, *redis, network]


async def diagnose(egress: str = DEFAULT_EGRESS) -> list[Check]:
    """What `digestbot doctor` runs: settings from the environment, then every check."""
    loaded = load_settings(SlackSettings)
    if isinstance(loaded, Check):
        return [loaded]  # nothing else can be checked without settings
    return await run_checks(loaded, egress)
