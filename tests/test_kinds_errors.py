"""What kinds.py says when a link cannot be digested, and what it names a PDF: small pages and PDFs written here."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.errors import DigestError
from bot.pipeline.kinds import digest_link, digest_saved
from tests.support.http_server import LocalServer, Reply
from tests.support.pdfs import scanned_pdf

PRIVATE = Settings(DIGESTBOT_ALLOW_PRIVATE_NETWORKS=True)  # the test server is on loopback
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


async def test_a_cut_wall_says_only_that_it_is_a_wall() -> None:
    # Where the page was cut says nothing of a sign-in wall read whole before the cut: it is no article's absence.
    wall = "<title>Log in</title><h1>Log in</h1><p>Please log in to view this story.</p><button>Log in</button>"
    raw = f"<html><body>{wall}<script>{'var x = 1;' * 1000}</script></body></html>".encode()
    with pytest.raises(DigestError) as caught:
        await digest_saved(raw, "page.html", "file:///tmp/page.html", Settings(DIGESTBOT_FETCH_MAX_BYTES=4096))
    assert caught.value.reason == "bot_wall"
    assert "cut" not in str(caught.value)


async def test_a_whole_page_without_article_text_says_only_that() -> None:
    raw = b"<html><body><nav><ul><li><a href='/a'>Home</a></li></ul></nav></body></html>"
    with pytest.raises(DigestError) as caught:
        await digest_saved(raw, "page.html", "file:///tmp/page.html", Settings(DIGESTBOT_FETCH_MAX_BYTES=4096))
    assert str(caught.value) == "Found no article text on this page."


@pytest.mark.parametrize(
    ("disposition", "title"),
    [
        ('attachment; filename="Annual report 2026.pdf"', "Annual report 2026.pdf"),
        ("inline; filename*=UTF-8''Bericht%20M%C3%BCnchen.pdf", "Bericht München.pdf"),
        ('attachment; filename="../../secret/plan.pdf"', "plan.pdf"),  # a name, never folders
        (None, "download.php"),  # no name given: the link's last segment
    ],
)
async def test_an_untitled_pdf_is_named_as_the_server_names_the_file(disposition: str | None, title: str) -> None:
    # A PDF from /files/download.php?id=42 was titled "download.php" whatever name its server gave it.
    pdf = scanned_pdf(pages=1, title=None)  # no title, no text to take one from
    headers = [("Content-Type", "application/pdf")] + ([("Content-Disposition", disposition)] if disposition else [])
    with LocalServer({"/files/download.php": Reply(headers=headers, body=pdf)}) as server:
        digest = await digest_link(server.url("/files/download.php?id=42"), PRIVATE)
    assert (digest.kind, digest.title) == ("pdf", title)
