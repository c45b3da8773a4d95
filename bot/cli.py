"""digestbot's core commands, Slack-free: `digest` links and saved pages, preview a channel's `roundup`, measure
`related` reading over an export.

`digestbot` (handlers/cli.py) adds the Slack commands to these; `python -m bot` runs these alone. Every command
imports what it uses only when it runs, so `--version` and `--help` answer at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from bot.config import Settings
    from bot.memory.corpus import CorpusArticle
    from bot.models import Digest
    from bot.roundup import Roundup
    from bot.service import DigestService

S = TypeVar("S", bound="Settings")
R = TypeVar("R")
Command = Callable[[argparse.Namespace], int]


def load_settings(kind: type[S]) -> S:
    """The settings, or one clear line per bad variable on stderr and exit status 2."""
    from bot.config import SettingsProblem, read_settings

    try:
        return read_settings(kind)
    except SettingsProblem as problem:
        for line in problem.lines:
            print(f"digestbot: {line}", file=sys.stderr)
        sys.exit(2)


def fail(message: str) -> None:
    print(f"digestbot: {message}", file=sys.stderr)


# --- digest ------------------------------------------------------------------------------------------------


def digest_command(args: argparse.Namespace) -> int:
    from functools import partial

    from bot.config import Settings
    from bot.pipeline.extract.pool import set_worker_logging
    from bot.runtime.logs import configure_cli_logging

    # A source that failed unexpectedly is one line naming the error, and its own line says so (a running bot's log
    # keeps the traceback); the extraction workers log the same way, not as serve's.
    configure_cli_logging(args.verbose)
    settings = load_settings(Settings)
    set_worker_logging(partial(configure_cli_logging, args.verbose))
    use_cache = not args.no_cache and any(source.lower().startswith(("http://", "https://")) for source in args.sources)
    if use_cache and not settings.redis_url and (problem := settings.data_dir_problem()):
        fail(f"{problem}; digesting without the cache")
        use_cache = False
    from bot.memory.connection import embedded_redis

    with contextlib.ExitStack() as stack:
        if use_cache:
            try:
                stack.enter_context(embedded_redis(settings))
            except RuntimeError as error:  # no redis-server binary, or it would not start
                fail(f"{error}; digesting without the cache")
                use_cache = False
        return asyncio.run(_digest_all(args.sources, args.json, settings, use_cache))


async def _digest_all(sources: list[str], as_json: bool, settings: Settings, use_cache: bool) -> int:
    from bot.pipeline.extract.pool import shutdown_workers
    from bot.service import DigestService

    service = DigestService.open(settings) if use_cache else None
    if service:
        service.guard.what_stops = "digesting without the cache"
    try:
        return await _print_digests(sources, as_json, settings, service)
    finally:
        if service:
            await service.close()
        shutdown_workers()


async def _print_digests(sources: list[str], as_json: bool, settings: Settings, service: DigestService | None) -> int:
    from rich.console import Console
    from rich.markup import escape

    from bot.errors import DigestError
    from bot.pipeline.digest import digest_source, is_url

    out, err = Console(highlight=False), Console(highlight=False, stderr=True)
    failed = 0
    for source in sources:
        try:  # URLs go through the Redis cache (one fetch per article), saved files are read directly
            digest = await (service.digest(source) if service and is_url(source) else digest_source(source, settings))
        except DigestError as error:
            failed += 1
            if as_json:
                print(json.dumps({"source": source, "error": str(error), "reason": error.reason}), flush=True)
            else:
                err.print(f"[red]✗ {escape(source)}[/red]: {escape(str(error))}")
            continue
        if as_json:
            print(digest.model_dump_json(), flush=True)
        else:
            render(digest, out)
    return 1 if failed else 0


def render(digest: Digest, console: Console) -> None:
    """A readable digest: headline, byline facts, summary, quotes and the canonical link."""
    from rich.markup import escape
    from rich.panel import Panel

    from bot.pipeline.facts import ISO_DATE, kind_facts, published_text, summary_heading

    facts = kind_facts(digest, ISO_DATE) or [
        digest.site_name,
        digest.author,
        published_text(digest, ISO_DATE),
        f"{digest.reading_minutes} min read" if digest.reading_minutes else None,
        digest.language,
    ]
    # The title heads the panel's text, not its border: a border line cannot wrap, and rich cut a long title there
    # mid-word.
    title = escape(digest.title or "(untitled)")
    body = [f"[bold]{title}[/bold]", f"[dim]{escape(' · '.join(f for f in facts if f))}[/dim]", ""]
    if digest.warning:
        body += [f"[yellow]⚠ {escape(digest.warning)}[/yellow]", ""]
    body += [f"[bold]{summary_heading(digest)}[/bold]", escape(digest.summary or "(no summary)"), ""]
    if digest.quotes:
        body.append(f"[bold]Key quotes[/bold] [dim]· {len(digest.quotes)} pulled[/dim]")
        body += [f"  “{escape(q)}”" for q in digest.quotes]
        body.append("")
    body.append(f"[link={digest.canonical_url}]{escape(digest.canonical_url)}[/link]")
    console.print(Panel("\n".join(body)))


# --- roundup -----------------------------------------------------------------------------------------------


def roundup_command(args: argparse.Namespace) -> int:
    """Preview a channel's next roundup (what was shared since its last one, else in the last 7 days) in the
    terminal (or as JSON); 1 if Redis is unreachable."""
    from bot.config import Settings
    from bot.roundup import MemoryUnavailable

    try:
        roundup = next_roundup(args.channel, load_settings(Settings))
    except MemoryUnavailable as error:
        fail(f"Redis is unreachable ({error}): cannot tell what was shared in {args.channel}.")
        return 1
    if args.json:
        print(roundup.model_dump_json() if roundup else json.dumps(None))
    elif roundup is None:
        print(f"Nothing new was shared in {args.channel} to round up.")
    else:
        from rich.console import Console

        render_roundup(roundup, Console(highlight=False))
    return 0


def next_roundup(channel_id: str, settings: Settings, end: datetime | None = None) -> Roundup | None:
    """The channel's roundup up to `end` (now unless told), as the scheduled one would list it, read from Redis (the
    embedded one when REDIS_URL is unset)."""
    from bot.memory.connection import embedded_redis
    from bot.roundup import channel_roundup

    with embedded_redis(settings):
        return asyncio.run(_with_service(settings, channel_roundup, channel_id, end or datetime.now(UTC)))


def roundup_posted(channel_id: str, settings: Settings, end: datetime) -> None:
    """Note that the channel's roundup up to `end` was posted, as a scheduled one is: the next one starts there."""
    from bot.memory.connection import embedded_redis
    from bot.roundup import record_end

    with embedded_redis(settings):
        asyncio.run(_with_service(settings, record_end, channel_id, end))


