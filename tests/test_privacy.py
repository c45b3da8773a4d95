"""End to end: a link shared in a private channel or a DM never reaches anyone outside it.

The real `digestbot serve`, signed Slack requests and the Slack stand-in. Private channel G1 shares the drought
story; public C2 shares a reservoirs story on the same topic, so related reading in other channels is not
empty: it shows the public story and must never show the private one. G1 itself does see its own link.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.articles import ARTICLES, article_html
from tests.support.bot_process import SECRET, running_bot
from tests.support.http_server import LocalServer, html
from tests.support.slack_standin import (
    FORM,
    JSON,
    SlackStandIn,
    app_home_opened_event,
    event_body,
    message_event,
    post_signed,
    slash_body,
)
from tests.support.waiting import wait_until

PRIVATE, DM, PUBLIC, OTHER = "G1", "D1", "C1", "C2"
DROUGHT = str(ARTICLES["drought"]["title"])  # shared only in the private channel
CHESS = str(ARTICLES["chess"]["title"])  # shared only in a DM
RESERVOIRS = str(ARTICLES["reservoirs"]["title"])  # public, on the same topic as the drought story


@dataclass
class Workspace:
    events_url: str
    slack: SlackStandIn
    pages: LocalServer

    def share(self, path: str, channel: str, channel_type: str = "channel") -> dict:
        """Paste a link as a person would and return the card posted in its thread."""
        event = message_event(f"<{self.pages.url(path)}>", channel=channel, channel_type=channel_type)
        assert post_signed(self.events_url, event_body(event), SECRET, JSON).status_code == 200

        def cards() -> list[dict]:
            return [c.params for c in self.slack.calls("chat.postMessage")
                    if c.params.get("channel") == channel and c.params.get("thread_ts") == event["ts"]]  # fmt: skip

        wait_until(cards, f"a card for {path} in {channel}")
        return cards()[0]  # its share was remembered before it went out: the next share can rely on it

    def command(self, text: str, channel: str) -> str:
        """Run `/digest <text>` in a channel; the caller's answer, text and blocks, as one string."""
        tag = f"r{time.monotonic_ns()}"
        body = slash_body(text, channel_id=channel, response_url=self.slack.response_url(tag))
        assert post_signed(self.events_url, body, SECRET, FORM).status_code == 200
        return visible(self.slack.wait_for_answer(tag).params)


def visible(params: dict) -> str:
    return params.get("text", "") + json.dumps(params.get("blocks") or [], ensure_ascii=False)


@pytest.fixture(scope="module")
def workspace(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    routes = {f"/{key}": html(article_html(key)) for key in ("rivers", "drought", "chess", "reservoirs")}
    channels = {PRIVATE: {"is_private": True, "name": "secret"}, DM: {"is_im": True, "is_channel": False}}
    with LocalServer(routes) as pages, SlackStandIn(channels=channels) as slack:
        # U1 is in the private channel, U2 only in public ones: App Home shows each their own channels' links
        slack.memberships |= {"U1": [PRIVATE, PUBLIC], "U2": [PUBLIC, OTHER]}
        with running_bot(slack.base_url, redis_url, tmp_path_factory.mktemp("privacy")) as (base, _log):
            space = Workspace(f"{base}/slack/events", slack, pages)
            space.share("/drought", PRIVATE, "group")
            space.share("/chess", DM, "im")
            space.share("/reservoirs", OTHER)
            yield space


def leaks(text: str, space: Workspace) -> list[str]:
    private = [DROUGHT, space.pages.url("/drought"), CHESS, space.pages.url("/chess")]
    return [item for item in private if item in text]


def test_another_channels_card_shows_public_related_reading_only(workspace: Workspace) -> None:
    card = visible(workspace.share("/rivers", PUBLIC))
    assert "You might also want to read" in card and RESERVOIRS in card
    assert leaks(card, workspace) == []


def test_the_private_channel_sees_its_own_link_in_related_reading(workspace: Workspace) -> None:
    card = visible(workspace.share("/rivers", PRIVATE, "group"))
    assert "You might also want to read" in card and DROUGHT in card


def test_search_from_elsewhere_never_finds_private_links(workspace: Workspace) -> None:
    for words in ("olive groves Andalusia drought farmers", "rapid chess championship teenager"):
        assert leaks(workspace.command(f"search {words}", PUBLIC), workspace) == []
    assert RESERVOIRS in workspace.command("search reservoirs Portugal drought", PUBLIC)
    assert DROUGHT in workspace.command("search olive groves Andalusia drought farmers", PRIVATE)


def test_related_from_elsewhere_never_lists_private_links(workspace: Workspace) -> None:
    rivers = workspace.pages.url("/rivers")
    answer = workspace.command(f"related {rivers}", PUBLIC)
    assert RESERVOIRS in answer and leaks(answer, workspace) == []
    assert DROUGHT in workspace.command(f"related {rivers}", PRIVATE)


def test_another_channels_roundup_never_lists_private_links(workspace: Workspace) -> None:
    workspace.share("/rivers", "C3")
    preview = workspace.command("roundup preview", "C3")
    assert "Roundup of <#C3>" in preview and "Rivers are running dry" in preview
    assert leaks(preview, workspace) == []
    assert DROUGHT in workspace.command("roundup preview", PRIVATE)


def home_of(workspace: Workspace, user: str) -> str:
    event = app_home_opened_event(user=user)
    published = len(views_of(workspace, user))
    assert post_signed(workspace.events_url, event_body(event), SECRET, JSON).status_code == 200
    wait_until(lambda: len(views_of(workspace, user)) > published, f"App Home published for {user}")
    return visible(views_of(workspace, user)[-1]["view"])


def views_of(workspace: Workspace, user: str) -> list[dict]:
    return [c.params for c in workspace.slack.calls("views.publish") if c.params.get("user_id") == user]


def test_app_home_shows_private_links_only_to_members(workspace: Workspace) -> None:
    workspace.share("/rivers", PUBLIC)
    outsider = home_of(workspace, "U2")
    assert "Rivers are running dry" in outsider and RESERVOIRS in outsider
    assert leaks(outsider, workspace) == []
    assert DROUGHT in home_of(workspace, "U1")
