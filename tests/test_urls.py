"""bot.pipeline.urls: canonical form, site comparison, canonical choice, display domain."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.pipeline.urls import absolute_http_url, canonicalize, choose_canonical, domain, same_site


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://WWW.Example.COM", "http://www.example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/a?utm_source=slack&utm_medium=x&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?b=2&fbclid=XYZ&a=1&gclid=1&UTM_Campaign=q", "https://example.com/a?b=2&a=1"),
        ("https://example.com/?mc_cid=1&mc_eid=2&igshid=3&yclid=4&_ga=5&ref_src=6&spm=7&msclkid=8", "https://example.com/"),
        ("https://example.com/a?q=caf%C3%A9&x=a%2Fb&flag", "https://example.com/a?q=caf%C3%A9&x=a%2Fb&flag"),
        ("https://example.com/a?", "https://example.com/a"),
        ("http://user:secret@example.com/a", "http://example.com/a"),
        ("http://example.com./a", "http://example.com/a"),
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
    ],
)  # fmt: skip
def test_canonicalize(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected


def test_canonicalize_leaves_unparseable_input_alone() -> None:
    assert canonicalize("not a url") == "not a url"
    assert canonicalize("https://example.com:99999/") == "https://example.com:99999/"


@given(
    path=st.from_regex(r"/[a-z0-9/._-]{0,20}", fullmatch=True),
    params=st.lists(st.sampled_from(["a=1", "utm_x=2", "fbclid=3", "b=", "c"]), max_size=5),
)
def test_canonicalize_is_idempotent(path: str, params: list[str]) -> None:
    once = canonicalize(f"HTTPS://Example.com:443{path}?{'&'.join(params)}#f")
    assert canonicalize(once) == once
    assert "utm_" not in once and "fbclid" not in once


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://www.example.com/x", "http://blog.example.com/y", True),
        ("https://news.bbc.co.uk/", "https://www.bbc.co.uk/", True),
        ("https://example.co.uk/", "https://other.co.uk/", False),
        ("https://alice.github.io/", "https://bob.github.io/", False),  # private suffix: different owners
        ("https://example.com/", "https://example.org/", False),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:9000/", True),
        ("http://localhost/", "http://localhost:81/", True),
        ("not a url", "not a url", False),
    ],
)
def test_same_site(a: str, b: str, same: bool) -> None:
    assert same_site(a, b) is same


@pytest.mark.parametrize(
    ("final", "declared", "expected"),
    [
        ("https://www.ex.com/a/b?utm_source=x", None, "https://www.ex.com/a/b"),
        ("https://www.ex.com/a/b", "https://ex.com/story/42?utm_medium=y", "https://ex.com/story/42"),
        ("https://www.ex.com/a/b", "/story/42", "https://www.ex.com/story/42"),
        ("https://www.ex.com/a/b", "../c", "https://www.ex.com/c"),
        ("https://m.ex.com/a", "//www.ex.com/a", "https://www.ex.com/a"),
        ("https://www.ex.com/a/b", "https://evil.com/a/b", "https://www.ex.com/a/b"),
        ("https://www.ex.com/a/b", "javascript:alert(1)", "https://www.ex.com/a/b"),
        ("https://www.ex.com/a/b", "ftp://www.ex.com/a/b", "https://www.ex.com/a/b"),
        ("https://www.ex.com/a/b", "   ", "https://www.ex.com/a/b"),
        ("https://www.ex.com/a/b", "https://www.ex.com/", "https://www.ex.com/a/b"),  # template bug
        ("https://www.ex.com/", "https://www.ex.com/", "https://www.ex.com/"),
        ("https://www.ex.com/a/b", "http://[::1/x", "https://www.ex.com/a/b"),  # urllib raises on these two
        ("https://www.ex.com/a/b", "https://www.ex.com:99999/c", "https://www.ex.com/a/b"),
    ],
)
def test_choose_canonical(final: str, declared: str | None, expected: str) -> None:
    assert choose_canonical(final, declared) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.NYTimes.com/2024/x", "nytimes.com"),
        ("https://blog.example.com/", "blog.example.com"),
        ("http://example.com.:8080/", "example.com"),
        ("http://[::1]/", "::1"),
        ("garbage", ""),
    ],
)
def test_domain(url: str, expected: str) -> None:
    assert domain(url) == expected


@pytest.mark.parametrize(
    ("href", "base", "expected"),
    [
        ("/story/42", "https://ex.com/a/b", "https://ex.com/story/42"),
        (" https://ex.com/x ", None, "https://ex.com/x"),
        ("//cdn.ex.com/x", "https://ex.com/", "https://cdn.ex.com/x"),
        ("/story/42", None, None),  # nothing to resolve it against
        ("/story/42", "file:///tmp/page.html", None),
        ("javascript:alert(1)", "https://ex.com/", None),
        ("http://[::1/x", None, None),
        ("http://[zz]/x", None, None),
        ("https://ex.com:99999/x", None, None),
        ("https://", None, None),
        ("  ", "https://ex.com/a", None),  # an empty href is no link, not the page itself
    ],
)
def test_absolute_http_url(href: str, base: str | None, expected: str | None) -> None:
    assert absolute_http_url(href, base) == expected
