"""The `digestbot` command: the core's commands (bot/cli.py) and the Slack ones, `serve`, `worker` and `doctor`,
and `roundup --post`.

Each command imports what it uses only when it runs, so `--version` and `--help` answer at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bot import cli as core
from bot.cli import fail, load_settings

METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def serve_command(args: argparse.Namespace) -> int:
    from handlers.settings import SlackSettings

    settings = load_settings(SlackSettings)
    if not settings.redis_url and (problem := settings.data_dir_problem()):
        return _refuse([problem])
    with _shared_metrics():
        from handlers.server import serve  # after _shared_metrics(): prometheus_client reads the folder on import

        return _run_slack_process(settings.needs(serving=True), settings,
                                  serve(settings, args.host, args.port or settings.port))  # fmt: skip


def worker_command(args: argparse.Namespace) -> int:
    from handlers.settings import SlackSettings
    from handlers.worker import work

    settings = load_settings(SlackSettings)
    return _run_slack_process(settings.needs(serving=False), settings, work(settings, args.parent_pid, args.ready_fd))


def doctor_command(args: argparse.Namespace) -> int:
    from rich.console import Console

    from bot.doctor import exit_code, render
    from handlers.doctor import diagnose

    checks = asyncio.run(diagnose(args.egress))
    Console(highlight=False).print(render(checks))
    return exit_code(checks)


def roundup_command(args: argparse.Namespace) -> int:
    """The core's preview, or with --post the roundup posted to the channel."""
    if not args.post:
        return core.roundup_command(args)
    from datetime import UTC, datetime

    from slack_sdk.errors import SlackApiError

    from bot.roundup import MemoryUnavailable
    from handlers.names import UserNames
    from handlers.roundups import QUIET_LINE, post_quiet_line, post_roundup
    from handlers.settings import SlackSettings
    from handlers.slack_client import bot_client

    settings = load_settings(SlackSettings)
    if missing := settings.needs(serving=False):
        return _refuse(missing)
    end = datetime.now(UTC)
    try:
        roundup = core.next_roundup(args.channel, settings, end)
    except MemoryUnavailable as error:
        fail(f"Redis is unreachable ({error}): cannot tell what was shared in {args.channel}, nothing posted.")
        return 1
    client = bot_client(settings)
    quiet = f"Nothing new was shared in {args.channel} to round up"
    try:
        if roundup:
            asyncio.run(post_roundup(client, UserNames(client), args.channel, roundup))
            posted = f"Posted the roundup in {args.channel}."
        elif settings.roundup_quiet_line:
            asyncio.run(post_quiet_line(client, args.channel))
            posted = f"{quiet}: posted “{QUIET_LINE}”"
        else:
            print(f"{quiet}: nothing posted.")
            return 0
    except SlackApiError as error:
        fail(f"Slack refused the post to {args.channel}: {error.response.get('error')}")
        return 1
    core.roundup_posted(args.channel, settings, end)  # as a scheduled roundup does: the next one starts here
    print(posted)
    return 0


def _refuse(problems: list[str]) -> int:
    for problem in problems:
        fail(problem)
    return 2


def _run_slack_process(problems: list[str], settings: Any, main: Coroutine[Any, Any, None]) -> int:
    """Refuse to start on missing settings (one clear line each), else run `main` with secret-safe logging, beside
    the embedded Redis when REDIS_URL is unset (serve starts it; its workers find it running)."""
    if problems:
        main.close()
        return _refuse(problems)
    from bot.memory.connection import embedded_redis
    from bot.runtime.logs import configure_logging

    configure_logging(secrets=settings.secret_values())
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(embedded_redis(settings))
        except RuntimeError as error:  # no redis-server binary, or it would not start
            main.close()
            return _refuse([str(error)])
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main)
    return 0


@contextlib.contextmanager
def _shared_metrics() -> Any:
    """A private folder where serve and its digest workers keep their metrics, which serve's /metrics adds up
    (prometheus_client's multiprocess mode), unless the operator chose one."""
    if os.environ.get(METRICS_DIR):
        yield
        return
    folder = Path(tempfile.mkdtemp(prefix="digestbot-metrics-"))  # mode 700
    os.environ[METRICS_DIR] = str(folder)
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


ABOUT = f"{core.ABOUT} `digestbot serve` runs the Slack bot that answers a shared link with its digest."


def build_parser() -> argparse.ArgumentParser:
    parser, commands = core.build_parser(ABOUT)
    commands.choices["roundup"].add_argument("--post", action="store_true",
                                             help="post it to the channel (needs SLACK_BOT_TOKEN)")  # fmt: skip
    commands.choices["roundup"].set_defaults(run=roundup_command)
    serve = commands.add_parser("serve", help="run the Slack bot (Socket Mode with SLACK_APP_TOKEN, else HTTP)")
    serve.add_argument("--host", default="0.0.0.0", help="interface for health, metrics, HTTP-mode events")
    serve.add_argument("--port", type=int, default=None, help="port for the same (default $PORT or 3000)")
    serve.set_defaults(run=serve_command)
    worker = commands.add_parser("worker", help="run only digest queue consumers (serve starts its own)")
    worker.add_argument("--parent-pid", type=int, help="stop when this process is no longer the parent")
    worker.add_argument("--ready-fd", type=int, help="write a byte to this file descriptor once consumers run")
    worker.set_defaults(run=worker_command)
    doctor = commands.add_parser("doctor", help="check settings, Slack, Redis and network; exit 1 on any failure")
    doctor.add_argument("--egress", default="slack.com:443", metavar="HOST:PORT", help="where to test outbound TCP")
    doctor.set_defaults(run=doctor_command)
    return parser


def main(argv: list[str] | None = None) -> None:
    core.run(build_parser(), argv)


if __name__ == "__main__":
    main()
