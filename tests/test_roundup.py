"""Weekly roundups against real Redis and the Slack stand-in: content, order, unseen related reading, privacy,
quiet weeks, Block Kit limits and escaping, and `/digest roundup ...`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio

from bot.config import Settings
from bot.memory.channel_settings import ChannelSettings
from bot.memory.channels import Share
from bot.models import Digest
from bot.roundup import (
    LONGEST,
    MAX_ITEMS,
    MAX_RELATED,
    WEEK,
    Roundup,
    RoundupItem,
    build_roundup,
    channel_roundup,
    iso_week,
    record_end,
    roundup_start,
)
from bot.runtime.scheduler import PostFailed
from bot.service import DigestService
from handlers.cards import CARD_BUDGET
from handlers.command_text import NOT_SAVED, parse_command
from handlers.listeners.commands import answer_command
from handlers.names import MAX_LOOKUPS, UserNames
from handlers.roundups import (
    MEMORY_AWAY,
    QUIET_LINE,
    for_the_scheduler,
    roundup_blocks,
    roundup_command,
    sharer_names,
)
from handlers.slack_client import make_client
from tests.support.bot_process import REPO, bot_for
from tests.support.slack_standin import SlackStandIn

END = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday morning
START = END - timedelta(days=7)

# Two topics, a few stories each; every text talks about its topic only.
STORIES: dict[str, tuple[str, str]] = {
    "po": (
        "Drought leaves the river Po at its lowest level in decades",
        "The river Po fell to its lowest level in seventy years as drought gripped northern Italy. Farmers in the "
        "valley could not irrigate rice and maize, and salt water from the sea pushed inland along the dry river "
        "bed. Hydrologists blame a winter without snow and a spring without rain for the drought.",
    ),
    "reservoirs": (
        "Spanish reservoirs drop below a third of capacity in the drought",
        "Reservoirs across Spain held less than a third of their capacity after months of drought. Towns in "
        "Catalonia received drinking water by truck, and farmers lost olive and wheat harvests to the dry "
        "weather. Officials imposed water restrictions on irrigation as rivers and reservoirs kept falling.",
    ),
    "aquifers": (
        "Groundwater aquifers are draining faster than rain can refill them",
        "Farmers pumping groundwater to irrigate crops through the drought are emptying aquifers faster than rain "
        "refills them. Hydrologists measured water tables falling a metre a year under the dry valley, and wells "
        "that once watered wheat and olive farms have run dry.",
    ),
    "rationing": (
        "Cities ration water as the drought dries rivers and reservoirs",
        "Several cities began rationing drinking water as the drought dried rivers and emptied reservoirs. "
        "Residents may water gardens only at night, and farmers face cuts to irrigation. Hydrologists warn the "
        "dry weather could last another season if winter rain fails again.",
    ),
    "desalination": (
        "Desalination plants promise water for drought-hit farms",
        "Governments are building desalination plants to supply water to farms hit by drought, as rivers and "
        "reservoirs run dry. The plants turn sea water into water for irrigation, but farmers say the water "
        "costs too much for crops like wheat and olives.",
    ),
    "candidates": (
        "Young grandmaster wins the chess Candidates tournament",
        "A nineteen-year-old grandmaster won the chess Candidates tournament with a round to spare and will "
        "challenge the world champion for the title. She beat the favourite with the black pieces in a long "
        "endgame, after a sharp Sicilian opening that her rivals could not crack.",
    ),
    "openings": (
        "Chess engines change how grandmasters prepare their openings",
        "Chess grandmasters now prepare openings with engines that search deeper than any human. Players memorise "
        "long lines of the Sicilian and the Ruy Lopez, and the world champion said engine preparation decides "
        "many games before the middlegame. Some players choose rare openings to avoid the engines.",
    ),
    "blitz": (
        "World blitz chess championship ends in a tiebreak",
        "The world blitz chess championship ended in a tiebreak between two grandmasters after twenty one rounds. "
        "The champion won the armageddon game with the black pieces, defending a difficult endgame with seconds "
        "on the clock. Chess fans watched the final rounds online.",
    ),
}


def url(key: str) -> str:
    return f"https://news-{key}.example.com/{key}"


def digest(key: str) -> Digest:
    title, text = STORIES[key]
    return Digest(source=url(key), url=url(key), canonical_url=url(key), title=title, summary=text, text=text)


def when(days_before_end: float) -> datetime:
    return END - timedelta(days=days_before_end)


async def share(service: DigestService, channel: str, key: str, user: str, at: datetime, private: bool = False) -> None:
    """A link shared in a channel: digest cached, share recorded, article indexed (as the message handler does)."""
    d = digest(key)
    await service.store.cache.put(d)
    record = Share(
        team_id="T1", channel_id=channel, channel_is_private=private, canonical_url=d.canonical_url, user_id=user,
        ts=f"{int(at.timestamp())}.000100", title=d.title, shared_at=at,
    )  # fmt: skip
    await service.remember(record, d)


async def cleanup(settings: Settings) -> None:
    client = redis.asyncio.Redis.from_url(settings.redis_url or "")
    async for key in client.scan_iter(match=f"{settings.redis_prefix}*", count=1000):
        await client.delete(key)
    await client.aclose()


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    users = {"U1": {"tz": "Asia/Tokyo", "real_name": "Ada <@U9> & co"}, "U3": {"profile": {"display_name": "Grace"}}}
    with SlackStandIn(users=users) as standin:
        yield standin


@pytest.fixture
async def service(redis_url: str, slack: SlackStandIn, tmp_path: Path) -> AsyncIterator[DigestService]:
    settings = Settings.model_validate({
        "REDIS_URL": redis_url, "DIGESTBOT_REDIS_PREFIX": f"test:roundup:{uuid.uuid4().hex}:",
        "DIGESTBOT_DATA_DIR": tmp_path,
    })  # fmt: skip
    svc = DigestService.open(settings)
    yield svc
    await cleanup(settings)
    await svc.close()


@pytest.fixture
async def workspace(service: DigestService) -> DigestService:
    """C1 (public) shared drought and chess stories this week and one drought story a month ago; C2 (public) and
    G1 (private) shared other stories."""
    await share(service, "C1", "aquifers", "U9", when(30))  # an earlier week: C1 has seen it
    await share(service, "C2", "rationing", "U5", when(20))
    await share(service, "C2", "openings", "U5", when(20))
    await share(service, "G1", "desalination", "U7", when(15), private=True)
    await share(service, "C1", "reservoirs", "U2", when(6))
    await share(service, "C1", "po", "U1", when(5))
    await share(service, "C1", "candidates", "U3", when(4))
    await share(service, "C1", "po", "U2", when(3))
    await share(service, "C1", "reservoirs", "U3", when(2))
    await share(service, "C1", "po", "U3", when(1))
    await share(service, "C2", "blitz", "U5", when(10))
    return service


# --- building ---------------------------------------------------------------------------------------------------


def test_iso_week_is_counted_in_utc() -> None:
    assert iso_week(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) == "2026-W48"
    assert iso_week(datetime(2026, 11, 23, 0, 30)) == "2026-W48"  # naive is UTC
    tokyo_monday = datetime(2026, 11, 23, 5, 0, tzinfo=UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert iso_week(tokyo_monday - timedelta(hours=6)) == "2026-W47"  # Sunday 23:00 UTC
    assert iso_week(datetime(2027, 1, 1, tzinfo=UTC)) == "2026-W53"


async def test_the_week_most_shared_first_then_earliest(workspace: DigestService) -> None:
    roundup = await build_roundup(workspace, "T1", "C1", START, END)
    assert roundup is not None
    assert [(i.canonical_url, i.shares, i.shared_by) for i in roundup.items] == [
        (url("po"), 3, "U1"),
        (url("reservoirs"), 2, "U2"),
        (url("candidates"), 1, "U3"),
    ]
    assert roundup.items[0].title == STORIES["po"][0]
    assert roundup.items[0].one_line.startswith("The river Po fell")
    assert len(roundup.items[0].one_line) <= 141
    assert (roundup.channel_id, roundup.week, roundup.more) == ("C1", "2026-W48", 0)


async def test_equal_counts_keep_the_earliest_first(service: DigestService) -> None:
    for key, days in (("blitz", 2), ("openings", 5), ("candidates", 3)):
        await share(service, "C5", key, "U1", when(days))
    roundup = await build_roundup(service, "T1", "C5", START, END)
    assert roundup is not None
    assert [i.canonical_url for i in roundup.items] == [url("openings"), url("candidates"), url("blitz")]


async def test_among_equal_shares_the_most_reacted_comes_first(service: DigestService) -> None:
    for key, days in (("blitz", 2), ("openings", 5), ("candidates", 3)):
        await share(service, "C6", key, "U1", when(days))
    for _ in range(2):
        await service.store.channels.count_reaction("C6", f"{int(when(2).timestamp())}.000100", +1)  # blitz's message
    await service.store.channels.count_reaction("C6", f"{int(when(3).timestamp())}.000100", +1)  # candidates' message
    roundup = await build_roundup(service, "T1", "C6", START, END)
    assert roundup is not None
    assert [i.canonical_url for i in roundup.items] == [url("blitz"), url("candidates"), url("openings")]


async def test_related_reading_is_only_what_the_channel_has_not_seen(workspace: DigestService) -> None:
    roundup = await build_roundup(workspace, "T1", "C1", START, END)
    assert roundup is not None
    related = [r.canonical_url for r in roundup.related]
    assert set(related) == {url("rationing"), url("openings"), url("blitz")}  # drought and chess, from C2
    assert url("aquifers") not in related  # C1 shared it a month ago
    assert not set(related) & {i.canonical_url for i in roundup.items}
    assert len(related) == len(set(related)) <= MAX_RELATED


async def test_a_private_channels_article_stays_in_that_channel(workspace: DigestService) -> None:
    roundup = await build_roundup(workspace, "T1", "C1", START, END)
    assert roundup is not None
    assert url("desalination") not in [r.canonical_url for r in roundup.related]  # only G1 (private) shared it
    await share(workspace, "C7", "desalination", "U8", when(12))  # now a public channel shared it too
    roundup = await build_roundup(workspace, "T1", "C1", START, END)
    assert roundup is not None
    assert url("desalination") in [r.canonical_url for r in roundup.related]


async def test_a_quiet_week_is_none(workspace: DigestService) -> None:
    assert await build_roundup(workspace, "T1", "C9", START, END) is None
    assert await build_roundup(workspace, "T1", "C1", END + timedelta(days=1), END + timedelta(days=8)) is None
    assert await build_roundup(workspace, "T1", "C1", START - timedelta(days=60), START - timedelta(days=40)) is None


async def test_a_channel_known_by_id_only_gets_its_team_from_its_shares(workspace: DigestService) -> None:
    assert await channel_roundup(workspace, "C1", END) == await build_roundup(workspace, "T1", "C1", START, END)
    assert await channel_roundup(workspace, "C9", END) is None


async def test_a_roundup_starts_where_the_last_one_ended_or_a_week_back(service: DigestService) -> None:
    assert await roundup_start(service, "C1", END) == END - WEEK  # the channel's first
    await record_end(service, "C1", END - timedelta(days=3))
    assert await roundup_start(service, "C1", END) == END - timedelta(days=3)
    assert await roundup_start(service, "C1", END - timedelta(days=3) + LONGEST) == END - timedelta(days=3)
    after_a_pause = END - timedelta(days=3) + LONGEST + timedelta(seconds=1)
    assert await roundup_start(service, "C1", after_a_pause) == after_a_pause - WEEK


async def test_a_roundups_end_is_kept_exactly_and_never_moved_back(service: DigestService) -> None:
    end = END + timedelta(microseconds=600_000)  # a rounded end would list a link of the next 0.4 s twice or never
    await record_end(service, "C1", end)
    await record_end(service, "C1", end - timedelta(days=1))  # a slower replica's run, finishing after a `now`
    assert await roundup_start(service, "C1", end + timedelta(days=7)) == end


@pytest.mark.parametrize("stored", [b"nan", b"inf", b"1e400", b"next monday"])
async def test_an_end_not_written_by_the_bot_is_no_end_and_is_written_over(
    service: DigestService, stored: bytes
) -> None:
    await service.redis.set(service.store.keys.roundup_end("C1"), stored)
    assert await roundup_start(service, "C1", END) == END - WEEK
    await record_end(service, "C1", END - timedelta(days=2))
    assert await roundup_start(service, "C1", END) == END - timedelta(days=2)


async def test_links_shared_after_the_end_wait_for_next_week(workspace: DigestService) -> None:
    await share(workspace, "C1", "blitz", "U4", END + timedelta(hours=1))
    roundup = await build_roundup(workspace, "T1", "C1", START, END)
    assert roundup is not None
    assert url("blitz") not in [i.canonical_url for i in roundup.items]


# --- Block Kit --------------------------------------------------------------------------------------------------


def hostile_roundup(count: int) -> Roundup:
    evil = "<!channel> Tom & Jerry <https://evil.example|click> " * 8
    items = [
        RoundupItem(
            title=f"{i} {evil}",
            canonical_url=f"https://a.example/{i}",
            shared_by="U1",
            shared_at=START,
            one_line=evil[:140],
            shares=count - i,
        )
        for i in range(count)
    ]
    return Roundup(team_id="T1", channel_id="C1", week="2026-W48", start=START, end=END, items=items)


@pytest.mark.parametrize("count", [1, 15])
def test_blocks_stay_within_limits_and_escape_page_text(count: int) -> None:
    text, blocks = roundup_blocks(hostile_roundup(count), {"U1": "Tom <@U9> & co"})
    assert text.startswith("Roundup of <#C1>")
    assert blocks[0]["text"]["text"] == "*Roundup of <#C1>*"
    assert len(blocks) <= 50
    assert sum(len(json.dumps(b)) for b in blocks) < CARD_BUDGET + 1000
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections)
    body = "\n".join(sections)
    assert "<!channel>" not in body and "<https://evil" not in body
    assert "&lt;!channel&gt; Tom &amp; Jerry" in body
    assert "shared by Tom &lt;@U9&gt; &amp; co" in body and "<@" not in body  # a name, never a mention


def test_a_link_too_long_for_a_section_is_listed_by_its_title_never_cut() -> None:
    roundup = hostile_roundup(3)
    long_url = f"https://a.example/{'slug-' * 700}"  # past a section's 3,000 characters on its own
    roundup.items[1] = roundup.items[1].model_copy(update={"canonical_url": long_url, "title": "Rivers run dry"})
    _, blocks = roundup_blocks(roundup, {"U1": "Ada"})
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(s) <= 3000 and s.count("<") == s.count(">") for s in sections)  # no link cut open
    body = "\n".join(sections)
    assert "• Rivers run dry — shared by Ada" in body and long_url not in body
    assert body.count("<https://a.example/") == 2  # the others keep their links


def test_links_that_do_not_fit_are_counted() -> None:
    _, blocks = roundup_blocks(hostile_roundup(15).model_copy(update={"more": 4}), {})
    body = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    shown = body.count("shared by U1")  # a sharer whose name is unknown is shown by id
    assert shown < 15
    assert f"…and {15 - shown + 4} more links" in body


async def test_the_card_shows_counts_one_lines_and_related(workspace: DigestService) -> None:
    roundup = await build_roundup(workspace, "T1", "C1", START, END)
    assert roundup is not None
    _, blocks = roundup_blocks(roundup, {"U1": "Ada", "U3": "Grace"})
    body = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert f"• <{url('po')}|{STORIES['po'][0]}> — shared by Ada (×3)\n   The river Po fell" in body
    assert f"<{url('candidates')}|{STORIES['candidates'][0]}> — shared by Grace\n" in body  # no (×1)
    assert "*Related reading you haven't seen*" in body
    assert url("rationing") in body.split("Related reading")[1]


# --- /digest roundup --------------------------------------------------------------------------------------------


def body(channel: str = "C1", user: str = "U1") -> dict[str, str]:
    return {"channel_id": channel, "user_id": user, "team_id": "T1"}


async def run(service: DigestService, slack: SlackStandIn, text: str, channel: str = "C1", user: str = "U1") -> str:
    answer = await roundup_command(parse_command(text), body(channel, user), bot_for(service, slack.base_url))
    return str(answer["text"])


async def test_on_defaults_to_monday_nine_in_the_callers_slack_timezone(
    service: DigestService, slack: SlackStandIn
) -> None:
    reply = await run(service, slack, "roundup on")
    assert "every Monday at 09:00 (Asia/Tokyo)" in reply
    assert slack.calls("users.info")[0].params["user"] == "U1"
    expected = ChannelSettings(roundup_enabled=True, roundup_day=0, roundup_time="09:00", timezone="Asia/Tokyo")
    stored = await service.store.channel_settings.get("C1")
    assert stored.roundup_set_at and stored.model_copy(update={"roundup_set_at": None}) == expected
    assert await service.store.channel_settings.with_roundups() == [("C1", stored)]


async def test_on_with_day_time_and_zone(service: DigestService, slack: SlackStandIn) -> None:
    reply = await run(service, slack, "roundup on fri 16:30 europe/berlin")
    assert "every Friday at 16:30 (Europe/Berlin)" in reply
    assert not slack.calls("users.info")  # the zone was given
    settings = await service.store.channel_settings.get("C1")
    assert (settings.roundup_day, settings.roundup_time, settings.timezone) == (4, "16:30", "Europe/Berlin")


async def test_an_unknown_timezone_is_refused_clearly(service: DigestService, slack: SlackStandIn) -> None:
    reply = await run(service, slack, "roundup on Mars/Olympus_Mons")
    assert "I don't know the timezone `Mars/Olympus_Mons`" in reply and "Europe/Berlin" in reply
    assert not (await service.store.channel_settings.get("C1")).roundup_enabled


async def test_slack_not_answering_users_info_means_utc(service: DigestService, slack: SlackStandIn) -> None:
    slack.error_next("users.info", "user_not_found")
    assert "(UTC)" in await run(service, slack, "roundup on tue 07:15", user="U404")
    assert (await service.store.channel_settings.get("C1")).timezone == "UTC"


async def test_off_keeps_the_rest_of_the_settings(service: DigestService, slack: SlackStandIn) -> None:
    await run(service, slack, "roundup on wed 10:00 UTC")
    reply = await run(service, slack, "roundup off")
    assert "off" in reply
    settings = await service.store.channel_settings.get("C1")
    assert (settings.roundup_enabled, settings.roundup_day) == (False, 2)
    assert await service.store.channel_settings.with_roundups() == []


async def test_on_keeps_the_channels_schedule_but_for_the_parts_given(
    service: DigestService, slack: SlackStandIn
) -> None:
    await run(service, slack, "roundup on fri 17:30 Europe/Berlin")
    await run(service, slack, "roundup off")
    assert "every Friday at 17:30 (Europe/Berlin)" in await run(service, slack, "roundup on")  # not Monday 09:00
    assert "every Tuesday at 17:30 (Europe/Berlin)" in await run(service, slack, "roundup on tue")
    assert "every Tuesday at 08:15 (Europe/Berlin)" in await run(service, slack, "roundup on 08:15")
    assert "every Tuesday at 08:15 (UTC)" in await run(service, slack, "roundup on utc")
    assert not slack.calls("users.info")  # the channel's zone stands: the caller's (Asia/Tokyo) is never asked
    settings = await service.store.channel_settings.get("C1")
    assert (settings.roundup_enabled, settings.roundup_day, settings.roundup_time, settings.timezone) == (
        True, 1, "08:15", "UTC",
    )  # fmt: skip


async def test_preview_answers_only_the_caller(workspace: DigestService, slack: SlackStandIn) -> None:
    now = datetime.now(UTC)
    await share(workspace, "C3", "blitz", "U1", now - timedelta(hours=2))
    answer = await answer_command(parse_command("roundup preview"), body("C3"), bot_for(workspace, slack.base_url))
    assert answer["text"].startswith("Roundup of <#C3>")
    assert url("blitz") in json.dumps(answer["blocks"])
    assert not slack.calls("chat.postMessage")
    assert await run(workspace, slack, "roundup preview", channel="C9") == QUIET_LINE


async def test_now_posts_for_everyone(workspace: DigestService, slack: SlackStandIn) -> None:
    await share(workspace, "C3", "blitz", "U1", datetime.now(UTC) - timedelta(hours=2))
    assert "Posted" in await run(workspace, slack, "roundup now", channel="C3")
    (post,) = slack.calls("chat.postMessage")
    assert post.status == 200 and post.response["ok"]
    assert post.params["channel"] == "C3" and post.params["unfurl_links"] in (False, "false", "0", 0)
    assert url("blitz") in json.dumps(post.params["blocks"])
    assert await run(workspace, slack, "roundup now", channel="C9") == QUIET_LINE
    assert len(slack.calls("chat.postMessage")) == 1


async def test_preview_and_now_list_what_the_next_roundup_would(workspace: DigestService, slack: SlackStandIn) -> None:
    """Since the channel's last roundup, not a fixed 7 days; `now` counts as one, `preview` does not."""
    now = datetime.now(UTC)
    await share(workspace, "C3", "blitz", "U1", now - timedelta(days=3))
    await record_end(workspace, "C3", now - timedelta(days=2))  # a roundup went out then, blitz in it
    await share(workspace, "C3", "candidates", "U1", now - timedelta(days=1))
    for _ in range(2):  # a preview changes nothing
        answer = await answer_command(parse_command("roundup preview"), body("C3"), bot_for(workspace, slack.base_url))
        assert url("candidates") in json.dumps(answer["blocks"]) and url("blitz") not in json.dumps(answer["blocks"])
    assert "Posted" in await run(workspace, slack, "roundup now", channel="C3")
    (post,) = slack.calls("chat.postMessage")
    assert url("candidates") in json.dumps(post.params["blocks"]) and url("blitz") not in json.dumps(post.params)
    assert await run(workspace, slack, "roundup preview", channel="C3") == QUIET_LINE  # `now` posted candidates


