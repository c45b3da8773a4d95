"""Two real `digestbot serve` replicas behind one "load balancer" (this test), one Redis, one Slack stand-in.

Events are spread over both replicas and Slack's retries land on the other one; then the worker process running a
digest is killed (SIGKILL) in the middle of it. Every link must be digested, and posted exactly once. All of it
runs on each Redis topology (tests/support/topologies.py): one server, a Redis Cluster and a Sentinel's master.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import usable_cpus
from bot.memory.keys import url_hash
from bot.pipeline.urls import canonicalize
from bot.runtime.queue import GROUP
from tests.support.articles import ARTICLES, article_html
from tests.support.bot_process import SECRET, metric, queue_drained, running_bot
from tests.support.http_server import LocalServer, Reply, Request, html
from tests.support.redis_server import RedisServer
from tests.support.slack_standin import FORM, JSON, SlackStandIn, event_body, message_event, post_signed, slash_body
from tests.support.topologies import TOPOLOGIES, redis_url_for, sync_client
from tests.support.waiting import HANG_S, wait_until

# The replicas' DIGESTBOT_QUEUE_VISIBILITY_TIMEOUT: how long a silent job waits. At 3 s a worker starved of CPU
# (a 0.5 s digest took 7 s beside other test runs) missed its renewals and lost a live job, fetched twice.
VISIBILITY_TIMEOUT_S = 10
MESSAGES = 12
TOPICS = sorted(ARTICLES)


class StallOnce:
    """An article route whose first request never gets an answer (the fetching replica hangs on it)."""

    def __init__(self, page: Reply) -> None:
        self.page = page
        self.requests = 0
        self.stalled = threading.Event()

    def __call__(self, _: Request) -> Reply:
        self.requests += 1
        if self.requests == 1:
            self.stalled.set()
            return Reply(hang=True)  # held open until the page server stops
        return self.page


@pytest.fixture(scope="module", params=TOPOLOGIES)
def redis_url(request: pytest.FixtureRequest, redis_url: str) -> str:
    """The replicas' Redis: the session's single server, the cluster or the Sentinel (the module runs on each)."""
    return redis_url_for(request.param, request, redis_url)


# Pages and Slack are made afresh for each topology (they depend on redis_url): counts start from zero.


@pytest.fixture(scope="module")
def stall(redis_url: str) -> StallOnce:
    return StallOnce(html(article_html("chess")))


def story_routes() -> dict:
    return {f"/story-{n}": html(article_html(TOPICS[n % len(TOPICS)])) for n in range(MESSAGES)}


@pytest.fixture(scope="module")
def pages(stall: StallOnce) -> Iterator[LocalServer]:
    with LocalServer(story_routes() | {"/stall": stall}) as server:
        yield server


@pytest.fixture(scope="module")
def slack(redis_url: str) -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture(scope="module")
def prefix(redis_url: str) -> Iterator[str]:
    shared = f"test-scale-{uuid.uuid4().hex[:8]}:"
    yield shared
    client = sync_client(redis_url)
    for key in client.scan_iter(f"{shared}*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def replica_dirs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Each replica's data dir, where its log (bot.log) is written."""
    return [tmp_path_factory.mktemp(name) for name in ("replica-a", "replica-b")]


@pytest.fixture(scope="module")
def replicas(slack: SlackStandIn, redis_url: str, prefix: str, replica_dirs: list[Path]) -> Iterator[list[str]]:
    """Two replicas sharing one Redis prefix: same workspace, same queue, same cache; each with one worker."""
    env = {
        "DIGESTBOT_REDIS_PREFIX": prefix,
        "DIGESTBOT_QUEUE_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_S),
        "DIGESTBOT_QUEUE_CONSUMERS": "4",
        "DIGESTBOT_WORKERS": "1",
    }
    with contextlib.ExitStack() as stack:
        bases = [stack.enter_context(running_bot(slack.base_url, redis_url, data_dir, **env))[0]
                 for data_dir in replica_dirs]  # fmt: skip
        yield bases


