"""The card's date where the page has no publication markup (bot/pipeline/metadata/dates.py and the modules it
reads): a dateline, and htmldate's search kept away from readers' comments and the site's menus."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from bot.pipeline.metadata import extract_metadata, parse_html
from bot.pipeline.metadata.date_parsing import DateReader, parse_date
from bot.pipeline.metadata.dates import _dateline, _url_date, find_published
from bot.pipeline.metadata.headline import find_headline
from bot.pipeline.metadata.headline_dates import dated_element, headline_date
from bot.pipeline.metadata.markup import element_text

PROSE = (
    "<p>Die Gemeinde hat am Abend über den neuen Radweg beraten und will ihn im kommenden Frühjahr bauen lassen, "
    "sobald die Gelder des Landes bewilligt sind.</p>"
)


def page(body: str, lang: str = "de") -> str:
    return f"<!DOCTYPE html><html lang='{lang}'><head><title>Radweg</title></head><body>{body}</body></html>"


def test_a_comment_s_time_is_not_the_article_s_date() -> None:
    article = f'<article><h1>Der Radweg</h1><div class="profile">von Anna<br>am 20.09.2020</div>{PROSE}</article>'
    comments = ('<div class="kb-comments"><div class="comment"><time datetime="2020-09-22T12:45:17+02:00">'
                "22.09.20 | 12:45</time><p>Endlich!</p></div></div>")  # fmt: skip
    assert extract_metadata(page(article + comments), None).published == date(2020, 9, 20)


def test_a_menu_s_date_of_today_is_not_the_article_s_date() -> None:
    clock = '<time datetime="2023-11-01T13:56:20+01:00">Mittwoch, 01. November 2023</time>'
    menu = f'<div class="navtop"><span class="mod_datetime">{clock}</span></div>'
    article = f'<div class="page"><h1>Der Radweg</h1><p><span class="text_datum">31. Oktober 2023.</span></p>{PROSE}'
    assert extract_metadata(page(menu + article + "</div>"), None).published == date(2023, 10, 31)


def test_the_headline_s_container_stays_even_when_named_after_comments() -> None:
    comment = '<div class="comment"><time datetime="2023-11-02T08:00:00+01:00">02.11.23</time><p>Gut!</p></div>'
    byline = '<div class="profile">von Anna<br>am 31.10.2023</div>'
    body = f'<div id="with-comments"><h1>Der Radweg</h1>{byline}{PROSE}{comment}</div>'
    assert extract_metadata(page(body), None).published == date(2023, 10, 31)


def test_the_search_leaves_the_page_as_it_was() -> None:
    """The comments and menus are set aside for htmldate and put back: the main text is read from the same tree."""
    nav = '<nav class="main-nav">Start <span>heute</span></nav><div class="menu">Ressorts</div>'
    comments = '<div class="comments">Erster! <div class="reply">Zweiter</div></div> tail text'
    tree = parse_html(page(f"{nav}<h1>Der Radweg</h1>{PROSE}{comments}<p>Ende</p>"))
    assert tree is not None
    before = etree.tostring(tree)
    find_published({}, {}, tree, None, "de")
    assert etree.tostring(tree) == before


def test_a_page_of_replies_still_has_a_date() -> None:
    posts = '<div class="reply"><span class="postdate">14.03.2019</span><p>Hat jemand das gleiche Problem?</p></div>'
    assert extract_metadata(page(f"<h2>Forum</h2>{posts}"), None).published == date(2019, 3, 14)


def test_a_press_release_s_dateline_is_its_date() -> None:
    release = "<p>29.11.2022 – Mehrfach hatte die Branche vor den Folgen gewarnt, nun drosselt die Regierung.</p>"
    comments = '<div class="comments"><span class="comment-date">02.12.2022, 15:57:32</span></div>'
    body = f"<h1>Die Branche protestiert</h1>{release}{PROSE}{comments}"
    assert extract_metadata(page(body), None).published == date(2022, 11, 29)


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("Bern, 17.08.2007 - Rede von Moritz Leuenberger beim Städtegipfel vor den Delegierten.", date(2007, 8, 17)),
        ("Hamburg, den 2. Dezember 2022 – Die Reederei meldet für das dritte Quartal mehr Fracht.", date(2022, 12, 2)),
        ("Update, 28.4.2020, 12.45 Uhr – Inmitten der Spekulationen über den Verbleib meldet das Amt.", None),
        ("Berlin, the city of lakes – and of many more bridges than Venice, as guides like to say.", None),
        ("The council met on 29.11.2022 – and agreed to build the new cycle path next spring.", None),
    ],
)
def test_a_dateline_opens_the_first_paragraph(first: str, expected: date | None) -> None:
    tree = parse_html(page(f"<p>{first}</p>{PROSE}"))
    assert tree is not None
    assert _dateline(tree, DateReader("de")) == expected


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ('<time datetime="2020-02-19T23:20:00Z">20.2.2020, 00:20</time>', date(2020, 2, 20)),  # printed locally
        ('<time datetime="2020-02-19T23:20:00+00:00">20. Februar 2020</time>', date(2020, 2, 20)),
        ('<time datetime="2020-02-19T23:20:00">20.2.2020, 00:20</time>', date(2020, 2, 20)),  # no zone: often UTC
        ('<time datetime="2020-02-19T23:20:00Z">vor 2 Stunden</time>', date(2020, 2, 19)),  # prints no date
        ('<time datetime="2020-02-19T23:20:00+01:00">20.2.2020</time>', date(2020, 2, 19)),  # the local stamp wins
        ('<time datetime="2020-02-03T15:00:00Z">02/03/2020</time>', date(2020, 2, 3)),  # month first, as in the US
    ],
)
def test_a_time_in_utc_shows_the_date_the_page_prints(time: str, expected: date) -> None:
    body = f"<article><h1>Der Radweg</h1><p>Von Anna, {time}</p>{PROSE}</article>"
    assert extract_metadata(page(body), None).published == expected


def test_a_comment_s_microdata_date_is_not_the_article_s() -> None:
    comment = (
        '<div itemscope itemtype="https://schema.org/Comment"><span itemprop="author">Ben</span>'
        '<time itemprop="datePublished" datetime="2020-04-28T10:27:29+02:00">28.04.2020</time><p>Danke!</p></div>'
    )
    article = (
        '<div itemscope itemtype="https://schema.org/Article"><h1>Der Radweg</h1>'
        f'<time itemprop="datePublished" datetime="2020-04-27T08:00:00+02:00">27.04.2020</time>{PROSE}</div>'
    )
    # the comment comes first in the page, as where a theme sets its comments beside the article
    assert extract_metadata(page(comment + article), None).published == date(2020, 4, 27)


@pytest.mark.parametrize(
    "comment",
    [
        '<div itemscope itemtype="https://schema.org/Comment"><meta itemprop="datePublished" content="2020-04-28">'
        "<p>Danke!</p></div>",
        '<ol class="comment-list"><li><meta itemprop="datePublished" content="2020-04-28"><p>Danke!</p></li></ol>',
    ],
)
def test_a_comment_s_microdata_meta_is_not_the_article_s_date(comment: str) -> None:
    article = f'<article><h1>Der Radweg</h1><div class="profile">von Anna<br>am 27.04.2020</div>{PROSE}</article>'
    # the comments come first in the page, as where a theme sets them beside the article
    assert extract_metadata(page(comment + article), None).published == date(2020, 4, 27)


def test_the_article_s_microdata_meta_counts_inside_a_wrapper_named_for_comments() -> None:
    article = (
        '<div class="has-comments"><article itemscope itemtype="https://schema.org/Article"><h1>Der Radweg</h1>'
        f'<meta itemprop="datePublished" content="2020-04-27">{PROSE}</article></div>'
    )
    assert extract_metadata(page(article), None).published == date(2020, 4, 27)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('<p class="text"><span class="stand">Stand: 28.04.2020 18:00 Uhr</span></p>', date(2020, 4, 28)),
        ("<p>Von Anna | <span>Aktualisiert: 30.04.2020</span> | Erschienen: 27.04.2020</p>", date(2020, 4, 27)),
        ("<p>Von Anna <span>Zuletzt geändert:</span> <span>30.04.2020</span></p>", date(2020, 4, 29)),
        ('<div class="timeline"><div data-date="18. März 2020" class="arrow"></div></div>', date(2020, 3, 18)),
        (
            "<p>Von Anna Muster | Aktualisiert am 30. April 2020 | Erstmals erschienen am 27. April 2020</p>",
            date(2020, 4, 27),
        ),
        (
            "<p>Der nächste Stammtisch findet am Mittwoch, 5. Februar 2020 ab 19 Uhr im Café statt.</p>",
            date(2020, 4, 29),
        ),
    ],
)
def test_the_date_printed_under_the_headline_comes_before_a_generic_date_tag(header: str, expected: date) -> None:
    """A generic date tag is often the last change; the byline block under the headline shows the publication."""
    site = '<h1 class="logo"><a href="/">Tagesblatt</a></h1>'
    generic = '<meta name="date" content="2020-04-29T11:52:23">'
    html = page(f"{site}<div class='article'><h1>Der Radweg</h1>{header}{PROSE}</div>")
    assert extract_metadata(html.replace("<title>", generic + "<title>"), None).published == expected


@pytest.mark.parametrize(
    "update",
    [
        '<time class="updated" datetime="2020-05-02T09:00:00+02:00">2. Mai 2020</time>',
        '<time itemprop="dateModified" datetime="2020-05-02T09:00:00+02:00">2. Mai 2020</time>',
        "<time>Aktualisiert: 02.05.2020</time>",
    ],
)
def test_a_time_marked_as_the_last_change_is_not_the_publication(update: str) -> None:
    published = '<time class="entry-date published" datetime="2020-04-27T08:00:00+02:00">27. April 2020</time>'
    body = f"<article><h1>Der Radweg</h1>{PROSE}<p>Von Anna, {update} (erschienen {published})</p></article>"
    assert extract_metadata(page(body), None).published == date(2020, 4, 27)


@pytest.mark.parametrize(
    "label", ["Aktualisiert", "<span>Aktualisiert:</span>", "<span>Zuletzt aktualisiert am</span>"]
)
def test_a_time_just_after_an_update_label_is_not_the_publication(label: str) -> None:
    """Away from the headline (after the article's text), the label before a <time> tells an update."""
    update = f'{label} <time datetime="2020-05-02T09:00:00+02:00">2. Mai 2020</time>'
    published = '<time datetime="2020-04-27T08:00:00+02:00">27. April 2020</time>'
    body = f"<article><h1>Der Radweg</h1>{PROSE}{PROSE}<p>{update}</p><p>Erschienen {published}</p></article>"
    assert extract_metadata(page(body), None).published == date(2020, 4, 27)


def test_a_time_marked_both_published_and_updated_is_the_publication() -> None:
    """WordPress marks a post never changed "published updated"; an older theme marks it pubdate."""
    first = '<time class="updated" datetime="2020-04-27T08:00:00+02:00" pubdate>27. April 2020</time>'
    generic = '<meta name="date" content="2020-05-02T09:00:00">'  # the last change, as generic date tags often are
    html = page(f"<article><h1>Der Radweg</h1>{PROSE}<p>Von Anna, {first}</p></article>")
    assert extract_metadata(html.replace("<title>", generic + "<title>"), None).published == date(2020, 4, 27)


def test_a_hidden_modification_date_under_the_headline_is_passed_over() -> None:
    modified = '<span class="hidden" itemprop="dateModified">2020-05-02 14:15:57</span>'
    header = f"<p>Tagesblatt {modified} <span>27.04.2020 10:20</span></p>"
    generic = '<meta name="date" content="2020-04-29T11:52:23">'
    html = page(f"<div class='article'><h1>Der Radweg</h1>{header}{PROSE}</div>")
    assert extract_metadata(html.replace("<title>", generic + "<title>"), None).published == date(2020, 4, 27)


def test_the_date_in_the_address_s_path_where_the_markup_states_none() -> None:
    canonical = '<link rel="canonical" href="https://example.org/news/2020/oct/02/der-radweg">'
    html = page(f"<h1>Der Radweg</h1>{PROSE}").replace("<title>", canonical + "<title>")
    assert extract_metadata(html, None).published == date(2020, 10, 2)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("https://example.org/news/2020/okt/02/der-radweg", date(2020, 10, 2)),  # the page's language
        ("https://example.org/2020/10/02/der-radweg/", date(2020, 10, 2)),
        ("https://example.org/blog/2020-10-02-der-radweg.html", date(2020, 10, 2)),
        ("https://example.org/artikel/2015/01/der-radweg/", None),  # a month names no day
        ("https://example.org/wissen/2020/10/1700384", None),  # an article's number is no day
        ("https://example.org/2020/10-02/der-radweg", None),
        ("https://example.org/2020/mitte/02/der-radweg", None),
        ("https://example.org/suche?von=/2020/10/02/", None),  # a query names no filing date
        ("http://[::1/2020/10/02/der-radweg", date(2020, 10, 2)),  # a malformed host does not stop the reading
    ],
)
def test_the_date_in_the_address_s_path(address: str, expected: date | None) -> None:
    assert _url_date(address, "de") == expected