async def test_a_posted_roundup_names_its_sharers_and_pings_no_one(
    workspace: DigestService, slack: SlackStandIn
) -> None:
    now = datetime.now(UTC)
    await share(workspace, "C3", "blitz", "U1", now - timedelta(hours=2))
    await share(workspace, "C3", "candidates", "U3", now - timedelta(hours=1))
    await run(workspace, slack, "roundup now", channel="C3")
    (post,) = slack.calls("chat.postMessage")
    body = "\n".join(b["text"]["text"] for b in post.params["blocks"] if b["type"] == "section")
    assert "shared by Ada &lt;@U9&gt; &amp; co" in body and "shared by Grace" in body  # as users.info names them
    assert "<@" not in json.dumps(post.params["blocks"])


async def test_each_sharer_of_a_full_roundup_is_named_once(slack: SlackStandIn) -> None:
    readers = [f"U{n:02d}" for n in range(MAX_LOOKUPS + 2)]  # more than one message's mentions may name
    slack.users |= {user: {"profile": {"display_name": f"Reader {user}"}} for user in readers}
    items = [
        RoundupItem(title=f"Story {n}", canonical_url=f"https://a.example/{n}", shared_by=readers[n % len(readers)],
                    shared_at=START, one_line="", shares=1)
        for n in range(MAX_ITEMS)
    ]  # fmt: skip
    roundup = Roundup(team_id="T1", channel_id="C1", week=iso_week(END), start=START, end=END, items=items)
    sharers = await sharer_names(UserNames(make_client("xoxb-test", slack.base_url)), roundup)
    assert sharers == {user: f"Reader {user}" for user in readers}
    assert len(slack.calls("users.info")) == len(readers)


