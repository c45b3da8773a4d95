"""Properties (hypothesis) of the code that sees untrusted input: Slack message text, `/digest` text, URLs,
page markup and page text on its way into Block Kit. No exception escapes, no hang, nothing unescaped."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from bot.models import Article, Digest
from bot.pipeline.extract import extract_article
from bot.pipeline.fetch import decode_html
from bot.pipeline.urls import canonicalize
from handlers.cards import CARD_BUDGET, SECTION_LIMIT, digest_card
from handlers.command_text import Command, CommandError, parse_command
from handlers.links import comment_without_links, links_in_text

FAST = settings(max_examples=300, deadline=None)
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# What page text or a user could smuggle into a Slack message: pings, mentions, channel links, fake links.
SPECIALS = ["<!channel>", "<!here>", "<!everyone>", "<@U999>", "<#C999|general>", "<https://evil.example|click>",
            "<!subteam^S1>", "<!date^1^{date}|x>", "&", "&lt;", "|", ">", "<", "*", "_", "`"]  # fmt: skip
UNESCAPED = re.compile(r"<[!@#]|<https://evil")

hostile_text = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(SPECIALS)), max_size=12).map("".join)
hosts = st.sampled_from(["news.example", "NEWS.example.", "[::1]", "127.0.0.1", "xn--bcher-kva.example", "a.b.c.d"])
url_parts = st.tuples(
    st.sampled_from(["http", "https", "HTTPS", "ftp", ""]),
    st.sampled_from(["", "user:pw@", "evil.example@"]),
    hosts,
    st.sampled_from(["", ":80", ":443", ":8080", ":0", ":99999", ":x"]),
    st.text(max_size=20),
    st.lists(st.sampled_from(["utm_source=x", "id=1", "fbclid=y", "a=%20b", "", "q=<!channel>"]), max_size=4),
    st.text(max_size=8),
)
urls = url_parts.map(lambda p: f"{p[0]}://{p[1]}{p[2]}{p[3]}/{p[4]}?{'&'.join(p[5])}#{p[6]}")


# --- Slack message text ------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# A message as Slack delivers it: plain text escaped, and markup tokens for links, mentions and specials.
plain = st.text(max_size=30).map(slack_escape)
link_token = st.tuples(urls, st.one_of(st.none(), st.text(max_size=10))).map(
    lambda p: f"<{slack_escape(p[0])}{'|' + slack_escape(p[1]) if p[1] is not None else ''}>"
)
mention_token = st.sampled_from(["<@U1>", "<#C1|general>", "<!here>", "<mailto:a@b.example|a@b.example>"])
slack_message = st.lists(st.one_of(plain, link_token, mention_token), max_size=10).map(" ".join)


@FAST
@given(st.one_of(st.text(), slack_message), st.integers(min_value=0, max_value=5))
def test_links_in_any_text_are_only_http_links(text: str, limit: int) -> None:
    links = links_in_text(text, ("ignored.example",), limit)
    assert len(links) <= limit and len(set(links)) == len(links)
    assert all(link.lower().startswith(("http://", "https://")) for link in links)


@FAST
@given(slack_message)
def test_a_comment_keeps_no_link_markup_and_pings_no_one(text: str) -> None:
    comment = comment_without_links(text)
    # Only channel links (which ping no one) stay markup; every mention and special is plain text.
    assert re.findall(r"<[^<>]*>", comment) == re.findall(r"<#C1\|general>", text)


@FAST
@given(st.text())
def test_a_comment_from_any_text_never_raises(text: str) -> None:
    assert isinstance(comment_without_links(text), str)


# --- /digest command text ------------------------------------------------------------------------------

COMMAND_WORDS = ["search", "related", "recent", "roundup", "on", "off", "preview", "now", "mute", "unmute", "repeats",
                 "help", "monday", "fri", "09:00", "25:00", "UTC", "Europe/Paris", "0", "51", "-1",
                 "https://news.example/a", "<https://a.example|a>", "HTTP://X"]  # fmt: skip
command_words = st.sampled_from(COMMAND_WORDS)
command_text = st.lists(st.one_of(command_words, st.text(max_size=12)), max_size=6).map(" ".join)


@FAST
@given(st.one_of(st.text(), command_text))
def test_parse_command_returns_a_command_or_raises_command_error(text: str) -> None:
    try:
        command = parse_command(text)
    except CommandError as error:
        assert str(error)
        return
    assert isinstance(command, Command)
    if command.url is not None:
        assert command.url.lower().startswith(("http://", "https://"))


# --- URLs ----------------------------------------------------------------------------------------------


@FAST
@given(st.one_of(st.text(), urls))
def test_canonicalize_never_raises(url: str) -> None:
    assert isinstance(canonicalize(url), str)


@FAST
@example("http://news.example/a ?")  # -> "http://news.example/a " -> "http://news.example/a"
@given(st.one_of(st.text(), urls))
def test_canonicalize_is_idempotent(url: str) -> None:
    once = canonicalize(url)
    assert canonicalize(once) == once


TRACKERS = {"utm_source=x", "utm_campaign=z", "fbclid=y"}
well_formed = st.tuples(
    st.sampled_from(["http", "HTTP", "https", "HTTPS"]),
    st.sampled_from(["", "user:pw@", "evil.example@"]),
    st.sampled_from(["news.example", "NEWS.Example", "xn--bcher-kva.example", "127.0.0.1", "[::1]"]),
    st.sampled_from(["", ":80", ":443", ":8080"]),
    st.from_regex(r"(/[a-z0-9._~-]{0,8}){0,3}", fullmatch=True),
    st.lists(st.sampled_from([*TRACKERS, "id=1", "a=%20b", "q=%3C%21channel%3E"]), max_size=4),
    st.text(alphabet="abc#?&=/", max_size=8),
)


@FAST
@given(well_formed)
def test_canonical_urls_are_exactly_the_normal_form(parts: tuple[str, str, str, str, str, list[str], str]) -> None:
    scheme, userinfo, host, port, path, params, fragment = parts
    url = f"{scheme}://{userinfo}{host}{port}{path}?{'&'.join(params)}#{fragment}"
    default = {"http": ":80", "https": ":443"}[scheme.lower()]
    kept = [p for p in params if p not in TRACKERS]
    expected = (f"{scheme.lower()}://{host.lower()}{'' if port == default else port}{path or '/'}"
                f"{'?' + '&'.join(kept) if kept else ''}")  # fmt: skip
    assert canonicalize(url) == expected  # no userinfo, no fragment, no trackers, no default port


# --- page markup ---------------------------------------------------------------------------------------

TAGS = ["html", "head", "body", "p", "div", "article", "script", "style", "title", "meta", "a", "table", "td",
        "blockquote", "h1", "noscript", "template", "svg", "math", "iframe", "!--", "![CDATA[", "?xml"]  # fmt: skip
tag = st.tuples(st.sampled_from(TAGS), st.booleans(), st.sampled_from(["", ' class="x"', " content='0;url=/'", " <"]))
markup_piece = st.one_of(
    tag.map(lambda t: f"<{'/' if t[1] else ''}{t[0]}{t[2]}>"),
    st.text(max_size=60),
    st.sampled_from(["&amp;", "&#0;", "&#xD800;", "&nbsp;", "\x00", "\ufeff", "]]>", "-->"]),
)
markup = st.lists(markup_piece, max_size=60).map("".join)


@SLOW
@given(st.one_of(markup, st.text(max_size=2000)))
def test_extract_article_returns_an_article_for_any_markup(html: str) -> None:
    article = extract_article(html, "https://news.example/story")
    assert isinstance(article, Article) and isinstance(article.text, str)


@SLOW
@given(st.binary(max_size=4000), st.sampled_from([None, "utf-8", "latin-1", "shift_jis", "bogus-charset"]))
def test_any_bytes_decode_and_extract(body: bytes, charset: str | None) -> None:
    html = decode_html(body, charset)
    assert isinstance(extract_article(html, None), Article)


# --- Block Kit from page text --------------------------------------------------------------------------


class Hit(BaseModel):
    canonical_url: str
    title: str
    one_line: str
    domain: str
    shared_at: datetime


safe_url = st.from_regex(r"https://news\.example/[a-z0-9/_-]{0,30}", fullmatch=True)
# A page's declared canonical URL (rel=canonical, og:url) is page text too, and canonicalize keeps it verbatim.
page_url = hostile_text.map(lambda tail: canonicalize("https://news.example/" + tail))
digests = st.builds(
    Digest,
    source=st.just("https://news.example/a"),
    url=st.just("https://news.example/a"),
    canonical_url=safe_url,
    title=st.one_of(st.none(), hostile_text),
    site_name=st.one_of(st.none(), hostile_text),
    author=st.one_of(st.none(), hostile_text),
    published=st.one_of(st.none(), st.dates(min_value=date(1990, 1, 1))),
    reading_minutes=st.integers(min_value=0, max_value=10_000),
    summary=st.one_of(hostile_text, hostile_text.map(lambda t: t * 200)),
    quotes=st.lists(hostile_text, max_size=6),
    warning=st.one_of(st.none(), hostile_text),
)
hits = st.builds(
    Hit,
    canonical_url=safe_url,
    title=hostile_text,
    one_line=hostile_text,
    domain=hostile_text,
    shared_at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
)


def texts_of(blocks: list[dict]) -> list[str]:
    found = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [element["text"] for element in block.get("elements", [])]
    return found


@FAST
@given(digests, st.lists(hits, max_size=8), st.sampled_from(["", "worth a read", "<@U1> look"]))
def test_cards_never_ping_from_page_text_and_stay_within_block_kit_limits(
    digest: Digest, related: list[Hit], comment: str
) -> None:
    _, blocks = digest_card(digest, shared_by="U7", comment=comment, related=related)
    shown = [t.replace("Shared by <@U7>", "").replace("<@U1> look", "") for t in texts_of(blocks)]
    assert not [t for t in shown if UNESCAPED.search(t)]
    assert 1 <= len(blocks) <= 50 and sum(len(str(b)) for b in blocks) <= CARD_BUDGET
    assert all(len(t) <= SECTION_LIMIT for t in texts_of(blocks))


PING_URL = "https://news.example/a><!channel>|x"


@FAST
@example(PING_URL, "https://news.example/b")
@given(page_url, page_url)
def test_a_page_url_can_never_break_out_of_its_link(canonical_url: str, related_url: str) -> None:
    digest = Digest(source="s", url="https://news.example/a", canonical_url=canonical_url, title="Title")
    hit = Hit(canonical_url=related_url, title="Other", one_line="", domain="news.example", shared_at=datetime.now(UTC))
    _, blocks = digest_card(digest, related=[hit])
    assert not [t for t in texts_of(blocks) if UNESCAPED.search(t)]


@FAST
@example(Digest(source="s", url="https://n.example/", canonical_url="https://n.example/", title="<!channel>"))
@given(digests)
def test_a_cards_notification_text_never_pings_from_page_text(digest: Digest) -> None:
    text, _ = digest_card(digest, shared_by="U7")
    assert not UNESCAPED.search(text)
