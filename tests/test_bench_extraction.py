"""bench extraction names the pages digestbot did not answer with an article's text, so a reader can tell a
busy machine (extraction stopped at its timeout) or a page taken for another kind from a change in extraction.
Real digests through the bench's product path, of pages written for the test."""

from __future__ import annotations

import pytest
from rich.console import Console

from bench.extraction import Page, Row, _render_caveats, product_digest, run_extractor, saved_pages
from bot.pipeline.extract.pool import shutdown_workers
from tests.support.articles import ARTICLES, article_html
from tests.support.provider_pages import VIDEO_WITH_CAPTION


def page(page_id: str, html: str, expected: str) -> Page:
    return Page(page_id, f"https://news.example/{page_id}", html, expected, html.encode())


def test_timed_out_pages_and_other_kinds_are_named_with_their_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    # 12 MiB of paragraphs takes trafilatura minutes, far beyond a 1.5 s limit (as on a machine too busy for a page)
    monkeypatch.setenv("DIGESTBOT_EXTRACT_TIMEOUT", "1.5")
    monkeypatch.setenv("DIGESTBOT_EXTRACT_MAX_CHARS", str(13 * 1024 * 1024))
    paragraphs = "\n".join(ARTICLES["drought"]["paragraphs"])  # type: ignore[arg-type]
    lorem = "<p>Lorem ipsum dolor sit.</p>" * 450_000
    huge = f"<html><head><title>A long page</title></head><body>{lorem}</body></html>"
    pages = [
        page("story", article_html("drought"), paragraphs),
        page("huge-page", huge, "Lorem ipsum dolor sit."),
        page("video-page", VIDEO_WITH_CAPTION.body.decode(), "Filmed in Jaén in October."),
    ]
    try:
        with saved_pages(pages) as paths:
            row = run_extractor("digestbot", product_digest(paths), pages)
    finally:
        shutdown_workers()
    assert row.timed_out == ["huge-page (F1 0.000)"]
    assert row.other_kinds == ["video-page (video, F1 0.000)"]
    assert row.refused == 0

    console = Console(record=True, width=400)
    _render_caveats(console, row)
    printed = console.export_text()
    assert "1 page(s) hit the extraction timeout (1.5 s, DIGESTBOT_EXTRACT_TIMEOUT)" in printed
    assert "figures exclude nothing: huge-page (F1 0.000)" in printed
    assert "digested as another kind than an article: video-page (video, F1 0.000)" in printed


def test_a_run_without_timeouts_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGESTBOT_EXTRACT_TIMEOUT", "10")
    console = Console(record=True, width=400)
    _render_caveats(console, Row("digestbot", 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0))
    assert console.export_text().strip() == "no page hit the extraction timeout (10 s)"
