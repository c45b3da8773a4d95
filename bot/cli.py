"""The `digestbot` command line: `digest` and `roundup` for the terminal, `serve` for Slack, `doctor` for operators.

`worker` runs only digest queue consumers: `serve` starts DIGESTBOT_WORKERS of them itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Coroutine
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from bot import __version__
from bot.ages import age
from bot.config import Settings
from bot.digest import digest_source, is_url
from bot.errors import DigestError
from bot.facts import KIND_LABELS, kind_facts, summary_heading
from bot.logs import configure_logging, settings_secrets
from bot.models import Digest
from bot.roundup import Roundup, channel_roundup
from bot.service import DigestService


def render(digest: Digest, console: Console) -> None:
    """A readable digest: headline, byline facts, summary, quotes and the canonical link."""
    facts = kind_facts(digest, date.isoformat) or [
        digest.site_name,
        digest.author,
        digest.published.isoformat() if digest.published else None,
        f"{digest.reading_minutes} min read" if digest.reading_minutes else None,
        digest.language,
    ]
    body = [f"[dim]{escape(' · '.join(f for f in facts if f))}[/dim]", ""]
    if digest.warning:
        body += [f"[yellow]⚠ {escape(digest.warning)}[/yellow]", ""]
    body += [f"[bold]{summary_heading(digest)}[/bold]", escape(digest.summary or "(no summary)"), ""]
    if digest.quotes:
        body.append(f"[bold]Key quotes[/bold] [dim]· {len(digest.quotes)} pulled[/dim]")
        body += [f"  “{escape(q)}”" for q in digest.quotes]
        body.append("")
    body.append(f"[link={digest.canonical_url}]{escape(digest.canonical_url)}[/link]")
    title = escape(digest.title or "(untitled)")
    console.print(Panel("\n".join(body), title=f"[bold]{title}[/bold]", title_align="left"))


def render_roundup(roundup: Roundup, console: Console) -> None:
    """The week's links, most shared first, then related reading the channel has not seen."""
    count = len(roundup.items) + roundup.more
    body = [f"[dim]{count} link{'s' if count > 1 else ''} shared since {roundup.start:%Y-%m-%d %H:%M} UTC, "
            "most shared first[/dim]", ""]  # fmt: skip
    for item in roundup.items:
        times = f" (×{item.shares})" if item.shares > 1 else ""
        by = f"shared by {escape(item.shared_by)}, {age(item.shared_at)}"
        kind = f" [dim]({KIND_LABELS[item.kind]})[/dim]" if KIND_LABELS[item.kind] else ""
        body.append(f"• [bold]{escape(item.title)}[/bold]{kind}{times} — {by}")
        body += [f"  {escape(line)}" for line in (item.one_line, item.canonical_url) if line]
    if roundup.more:
        body.append(f"[dim]…and {roundup.more} more[/dim]")
    if roundup.related:
        body += ["", "[bold]Related reading you haven't seen[/bold]"]
        for hit in roundup.related:
            body.append(f"• [bold]{escape(hit.title)}[/bold] — [dim]{escape(hit.domain)} · {age(hit.shared_at)}[/dim]")
            body += [f"  {escape(line)}" for line in (hit.one_line, hit.canonical_url) if line]
    title = f"This week in {escape(roundup.channel_id)} ({roundup.week})"
    console.print(Panel("\n".join(body), title=f"[bold]{title}[/bold]", title_align="left"))


async def _digest_one(source: str, settings: Settings, service: DigestService | None) -> Digest:
    """URLs go through the Redis cache (one fetch per article), saved files are read directly."""
    if service and is_url(source):
        return await service.digest(source)
    return await digest_source(source, settings)


async def _digest_all(sources: list[str], as_json: bool, settings: Settings, use_cache: bool) -> int:
    console = Console(highlight=False)
    service = DigestService.open(settings) if use_cache else None
    try:
        return await _print_digests(sources, as_json, settings, service, console)
    finally:
        if service:
            await service.close()


async def _print_digests(
    sources: list[str], as_json: bool, settings: Settings, service: DigestService | None, console: Console
) -> int:
    failed = 0
    for source in sources:
        try:
            digest = await _digest_one(source, settings, service)
        except DigestError as error:
            failed += 1
            if as_json:
                print(json.dumps({"source": source, "error": str(error), "reason": error.reason}), flush=True)
            else:
                console.print(f"[red]✗ {escape(source)}[/red]: {escape(str(error))}")
            continue
        if as_json:
            print(digest.model_dump_json(), flush=True)
        else:
            render(digest, console)
    return 1 if failed else 0