async def test_preview_and_now_say_so_when_memory_is_unavailable(
    refused_url: str, slack: SlackStandIn, tmp_path: Path
) -> None:
    away = DigestService.open(Settings.model_validate({"REDIS_URL": refused_url, "DIGESTBOT_DATA_DIR": tmp_path}))
    try:
        assert await run(away, slack, "roundup preview") == MEMORY_AWAY
        assert await run(away, slack, "roundup now") == MEMORY_AWAY
    finally:
        await away.close()
    assert not slack.calls("chat.postMessage")


async def test_a_setting_memory_did_not_take_is_never_claimed(
    refused_url: str, slack: SlackStandIn, tmp_path: Path
) -> None:
    away = DigestService.open(Settings.model_validate({"REDIS_URL": refused_url, "DIGESTBOT_DATA_DIR": tmp_path}))
    bot = bot_for(away, slack.base_url)
    try:
        for text in ("roundup on friday 17:00 UTC", "roundup off"):
            assert await run(away, slack, text) == NOT_SAVED, text
        for text in ("mute", "unmute", "repeats off"):
            assert (await answer_command(parse_command(text), body("C1", "U1"), bot))["text"] == NOT_SAVED, text
    finally:
        await away.close()


async def test_now_in_a_channel_without_the_bot_says_so(workspace: DigestService, slack: SlackStandIn) -> None:
    await share(workspace, "C3", "blitz", "U1", datetime.now(UTC) - timedelta(hours=2))
    slack.error_next("chat.postMessage", "not_in_channel")
    reply = await run(workspace, slack, "roundup now", channel="C3")
    assert "not_in_channel" in reply and "/invite" in reply