def send(base: str, event: dict, event_id: str, retry_num: int | None = None) -> None:
    body = event_body(event, event_id=event_id)
    assert post_signed(f"{base}/slack/events", body, SECRET, JSON, retry_num=retry_num).status_code == 200


def digests_made(base: str) -> float:
    return metric(base, 'digestbot_digests_total{outcome="ok"}')


def settled(replicas: list[str], duplicates: float) -> bool:
    """Every job done (both replicas see an empty queue) and at least `duplicates` deliveries dropped between them.
    At least: on a starved machine an enqueue can answer past its deadline after its entry landed, and the job
    run in place then drops itself as the entry's duplicate (handlers/listeners/messages.py: queue_job)."""
    dropped = sum(metric(base, "digestbot_events_duplicate_total") for base in replicas)
    return dropped >= duplicates and all(queue_drained(base) for base in replicas)


def test_events_spread_over_two_replicas_are_each_digested_and_posted_once(
    replicas: list[str], slack: SlackStandIn, pages: LocalServer
) -> None:
    sent: dict[str, str] = {}  # message ts -> path
    retries = 0
    dropped = sum(metric(base, "digestbot_events_duplicate_total") for base in replicas)
    for n in range(MESSAGES):
        ts = f"1765000000.{n:06d}"
        event = message_event(f"look <{pages.url(f'/story-{n}')}>", channel="CSCALE", ts=ts)
        event_id = f"EvScale{n}"
        send(replicas[n % 2], event, event_id)
        if n % 3 == 0:  # Slack thought the ack was late: the retry reaches the other replica
            send(replicas[(n + 1) % 2], event, event_id, retry_num=1)
            retries += 1
        sent[ts] = f"/story-{n}"
    slack.wait_for_posts("CSCALE", MESSAGES)
    wait_until(lambda: settled(replicas, dropped + retries), f"{retries} retries dropped and the queue drained")
    posts = slack.posts("CSCALE")
    assert sorted(p.params["thread_ts"] for p in posts) == sorted(sent)  # one card per message, none twice
    for post in posts:
        path = sent[post.params["thread_ts"]]
        title = str(ARTICLES[TOPICS[int(path.rsplit("-", 1)[1]) % len(TOPICS)]]["title"])
        assert title in json.dumps(post.params["blocks"])
    fetched = [r.path for r in pages.requests if r.path.startswith("/story-")]
    assert sorted(fetched) == sorted(sent.values())  # each page fetched once, whichever replica digested it
    assert sum(digests_made(base) for base in replicas) == MESSAGES