async def _roundup(channel_id: str, post: bool, as_json: bool, settings: Settings) -> int:
    """Preview a channel's roundup of the last 7 days in the terminal, or (post) post it to the channel."""
    service = DigestService.open(settings)
    try:
        roundup = await channel_roundup(service, channel_id, datetime.now(UTC))
    finally:
        await service.close()
    if post:
        return await _post_roundup(channel_id, roundup, settings)
    if as_json:
        print(roundup.model_dump_json() if roundup else json.dumps(None))
    elif roundup is None:
        print(f"Nothing was shared in {channel_id} in the last 7 days.")
    else:
        render_roundup(roundup, Console(highlight=False))
    return 0


async def _post_roundup(channel_id: str, roundup: Roundup | None, settings: Settings) -> int:
    from slack_sdk.errors import SlackApiError  # Slack glue loads only when posting

    from handlers.roundups import post_quiet_line, post_roundup
    from handlers.slack_client import bot_client, client_problems

    if problems := client_problems(settings):
        print("\n".join(f"digestbot: {problem}" for problem in problems), file=sys.stderr)
        return 2
    client = bot_client(settings)
    try:
        if roundup:
            await post_roundup(client, channel_id, roundup)
        elif settings.roundup_quiet_line:
            await post_quiet_line(client, channel_id)
        else:
            print(f"Nothing was shared in {channel_id} in the last 7 days: nothing posted.")
            return 0
    except SlackApiError as error:
        print(f"digestbot: Slack refused the post to {channel_id}: {error.response.get('error')}", file=sys.stderr)
        return 1
    print(f"Posted the roundup in {channel_id}.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digestbot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"digestbot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    digest = commands.add_parser("digest", help="digest article URLs or saved HTML files")
    digest.add_argument("sources", nargs="+", metavar="SOURCE", help="an http(s) URL or a saved HTML file")
    digest.add_argument("--json", action="store_true", help="one JSON object per source, one per line")
    digest.add_argument("--no-cache", action="store_true", help="fetch every URL afresh, skip Redis")
    roundup = commands.add_parser("roundup", help="preview a channel's roundup of the last 7 days, or post it")
    roundup.add_argument("--channel", required=True, metavar="CHANNEL_ID", help="the Slack channel id, e.g. C0123ABC")
    roundup.add_argument("--post", action="store_true", help="post it to the channel (needs SLACK_BOT_TOKEN)")
    roundup.add_argument("--json", action="store_true", help="print the roundup as one JSON object (null if quiet)")
    serve = commands.add_parser("serve", help="run the Slack bot (Socket Mode with SLACK_APP_TOKEN, else HTTP)")
    serve.add_argument("--host", default="0.0.0.0", help="interface for health, metrics, HTTP-mode events")
    serve.add_argument("--port", type=int, default=None, help="port for the same (default $PORT or 3000)")
    worker = commands.add_parser("worker", help="run only digest queue consumers (serve starts its own)")
    worker.add_argument("--metrics-socket", type=Path, help="answer GET /metrics on this unix socket")
    worker.add_argument("--parent-pid", type=int, help="stop when this process is no longer the parent")
    doctor = commands.add_parser("doctor", help="check settings, Slack, Redis and network; exit 1 on any failure")
    doctor.add_argument("--egress", default="slack.com:443", metavar="HOST:PORT", help="where to test outbound TCP")
    return parser


def _run_slack_process(problems: list[str], settings: Settings, main: Coroutine[Any, Any, None]) -> int:
    """Refuse to start on bad settings (one clear line each), else run `main` with secret-safe logging."""
    for problem in problems:
        print(f"digestbot: {problem}", file=sys.stderr)
    if problems:
        main.close()
        return 2
    configure_logging(secrets=settings_secrets(settings))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main)
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.server import serve, settings_problems  # Slack glue loads only when serving

    main = serve(settings, args.host, args.port or settings.port)
    return _run_slack_process(settings_problems(settings), settings, main)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.slack_client import client_problems
    from handlers.worker import work

    return _run_slack_process(client_problems(settings), settings, work(settings, args.metrics_socket, args.parent_pid))


def _doctor(args: argparse.Namespace) -> int:
    from bot.doctor import diagnose, exit_code, render

    checks = asyncio.run(diagnose(args.egress))
    Console(highlight=False).print(render(checks))
    return exit_code(checks)


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "doctor":  # before Settings(): a bad variable is one of the things doctor reports
        sys.exit(_doctor(args))
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"])
            print(f"digestbot: {name}: {problem['msg']}", file=sys.stderr)
        sys.exit(2)
    if args.command == "digest":
        sys.exit(asyncio.run(_digest_all(args.sources, args.json, settings, not args.no_cache)))
    if args.command == "roundup":
        sys.exit(asyncio.run(_roundup(args.channel, args.post, args.json, settings)))
    if args.command == "serve":
        sys.exit(_serve(args, settings))
    if args.command == "worker":
        sys.exit(_worker(args, settings))


if __name__ == "__main__":
    main()