@pytest.mark.parametrize("failure", [TimeoutError(), aiohttp.ServerDisconnectedError()])
async def test_a_post_slack_never_answered_is_for_the_scheduler_to_retry(failure: Exception) -> None:
    async def post(channel_id: str) -> None:
        raise failure

    with pytest.raises(PostFailed) as raised:
        await for_the_scheduler(post)("C1")
    assert not raised.value.lasting


async def test_on_in_a_channel_without_the_bot_says_to_invite_it_first(
    service: DigestService, slack: SlackStandIn
) -> None:
    """As `now` does, rather than confirm a roundup whose every post Slack will refuse."""
    slack.channels["C7"] = {"is_member": False}  # a public channel: Slack says the bot is not in it
    slack.error_next("conversations.info", "channel_not_found")  # a private one the bot is not in: "not found"
    for channel in ("G8", "C7"):
        reply = await run(service, slack, "roundup on fri 17:30 UTC", channel=channel)
        assert "`/invite @digestbot`" in reply and "Weekly roundup on" not in reply, channel
        assert not (await service.store.channel_settings.get(channel)).roundup_enabled
    slack.error_next("conversations.info", "missing_scope")  # Slack cannot tell (a DM): on, as before
    assert "Weekly roundup on" in await run(service, slack, "roundup on fri 17:30 UTC", channel="D9")
    assert not slack.calls("chat.postMessage")


