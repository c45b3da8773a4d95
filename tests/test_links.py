import pytest

from handlers.links import comment_without_links, links_in_text


def test_links_take_the_url_before_the_label_and_unescape_once() -> None:
    text = "look <https://good.example/a?b=1&amp;c=2|https://good.example> and <http://x.example/p|label>"
    assert links_in_text(text) == ["https://good.example/a?b=1&c=2", "http://x.example/p"]


def test_double_escaped_entities_stay_escaped_once() -> None:
    assert links_in_text("<https://e.example/?q=a&amp;amp;b>") == ["https://e.example/?q=a&amp;b"]


def test_skips_mentions_slack_images_ignored_domains_and_duplicates() -> None:
    text = (
        "<@U123> <#C1|general> <!channel> <mailto:a@b.example|a@b> <https://files.slack.com/x> "
        "<https://cdn.example/pic.PNG> <https://ads.example/x> <https://news.example/a> <https://news.example/a>"
    )
    assert links_in_text(text, ignore_domains=("ads.example",)) == ["https://news.example/a"]


def test_at_most_the_limit_and_only_http() -> None:
    text = " ".join(f"<https://n{i}.example/>" for i in range(10)) + " <ftp://x.example/f> <javascript:alert(1)>"
    assert links_in_text(text, limit=3) == ["https://n0.example/", "https://n1.example/", "https://n2.example/"]


def test_comment_is_the_text_without_links() -> None:
    text = "worth a read <https://a.example/x|a.example> <@U1>  "
    assert comment_without_links(text, {"U1": "ana"}) == "worth a read @ana"
    assert comment_without_links("<https://a.example/x>") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("space stuff <https://a.example/x> and <https://b.example/y>", "space stuff"),
        ("<https://a.example/x> and <https://b.example/y> are both good", "are both good"),
        ("two takes, <https://a.example/x> &amp; <https://b.example/y>", "two takes"),
        ("worth a read, via <https://a.example/x>", "worth a read"),
        ("read <https://a.example/x|this thread> before Friday", "read this thread before Friday"),
        ("Rock and roll <https://a.example/x>", "Rock and roll"),
        ("pros and cons: <https://a.example/x>", "pros and cons"),
        ("<https://a.example/x> Wow, what a story", "Wow, what a story"),
        ("on point <https://a.example/x>", "on point"),
    ],
)
def test_comment_keeps_no_dangling_joiners_where_links_were(text: str, expected: str) -> None:
    assert comment_without_links(text) == expected


@pytest.mark.parametrize(
    ("text", "links", "comment"),
    [
        ("<", [], "<"), (">", [], ">"), ("", [], ""),
        # Slack escapes a typed < and >, so these are empty markup: dropped like a link, its label kept (none here)
        ("<<>>", [], "< >"), ("<|>", [], ""),
        ("<http://[::1>", [], ""),  # link-shaped, so not a comment, but no URL: not a link either
        ("<http://>", [], ""),
        ("<https://exa mple.com/>", ["https://exa mple.com/"], ""),  # passed on: the fetcher says the host is unknown
    ],
)  # fmt: skip
def test_garbage_gives_no_link_or_the_one_written(text: str, links: list[str], comment: str) -> None:
    assert links_in_text(text) == links
    assert comment_without_links(text) == comment


def test_one_link_per_article_before_the_limit() -> None:
    # Tracking variants of one article are one link (as the digest cache keys it), so they leave room for others.
    text = (
        "mix <https://a.example/story?utm_source=1> <https://A.example/story?utm_source=2> "
        "<https://a.example/story?fbclid=3> <https://b.example/other>"
    )
    assert links_in_text(text, limit=3) == ["https://a.example/story?utm_source=1", "https://b.example/other"]


def test_an_ignored_domain_matches_its_subdomains_however_the_host_is_spelled() -> None:
    text = "<https://Ads.Example./x> <https://www.ads.example/y> <https://ads.example.org/z>"
    assert links_in_text(text, ignore_domains=("ads.example",)) == ["https://ads.example.org/z"]
