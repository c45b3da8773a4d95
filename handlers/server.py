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
from functools import partial

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.config import Settings
from bot.runtime.queue import WorkQueue
from bot.runtime.scheduler import RoundupScheduler
from bot.service import DigestService
from handlers.app import build_app
from handlers.roundups import post_quiet_line, post_roundup
from handlers.slack_client import client_problems, close_shared_session, open_shared_session
from handlers.worker import WorkerPool

log = logging.getLogger(__name__)


def signature_ok(verifier: SignatureVerifier, body: bytes, headers: dict[str, str]) -> bool:
    """Bolt answers 500 on a non-numeric timestamp or a non-UTF-8 body; anything unverifiable is simply 401."""
    try:
        return verifier.is_valid_request(body, headers)
    except (ValueError, UnicodeDecodeError, TypeError):
        return False


def http_app(
    settings: Settings, app: AsyncApp, service: DigestService, queue: WorkQueue, workers: WorkerPool
) -> web.Application:
    """/healthz, /readyz and /metrics; in HTTP mode (no app token) also Slack's POST /slack/events."""
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    verifier = SignatureVerifier(secret)

    async def events(request: web.Request) -> web.Response:
        body = await request.read()
        if not signature_ok(verifier, body, dict(request.headers)):
            log.info("refused a request to /slack/events from %s: bad, stale or missing signature", request.remote)
            return web.Response(status=401, text="invalid signature")
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(_: web.Request) -> web.Response:
        redis_ok = await service.store.ping()
        try:
            slack_ok = bool((await app.client.auth_test()).get("ok"))
        except Exception:  # any failure to reach Slack means "not ready", whatever its type
            slack_ok = False
        status = 200 if redis_ok and slack_ok else 503
        return web.json_response({"redis": redis_ok, "slack": slack_ok}, status=status)

    async def metrics(_: web.Request) -> web.Response:
        await queue.refresh_depth()
        return web.Response(body=await workers.metrics(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.add_routes([web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics)])
    if not settings.slack_app_token:
        web_app.add_routes([web.post("/slack/events", events)])
    return web_app


async def serve(settings: Settings, host: str, port: int) -> None:
    await open_shared_session()
    service = DigestService.open(settings)  # first: it starts the embedded Redis the workers then reuse
    app, queue = build_app(settings, service)
    quiet = partial(post_quiet_line, app.client) if settings.roundup_quiet_line else None
    scheduler = RoundupScheduler(service, partial(post_roundup, app.client), on_quiet=quiet)
    workers = WorkerPool(settings.workers)
    stopping = asyncio.Event()

    def stop() -> None:
        workers.stop_soon()  # first, so a worker leaving on the same Ctrl-C is not restarted
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop)
    await scheduler.start()
    if settings.workers > 0:
        workers.start()
    else:
        await queue.start()
    # No access log: a line per Slack event (and per probe) cost 8% of this process's CPU and said little;
    # refused requests are logged where they are refused, and the outcome of every link by its worker.
    runner = web.AppRunner(http_app(settings, app, service, queue, workers), access_log=None)
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
        await queue.stop()
        await scheduler.shutdown()
        await service.close()
        await close_shared_session()


def settings_problems(settings: Settings) -> list[str]:
    """One clear line per missing or malformed Slack setting, checked before anything starts."""
    problems = client_problems(settings)
    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
    if app_token is not None and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must be an app-level token starting with xapp- (or unset for HTTP mode).")
    if app_token is None and not settings.slack_signing_secret:
        problems.append("SLACK_SIGNING_SECRET must be set in HTTP mode (Basic Information > App Credentials).")
    return problems