# --- `digestbot roundup` ----------------------------------------------------------------------------------------


async def cli(service: DigestService, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`digestbot roundup ...` as a real process on the service's Redis keys (wide, so titles stay on one line)."""
    settings = service.settings
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGESTBOT_", "REDIS_URL"))}
    environment = inherited | {
        "REDIS_URL": settings.redis_url or "", "DIGESTBOT_REDIS_PREFIX": settings.redis_prefix,
        "DIGESTBOT_DATA_DIR": str(settings.data_dir), "COLUMNS": "200", **env,
    }  # fmt: skip
    command = [sys.executable, "-m", "handlers.cli", "roundup", *args]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, env=environment,
                                   timeout=60, cwd=REPO)  # fmt: skip


async def this_week_in_c5(workspace: DigestService) -> None:
    now = datetime.now(UTC)  # the command's week ends now
    await share(workspace, "C5", "po", "U1", now - timedelta(days=3))
    await share(workspace, "C5", "candidates", "U2", now - timedelta(days=2))
    await share(workspace, "C5", "po", "U3", now - timedelta(days=1))


async def test_cli_previews_a_roundup_in_the_terminal(workspace: DigestService) -> None:
    await this_week_in_c5(workspace)
    result = await cli(workspace, "--channel", "C5")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Roundup of C5" in out and "(×2)" in out and "shared by U1" in out
    assert out.index(STORIES["po"][0]) < out.index(STORIES["candidates"][0])  # most shared first
    assert "Related reading you haven't seen" in out and STORIES["rationing"][0] in out
    assert STORIES["desalination"][0] not in out  # only the private G1 shared it

    as_json = json.loads((await cli(workspace, "--channel", "C5", "--json")).stdout)
    assert [item["canonical_url"] for item in as_json["items"]] == [url("po"), url("candidates")]
    quiet = await cli(workspace, "--channel", "C9")
    assert quiet.returncode == 0 and "Nothing new was shared in C9" in quiet.stdout