@pytest.mark.parametrize(
    ("kicker", "expected"),
    [
        ("<div class='kicker'><span>Politik</span> | <span>28.04.2020</span></div>", date(2020, 4, 28)),
        ("<p>Verkehr</p><p>Dienstag, 28. April 2020</p>", date(2020, 4, 28)),
        ("<p><span itemprop='dateModified'>30.04.2020</span></p>", date(2020, 4, 29)),  # the last change
        ("<p>Aktualisiert: 30.04.2020</p>", date(2020, 4, 29)),
    ],
)
def test_the_date_printed_above_the_headline(kicker: str, expected: date) -> None:
    """Many sites print the date above the headline, with the section's name; a generic date tag is often the last
    change."""
    generic = '<meta name="date" content="2020-04-29T11:52:23">'
    html = page(f"<div class='header'>{kicker}<h1>Der Radweg</h1></div>{PROSE}")
    assert extract_metadata(html.replace("<title>", generic + "<title>"), None).published == expected


def test_the_headline_s_byline_block_reads_no_code() -> None:
    """A script between the headline and the byline is code, not the article's first long text."""
    script = (
        "<script>window.articleShortUrl = 'https://example.org/a/8772683'; window.shareCount = 845; "
        "window.adSlots = ['top', 'middle', 'bottom'];</script>"
    )
    byline = "<p class='byline'>By Anna Smith | Published: 22:00 GMT, 26 September 2020</p>"
    generic = '<meta name="date" content="2020-09-28T08:39:00">'
    html = page(f"<h1>The cycle path</h1>{script}{byline}{PROSE}", lang="en")
    assert extract_metadata(html.replace("<title>", generic + "<title>"), None).published == date(2020, 9, 26)


