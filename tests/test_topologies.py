"""The real `digestbot serve` on each Redis topology it supports: one server, a Redis Cluster (3 masters, a replica
each) and master + replica behind a Sentinel (tests/support/topologies.py).

On each: the Slack flow (a card, a repeat's "first shared" note, related reading, a retried event handled once);
on the cluster and the Sentinel also a master SIGKILLed mid-run, its replica promoted. And a replica whose Redis
is not there yet (a cluster not formed, a server not started) starts unready and connects once it can.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.articles import ARTICLES, article_html
from tests.support.bot_process import HANG_S, SECRET, running_bot, wait_remembered
from tests.support.http_server import LocalServer, html
from tests.support.redis_server import RedisServer
from tests.support.slack_standin import JSON, SlackStandIn, event_body, message_event, post_signed
from tests.support.topologies import TOPOLOGIES, Cluster, SentinelSet, redis_url_for

STORIES = 3  # /story-N pages for the failover test
OUTAGE = "Redis is unreachable"


@pytest.fixture(scope="module")
def pages() -> Iterator[LocalServer]:
    routes: dict = {f"/{key}": html(article_html(key)) for key in ("rivers", "drought", "chess")}
    routes |= {f"/story-{n}": html(article_html(key)) for n, key in enumerate(sorted(ARTICLES)[:STORIES])}
    with LocalServer(routes) as server:
        yield server


@pytest.fixture(scope="module", params=TOPOLOGIES)
def topology(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def topology_url(topology: str, request: pytest.FixtureRequest, redis_url: str) -> str:
    return redis_url_for(topology, request, redis_url)


@pytest.fixture(scope="module")
def prefix() -> str:
    return f"test-topo-{uuid.uuid4().hex[:8]}:"


@pytest.fixture(scope="module")
def bot(
    slack: SlackStandIn, topology_url: str, prefix: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("bot")
    with running_bot(slack.base_url, topology_url, data_dir, DIGESTBOT_REDIS_PREFIX=prefix) as started:
        yield started


def send(base: str, event: dict, event_id: str | None = None, retry_num: int | None = None) -> None:
    body = event_body(event, **({"event_id": event_id} if event_id else {}))
    assert post_signed(f"{base}/slack/events", body, SECRET, JSON, retry_num=retry_num).status_code == 200


def duplicates_dropped(base: str) -> float:
    metrics = httpx.get(f"{base}/metrics", timeout=5).text
    return sum(float(line.split()[-1]) for line in metrics.splitlines()
               if line.startswith("digestbot_events_duplicate_total"))  # fmt: skip


def wait_for(check: object, what: str) -> None:
    deadline = time.monotonic() + HANG_S
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.1)


def test_the_slack_flow_works_on_every_topology(
    topology: str, bot: tuple[str, Path], topology_url: str, slack: SlackStandIn, pages: LocalServer
) -> None:
    base, log = bot
    channel = f"CFLOW{topology.upper()}"
    rivers, drought = pages.url("/rivers"), pages.url("/drought")
    send(base, message_event(f"<{rivers}>", channel=channel, user="U1", ts="1766000000.000100"))
    [card] = slack.wait_for_posts(channel, 1)
    assert ARTICLES["rivers"]["title"] in json.dumps(card.params["blocks"])
    wait_remembered(topology_url, channel, rivers)  # in the channel's memory and the related index

    send(base, message_event(f"again <{rivers}>", channel=channel, user="U2", ts="1766000001.000100"))
    note = slack.wait_for_posts(channel, 2)[1]
    assert note.params["text"].startswith("First shared by U1 ") and "blocks" not in note.params

    send(base, message_event(f"<{drought}>", channel=channel, user="U2", ts="1766000002.000100"), "EvTopoDrought")
    send(base, message_event(f"<{drought}>", channel=channel, user="U2", ts="1766000002.000100"), "EvTopoDrought",
         retry_num=1)  # fmt: skip
    related = slack.wait_for_posts(channel, 3)[2]
    blocks = json.dumps(related.params["blocks"])
    assert ARTICLES["drought"]["title"] in blocks
    assert "You might also want to read" in blocks and ARTICLES["rivers"]["title"] in blocks
    wait_for(lambda: duplicates_dropped(base) >= 1, "the retried event being dropped")

    send(base, message_event(f"<{pages.url('/chess')}>", channel=channel, ts="1766000003.000100"))
    slack.wait_for_posts(channel, 4)  # handled after the retry: one card per message, none twice
    assert [p.params["thread_ts"] for p in slack.posts(channel)] == [
        "1766000000.000100", "1766000001.000100", "1766000002.000100", "1766000003.000100"
    ]  # fmt: skip
    text = log.read_text()
    assert OUTAGE not in text and "Traceback" not in text  # the workers started without flapping


def test_a_master_killed_mid_run_loses_no_card_and_posts_none_twice(
    topology: str,
    bot: tuple[str, Path],
    topology_url: str,
    prefix: str,
    slack: SlackStandIn,
    pages: LocalServer,
    request: pytest.FixtureRequest,
) -> None:
    if topology == "single":
        pytest.skip("one Redis has no replica to fail over to (its outage: tests/test_redis_outage.py)")
    base, _ = bot
    first, during, after = (pages.url(f"/story-{n}") for n in range(STORIES))
    channel = f"CFAIL{topology.upper()}"
    send(base, message_event(f"<{first}>", channel=channel, user="U1", ts="1766000100.000100"))
    slack.wait_for_posts(channel, 1)
    wait_remembered(topology_url, channel, first)

    if topology == "cluster":
        cluster: Cluster = request.getfixturevalue("redis_cluster")
        dead = cluster.kill_master_of(f"{prefix}v1:ch:{{{channel}}}:first")  # the share records' master
        send(base, message_event(f"<{during}>", channel=channel, user="U1", ts="1766000101.000100"))
        cluster.recover(dead)
    else:
        sentinel: SentinelSet = request.getfixturevalue("redis_sentinel")
        old = sentinel.kill_master()
        send(base, message_event(f"<{during}>", channel=channel, user="U1", ts="1766000101.000100"))
        sentinel.recover(old)
    slack.wait_for_posts(channel, 2, timeout=HANG_S)  # the link sent while the master was dead got its card

    send(base, message_event(f"<{after}>", channel=channel, user="U2", ts="1766000102.000100"))
    send(base, message_event(f"again <{first}>", channel=channel, user="U2", ts="1766000103.000100"))
    slack.wait_for_posts(channel, 4, timeout=HANG_S)
    posts = {p.params["thread_ts"]: p for p in slack.posts(channel)}
    assert len(posts) == len(slack.posts(channel)) == 4  # one reply per message, none twice
    assert all("blocks" in posts[ts].params for ts in ("1766000100.000100", "1766000101.000100",
                                                        "1766000102.000100"))  # fmt: skip
    # The first share, acknowledged before the failover, survived it: the repeat gets its note, not a card.
    assert posts["1766000103.000100"].params["text"].startswith("First shared by U1 ")


# --- start-up before Redis is there ------------------------------------------------------------------------------


def readiness(base: str) -> tuple[int, dict]:
    response = httpx.get(f"{base}/readyz", timeout=10)
    return response.status_code, response.json()


def assert_starts_unready_then_connects(base: str, log: Path, slack: SlackStandIn, pages: LocalServer,
                                        channel: str, bring_up: object) -> None:  # fmt: skip
    assert httpx.get(f"{base}/healthz").status_code == 200
    status, checks = readiness(base)
    assert (status, checks["redis"], checks["slack"]) == (503, False, True)
    bring_up()  # type: ignore[operator]
    wait_for(lambda: readiness(base)[0] == 200, "readiness once Redis is up")
    send(base, message_event(f"<{pages.url('/chess')}>", channel=channel, ts="1766000200.000100"))
    [card] = slack.wait_for_posts(channel, 1)
    assert ARTICLES["chess"]["title"] in json.dumps(card.params["blocks"])
    text = log.read_text()
    assert "Traceback" not in text and "RedisClusterException" not in text.split(OUTAGE, 1)[0]


def test_a_replica_starts_before_its_cluster_is_formed_and_connects_once_it_is(
    slack: SlackStandIn, pages: LocalServer, tmp_path: Path
) -> None:
    cluster = Cluster(tmp_path / "cluster")
    try:
        for node in cluster.nodes:
            node.start()  # up, but no slots assigned yet: "All slots are not covered"
        with running_bot(slack.base_url, cluster.url, tmp_path) as (base, log):
            assert_starts_unready_then_connects(base, log, slack, pages, "CFORMING", cluster.form)
    finally:
        cluster.stop()


def test_a_replica_starts_before_its_redis_and_connects_once_it_answers(
    slack: SlackStandIn, pages: LocalServer, tmp_path: Path
) -> None:
    server = RedisServer(tmp_path / "redis")  # its port is chosen, nothing listens there yet
    try:
        with running_bot(slack.base_url, server.url, tmp_path) as (base, log):
            assert_starts_unready_then_connects(base, log, slack, pages, "CLATE", server.start)
    finally:
        server.stop()