async def test_cli_fails_when_redis_is_unreachable(
    workspace: DigestService, slack: SlackStandIn, refused_url: str
) -> None:
    await this_week_in_c5(workspace)
    for args in (["--channel", "C5"], ["--channel", "C5", "--json"]):
        result = await cli(workspace, *args, REDIS_URL=refused_url)
        assert result.returncode == 1 and "Redis is unreachable" in result.stderr
        (line,) = result.stderr.splitlines()  # the command's line, with the cause: no running bot's outage line
        assert line.startswith("digestbot: Redis is unreachable (ConnectionError: ") and "replica" not in line
        assert "Nothing new was shared" not in result.stdout and "null" not in result.stdout
    posting = await cli(workspace, "--channel", "C5", "--post", REDIS_URL=refused_url, SLACK_BOT_TOKEN="xoxb-cli",
                        SLACK_API_URL=slack.base_url, DIGESTBOT_ROUNDUP_QUIET_LINE="true")  # fmt: skip
    assert posting.returncode == 1 and "Redis is unreachable" in posting.stderr
    assert not slack.calls("chat.postMessage")


async def test_cli_posts_a_roundup_to_the_channel(workspace: DigestService, slack: SlackStandIn) -> None:
    await this_week_in_c5(workspace)
    result = await cli(workspace, "--channel", "C5", "--post", SLACK_BOT_TOKEN="xoxb-cli", SLACK_API_URL=slack.base_url)
    assert result.returncode == 0 and result.stdout == "Posted the roundup in C5.\n", result.stderr
    (post,) = slack.calls("chat.postMessage")
    assert post.params["channel"] == "C5" and url("po") in json.dumps(post.params["blocks"])
    assert post.token == "xoxb-cli" and "xoxb-cli" not in result.stdout + result.stderr
    assert json.loads((await cli(workspace, "--channel", "C5", "--json")).stdout) is None  # the next one starts here

    no_token = await cli(workspace, "--channel", "C5", "--post", SLACK_API_URL=slack.base_url)
    assert no_token.returncode == 2 and "SLACK_BOT_TOKEN" in no_token.stderr
    assert len(slack.calls("chat.postMessage")) == 1


async def test_cli_says_it_posted_the_quiet_line_not_a_roundup(workspace: DigestService, slack: SlackStandIn) -> None:
    result = await cli(workspace, "--channel", "C9", "--post", SLACK_BOT_TOKEN="xoxb-cli", SLACK_API_URL=slack.base_url,
                       DIGESTBOT_ROUNDUP_QUIET_LINE="true")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [post.params["text"] for post in slack.calls("chat.postMessage")] == [QUIET_LINE]
    assert result.stdout == f"Nothing new was shared in C9 to round up: posted “{QUIET_LINE}”\n"
