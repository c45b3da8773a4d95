"""Nothing a sharer or a page writes pings anyone, hides in a card or outgrows its record: end to end through
`digestbot serve` (the Slack stand-in, real Redis, local pages) and the CLI."""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import subprocess
import sys
import unicodedata
import zlib
from collections.abc import Iterator

import pytest
import redis

from bot.memory.keys import url_hash as store_hash
from bot.memory.related.record import doc_id
from bot.models import AUTHOR_MAX_CHARS, SITE_MAX_CHARS, TITLE_MAX_CHARS
from bot.pipeline.urls import canonicalize
from tests.support.articles import ARTICLES
from tests.support.bot_process import REPO, SECRET, running_bot, wait_remembered
from tests.support.http_server import LocalServer, html
from tests.support.slack_standin import JSON, SlackStandIn, event_body, message_event, post_signed

PINGS = re.compile(r"<@|<!(?!date\^)")  # a user mention or a special (@channel, @here, a user group)
KEPT_FORMAT_CHARACTERS = {"\u200c", "\u200d"}  # ZWNJ and ZWJ: words and emoji need them
HUGE = ("word " * 20_000).strip()  # a 100k-character title, site and author
RECORD_LIMIT = 1024  # README: a share or related-index record is under 1 KB


def page(title: str, site: str, author: str, extra: str = "") -> str:
    """A real article (the rivers story's paragraphs) under hostile metadata."""
    paragraphs = "\n".join(f"<p>{html_lib.escape(p)}{extra}</p>" for p in ARTICLES["rivers"]["paragraphs"])  # type: ignore[union-attr]
    title, site, author = (html_lib.escape(v, quote=True) for v in (title, site, author))
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site}">
<meta name="author" content="{author}"></head>
<body><article><h1>{title}</h1><p class="byline">By {author}</p>{paragraphs}</article></body></html>"""


BIDI_TITLE = "Rivers \u202eyrd gninnur\u202c are \u200brunning\u2066 dry\u2069\ufeff in Europe"
BIDI_PAGE = page(BIDI_TITLE, "Daily\u200b Planet\u202e", "Lois Lane", extra=" \u200bzero\u00adwidth\u2060")
CJK = "川" * 5000  # three bytes a character


@pytest.fixture(scope="module")
def pages() -> Iterator[LocalServer]:
    routes = {
        "/plain": html(page("Ordinary story about rivers", "Daily Planet", "Lois Lane")),
        "/plain2": html(page("Another ordinary story about rivers", "Daily Planet", "Lois Lane")),
        "/repeat": html(page("A story shared twice", "Daily Planet", "Lois Lane")),
        "/bidi": html(BIDI_PAGE),
        "/huge": html(page(HUGE, HUGE, HUGE)),
        "/cjk": html(page(CJK, CJK, CJK)),
    }
    with LocalServer(routes) as server:
        yield server


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackStandIn]:
    users = {"U77": {"real_name": "Ana Lopez"}, "U5": {"real_name": "Bo <b> & co"}}
    with SlackStandIn(users=users) as standin:
        yield standin


@pytest.fixture(scope="module")
def bot(slack: SlackStandIn, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # One digest worker: what a process remembers (users' names) is then what the bot remembers.
    with running_bot(slack.base_url, redis_url, tmp_path_factory.mktemp("bot"), DIGESTBOT_WORKERS="1") as (base, _):
        yield base


def send(bot: str, event: dict) -> None:
    assert post_signed(f"{bot}/slack/events", event_body(event), SECRET, JSON).status_code == 200


def shared_by_line(card_params: dict) -> str:
    [line] = [b["elements"][0]["text"] for b in card_params["blocks"] if "Shared by" in json.dumps(b)]
    return line


def test_a_comment_pings_no_one_and_keeps_no_link_of_another_scheme(
    bot: str, slack: SlackStandIn, pages: LocalServer
) -> None:
    text = (
        "<!channel> <!here> <!everyone> <!subteam^S0TEAM|@oncall> ask <@U77> about "
        "<ftp://files.example/x|Google Docs>, <slack://open?team=T1|click> <javascript:alert(1)> "
        f"space stuff <{pages.url('/plain')}> and <{pages.url('/plain2')}>"
    )
    send(bot, message_event(text, channel="C200", user="U1"))
    cards = slack.wait_for_posts("C200", 2)
    for card in cards:
        assert shared_by_line(card.params) == (
            "Shared by <@U1>: “@channel @here @everyone @oncall ask @Ana Lopez about Google Docs, click space stuff”"
        )
        posted = json.dumps(card.params)
        assert re.findall(r"<[@!][^<>]*>", posted) == ["<@U1>"]  # only the sharer, on their own card
        assert not re.search(r"ftp:|slack:|javascript:", posted)
        assert "link_names" not in card.params  # plain "@channel" stays plain text


def test_a_repeat_note_names_the_first_sharer_without_a_mention(
    bot: str, slack: SlackStandIn, pages: LocalServer
) -> None:
    send(bot, message_event(f"<{pages.url('/repeat')}>", channel="C201", user="U5"))
    slack.wait_for_posts("C201", 1)
    send(bot, message_event(f"again <{pages.url('/repeat')}>", channel="C201", user="U6"))
    note = slack.wait_for_posts("C201", 2)[1].params["text"]
    assert note.startswith("First shared by Bo &lt;b&gt; &amp; co ")  # the name Slack shows, escaped
    assert not PINGS.search(note)
    # A busy channel names the same people over and over: users.info (about 100 calls a minute) is asked once.
    send(bot, message_event(f"and again <{pages.url('/repeat')}>", channel="C201", user="U7"))
    assert slack.wait_for_posts("C201", 3)[2].params["text"].startswith("First shared by Bo &lt;b&gt; &amp; co ")
    assert [c.params["user"] for c in slack.calls("users.info")].count("U5") == 1


def invisible(text: str) -> set[str]:
    return {c for c in text if unicodedata.category(c) == "Cf"} - KEPT_FORMAT_CHARACTERS


def records(redis_url: str, channel: str, url: str) -> dict[str, bytes]:
    """What the bot stored for a link shared in `channel`: its share, related-index and digest records."""
    client = redis.Redis.from_url(redis_url)
    canonical = canonicalize(url)
    [share] = [client.hget(k, store_hash(canonical)) for k in client.scan_iter(f"*v1:ch:{{{channel}}}:first")]
    [related] = [client.get(k) for k in client.scan_iter(f"*v1:related:{{T1}}:i:{doc_id(canonical).hex()}")]
    [cached] = [client.get(k) for k in client.scan_iter(f"*v1:digest:{{{store_hash(canonical)}}}")]
    client.close()
    assert share and related and cached
    return {"share": share, "related": related, "digest": zlib.decompress(cached[1:]) if cached[:1] == b"z" else cached}


def test_invisible_characters_never_reach_a_card_a_record_or_the_cli(
    bot: str, slack: SlackStandIn, pages: LocalServer, redis_url: str
) -> None:
    assert len(invisible(BIDI_PAGE)) >= 8  # the page is full of them
    url = pages.url("/bidi")
    send(bot, message_event(f"<{url}>", channel="C202"))
    [card] = slack.wait_for_posts("C202", 1)
    posted = json.dumps(card.params, ensure_ascii=False)
    assert "Rivers yrd gninnur are running dry in Europe" in posted and "Daily Planet" in posted
    assert not invisible(posted)
    wait_remembered(redis_url, "C202", url)
    for name, record in records(redis_url, "C202", url).items():
        assert not invisible(record.decode(errors="replace")), name
    env = {**os.environ, "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true"}
    cli = subprocess.run([sys.executable, "-m", "handlers.cli", "digest", "--no-cache", "--json", url],
                         capture_output=True, text=True, env=env, cwd=REPO, timeout=300, check=True)  # fmt: skip
    printed = json.loads(cli.stdout)
    assert printed["title"] == "Rivers yrd gninnur are running dry in Europe" and printed["author"] == "Lois Lane"
    assert not invisible(cli.stdout)


@pytest.mark.parametrize(("path", "channel"), [("/huge", "C203"), ("/cjk", "C204")])
def test_huge_metadata_is_clipped_and_every_record_keeps_its_size(
    bot: str, slack: SlackStandIn, pages: LocalServer, redis_url: str, path: str, channel: str
) -> None:
    url = pages.url(path)
    send(bot, message_event(f"<{url}>", channel=channel))
    [card] = slack.wait_for_posts(channel, 1)  # Slack took it: every block within its limits
    assert len(card.params["text"]) <= 40_000 // 20  # a one-line fallback, far inside Slack's 40,000
    wait_remembered(redis_url, channel, url)
    stored = records(redis_url, channel, url)
    assert len(stored["share"]) < RECORD_LIMIT and len(stored["related"]) < RECORD_LIMIT
    digest = json.loads(stored["digest"])
    assert digest["title"] and len(digest["title"]) <= TITLE_MAX_CHARS  # clipped, not dropped
    assert len(digest["site_name"] or "") <= SITE_MAX_CHARS and len(digest["author"] or "") <= AUTHOR_MAX_CHARS
    assert len(stored["digest"]) < len(json.dumps(digest["text"])) + 4096  # the text, and little beside it
