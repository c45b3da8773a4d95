"""Running the bot: Socket Mode with an app token, otherwise HTTP on /slack/events; health and metrics either way.

Every replica also runs the roundup scheduler and its share of the digest queue's consumers: in DIGESTBOT_WORKERS
child processes (handlers/worker.py), so digest work never competes with Slack's acks for this process's CPU, or
in this process when it is 0. SIGTERM (a rolling deploy) or SIGINT stops them gracefully: running digests finish,
the rest stay queued for the other replicas.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from functools import partial

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from bot.runtime.metrics import exposition
from bot.runtime.scheduler import RoundupScheduler
from bot.service import warm_up
from handlers.app import build_app
from handlers.bot import SlackBot
from handlers.listeners import give_up_job, run_job
from handlers.roundups import for_the_scheduler, post_quiet_line, post_roundup
from handlers.settings import SlackSettings
from handlers.worker import worker_pool

log = logging.getLogger(__name__)


def signature_ok(verifier: SignatureVerifier, body: bytes, headers: dict[str, str]) -> bool:
    """Bolt answers 500 on a non-numeric timestamp or a non-UTF-8 body; anything unverifiable is simply 401."""
    try:
        return verifier.is_valid_request(body, headers)
    except (ValueError, UnicodeDecodeError, TypeError):
        return False


def is_object(body: bytes, content_type: str) -> bool:
    """Whether a verified body is what bolt can dispatch: a JSON object (an event, or an interaction's payload) or a
    form (a slash command). Anything else is a client's mistake: 400, not a listener's crash and a 500."""
    try:
        return isinstance(parse_body(body.decode(), content_type), dict)
    except ValueError:  # invalid JSON, or bytes that are not UTF-8
        return False


def http_app(bot: SlackBot, app: AsyncApp, workers_ready: Callable[[], bool] = lambda: True) -> web.Application:
    """/healthz, /readyz and /metrics; in HTTP mode (no app token) also Slack's POST /slack/events. /readyz is
    green once Redis and Slack answer and the digest workers' consumers run (`workers_ready`)."""
    secret = bot.settings.slack_signing_secret
    verifier = SignatureVerifier(secret.get_secret_value() if secret else "")

    async def events(request: web.Request) -> web.Response:
        body = await request.read()
        if not signature_ok(verifier, body, dict(request.headers)):
            log.info("refused a request to /slack/events from %s: bad, stale or missing signature", request.remote)
            return web.Response(status=401, text="invalid signature")
        if not is_object(body, request.content_type):
            log.info("refused a request to /slack/events from %s: not a JSON object or a form", request.remote)
            return web.Response(status=400, text="not a JSON object")
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(_: web.Request) -> web.Response:
        redis_ok = await bot.service.store.ping()
        try:
            slack_ok = bool((await bot.client.auth_test()).get("ok"))
        except Exception:  # any failure to reach Slack means "not ready", whatever its type
            slack_ok = False
        workers_ok = workers_ready()
        status = 200 if redis_ok and slack_ok and workers_ok else 503
        return web.json_response({"redis": redis_ok, "slack": slack_ok, "workers": workers_ok}, status=status)

    async def metrics(_: web.Request) -> web.Response:
        await bot.queue.refresh_depth()
        return web.Response(body=exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.add_routes([web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics)])
    if not bot.settings.socket_mode:
        web_app.add_routes([web.post("/slack/events", events)])
    return web_app


async def serve(settings: SlackSettings, host: str, port: int) -> None:
    bot = await SlackBot.open(settings)  # first: the service starts the embedded Redis the workers then reuse
    app = build_app(bot)
    quiet = partial(for_the_scheduler(post_quiet_line), bot.client) if settings.roundup_quiet_line else None
    post = partial(for_the_scheduler(post_roundup), bot.client, bot.names)
    bot.scheduler = RoundupScheduler(bot.service, post, on_quiet=quiet)
    workers = worker_pool(settings)
    stopping = asyncio.Event()

    def stop() -> None:
        workers.stop_soon()  # first, so a worker leaving on the same Ctrl-C is not restarted
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop)
    await bot.scheduler.start()
    if settings.workers > 0:
        workers.start()
    else:  # serve digests itself
        warm_up()
        await bot.queue.start(partial(run_job, bot=bot), partial(give_up_job, bot=bot))
    # No access log: a line per Slack event (and per probe) cost 8% of this process's CPU and said little;
    # refused requests are logged where they are refused, and the outcome of every link by its worker.
    runner = web.AppRunner(http_app(bot, app, lambda: workers.ready), access_log=None)
    socket_mode = None
    try:
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        if settings.slack_app_token:
            socket_mode = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
            await socket_mode.connect_async()
            log.info("connected to Slack in Socket Mode; health and metrics on http://%s:%d", host, port)
        else:
            log.info("listening on http://%s:%d/slack/events", host, port)
        await stopping.wait()  # serve until SIGTERM or Ctrl-C
    finally:
        if socket_mode:
            await socket_mode.close_async()
        await runner.cleanup()
        await workers.stop()
        await bot.scheduler.shutdown()
        await bot.close()