LEAD = (
    "<p class='lead'>Die Gemeinde will den Radweg im Frühjahr bauen lassen: was die Anwohner erwartet, wer ihn "
    "bezahlt und wann die Bagger kommen.</p>"
)


def test_a_date_named_element_after_the_headline() -> None:
    """Where no markup dates the article and the byline block ends at the lead, an element named for the date (a
    theme's "post-date") states it, not the older teasers' before the headline."""
    teasers = (
        '<div class="top-stories"><article><a href="/b">Die Brücke</a> <span class="date">31.08.2021</span></article>'
    )
    meta = '<ul class="post-meta"><li class="post-date">26. Oktober 2023</li><li>3 Kommentare</li></ul>'
    body = f"{teasers}</div><div><h1>Der Radweg</h1>{LEAD}{meta}{PROSE}</div>"
    assert extract_metadata(page(body), None).published == date(2023, 10, 26)


@pytest.mark.parametrize(
    "teasers",
    [
        # the page's other articles, each its own <article>, as a list of teasers sets them
        '<article><h2>Die Brücke</h2><span class="date">31. August 2021</span></article>'
        '<article><h2>Der Bahnhof</h2><span class="date">25. Februar 2021</span></article>',
        '<div class="post-date">Aktualisiert am 31.08.2021</div>',  # the last change
    ],
)
def test_a_date_named_element_of_another_article_or_an_update_is_not_the_date(teasers: str) -> None:
    tree = parse_html(page(f"<h1>Der Radweg</h1>{LEAD}{PROSE}{teasers}"))
    assert tree is not None
    assert dated_element(tree, DateReader("de"), find_headline(tree)) is None


