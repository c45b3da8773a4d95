"""Socket Mode end to end: the real `digestbot serve` with an app token, connected to a local Socket Mode server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.articles import article_html
from tests.support.bot_process import metric, running_bot
from tests.support.http_server import LocalServer, html
from tests.support.slack_standin import SlackStandIn, event_body, message_event
from tests.support.socket_mode import SocketModeServer
from tests.support.waiting import wait_until

APP_TOKEN = "xapp-1-A1-socket-mode-test-token"


@pytest.fixture(scope="module")
def socket_mode() -> Iterator[SocketModeServer]:
    with SocketModeServer() as server:
        yield server


@pytest.fixture(scope="module")
def slack(socket_mode: SocketModeServer) -> Iterator[SlackStandIn]:
    with SlackStandIn(socket_mode_url=socket_mode.url) as standin:
        yield standin


@pytest.fixture(scope="module")
def bot(
    slack: SlackStandIn, socket_mode: SocketModeServer, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    with running_bot(slack.base_url, redis_url, tmp_path_factory.mktemp("socket"), SLACK_APP_TOKEN=APP_TOKEN) as bot:
        socket_mode.wait_connected()
        yield bot


@pytest.fixture(scope="module")
def pages() -> Iterator[LocalServer]:
    with LocalServer({"/rivers": html(article_html("rivers"))}) as server:
        yield server


def test_an_event_over_the_socket_is_acked_and_digested_once(
    bot: tuple[str, Path], slack: SlackStandIn, socket_mode: SocketModeServer, pages: LocalServer
) -> None:
    body = json.loads(event_body(message_event(f"have a look <{pages.url('/rivers')}>", channel="CSOCK")))
    socket_mode.wait_for_ack(socket_mode.send("events_api", body))
    [card] = slack.wait_for_posts("CSOCK")
    assert "Rivers are running dry" in json.dumps(card.params["blocks"]) and card.params["thread_ts"]
    assert slack.calls("apps.connections.open")[0].token == APP_TOKEN
    # Slack redelivers an envelope it thinks was lost: acked again, digested no second time.
    dropped = metric(bot[0], "digestbot_events_duplicate_total")
    socket_mode.wait_for_ack(socket_mode.send("events_api", body, retry_attempt=1))
    wait_until(lambda: metric(bot[0], "digestbot_events_duplicate_total") == dropped + 1, "the redelivery dropped")
    assert len(slack.posts("CSOCK")) == 1


def test_health_and_metrics_are_served_in_socket_mode_too(bot: tuple[str, Path]) -> None:
    base, log_path = bot
    assert httpx.get(f"{base}/healthz").status_code == 200
    assert httpx.get(f"{base}/readyz").json() == {"redis": True, "slack": True, "workers": True}
    assert "digestbot_events_received_total" in httpx.get(f"{base}/metrics").text
    assert httpx.post(f"{base}/slack/events", content=b"{}").status_code == 404  # events come over the socket
    assert "connected to Slack in Socket Mode" in log_path.read_text()
    assert APP_TOKEN not in log_path.read_text()