def replica_holding_the_job(redis_url: str, prefix: str, replicas: list[str]) -> tuple[int, str]:
    """(worker pid, replica base URL) of the consumer holding the one pending job, read from the consumer group."""
    client = sync_client(redis_url)

    def pending() -> list[dict]:
        return client.xpending_range(f"{prefix}v1:queue:digest", GROUP, "-", "+", 10)

    wait_until(pending, "a job pending")
    [entry] = pending()
    client.close()
    pid = int(entry["consumer"].decode().split("/")[-3])  # consumer names are host/pid/instance/n
    # Only ever signal a worker of the replicas this test started: its parent's command line names that port.
    assert b"worker" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    status = Path(f"/proc/{pid}/status").read_text()
    [parent] = [int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:")]
    cmdline = Path(f"/proc/{parent}/cmdline").read_bytes().split(b"\0")
    [base] = [b for b in replicas if b.rsplit(":", 1)[1].encode() in cmdline and b"handlers.cli" in cmdline]
    return pid, base


def test_a_worker_killed_mid_digest_has_its_job_finished_by_another(
    replicas: list[str],
    replica_dirs: list[Path],
    slack: SlackStandIn,
    pages: LocalServer,
    stall: StallOnce,
    redis_url: str,
    prefix: str,
) -> None:
    url = pages.url("/stall")
    send(replicas[0], message_event(f"<{url}>", channel="CCRASH", ts="1765000100.000100"), "EvCrash")
    assert stall.stalled.wait(HANG_S), "the stalling page was never requested"
    pid, dying = replica_holding_the_job(redis_url, prefix, replicas)
    client = sync_client(redis_url)
    lock = f"{prefix}v1:lock:{{{url_hash(canonicalize(url))}}}"
    assert client.exists(lock)  # the worker is mid-digest: it holds the URL's single-flight lock
    os.kill(pid, signal.SIGKILL)
    client.close()
    # Nobody renews the dead worker's lock any more, so it expires within LOCK_TTL_MS, while the queue hands
    # the job to another worker (the other replica's, or the one started in place of the dead one).
    [card] = slack.wait_for_posts("CCRASH", 1)
    assert "A teenager wins" in json.dumps(card.params["blocks"])
    assert card.params["thread_ts"] == "1765000100.000100"
    wait_until(lambda: all(queue_drained(base) for base in replicas), "the queue drained")  # no job left to claim
    assert len(slack.posts("CCRASH")) == 1 and stall.requests == 2
    # The replica whose worker died still acks (its HTTP process lives on) and has started a new worker.
    log = replica_dirs[replicas.index(dying)] / "bot.log"
    assert "was killed by SIGKILL; restarting it" in log.read_text()
    for base in replicas:
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert queue_drained(base)


def test_a_job_run_again_after_its_share_was_recorded_still_posts_the_card(
    replicas: list[str], slack: SlackStandIn, pages: LocalServer, redis_url: str, prefix: str
) -> None:
    slack.error_next("chat.postMessage", "internal_error")  # the card fails after the share was remembered
    url = pages.url("/story-1")
    send(replicas[0], message_event(f"<{url}>", channel="CAGAIN", user="U7", ts="1765000300.000100"), "EvAgain")
    [card] = slack.wait_for_posts("CAGAIN", 1)  # on the job's second run
    assert "blocks" in card.params and card.params["thread_ts"] == "1765000300.000100"  # not a note to itself
    failed = [c for c in slack.calls("chat.postMessage") if c.params.get("channel") == "CAGAIN" and c is not card]
    assert [c.response.get("error") for c in failed] == ["internal_error"]
    client = sync_client(redis_url)
    assert not client.hget(f"{prefix}v1:ch:{{CAGAIN}}:n", url_hash(canonicalize(url)))  # counted once, not a repeat
    client.close()


def test_with_redis_down_a_replica_digests_in_process(throwaway_redis: RedisServer, tmp_path: Path) -> None:
    with (
        SlackStandIn() as slack,
        LocalServer(story_routes()) as pages,
        running_bot(slack.base_url, throwaway_redis.url, tmp_path) as (base, log_path),
    ):
        throwaway_redis.stop()
        try:
            for n in (1, 2):
                event = message_event(f"<{pages.url(f'/story-{n}')}>", channel=f"COUT{n}", ts=f"1765000200.{n:06d}")
                send(base, event, f"EvOutage{n}")
                [card] = slack.wait_for_posts(f"COUT{n}", 1)
                assert ARTICLES[TOPICS[n]]["title"] in json.dumps(card.params["blocks"])
            # A page-reading /digest, which the queue would take to a worker, is answered in place.
            command = slash_body(pages.url("/story-3"), channel_id="COUT3", response_url=slack.response_url("out"))
            assert post_signed(f"{base}/slack/events", command, SECRET, FORM).status_code == 200
            answer = slack.wait_for_answer("out")
            assert ARTICLES[TOPICS[3]]["title"] in json.dumps(answer.params["blocks"])
        finally:
            throwaway_redis.start()  # the bot's own teardown cleans its keys
        # Once per process, not per event or per part: the replica's HTTP process and each worker.
        assert log_path.read_text().count("Redis is unreachable") == 1 + usable_cpus()