@pytest.mark.parametrize(
    ("stamp", "printed", "expected"),
    [
        ("2020-02-19T23:20:00Z", "20.02.2020", date(2020, 2, 20)),  # the page's own date, not the UTC one
        ("2020-02-19T23:20:00+00:00", "20. Februar 2020", date(2020, 2, 20)),
        ("2020-02-19T23:20:00", "20.02.2020", date(2020, 2, 20)),  # a time without a zone is often UTC
        ("2020-02-19", "20.02.2020", date(2020, 2, 19)),  # a date alone is the page's
        ("2020-02-19T23:20:00+01:00", "20.02.2020", date(2020, 2, 19)),  # a local stamp states the page's date
        ("2020-02-19T23:20:00Z", "22.02.2020", date(2020, 2, 19)),  # more than a day off: another date
    ],
)
def test_a_utc_stamp_yields_to_the_date_printed_at_the_headline(stamp: str, printed: str, expected: date) -> None:
    tag = f'<meta property="article:published_time" content="{stamp}">'
    html = page(f"<h1>Der Radweg</h1><p>Von Anna, {printed}</p>{PROSE}")
    assert extract_metadata(html.replace("<title>", tag + "<title>"), None).published == expected


@pytest.mark.parametrize(
    ("stamp", "address", "expected"),
    [
        ("2019-11-19T04:58:46Z", "https://example.com/2019/11/18/bike-lane/", date(2019, 11, 18)),  # a US evening
        ("2019-11-19T23:10:00+00:00", "https://example.com/2019/11/20/bike-lane/", date(2019, 11, 20)),
        ("2019-11-20T01:50:59.403", "https://example.com/2019/11/19/bike-lane/", date(2019, 11, 19)),  # no zone
        ("2019-11-20 01:50:59", "https://example.com/2019/11/19/bike-lane/", date(2019, 11, 19)),
        ("2019-11-19T04:58:46-05:00", "https://example.com/2019/11/18/bike-lane/", date(2019, 11, 19)),  # local
        ("2019-11-19T04:58:46Z", "https://example.com/2019/11/16/bike-lane/", date(2019, 11, 19)),  # another date
        ("2019-11-19T08:00:00Z", "https://example.com/2019/11/20/bike-lane/", date(2019, 11, 19)),  # print edition
        ("2021-05-16T10:30:00", "https://example.com/matches/2021/05/15/final/", date(2021, 5, 16)),  # match day
    ],
)
def test_a_utc_stamp_yields_to_the_date_the_address_files_it_under(stamp: str, address: str, expected: date) -> None:
    """Where the hour is one a time zone moves across midnight: an evening's in America or in Europe and Asia."""
    ld = f'<script type="application/ld+json">{{"@type": "NewsArticle", "datePublished": "{stamp}"}}</script>'
    html = page(f"<h1>The bike lane</h1>{PROSE}", "en").replace("<title>", ld + "<title>")
    assert extract_metadata(html, address).published == expected


def test_a_printed_date_that_agrees_with_the_stamp_outranks_the_address() -> None:
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2019-11-19T20:10:04Z"}</script>'
    html = page(f"<h1>The bike lane</h1><p>By Anna | Nov. 19, 2019</p>{PROSE}", "en").replace("<title>", ld + "<title>")
    assert extract_metadata(html, "https://example.com/2019/11/20/bike-lane/").published == date(2019, 11, 19)


STANDFIRST = (
    "The city finished its first protected lane along the river this spring, and cyclists have doubled on it since."
)


