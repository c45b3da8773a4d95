"""Metadata from JSON-LD, OpenGraph, meta tags and bylines (bot/pipeline/metadata.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.pipeline.metadata import clean_title, extract_metadata, join_names

PAGES = Path(__file__).parent / "fixtures" / "pages"


def page(head: str = "", body: str = "<p>Text.</p>", lang: str = "en") -> str:
    return f"<!DOCTYPE html><html lang='{lang}'><head>{head}</head><body>{body}</body></html>"


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_json_ld_graph_article() -> None:
    article = extract_metadata((PAGES / "jsonld_article.html").read_text(), "https://courier.example/news/x")
    assert article.title == "Harbour seals return to the estuary"
    assert article.site_name == "The Coastal Courier"
    # the Organization in the author list and the meta author "Staff" are not people
    assert article.author == "Maria Okafor and Tom Lindqvist"
    assert article.published == date(2021, 3, 14)
    assert article.language == "en"
    assert article.canonical_url == "https://courier.example/news/2021/03/harbour-seals-return"
    assert article.description == "Seal numbers have tripled since the clean-up began."


def test_opengraph_only_page() -> None:
    article = extract_metadata((PAGES / "og_article.html").read_text(), "https://rail.example/x")
    assert article.title == "Night trains are back ‘for good’"  # double-escaped entities decoded once more
    assert article.site_name == "Rail Weekly"
    assert article.author is None  # a URL and a list of sections, never a person
    assert article.published == date(2022, 11, 5)
    assert article.language == "de"
    assert article.canonical_url == "https://rail.example/stories/night-trains"
    assert article.description == "Sleeper services are selling out across Europe."


@pytest.mark.parametrize(
    ("title", "site", "h1", "url", "expected"),
    [
        ("Big news today | The Guardian", "The Guardian", None, None, "Big news today"),
        ("The Guardian - Big news today", "The Guardian", None, None, "Big news today"),
        ("BBC News - Storm hits - the coast", None, None, "https://www.bbc.co.uk/news/1", "Storm hits - the coast"),
        ("Storm hits the coast – Weather Desk", None, "Storm hits the coast", None, "Storm hits the coast"),
        ("Brexit: what now? | Site", "Site", None, None, "Brexit: what now?"),
        ("Part one - Part two", None, None, "https://example.org/a", "Part one - Part two"),
    ],
)
def test_title_suffixes(title: str, site: str | None, h1: str | None, url: str | None, expected: str) -> None:
    assert clean_title(title, site, h1, url) == expected


def test_title_from_title_tag_uses_site_name() -> None:
    html = page('<title>Rates rise again | Money Daily</title><meta property="og:site_name" content="Money Daily">')
    assert extract_metadata(html, None).title == "Rates rise again"


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ({"@type": "Person", "name": "Ann Lee"}, "Ann Lee"),
        ([{"@type": "Person", "name": "Ann Lee"}, {"@type": "Person", "name": "Bo Kim"}, "Cy Twombly"],
         "Ann Lee, Bo Kim and Cy Twombly"),
        ("By JANE DOE and John Roe", "Jane Doe and John Roe"),
        ("Jane Doe, Senior Reporter", "Jane Doe"),
        ("Staff", None),
        ("Editorial Team", None),
        ({"@type": "Organization", "name": "Reuters"}, None),
        ("https://example.com/authors/jane", None),
        ("Politics, World, Business", None),
        ("Associated Press", None),
    ],
)  # fmt: skip
def test_author_is_a_person_or_none(author: object, expected: str | None) -> None:
    html = page(ld({"@type": "NewsArticle", "headline": "H", "author": author}))
    assert extract_metadata(html, None).author == expected


def test_author_falls_back_to_meta_then_byline() -> None:
    html = page('<meta name="author" content="Staff"><meta name="byl" content="By Pat Smith">')
    assert extract_metadata(html, None).author == "Pat Smith"
    html = page(body='<p class="byline">By Lee Chan</p><p>Text.</p>')
    assert extract_metadata(html, None).author == "Lee Chan"


def test_site_name_is_never_a_url_or_a_tagline() -> None:
    html = page('<meta property="og:site_name" content="https://www.example.com">')
    assert extract_metadata(html, None).site_name is None
    html = page('<meta property="og:site_name" content="LinkNews | Your daily news platform">')
    assert extract_metadata(html, None).site_name == "LinkNews"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (ld({"@type": "BlogPosting", "datePublished": "2020-02-29"}), date(2020, 2, 29)),
        ('<meta property="article:published_time" content="2019-11-18T10:00:00-05:00">', date(2019, 11, 18)),
        ('<meta name="date" content="Mon, 18 Nov 2019 10:00:00 GMT">', date(2019, 11, 18)),
        ('<meta name="date" content="not a date">', None),
        ('<meta name="date" content="1066-10-14">', None),
    ],
)
def test_published_date(head: str, expected: date | None) -> None:
    assert extract_metadata(page(head), None).published == expected


def test_date_from_htmldate_when_structured_data_has_none() -> None:
    html = page(body="<p>Posted on 18 November 2019.</p><p>Text.</p>")
    assert extract_metadata(html, "https://example.com/2019/11/18/story").published == date(2019, 11, 18)


def test_canonical_is_absolutised_and_og_url_is_a_fallback() -> None:
    html = page('<link rel="canonical" href="/a/b?x=1">')
    assert extract_metadata(html, "https://ex.com/q").canonical_url == "https://ex.com/a/b?x=1"
    html = page('<meta property="og:url" content="https://ex.com/og">')
    assert extract_metadata(html, "https://ex.com/q").canonical_url == "https://ex.com/og"
    html = page('<link rel="canonical" href="javascript:alert(1)">')
    assert extract_metadata(html, "https://ex.com/q").canonical_url is None


def test_broken_json_ld_is_ignored() -> None:
    html = page('<script type="application/ld+json">{"@type": "NewsArticle", </script><title>T</title>')
    assert extract_metadata(html, None).title == "T"


@pytest.mark.parametrize("html", ["", "\x00\x01\x02", "<<<>>>", "ÿ<!DOCTyPEV PUBLIC'''Ð'", '<?xml version="1.0"?><p>x'])
def test_garbage_gives_an_empty_article(html: str) -> None:
    article = extract_metadata(html, None)
    assert article.author is None and article.published is None


def test_join_names() -> None:
    assert join_names(["A"]) == "A"
    assert join_names(["A", "B"]) == "A and B"
    assert join_names(["A", "B", "C"]) == "A, B and C"
