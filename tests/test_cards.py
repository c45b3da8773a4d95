from datetime import UTC, date, datetime, timedelta

from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import BaseModel

from bot.ages import age
from bot.models import Digest
from handlers.cards import CARD_BUDGET, clip, clip_mrkdwn, digest_card, escape, repeat_notice


class Hit(BaseModel):
    canonical_url: str
    title: str
    one_line: str
    domain: str
    shared_at: datetime


def sample(**changes: object) -> Digest:
    base = Digest(
        source="https://news.example/a",
        url="https://news.example/a",
        canonical_url="https://news.example/a",
        title="Rivers <!channel> & floods",
        site_name="News",
        author="Ada Lovelace",
        published=date(2026, 11, 20),
        reading_minutes=4,
        summary="First sentence. <@U999> second sentence.",
        quotes=["A quote that stands alone and says something.", "Another quote <https://evil|click> here."],
    )
    return base.model_copy(update=changes)


def all_text(blocks: list[dict]) -> str:
    return str(blocks)


def test_card_has_title_link_byline_sharer_summary_and_quote_count() -> None:
    text, blocks = digest_card(sample(), shared_by="U1", comment="worth it")
    body = all_text(blocks)
    assert "<https://news.example/a|Rivers &lt;!channel&gt; &amp; floods>" in body
    assert "News · Ada Lovelace · Nov 20, 2026 · 4 min read" in body
    assert "Shared by <@U1>: “worth it”" in body
    assert "*Key quotes* · 2 pulled" in body
    assert "You might also want to read" not in body  # no empty header
    assert text.startswith("Rivers")


def test_page_text_can_never_ping_or_fake_links() -> None:
    body = all_text(digest_card(sample())[1])
    assert "<!channel>" not in body and "<@U999>" not in body and "<https://evil|click>" not in body


def test_related_block_lists_domain_and_age() -> None:
    now = datetime.now(UTC)
    hit = Hit(
        canonical_url="https://b.example/x",
        title="Other",
        one_line="One line.",
        domain="b.example",
        shared_at=now - timedelta(days=4, hours=1),
    )
    body = all_text(digest_card(sample(), related=[hit])[1])
    assert "*You might also want to read*" in body and "b.example · 4d ago" in body


def test_huge_digest_stays_within_slack_limits() -> None:
    digest = sample(summary="word " * 5000, quotes=["long quote " * 300] * 5, title="t" * 1000)
    _, blocks = digest_card(digest, comment="c" * 5000)
    assert len(blocks) <= 50
    assert sum(len(str(b)) for b in blocks) <= CARD_BUDGET
    for block in blocks:
        text = block.get("text", {}).get("text") or block["elements"][0]["text"]
        assert len(text) <= 3000


def test_helpers() -> None:
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"
    assert clip("one two three four", 10) == "one two…"
    now = datetime(2026, 11, 25, tzinfo=UTC)
    assert age(now - timedelta(days=3), now) == "3d ago" and age(now, now) == "just now"
    note = repeat_notice("Ana <x>", now - timedelta(days=3), "https://slack.example/p1", now)
    assert note.startswith("First shared by Ana &lt;x&gt; 3d ago") and "https://slack.example/p1" in note


def block_texts(blocks: list[dict]) -> list[str]:
    return [block.get("text", {}).get("text") or block["elements"][0]["text"] for block in blocks]


def test_a_link_too_long_for_a_section_leaves_the_title_unlinked_never_cut() -> None:
    url = "https://news.example/" + "a" * 2980
    [title, *_] = block_texts(digest_card(sample(canonical_url=url))[1])
    assert title == "*Rivers &lt;!channel&gt; &amp; floods*"


def test_clipped_mrkdwn_never_ends_inside_a_link() -> None:
    now = datetime.now(UTC)
    # Three lines of about 950 characters: the section's 3,000 end in the third one's label, between its words.
    hits = [Hit(canonical_url=f"https://b.example/{i}/" + "b" * 800, title=" ".join(["word"] * 30), one_line="x",
                domain="b.example", shared_at=now) for i in range(5)]  # fmt: skip
    related = block_texts(digest_card(sample(summary="", quotes=[]), related=hits)[1])[-1]
    assert len(related) <= 3000 and related.count("<") == related.count(">") and related.endswith("…")
    assert clip_mrkdwn("see <https://a.example/x|a long label>", 30) == "see…"


@given(st.text(alphabet="ab &<>;.", max_size=60), st.integers(min_value=2, max_value=60))
@example("Procter & Gamble and Johnson & Johnson fell", 38)  # clip() took the ';' of "&amp;" for punctuation
@example("x&y", 6)  # the limit falls inside "&amp;"
def test_clipped_mrkdwn_never_ends_inside_an_entity(words: str, limit: int) -> None:
    clipped = clip_mrkdwn(escape(words), limit)
    assert len(clipped) <= limit
    assert all(rest.startswith(("amp;", "lt;", "gt;")) for rest in clipped.split("&")[1:])