@pytest.mark.parametrize(
    ("under_headline", "expected"),
    [
        (f"<p>{STANDFIRST}</p><p>By Anna | March 3, 2020</p>{PROSE}", date(2020, 3, 3)),  # above the byline
        (f"<p>{STANDFIRST}</p>{PROSE}<p>See also | March 9, 2020</p>", date(2020, 3, 5)),  # the text, then a link
        (f"{PROSE}<h3>March 9, 2020</h3><p>The lane opened.</p>", date(2020, 3, 5)),  # the text, then a timeline
    ],
)
def test_the_date_printed_under_the_headline_s_standfirst(under_headline: str, expected: date) -> None:
    """A standfirst repeats the page's description; a long first text that does not is the article's own."""
    tag = f'<meta name="date" content="2020-03-05"><meta name="description" content="{STANDFIRST}">'
    html = page(f"<article><h1>The bike lane</h1>{under_headline}</article>", "en")
    assert extract_metadata(html.replace("<title>", tag + "<title>"), None).published == expected


def test_the_site_header_s_copy_of_the_headline_is_not_the_headline() -> None:
    """A sticky header repeats the headline beside today's date; the article's own <h1> comes later."""
    header = '<header id="masthead"><h1>The bike lane</h1><span class="header-date">Nov. 20, 2019</span></header>'
    body = f"{header}<article><h1>The bike lane</h1><p>By Anna | Nov. 19, 2019</p>{PROSE}</article>"
    assert extract_metadata(page(body, "en"), None).published == date(2019, 11, 19)


def test_a_picture_s_caption_between_headline_and_byline_is_passed_over() -> None:
    """The caption's dates are the picture's; the byline after it prints the local day a UTC stamp moved on."""
    caption = "<figure><figcaption>The moon rising over the clouds in <b>February 2007</b>, six hours after the "
    caption += "probe's closest approach. (Source: NASA)</figcaption></figure>"
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2019-11-19T04:10:00Z"}</script>'
    body = f"<h1>Water on a moon</h1>{caption}<p>By Anna | Nov. 18, 2019</p>{PROSE}"
    html = page(body, "en").replace("<title>", ld + "<title>")
    assert extract_metadata(html, "https://example.com/2019/11/19/moon/").published == date(2019, 11, 18)


def test_an_article_s_own_masthead_is_no_site_header() -> None:
    """A story's "article-masthead" holds its headline; a later <h1> (a related list's, a newsletter's) is not it."""
    story = '<div class="article-masthead"><h1>The bike lane</h1><p>By Anna | March 3, 2020</p></div>'
    body = f"{story}{PROSE}<h1>Related</h1><p>The bus lane | March 1, 2020</p>"
    assert extract_metadata(page(body, "en"), None).published == date(2020, 3, 3)


def test_a_date_named_element_comes_before_a_generic_date_tag() -> None:
    """A generic date tag is often the last change; an element named for the date after the headline is the
    publication more often."""
    meta = '<ul class="post-meta"><li class="post-date">26. Oktober 2023</li><li>3 Kommentare</li></ul>'
    generic = '<meta name="date" content="2023-10-30T11:52:23">'
    html = page(f"<h1>Der Radweg</h1>{LEAD}{meta}{PROSE}").replace("<title>", generic + "<title>")
    assert extract_metadata(html, None).published == date(2023, 10, 26)


def test_a_written_date_is_read_where_the_page_does_not_say_its_language() -> None:
    generic = '<meta name="date" content="2020-03-05T11:52:23">'  # the last change, as generic date tags often are
    html = (
        f"<!DOCTYPE html><html><head>{generic}<title>Der Radweg</title></head><body><h1>Der Radweg</h1>"
        f"<p>Von Anna | 3. März 2020</p>{PROSE}</body></html>"
    )
    assert extract_metadata(html, None).published == date(2020, 3, 3)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("3. mars 2020", "no", date(2020, 3, 3)),  # Norwegian, which dateparser names "nb"
        ("3 de março de 2020", None, date(2020, 3, 3)),
        ("3. března 2020", None, date(2020, 3, 3)),
        ("March 3, 2020", None, date(2020, 3, 3)),
        ("15 августа 2016, 13:43", None, date(2016, 8, 15)),
    ],
)
def test_month_names(text: str, language: str | None, expected: date) -> None:
    assert parse_date(text, language) == expected


def test_a_page_without_h1_has_its_headline_in_the_heading_its_title_names() -> None:
    """Blog themes set the post's title in an <h2>; the section headings before it are not the headline."""
    generic = '<meta name="date" content="2020-03-05T11:52:23">'  # the last change, as generic date tags often are
    body = (
        "<h2>Neueste Beiträge</h2><p>Die Brücke | 1. März 2020</p>"
        "<h2 class='entry-title'>Der Radweg im Frühjahr</h2><p>Anna | 3. März 2020</p>"
    )
    html = page(body + PROSE).replace("<title>Radweg", f"{generic}<title>Der Radweg im Frühjahr | Annas Blog")
    assert extract_metadata(html, None).published == date(2020, 3, 3)


