"""What kinds.py says when a link cannot be digested: small pages written here."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.errors import DigestError
from bot.pipeline.kinds import digest_saved

ARTICLE = "<p>" + "The council voted to reopen the old river path to walkers and cyclists next spring. " * 12 + "</p>"


async def test_a_cut_page_without_article_text_says_where_it_was_cut() -> None:
    # Menus fill the first 4 KiB; the article lies past the cut. "Found no article text" alone hid why.
    menu = "".join(f"<li><a href='/section/{n}'>Section {n}</a></li>" for n in range(200))
    raw = f"<html><body><nav><ul>{menu}</ul></nav><article>{ARTICLE}</article></body></html>".encode()
    with pytest.raises(DigestError) as caught:
        await digest_saved(raw, "page.html", "file:///tmp/page.html", Settings(DIGESTBOT_FETCH_MAX_BYTES=4096))
    assert caught.value.reason == "empty"
    assert str(caught.value) == (
        "Found no article text on this page: the page was cut at 4 KiB, and its article may lie past the cut."
    )


async def test_a_whole_page_without_article_text_says_only_that() -> None:
    raw = b"<html><body><nav><ul><li><a href='/a'>Home</a></li></ul></nav></body></html>"
    with pytest.raises(DigestError) as caught:
        await digest_saved(raw, "page.html", "file:///tmp/page.html", Settings(DIGESTBOT_FETCH_MAX_BYTES=4096))
    assert str(caught.value) == "Found no article text on this page."