async def _with_service(
    settings: Settings, call: Callable[[DigestService, str, datetime], Awaitable[R]], channel_id: str, end: datetime
) -> R:
    from bot.roundup import MemoryUnavailable
    from bot.service import DigestService

    service = DigestService.open(settings)
    service.guard.what_stops = None  # the command's own line says what failed, and why
    try:
        return await call(service, channel_id, end)
    except MemoryUnavailable as error:
        raise MemoryUnavailable(service.guard.cause) from error
    finally:
        await service.close()


def render_roundup(roundup: Roundup, console: Console) -> None:
    """The week's links, most shared first, then related reading the channel has not seen."""
    from rich.markup import escape
    from rich.panel import Panel

    from bot.ages import age
    from bot.pipeline.facts import KIND_LABELS

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
    title = f"Roundup of {escape(roundup.channel_id)} ({roundup.week})"
    console.print(Panel("\n".join(body), title=f"[bold]{title}[/bold]", title_align="left"))


# --- related --corpus --------------------------------------------------------------------------------------


def related_command(args: argparse.Namespace) -> int:
    """Related reading for every article of a JSON Lines export, as cards would show it."""
    from bot.config import Settings
    from bot.memory.corpus import CorpusError, read_corpus

    if args.k < 1:
        fail("--k must be at least 1")
        return 2
    settings = load_settings(Settings)
    try:
        articles = read_corpus(args.corpus)
    except CorpusError as error:
        fail(str(error))
        return 2
    asyncio.run(_print_related(articles, settings, args.k))
    return 0


async def _print_related(articles: list[CorpusArticle], settings: Settings, k: int) -> None:
    from bot.memory.corpus import related_lines

    async for line in related_lines(articles, settings, k):
        print(line, flush=True)


# --- the parser --------------------------------------------------------------------------------------------


ABOUT = (
    "Digest the links people share: an article's, PDF's, video's or post's title, byline, summary and key quotes, "
    "a channel's weekly roundup of its links, and related reading. Settings come from the environment or .env in "
    "the working directory (deploy/.env.example lists them)."
)
DIGEST_ABOUT = (
    "Print a digest of each source: a link, or a saved web page, PDF or text file. A source that cannot be "
    "digested prints one line saying why, the others are still digested, and the exit status is then 1."
)


def build_parser(about: str = ABOUT) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    """The core's commands; handlers/cli.py adds the Slack ones to the same parser, with its own `about`."""
    parser = argparse.ArgumentParser(prog="digestbot", description=about)
    parser.add_argument("--version", action="version", version=f"digestbot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    digest = commands.add_parser(
        "digest", help="digest links, saved web pages, PDFs or text files", description=DIGEST_ABOUT
    )
    digest.add_argument(
        "sources", nargs="+", type=str.strip, metavar="SOURCE", help="an http(s) URL, or a saved page, PDF or text file"
    )
    digest.add_argument("--json", action="store_true", help="one JSON object per source, one per line")
    digest.add_argument("--no-cache", action="store_true", help="fetch every URL afresh, skip Redis")
    digest.add_argument("-v", "--verbose", action="store_true", help="also show what the libraries log, and tracebacks")
    digest.set_defaults(run=digest_command)
    roundup = commands.add_parser("roundup", help="preview a channel's next roundup")
    roundup.add_argument("--channel", required=True, metavar="CHANNEL_ID", help="the Slack channel id, e.g. C0123ABC")
    roundup.add_argument("--json", action="store_true", help="print the roundup as one JSON object (null if quiet)")
    roundup.set_defaults(run=roundup_command)
    related = commands.add_parser("related", help="related reading for every article of a JSON Lines file")
    related.add_argument(
        "--corpus",
        required=True,
        type=Path,
        metavar="FILE.jsonl",
        help='one article a line: {"id": ..., "title": ..., "text": ..., "url": ...} (url optional)',
    )
    related.add_argument("--k", type=int, default=5, help="candidates listed per article (default 5)")
    related.set_defaults(run=related_command)
    return parser, commands


def run(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> None:
    args = parser.parse_args(argv)
    command: Command = args.run
    sys.exit(command(args))


def main(argv: list[str] | None = None) -> None:
    run(build_parser()[0], argv)


if __name__ == "__main__":
    main()