@pytest.mark.parametrize(
    ("footer", "expected"),
    [
        ("<footer><p>© 2019 Radfahrerverein Musterstadt</p></footer>", None),  # a year is no publication date
        ('<footer itemscope><meta itemprop="copyrightYear" content="2019"></footer>', None),
        ("<footer><p>Stand: 01.01.2019 · © 2019 Radfahrerverein</p></footer>", date(2019, 1, 1)),  # printed
    ],
)
def test_a_copyright_year_is_no_date_but_a_printed_new_year_s_day_is(footer: str, expected: date | None) -> None:
    assert extract_metadata(page(f"<h1>Der Radweg</h1>{PROSE}{footer}"), None).published == expected


def test_a_short_title_names_no_heading_as_the_headline() -> None:
    """On a page without an <h1>, the heading its <title> names is the headline, but "Blog" names none."""
    sidebar = "<h2>Popular posts from this blog</h2><span class='date'>03.02.2019</span>"
    assert find_headline(parse_html(f"<html><head><title>Blog</title></head><body>{sidebar}</body></html>")) is None
    named = "<title>Der neue Radweg am Fluss | Blog</title></head><body><h2>Der neue Radweg am Fluss</h2>"
    assert element_text(find_headline(parse_html(f"<html><head>{named}</body></html>"))) == "Der neue Radweg am Fluss"


@pytest.mark.parametrize(
    ("lang", "elsewhere", "printed", "expected"),
    [
        ("en-US", "", "11/08/23", date(2023, 11, 8)),  # American English writes month first
        ("en_US", "", "11-08-2023", date(2023, 11, 8)),
        ("en-GB", "", "11/08/23", date(2023, 8, 11)),  # elsewhere day first
        ("en", "", "11/08/23", date(2023, 8, 11)),
        ("de", "", "11/08/2023", date(2023, 8, 11)),
        ("en-US", "", "11.08.2023", date(2023, 8, 11)),  # dotted dates are day first everywhere
        ("en", "<p>Related: 12/25/2022</p>", "11/08/23", date(2023, 11, 8)),  # the page's own order wins
        ("en-US", "<p>Related: 25/12/2022</p>", "11/08/23", date(2023, 8, 11)),
        ("en-GB", "<p>Version 3.15.08</p>", "11/08/23", date(2023, 8, 11)),  # dotted figures tell no order
        ("en-GB", "", "11/23/2023", date(2023, 11, 23)),  # a date that reads one way only
    ],
)
def test_a_date_that_reads_both_ways_is_read_in_the_page_s_order(
    lang: str, elsewhere: str, printed: str, expected: date
) -> None:
    body = f"<article><h1>The bike lane</h1><p>By Anna | {printed}</p>{PROSE}</article>{elsewhere}"
    assert extract_metadata(page(body, lang), None).published == expected


def test_a_page_s_order_does_not_outlast_its_dating() -> None:
    tree = parse_html(page("<article><h1>The bike lane</h1><p>By Anna | 11/08/23</p></article>", "en-US"))
    assert tree is not None
    assert find_published({}, {}, tree, None, "en") == date(2023, 11, 8)
    assert parse_date("11/08/23") == date(2023, 8, 11)  # outside a page: day first


def test_the_date_printed_under_the_headline_comes_before_a_time_elsewhere() -> None:
    """A <time> the page sets before the article (a list of recent posts without names) is not the article's."""
    recent = '<div><a href="/wetter"><time datetime="2020-03-01">1. März 2020</time> Das Wetter</a></div>'
    body = f"{recent}<div><h1>Der Radweg</h1><p>Von Anna | 3. März 2020</p>{PROSE}</div>"
    assert extract_metadata(page(body), None).published == date(2020, 3, 3)


def test_a_time_under_the_headline_is_read_by_its_datetime() -> None:
    byline = '<p>By Anna | <time datetime="2020-02-03T10:00:00-05:00">02/03/2020</time></p>'
    body = f"<article><h1>The bike lane</h1>{byline}{PROSE}</article>"
    assert extract_metadata(page(body, "en-GB"), None).published == date(2020, 2, 3)


def test_a_page_without_h1_has_its_headline_in_the_heading_its_title_words_otherwise() -> None:
    title = "<title>Brexit: Nervenkrieg geht in nächste Runde</title>"
    # a teaser before it shares three of the title's words, but most of its own are others
    teaser = "<h2>Nervenkrieg um Brexit geht weiter: was die Abgeordneten in London beschlossen haben</h2>"
    headline = "<h2>Der Nervenkrieg um den Brexit geht in die nächste Runde</h2><p>Von Anna | 19. Oktober 2019</p>"
    html = f"<html lang='de'><head>{title}</head><body><div>{teaser}</div>{headline}{PROSE}</body></html>"
    tree = parse_html(html)
    assert tree is not None
    found = find_headline(tree)
    assert found is not None and element_text(found).startswith("Der Nervenkrieg")
    assert extract_metadata(html, None).published == date(2019, 10, 19)


