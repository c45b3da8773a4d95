"""Digest workers (handlers/worker.py): `digestbot worker` alone, and `digestbot serve` supervising its workers.

Real processes against real Redis, the Slack stand-in and a local article server; the embedded Redis too.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import Settings, usable_cpus
from bot.memory.connection import connect
from bot.memory.guard import RedisGuard
from bot.runtime.queue import WorkQueue
from handlers.jobs import MessageJob, UnfurlJob
from handlers.slack_client import SlackSession, bot_client
from tests.support.articles import ARTICLES, article_html
from tests.support.bot_process import REPO, SECRET, TOKEN, drop_keys, running_bot, slack_settings, worker_pids
from tests.support.http_server import LocalServer, Reply, Request, html
from tests.support.redis_server import make_settings
from tests.support.slack_standin import JSON, SlackStandIn, event_body, link_shared_event, message_event, post_signed
from tests.support.waiting import HANG_S, wait_until

SLOW_PAGE_S = 1.5


def slowly(page: Reply) -> Callable[[Request], Reply]:
    def answer(_: Request) -> Reply:
        time.sleep(SLOW_PAGE_S)  # the worker is told to stop while this digest runs
        return page

    return answer


@pytest.fixture(scope="module")
def pages() -> Iterator[LocalServer]:
    routes = {f"/{topic}": html(article_html(topic)) for topic in ARTICLES}
    routes["/slow"] = slowly(html(article_html("chess")))
    with LocalServer(routes) as server:
        yield server


def title(topic: str) -> str:
    return str(ARTICLES[topic]["title"])


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def send(base: str, text: str, channel: str) -> None:
    body = event_body(message_event(text, channel=channel))
    assert post_signed(f"{base}/slack/events", body, SECRET, JSON).status_code == 200


def digests_ok(base: str) -> float:
    lines = [line for line in httpx.get(f"{base}/metrics").text.splitlines()
             if line.startswith('digestbot_digests_total{outcome="ok"}')]  # fmt: skip
    return float(lines[0].split()[-1]) if lines else 0.0


# --- `digestbot worker` on its own ----------------------------------------------------------------------------


async def test_a_worker_digests_queued_jobs_and_finishes_its_running_job_on_sigterm(
    slack: SlackStandIn, pages: LocalServer, redis_url: str, tmp_path: Path
) -> None:
    settings = make_settings(redis_url, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGESTBOT_", "REDIS_URL"))}
    env |= {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.base_url, "REDIS_URL": redis_url,
            "DIGESTBOT_REDIS_PREFIX": settings.redis_prefix, "DIGESTBOT_DATA_DIR": str(tmp_path),
            "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true", "DIGESTBOT_QUEUE_CONSUMERS": "2"}  # fmt: skip
    log_path = tmp_path / "worker.log"
    client = connect(settings)
    producer = WorkQueue.open(settings, client, RedisGuard())
    with log_path.open("wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "handlers.cli", "worker"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, cwd=REPO)  # fmt: skip
    try:
        for channel, path in (("CWORK1", "/rivers"), ("CWORK2", "/slow")):
            event = message_event(f"<{pages.url(path)}>", channel=channel)
            assert await producer.enqueue(MessageJob(team_id="T1", event=event).model_dump())
        unfurl_event = link_shared_event([pages.url("/drought")], channel="CWORK3")
        assert await producer.enqueue(UnfurlJob(team_id="T1", event=unfurl_event).model_dump())
        [card] = slack.wait_for_posts("CWORK1")
        assert title("rivers") in json.dumps(card.params["blocks"])
        slack.wait_for("chat.unfurl")  # unfurls are queued work too
        [unfurl] = [c for c in slack.calls("chat.unfurl") if c.params["channel"] == "CWORK3"]
        assert title("drought") in json.dumps(unfurl.params["unfurls"][pages.url("/drought")]["blocks"])
        wait_until(lambda: any(r.path == "/slow" for r in pages.requests), "the slow page requested")
        worker.send_signal(signal.SIGTERM)  # mid-digest: the job finishes within the grace, then it exits
        assert worker.wait(HANG_S) == 0
        [card] = slack.wait_for_posts("CWORK2", timeout=0)
        assert title("chess") in json.dumps(card.params["blocks"])
        assert await producer.refresh_depth() == 0  # acknowledged: nothing left for another worker
        assert "running 2 consumers" in log_path.read_text()
    finally:  # whatever happened: the worker gone, its keys dropped, its log checked for the token
        worker.kill()
        worker.wait()
        await producer.stop()
        await client.aclose()
        drop_keys(redis_url, settings.redis_prefix)
        assert TOKEN not in log_path.read_text(), "the token reached the worker's log"


def test_a_worker_without_a_bot_token_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    done = subprocess.run([sys.executable, "-m", "handlers.cli", "worker"], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=30)  # fmt: skip
    assert done.returncode == 2 and "SLACK_BOT_TOKEN" in done.stderr


# --- `digestbot serve` and its workers ------------------------------------------------------------------------


def test_serve_restarts_a_dead_worker_adds_up_its_metrics_and_stops_them_all(
    slack: SlackStandIn, pages: LocalServer, redis_url: str, tmp_path: Path
) -> None:
    settings = {"DIGESTBOT_WORKERS": "2", "DIGESTBOT_QUEUE_CONSUMERS": "2"}
    with running_bot(slack.base_url, redis_url, tmp_path, **settings) as (base, log_path):
        first = worker_pids(log_path)
        assert len(first) == 2 and all(alive(pid) for pid in first)
        send(base, f"<{pages.url('/drought')}>", "CSUP1")
        assert title("drought") in json.dumps(slack.wait_for_posts("CSUP1")[0].params["blocks"])
        serve = parent(first[0])
        extraction = [pid for worker in first for pid in descendants(worker)]
        assert extraction, "the digest ran in an extraction process"
        # Serve comes first, and the workers (extraction included) still get CPU beside other busy processes.
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, serve) == ours
        assert all(os.sched_getscheduler(pid) == os.SCHED_OTHER for pid in [serve, *first, *extraction])
        default = Settings.model_fields["worker_niceness"].default  # DIGESTBOT_WORKER_NICENESS unset
        niceness = max(default, ours)  # a process never raises its own priority
        assert all(os.getpriority(os.PRIO_PROCESS, pid) == niceness for pid in first + extraction)
        assert all(f"digest worker {pid} runs at niceness {niceness}" in log_path.read_text() for pid in first)
        wait_until(lambda: digests_ok(base) == 1, "1 digest counted")  # made in a worker, counted in serve's /metrics
        os.kill(first[0], signal.SIGKILL)
        wait_until(lambda: len(worker_pids(log_path)) == 3, "a third worker started in place of the killed one")
        assert f"(pid {first[0]}) was killed by SIGKILL; restarting it" in log_path.read_text()
        before = digests_ok(base)  # 0 if the dead worker made the first digest: its counters died with it
        send(base, f"<{pages.url('/reservoirs')}>", "CSUP2")
        assert title("reservoirs") in json.dumps(slack.wait_for_posts("CSUP2")[0].params["blocks"])
        wait_until(lambda: digests_ok(base) == before + 1, f"{before + 1} digests counted")
        workers = worker_pids(log_path)[1:]
    assert not any(alive(pid) for pid in workers)  # serve stopped them before it exited
    assert all(f"digest worker {pid} stopped" in log_path.read_text() for pid in workers)  # gracefully


def test_serve_with_workers_zero_digests_in_process(slack: SlackStandIn, pages: LocalServer, redis_url: str,
                                                     tmp_path: Path) -> None:  # fmt: skip
    with running_bot(slack.base_url, redis_url, tmp_path, DIGESTBOT_WORKERS="0") as (base, log_path):
        send(base, f"<{pages.url('/chess')}>", "CZERO")
        assert title("chess") in json.dumps(slack.wait_for_posts("CZERO")[0].params["blocks"])
        wait_until(lambda: digests_ok(base) == 1, "the digest counted")  # counted just after the card is posted
    assert worker_pids(log_path) == []


def test_with_the_embedded_redis_the_worker_uses_the_serve_process_server(
    slack: SlackStandIn, pages: LocalServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data_dir = tmp_path_factory.mktemp("emb")  # short: the unix socket path must fit in sun_path
    with running_bot(slack.base_url, None, data_dir) as (base, log_path):
        assert (data_dir / "redis.sock").exists()
        send(base, f"<{pages.url('/rivers')}>", "CEMBED")
        assert title("rivers") in json.dumps(slack.wait_for_posts("CEMBED")[0].params["blocks"])
        wait_until(lambda: digests_ok(base) == 1, "1 digest counted")
    # Queued and digested by the worker: the serve process never fell back to digesting in-process.
    assert "Redis is unreachable" not in log_path.read_text()
    assert len(worker_pids(log_path)) == usable_cpus()  # the default: a worker per CPU


def parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def descendants(pid: int) -> list[int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            parents[int(stat.parent.name)] = parent(int(stat.parent.name))
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, mother in parents.items() if mother in frontier]
        found += children
        frontier = children
    return found


# --- pieces ---------------------------------------------------------------------------------------------------


async def test_a_processs_slack_clients_share_its_session_until_it_closes(slack: SlackStandIn) -> None:
    settings = slack_settings(Settings(_env_file=None), slack.base_url)
    assert bot_client(settings).session is None  # without a SlackSession: slack_sdk opens a session per call
    session = await SlackSession().open()
    try:
        first, second = session.bot_client(settings), session.bot_client(settings)
        assert first.session is second.session is not None
        assert (await first.auth_test())["ok"] and (await second.auth_test())["ok"]
        assert not first.session.closed
    finally:
        await session.close()
    assert first.session.closed


def test_a_worker_pays_its_first_digest_s_costs_before_it_talks_to_redis() -> None:
    """warm_up(), which `digestbot worker` calls before it opens its clients: in a fresh interpreter, the link kinds'
    modules, the TLS roots and English's general word shares are ready afterwards, not in the first job, where they
    held the event loop long enough for the Redis guard to see an outage."""
    probe = (
        "import sys\n"
        "from bot.memory import textvec\n"
        "from bot.pipeline import netguard\n"
        "from bot.service import warm_up\n"
        "before = ('bot.pipeline.kinds' in sys.modules, textvec.ENGLISH in textvec._languages,"
        " netguard.ssl_context.cache_info().currsize)\n"
        "warm_up()\n"
        "after = ('bot.pipeline.kinds' in sys.modules, textvec.ENGLISH in textvec._languages,"
        " netguard.ssl_context.cache_info().currsize)\n"
        "print(before, after)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[0] == "(False, False, 0) (True, True, 1)"
