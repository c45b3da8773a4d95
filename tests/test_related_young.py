"""Related reading in a workspace's first days, end to end: `digestbot serve`, the Slack stand-in, real Redis.

Two articles on AI language models, one on Redis caching and one on bike lanes are shared; then a third AI
article's card lists the two AI ones and neither of the others, and a Redis Streams article's card lists the
Redis caching one. With document frequencies from four articles, the bot used to list the Redis and bike-lane
articles under the AI one, and nothing under the Redis Streams one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support.articles import ARTICLES, article_html
from tests.support.bot_process import HANG_S, SECRET, running_bot
from tests.support.http_server import LocalServer, html
from tests.support.slack_standin import JSON, Call, SlackStandIn, event_body, message_event, post_signed

CHANNEL = "CYOUNG"
FIRST_WEEK = ("ai-chips", "ai-tutors", "redis-cache", "bike-lanes")
RELATED = "You might also want to read"


@pytest.fixture(scope="module")
def pages() -> Iterator[LocalServer]:
    keys = (*FIRST_WEEK, "ai-agents", "redis-streams")
    with LocalServer({f"/{key}": html(article_html(key)) for key in keys}) as server:
        yield server


@pytest.fixture(scope="module")
def bot(slack: SlackStandIn, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_bot(slack.base_url, redis_url, tmp_path_factory.mktemp("young")) as (base, _):
        yield base


def share(bot: str, slack: SlackStandIn, pages: LocalServer, key: str) -> str:
    """Paste the article's link in the channel; return its card's related reading ("" when it shows none)."""
    posted = len(slack.posts(CHANNEL))
    event = message_event(f"have a look <{pages.url('/' + key)}>", channel=CHANNEL, ts=f"1764500000.{posted:06d}")
    assert post_signed(f"{bot}/slack/events", event_body(event), SECRET, JSON).status_code == 200
    card: Call = slack.wait_for_posts(CHANNEL, posted + 1, timeout=HANG_S)[-1]
    blocks = json.dumps(card.params.get("blocks") or [], ensure_ascii=False)
    assert ARTICLES[key]["title"] in blocks  # the card of this article
    return blocks.split(RELATED, 1)[1] if RELATED in blocks else ""


def titles(*keys: str) -> set[str]:
    return {str(ARTICLES[key]["title"]) for key in keys}


def listed(related: str) -> set[str]:
    return {title for title in titles(*FIRST_WEEK, "ai-agents") if title in related}


def test_a_young_workspace_lists_related_reading_on_topic_and_nothing_off_it(
    bot: str, slack: SlackStandIn, pages: LocalServer
) -> None:
    first_week = {key: share(bot, slack, pages, key) for key in FIRST_WEEK}
    assert listed(first_week["ai-tutors"]) == titles("ai-chips")
    assert first_week["redis-cache"] == first_week["bike-lanes"] == ""  # nothing on their topics yet
    assert listed(share(bot, slack, pages, "ai-agents")) == titles("ai-chips", "ai-tutors")
    assert listed(share(bot, slack, pages, "redis-streams")) == titles("redis-cache")