def test_an_update_stamp_without_a_year_labels_no_later_date() -> None:
    """A stamp without a year ("Updated Nov 19, 9:41 AM") states no date it reads, but is no label of the next part."""
    byline = "<div><span>Updated Nov 19, 9:41 AM</span> <span>Nov 18, 2019</span></div>"
    tree = parse_html(page(f"<h1>The bike lane</h1>{byline}{PROSE}", lang="en"))
    assert headline_date(find_headline(tree), DateReader("en")) == date(2019, 11, 18)


def test_a_time_printing_an_update_s_label_is_the_last_change() -> None:
    updated = '<time datetime="2019-11-19T09:41:00-05:00">Updated Nov. 19, 2019</time>'
    published = '<time datetime="2019-11-18T08:00:00-05:00">Nov. 18, 2019</time>'
    tree = parse_html(page(f"<h1>The bike lane</h1><p>By Anna {updated} {published}</p>{PROSE}", lang="en"))
    assert find_published({}, {}, tree, None, "en") == date(2019, 11, 18)


@pytest.mark.parametrize(
    "byline",
    [
        "<span>Aktualisiert |</span> <span>05.03.2020</span> <span>Erstellt |</span> <span>03.03.2020</span>",
        "<span>Aktualisiert</span> <span>|</span> <span>05.03.2020</span> <span>|</span> <span>03.03.2020</span>",
    ],
)
def test_a_separator_after_an_update_label_keeps_the_label(byline: str) -> None:
    """A separator after an update's label leaves an empty part between the label and its date: the label holds."""
    tree = parse_html(page(f"<h1>Der Radweg</h1><div>{byline}</div>{PROSE}"))
    assert headline_date(find_headline(tree), DateReader("de")) == date(2020, 3, 3)


def test_a_written_date_is_read_where_the_declared_language_is_the_template_s() -> None:
    """A German byline on a page whose template declares English: the date words of the web's main languages."""
    generic = '<meta name="date" content="2020-03-05T11:52:23">'  # the last change, as generic date tags often are
    html = page(f"<h1>Der Radweg</h1><p>Von Anna | 3. März 2020</p>{PROSE}", lang="en").replace(
        "<title>", f"{generic}<title>"
    )
    assert extract_metadata(html, None).published == date(2020, 3, 3)
    assert parse_date("3 de março de 2020", "en") == date(2020, 3, 3)


def _with_generic_date(html: str) -> str:
    generic = '<meta name="date" content="2020-03-05T11:52:23">'  # the last change, as generic date tags often are
    return html.replace("<title>", f"{generic}<title>")


POSTED_ON = (
    '<footer class="entry-meta"><span class="posted-on">Posted on <time class="entry-date published" '
    'datetime="2016-01-15T09:00:18+01:00">15/01/2016</time></span></footer>'
)


def test_a_time_in_the_post_s_own_footer_is_its_date() -> None:
    """Blog themes print "Posted on <time>" in the post's own footer, inside its <article>."""
    html = _with_generic_date(page(f"<article><h1>Der Radweg</h1>{PROSE}{POSTED_ON}</article>"))
    assert extract_metadata(html, None).published == date(2016, 1, 15)


@pytest.mark.parametrize(
    "body",
    [
        f"<article><h1>Der Radweg</h1>{PROSE}</article><article><h2>Mehr</h2>{POSTED_ON}</article>",  # a teaser's
        f"<article><h1>Der Radweg</h1>{PROSE}</article><footer class='site-footer'><div>{POSTED_ON}</div></footer>",
        f"<article><h1>Der Radweg</h1>{PROSE}<aside><h2>Mehr</h2>{POSTED_ON}</aside></article>",
    ],
)
def test_a_time_in_another_footer_is_not_the_date(body: str) -> None:
    """A teaser's footer, the site's, one in a sidebar of the post."""
    assert extract_metadata(_with_generic_date(page(body)), None).published == date(2020, 3, 5)


def test_a_time_in_a_related_list_in_the_post_s_footer_is_not_the_date() -> None:
    """Themes set related posts in the post's own footer: their dates are other posts'."""
    title = "My post title here ok"
    older = '<li><a href="/older">An older post of mine</a> <time datetime="2019-01-05">January 5, 2019</time></li>'
    footer = f'<footer class="entry-footer"><div class="related-posts"><h3>Related</h3><ul>{older}</ul></div></footer>'
    html = page(f'<article class="post"><h1>{title}</h1>{PROSE}{PROSE}{footer}</article>', lang="en")
    html = html.replace("<title>Radweg", f"<title>{title}")
    assert extract_metadata(html, "https://example.org/2023/04/02/my-post/").published == date(2023, 4, 2)


def test_the_h1_the_title_names_is_the_headline_where_teasers_come_first() -> None:
    """Sites that set each teaser's title in an <h1>: the headline is the <h1> the page's <title> names."""
    teasers = "".join(
        f"<article><h1>{title}</h1><p>Sponsored | Oct 2, 2023</p></article>"
        for title in ("Visit the coast this fall", "See the wild horses")
    )
    story = f"<div><h1>Embiid leads the Sixers past the Celtics</h1><p>By Anna | Nov 8, 2023</p>{PROSE}</div>"
    html = page(f"{teasers}{story}", lang="en").replace(
        "<title>Radweg", "<title>Embiid leads the Sixers past the Celtics"
    )
    tree = parse_html(html)
    assert tree is not None
    found = find_headline(tree)
    assert found is not None and element_text(found).startswith("Embiid")
    assert extract_metadata(html, None).published == date(2023, 11, 8)


def test_the_first_h1_stays_the_headline_where_the_title_names_it_too() -> None:
    """A later <h1> the <title> names (a repeat in a related list) does not outrank a first one it names as well."""
    story = "<h1>Embiid leads the Sixers</h1><p>By Anna | Nov 8, 2023</p>"
    related = "<aside><h1>Embiid leads the Sixers past the Celtics again</h1><p>Oct 2, 2023</p></aside>"
    html = page(f"{story}{PROSE}{related}", lang="en").replace("<title>Radweg", "<title>Embiid leads the Sixers")
    assert extract_metadata(html, None).published == date(2023, 11, 8)


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ('<time datetime="2019-11-19T01:19:34Z">Posted Nov 18, 8:19 PM</time>', date(2019, 11, 18)),
        ('<time datetime="2020-01-01T03:10:00Z">Posted Dec 31, 10:10 PM</time>', date(2019, 12, 31)),
        ('<time datetime="2020-03-18T23:10:00Z">19. März, 00:10 Uhr</time>', date(2020, 3, 19)),
        ('<time datetime="2019-11-19T01:19:34Z">Posted Nov 12, 8:19 PM</time>', date(2019, 11, 19)),  # misread
        ('<time datetime="2019-11-19T01:19:34-05:00">Posted Nov 18, 8:19 PM</time>', date(2019, 11, 19)),
    ],
)
def test_a_utc_stamp_yields_to_the_day_its_time_prints_without_a_year(time: str, expected: date) -> None:
    """A <time> printing its local day without the year ("Posted Nov 18, 8:19 PM") beside a UTC stamp a day on."""
    tree = parse_html(page(f"<h1>The bike lane</h1><p>By Anna</p>{PROSE}{time}", lang="de"))
    assert find_published({}, {}, tree, None, "de") == expected


def test_a_later_teaser_h1_the_title_only_shares_words_with_does_not_outrank_the_first() -> None:
    """The article's first <h1> differs from the <title>; a later teaser's <h1> shares most of its words: the teaser
    is not the headline (only a heading the <title> holds, or that holds it, outranks the first <h1>)."""
    prose = f"<p>{' '.join(['This is a long sentence of the article body that carries real content.'] * 2)}</p>"
    byline = '<div class="byline">By Jane Doe | 12.03.2023</div>'
    story = f"<article><h1>Tesla recalls 2 million cars over Autopilot</h1>{byline}{prose}</article>"
    teaser = '<h1>What Tesla owners need to know now</h1><div class="meta">By John Roe | 01.02.2021</div>'
    html = page(f'{story}<section class="more"><article>{teaser}<p>Teaser.</p></article></section>', lang="en")
    html = html.replace("<title>Radweg", "<title>Tesla recall: what owners need to know now | Daily Planet")
    tree = parse_html(html)
    assert tree is not None
    found = find_headline(tree)
    assert found is not None and element_text(found).startswith("Tesla recalls")
    assert extract_metadata(html, None).published == date(2023, 3, 12)


def test_a_later_h1_sharing_the_title_s_words_is_the_headline_where_the_first_is_a_teaser_link() -> None:
    """Teasers' linked <h1>s first: the <h1> that words the <title> otherwise ("over Celtics" for "over Boston
    Celtics") is the headline."""
    teaser = '<a href="/visit"><div><h1>Visit the coast this fall</h1><p>Sponsored | Oct 2, 2023</p></div></a>'
    story = f"<div><h1>Embiid leads the Sixers to victory over Celtics</h1><p>By Anna | Nov 8, 2023</p>{PROSE}</div>"
    html = page(f"{teaser}{story}", lang="en")
    html = html.replace("<title>Radweg", "<title>Embiid leads the Sixers to victory over Boston Celtics | Voice")
    assert extract_metadata(html, None).published == date(2023, 11, 8)


COMMENTS_IN_ARTICLES = [
    '<section class="comments"><article><p class="meta">Ben <time datetime="2020-09-22">22.09.2020</time></p>'
    "<p>Endlich!</p></article></section>",
    '<div><article class="comment"><p class="meta">Ben <time datetime="2020-09-22">22.09.2020</time></p>'
    "<p>Endlich!</p></article></div>",
]


@pytest.mark.parametrize("comments", COMMENTS_IN_ARTICLES)
def test_a_comment_s_own_article_inside_the_article_is_no_byline_area(comments: str) -> None:
    """A comment set as an <article> of its own inside the page's: the walk up from its time goes through it."""
    dated = '<p>Am <span class="datum">20.09.2020</span></p>'
    body = f"<article><h1>Der Radweg</h1>{PROSE}{PROSE}{dated}{comments}</article>"
    assert extract_metadata(page(body), None).published == date(2020, 9, 20)
