"""Metadata from JSON-LD, OpenGraph, meta tags and bylines (bot/pipeline/metadata/)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.config import Settings
from bot.pipeline.digest import digest_file
from bot.pipeline.metadata import clean_title, extract_metadata, join_names, parse_date, person_names

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
    ("title", "site", "url", "expected"),
    [
        ("Big news today | The Guardian", "The Guardian", None, "Big news today"),
        ("The Guardian - Big news today", "The Guardian", None, "Big news today"),
        ("BBC News - Storm hits - the coast", None, "https://www.bbc.co.uk/news/1", "Storm hits - the coast"),
        ("Brexit: what now? | Site", "Site", None, "Brexit: what now?"),
        ("Part one - Part two", None, "https://example.org/a", "Part one - Part two"),
    ],
)
def test_title_suffixes(title: str, site: str | None, url: str | None, expected: str) -> None:
    assert clean_title(title, site, url) == expected


def test_the_h1_the_title_repeats_is_the_headline() -> None:
    html = page("<title>Storm hits the coast – Weather Desk</title>", "<h1>Storm hits the coast</h1><p>Text.</p>")
    assert extract_metadata(html, None).title == "Storm hits the coast"


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
        ({"@type": "Organization", "name": "The Daily Planet"}, None),
        ("https://example.com/authors/jane", None),
        ("Politics, World, Business", None),
        # a name that starts like a byline word ("di", "by", "von") keeps its start
        ("Diana Ross", "Diana Ross"),
        ("Byron Vondrak", "Byron Vondrak"),
    ],
)  # fmt: skip
def test_author_is_a_person_or_none(author: object, expected: str | None) -> None:
    html = page(ld({"@type": "NewsArticle", "headline": "H", "author": author}))
    assert extract_metadata(html, None).author == expected


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ({"@type": "Organization", "name": "Reuters"}, "Reuters"),
        ("Associated Press", "Associated Press"),
        ("REUTERS", "Reuters"),
        ("FR mit dpa", "dpa"),
        ("APA/dpa", "APA and dpa"),
        ("red, example.at/Agenturen", None),
        ("Redaktion", None),
        ("Newsroom", None),
    ],
)
def test_a_news_agency_is_the_author_of_wire_copy_a_desk_is_not(author: object, expected: str | None) -> None:
    html = page(ld({"@type": "NewsArticle", "headline": "H", "author": author}))
    assert extract_metadata(html, None).author == expected


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("Frankfurt/Main (dpa) - Die Börse schloss fester.", "dpa"),
        ("WASHINGTON (Reuters) – Lawmakers met on Monday.", "Reuters"),
        ("Berlin (Berliner Morgenpost) - Die Stadt plant.", None),  # a newspaper, not an agency
    ],
)
def test_the_dateline_of_wire_copy_names_its_agency(first: str, expected: str | None) -> None:
    body = f"<article><h1>H</h1><p>{first}</p>{PROSE}</article>"
    assert extract_metadata(page(body=body, lang="de"), None).author == expected


def test_an_agency_in_a_sidebar_is_another_article_s() -> None:
    body = f'<article><h1>H</h1>{PROSE}</article><aside class="sidebar"><p class="byline">Von dpa</p></aside>'
    assert extract_metadata(page(body=body, lang="de"), None).author is None
    body = f'<article><h1>H</h1><p class="byline">Von dpa</p>{PROSE}</article>'
    assert extract_metadata(page(body=body, lang="de"), None).author == "dpa"


def test_a_person_named_anywhere_beats_an_agency() -> None:
    head = ld({"@type": "NewsArticle", "headline": "H", "author": {"@type": "Organization", "name": "AFP"}})
    html = page(head, '<article><p class="byline">Von Jana Novak, AFP</p><p>Text.</p></article>', lang="de")
    assert extract_metadata(html, None).author == "Jana Novak"


def test_the_visible_byline_adds_the_coauthors_json_ld_leaves_out() -> None:
    head = ld({"@type": "NewsArticle", "headline": "H", "author": {"@type": "Person", "name": "Rita Moser"}})
    byline = '<div class="author"><span class="fn">von Rita Moser, Paul Egger</span></div><p>Text.</p>'
    assert extract_metadata(page(head, byline, lang="de"), None).author == "Rita Moser and Paul Egger"
    # a byline that does not name the same people is not a superset: JSON-LD wins
    other = '<div class="author"><span class="fn">von Paul Egger</span></div><p>Text.</p>'
    assert extract_metadata(page(head, other, lang="de"), None).author == "Rita Moser"


def test_a_wrapper_tagged_with_an_authority_is_not_a_byline() -> None:
    body = ('<div class="post tag-housing-authority"><p>Brooklyn</p><h1>Tenants vote</h1>'
            f'<p class="byline">By Ana Ruiz</p>{PROSE}</div>')  # fmt: skip
    assert extract_metadata(page(body=body), None).author == "Ana Ruiz"


@pytest.mark.parametrize(
    ("line", "lang", "expected"),
    [
        ("By Jeff Cole Monday, November 18, 2019", "en", "Jeff Cole"),
        ("By Lou Park on November 18, 2019", "en", "Lou Park"),
        ("Von Anna Mai, Mittwoch, 1. März 2023", "de", "Anna Mai"),  # her name's "Mai" (May) stays
        ("By Mary June", "en", "Mary June"),
    ],
)
def test_a_written_date_after_the_name_is_not_part_of_it(line: str, lang: str, expected: str) -> None:
    body = f'<p class="byline">{line}</p>{PROSE}'
    assert extract_metadata(page(body=body, lang=lang), None).author == expected


def test_polish_byline_word() -> None:
    body = f'<p class="meta">przez Jan Kowalski</p>{PROSE}'
    assert extract_metadata(page(body=body, lang="pl"), None).author == "Jan Kowalski"


def test_a_name_split_by_markup_is_one_name() -> None:
    body = f'<p class="byline__name"><a href="/u/ws">Will Smit<span class="last-letter">h</span></a></p>{PROSE}'
    assert extract_metadata(page(body=body), None).author == "Will Smith"


@pytest.mark.parametrize(
    "box",
    [
        '<div class="article-byline">By Dana Fox Full Bio LinkedIn Twitter Dana Fox covers tax law.</div>',
        '<div class="author-box"><a href="/a/lk">Lena Kraus</a> Lesezeit: 4 Min.</div>',
    ],
)
def test_a_byline_box_ends_at_its_links_and_notes(box: str) -> None:
    assert extract_metadata(page(body=box + PROSE), None).author in ("Dana Fox", "Lena Kraus")


@pytest.mark.parametrize(
    "box",
    [
        '<div class="author">Opinion</div>',
        '<p class="byline">Science, Rice University, Princeton University</p>',
        '<p class="byline">FR mit Agenturen</p>',
        '<div class="author">Cortesía</div>',
        '<div class="author">Muster GmbH &amp; Co. KG</div>',
        '<div class="author">Pressekontakt</div>',
        '<div class="author">BBNTEAM</div>',
        '<div class="author">anónimo</div>',
        '<div class="author">Sportliche Grüße</div>',
        '<div class="author">Sekretariat Partei Mensch Umwelt</div>',
        '<div class="author">Biography</div>',
        '<div class="author">Telegraph Sport</div>',
    ],
)
def test_a_section_label_or_an_institution_is_not_an_author(box: str) -> None:
    assert extract_metadata(page(body=box + PROSE), None).author is None


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


# --- the byline on the diverse web: each class of problem with a page written for the test --------------


def article_page(head: str, body: str, lang: str = "de") -> str:
    filler = "<p>" + "Der Stadtrat hat am Abend über den Haushalt für das kommende Jahr beraten. " * 6 + "</p>"
    return page(head, body + filler, lang)


def test_the_visible_headline_beats_a_social_title() -> None:
    html = article_page(
        '<meta property="og:title" content="Brexit: Nervenkrieg geht weiter"><title>Brexit: Nervenkrieg</title>',
        "<article><h1>Der Nervenkrieg um den Brexit geht in die nächste Runde</h1></article>",
    )
    assert extract_metadata(html, None).title == "Der Nervenkrieg um den Brexit geht in die nächste Runde"


def test_logo_menu_and_widget_headings_are_not_the_headline() -> None:
    html = article_page(
        "<title>Schneeschuhe im Test | Bergblog</title>",
        '<header class="site-header"><h1 class="site-title"><a href="https://bergblog.example/" rel="home">'
        "Bergblog</a></h1></header><nav><h1>Menü</h1></nav>"
        '<article><h1 class="entry-title">Schneeschuhe im Test</h1></article>'
        '<aside class="widget"><h1>Archiv</h1></aside>',
    )
    assert extract_metadata(html, None).title == "Schneeschuhe im Test"


def test_a_logo_heading_names_the_site_for_the_title() -> None:
    # no <h1> but the logo, no og:site_name: the logo's text is the site to cut from the <title>
    html = article_page(
        "<title>Zeitgeist » Blog Archiv » Neue Kinosäle in der Schweiz</title>",
        '<div id="kopf"><h1><a href="https://zeitgeist.example/">Zeitgeist</a></h1></div><div class="post"></div>',
    )
    assert extract_metadata(html, None).title == "Neue Kinosäle in der Schweiz"


def test_a_logo_heading_inside_a_home_link_is_not_the_headline() -> None:
    # the link wraps the heading rather than sits in it: still the site's logo, and the <title> gives the headline
    html = article_page(
        "<title>Council approves new riverside park after ten-year fight - Valley Times</title>",
        '<div id="header"><a href="/"><h1>Valley Times</h1></a></div>'
        '<div class="article"><h3>Council approves new riverside park after ten-year fight</h3></div>',
    )
    assert extract_metadata(html, None).title == "Council approves new riverside park after ten-year fight"


def test_a_kicker_inside_the_headline_is_dropped() -> None:
    html = article_page(
        "<title>Nach den Lockerungen: Autohäuser rechnen mit langsamem Anlaufen</title>",
        '<h1><span class="dachzeile">Nach den Lockerungen</span> '
        '<span class="headline">Autohäuser rechnen mit langsamem Anlaufen</span></h1>',
    )
    assert extract_metadata(html, None).title == "Autohäuser rechnen mit langsamem Anlaufen"
    html = article_page("", '<h1><span class="overline">Zukunft der Arbeit</span>„Wir dekorieren um“</h1>')
    assert extract_metadata(html, None).title == "„Wir dekorieren um“"


def test_a_headline_in_a_breadcrumb_is_found_when_the_title_repeats_it() -> None:
    html = article_page(
        "<title>Stadt verklagt die Baufirma wegen schlechter Pflastersteine | Stadt-Anzeiger</title>"
        '<meta property="og:site_name" content="Stadt-Anzeiger">',
        '<nav><ol class="breadcrumb"><li>Region</li><li><h1>Stadt verklagt die Baufirma wegen schlechter '
        "Pflastersteine</h1></li></ol></nav><h2>Pflaster-Desaster in der Fußgängerzone</h2>",
    )
    assert extract_metadata(html, None).title == "Stadt verklagt die Baufirma wegen schlechter Pflastersteine"


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Podcasts in Plex einbinden › Techblog", "Techblog", "Podcasts in Plex einbinden"),
        ("Patch 4.47 is live | Patch Notes | Heroes Forums", "Heroes Forums", "Patch 4.47 is live"),
        ("Cold war - part two | Heroes Forums", "Heroes Forums", "Cold war - part two"),
        ("Ein Quantensprung für den Norden : 06.11.2023, 11.41 Uhr", None, "Ein Quantensprung für den Norden"),
        ("Der historische Purzelbaum -", None, "Der historische Purzelbaum"),
        ("Techblog: Podcasts in Plex einbinden", "Techblog", "Podcasts in Plex einbinden"),
        ("www.techblog.de: Podcasts in Plex einbinden", None, "Podcasts in Plex einbinden"),
        ("Frauen im THW: Vergangenheit und Zukunft", "THW", "Frauen im THW: Vergangenheit und Zukunft"),
    ],
)
def test_title_decorations_with_other_separators(title: str, site: str | None, expected: str) -> None:
    assert clean_title(title, site, None) == expected


def test_a_truncated_declared_title_gives_way_to_the_full_one() -> None:
    html = page(
        ld({"@type": "NewsArticle", "headline": "Taiwan's president offers a playbook for Hong Kong..."})
        + "<title>Taiwan's president offers a playbook for Hong Kong leaders | Morning Post</title>"
        + '<meta property="og:site_name" content="Morning Post">'
    )
    assert extract_metadata(html, None).title == "Taiwan's president offers a playbook for Hong Kong leaders"


def yoast_graph(person: str) -> str:
    site = "https://reiseblog.example"
    return ld({"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "@id": f"{site}/#website", "name": "Reiseblog"},
        {"@type": "Article", "@id": f"{site}/a/#article", "headline": "Lounge",
         "author": {"@id": f"{site}/#/schema/person/1"}},
        {"@type": "Person", "@id": f"{site}/#/schema/person/1", "name": person},
    ]})  # fmt: skip


def test_a_json_ld_person_named_in_parts() -> None:
    person = {"@type": "Person", "givenName": "Lena", "familyName": "Brandt"}
    assert extract_metadata(page(ld({"@type": "NewsArticle", "author": person})), None).author == "Lena Brandt"


@pytest.mark.parametrize("key", ["og:article:author", "citation_author", "cxenseparse:author"])
def test_more_author_meta_tags(key: str) -> None:
    assert extract_metadata(page(f'<meta property="{key}" content="Lena Brandt">'), None).author == "Lena Brandt"


def test_json_ld_author_references_are_followed() -> None:
    assert extract_metadata(page(yoast_graph("David")), None).author == "David"
    assert extract_metadata(page(yoast_graph("Marta Rossi")), None).author == "Marta Rossi"


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ('<p class="post-byline">29. Juni 2017 · von <a href="/author/tobi/" rel="author">Tobi</a></p>', "Tobi"),
        ('<span class="author vcard"><a class="url fn" href="/author/eseppelt">eseppelt</a></span>', "eseppelt"),
        ('<span itemprop="author"><meta itemprop="name" content="Cosima Künzel"></span>', "Cosima Künzel"),
        ("<p><i>Von Daniela Obers</i></p>", "Daniela Obers"),
        ("<p><em>Text von Christian Seiler<br>Illustration von Markus Roost</em></p>", "Christian Seiler"),
        ('<div><h5>Datum:</h5>03.11.2021<br><h5>Autor:</h5>Peter Maahn/SP-X</div>', "Peter Maahn"),
        ('<span class="signature">Par <a href="/node/hy">Matthieu Hy</a></span>', "Matthieu Hy"),
        ("<p>Por María de la Paz Gómez</p>", "María de la Paz Gómez"),
        ("<p>door Jan de Vries</p>", "Jan de Vries"),
        ('<p class="byline">By Rob Picheta, CNN</p>', "Rob Picheta"),
        ('<div class="author">Georg Quaas, 21. Jan. 2015 Eine Interpretation des Multiplikators</div>', "Georg Quaas"),
        ("<p>Autoren Jelko Djuren und Jutta Klaukien</p>", "Jelko Djuren and Jutta Klaukien"),
        ("<p>Text &amp; Fotos: Ivan Valetny</p>", "Ivan Valetny"),
        ("<p><em>Von Roland Brockmann und Sebastian Drescher<br>Kakuma/Kenia</em></p>",
         "Roland Brockmann and Sebastian Drescher"),
        ("<p>Autorka: Jana Nováková</p>", "Jana Nováková"),
        ("<p>Napsal Petr Svoboda</p>", "Petr Svoboda"),
        ("<p>Tekst: Anna Kowalska</p>", "Anna Kowalska"),
        ("<p>Yazar: Ayşe Yılmaz</p>", "Ayşe Yılmaz"),
        # a handle with digits in it, after the label
        ('<div class="meta">22. Januar 2020 @ 18:13 // Autor: <a href="/author/k3nny/" rel="author">k3nny</a>'
         " // Lesezeit: 1 Minute</div>", "k3nny"),
        # an author box whose name goes on with links: the name alone, and a pop-up link is not the front page
        ('<div class="author-box"><h3>Marta Weiss</h3><a href="/autorin/marta">Alle Artikel</a></div>', "Marta Weiss"),
        ('<div class="author-bio"><h3>Marta Weiss</h3><a href="#" class="popup">Kontakt</a></div>', "Marta Weiss"),
        # ... while a box that lists more names keeps them all
        ('<span class="autor"><a href="/a/1">Clara Vogt</a> , <a href="/a/2">Siddharth Rao</a> &amp; '
         '<a href="/a/3">Klaus Wendt</a></span>', "Clara Vogt, Siddharth Rao and Klaus Wendt"),
        # a place beside the names is dropped, the names stay
        ('<span class="author">Markus Weber, London, Beat Keller</span>', "Markus Weber and Beat Keller"),
        # an interview names both people
        ('<p class="author">Richard Brandt im Gespräch mit Karin Vogel</p>', "Richard Brandt and Karin Vogel"),
        # a date, then the name, on the line under the headline
        ('<p class="text-muted">03.02.2021 - Ines Kranich</p>', "Ines Kranich"),
        # more languages' byline words and labels
        ("<p>Texto: Lucía Ramos</p>", "Lucía Ramos"),
        ("<p>Publié par Claire Martin le 3 mai 2022</p>", "Claire Martin"),
        ("<p>Texte et photos : Claire Martin</p>", "Claire Martin"),
        ("<p>Geplaatst door Jan de Vries</p>", "Jan de Vries"),
        ("<p>Gastbeitrag von Ines Kranich</p>", "Ines Kranich"),
        ("<p>Autor/in: Ines Kranich</p>", "Ines Kranich"),
        ("<p>Scritto da Marco Bellini</p>", "Marco Bellini"),
        ("<p>A cura di Marco Bellini</p>", "Marco Bellini"),
        # the post's category after the name
        ('<p class="meta">Posted by Ines Kranich in <a href="/c/news">News</a></p>', "Ines Kranich"),
        # a byline in the text after an icon, a heading or a line break
        ('<div class="meta"><span><i class="icon-user"></i> Von Ines Kranich</span></div>', "Ines Kranich"),
        ('<div class="post-info"><h2>Die Schlagzeile</h2> Posted by Kranich42 under <a href="/c/x">Allgemein</a>'
         "</div>", "Kranich42"),
        ("<p>12.03.2022<br>Von Ines Kranich</p>", "Ines Kranich"),
    ],
)  # fmt: skip
def test_bylines_in_markup_and_in_many_languages(byline: str, expected: str) -> None:
    html = article_page("", f"<article><h1>Die Schlagzeile</h1>{byline}</article>")
    assert extract_metadata(html, None).author == expected


@pytest.mark.parametrize(
    "byline",
    [
        '<div class="ArticleByLine">Von Lena Brandt</div>',
        '<span class="POST-AUTHOR">Lena Brandt</span>',
        '<span class="entry-Autor">Lena Brandt</span>',
        '<p id="postAuthor">Lena Brandt</p>',
        '<div class="meta"><a class="url FN" href="/u/lena">Lena Brandt</a></div>',
    ],
)
def test_author_classes_are_found_however_the_page_capitalises_them(byline: str) -> None:
    # the scan selects candidates by the spellings the page uses; every capitalisation must still be found
    html = article_page("", f"<article><h1>Die Schlagzeile</h1>{byline}</article>")
    assert extract_metadata(html, None).author == "Lena Brandt"


@pytest.mark.parametrize(
    "byline",
    [
        '<span class="author">Redaktion</span>',
        '<span class="byline">von Webredaktion, 24. Januar 2022</span>',
        '<p class="byline">By Staff</p>',
        '<p class="author">hessenschau.de, Frankfurt, Germany</p>',
        '<p class="byline">Veröffentlicht am 12.03.2022</p>',
        '<div class="author-bio">Alles über Lautsprecher, Heimkino und HiFi-Trends</div>',
    ],
)
def test_desks_places_and_page_furniture_are_not_authors(byline: str) -> None:
    html = article_page("", f"<article><h1>Die Schlagzeile</h1>{byline}</article>")
    assert extract_metadata(html, None).author is None


PROSE = "<p>" + "Die Saison endet mit einem Sieg vor vollem Haus in der alten Halle am Fluss. " * 3 + "</p>"


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        ("<p><b><i>Stefan Meier</i></b></p>", "Stefan Meier"),
        ('<p align="right"><em>Denise Clément</em></p>', "Denise Clément"),
        ("<p>Kerem Yilmaz<br>Bundesvorsitzender</p>", "Kerem Yilmaz"),
        ("<p>Frohe Ostern</p>", None),  # a closing line of text, not set apart as a signature
        ("<p><b>Frohe Ostern!</b></p>", None),  # set apart, but no name
    ],
)
def test_a_signature_under_the_text_names_its_writer(signature: str, expected: str | None) -> None:
    html = page(body=f"<article><h1>Die Schlagzeile</h1><div class='text'>{PROSE}{PROSE}{signature}</div></article>")
    assert extract_metadata(html, None).author == expected


def test_a_forum_thread_s_opening_post_names_its_writer() -> None:
    quote = '<blockquote data-author="Zitierte Person"><p>Wie geht das?</p></blockquote>'
    posts = (f'<article class="message" data-author="Tiberia">{quote}{PROSE}</article>'
             f'<article class="message" data-author="Bluerider">{PROSE}</article>')  # fmt: skip
    html = page(body=f"<h1>Neue Quests ab Montag</h1><div class='js-replyNewMessageContainer'>{posts}</div>")
    assert extract_metadata(html, None).author == "Tiberia"


def test_a_calendar_of_dated_lines_is_not_a_byline() -> None:
    calendar = "".join(
        f"<p>{day}.11.2022 - {band}</p>"
        for day, band in ((16, "Hikee Bikini - Kulturhaus"), (17, "Aymz Grelle"), (22, "Volbeat - Halle"))
    )
    html = page(body=f"<article><h1>Konzerte im November</h1>{PROSE}{calendar}</article>")
    assert extract_metadata(html, None).author is None


@pytest.mark.parametrize(
    "credit",
    ['<div class="image-caption"><span class="copyright">Quelle: Lutz Weber</span></div>',
     '<figure><img src="a.jpg" alt=""><div><span>Von Lutz Weber</span></div></figure>'],
)  # fmt: skip
def test_a_photo_credit_is_not_the_byline(credit: str) -> None:
    html = page(body=f"<article><h1>Die Schlagzeile</h1>{credit}{PROSE}<p><em>Von Cosima Berg</em></p></article>")
    assert extract_metadata(html, None).author == "Cosima Berg"


def test_comment_authors_are_never_the_byline() -> None:
    comments = '<div class="comment-list"><div class="comment-author"><cite class="fn">Hella Berg</cite></div></div>'
    html = article_page("", f"<article><h1>Die Schlagzeile</h1></article>{comments}")
    assert extract_metadata(html, None).author is None


def test_the_visible_byline_beats_the_site_owner_in_meta() -> None:
    html = article_page('<meta name="author" content="Matthias Hille">',
                        '<article><h1>Die Schlagzeile</h1><p class="date">erstellt von '
                        '<a href="/author/fabian/">Fabian</a> am Dienstag, 6. Mai 2014</p></article>')  # fmt: skip
    assert extract_metadata(html, None).author == "Fabian"


def test_twitter_card_written_by_line() -> None:
    head = '<meta name="twitter:label1" content="Verfasst von"><meta name="twitter:data1" content="Steffi">'
    assert extract_metadata(page(head), None).author == "Steffi"


def test_a_republished_page_keeps_its_published_meta_date() -> None:
    head = ('<meta property="article:published_time" content="2022-12-15T09:13:00">'
            + ld({"@type": "Article", "headline": "H", "datePublished": "2021-12-06 14:36"}))  # fmt: skip
    assert extract_metadata(page(head), None).published == date(2022, 12, 15)
    head = '<meta property="og:article:published_time" content="2020-01-19T12:25:36Z">'
    assert extract_metadata(page(head + '<meta name="sailthru.date" content="2020-01-20">'), None).published == date(
        2020, 1, 19
    )


def test_the_page_s_own_date_is_kept_not_moved_to_utc() -> None:
    head = '<meta property="article:published_time" content="2022-05-03T23:30:00-03:00">'
    assert extract_metadata(page(head), None).published == date(2022, 5, 3)


def test_a_time_in_a_list_of_other_articles_is_not_the_date() -> None:
    others = '<aside class="sidebar"><ul><li><time datetime="2020-12-03">3. Dezember 2020</time></li></ul></aside>'
    body = f'<article><h1>Die Schlagzeile</h1><span class="published">31. Oktober 2023</span></article>{others}'
    assert extract_metadata(page(body=body, lang="de"), None).published == date(2023, 10, 31)


def test_a_printed_time_without_datetime_is_the_date() -> None:
    body = '<article><h1>Die Schlagzeile</h1><time class="create-date"> 31.03.2020 </time>' + PROSE + "</article>"
    assert extract_metadata(page(body=body, lang="de"), None).published == date(2020, 3, 31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7.11.2023, 07:30 Uhr", date(2023, 11, 7)), ("Stand: 28.04.2020 18:00 Uhr", date(2020, 4, 28)),
     ("31.02.2020", None), ("2020-04-28T18:00", date(2020, 4, 28))],
)  # fmt: skip
def test_parse_date_reads_day_first_dates(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("24. Januar 2022", "de", date(2022, 1, 24)),
        ("Mittwoch, 01. November 2023", "de", date(2023, 11, 1)),
        ("Miércoles, 4 de Mayo de 2022 a las 07:46hrs.", "es", date(2022, 5, 4)),
        ("1er mars 2021", "fr", date(2021, 3, 1)),
        ("1. listopadu 2023", "cs", date(2023, 11, 1)),  # Czech November, though Croatian "listopad" is October
        ("12 stycznia 2021", "pl", date(2021, 1, 12)),
        ("Jan. 28, 2020", "en", date(2020, 1, 28)),
        ("21:22, 6 OCT 2020", "en", date(2020, 10, 6)),
        ("November 5, 2023", "de", date(2023, 11, 5)),  # English is read on every page
        ("12/04/2020", None, date(2020, 4, 12)),  # day first, as most of the world writes it
        ("01.21.2020 07:00 AM", None, date(2020, 1, 21)),  # month first only where the day cannot be a month
        ("2022/05/02", None, date(2022, 5, 2)),
        ("19.10.19, 08:00 Uhr", "de", date(2019, 10, 19)),
        ("Updated 3 comments", "en", None),
        ("5:55 AM", "en", None),
        ("Version 1.2.3", None, None),
    ],
)
def test_parse_date_reads_dates_as_pages_print_them(text: str, language: str | None, expected: date | None) -> None:
    assert parse_date(text, language) == expected


def test_a_printed_time_in_the_page_s_language_is_the_date() -> None:
    body = f'<article><h1>Nadpis</h1><time class="date">1. listopadu 2023</time>{PROSE}</article>'
    assert extract_metadata(page(body=body, lang="cs"), None).published == date(2023, 11, 1)


def test_person_names_keeps_people_and_drops_outlets() -> None:
    assert person_names("Rob Picheta, CNN") == ["Rob Picheta"]
    assert person_names("Jelko Djuren und Jutta Klaukien") == ["Jelko Djuren", "Jutta Klaukien"]
    assert person_names("Die Redaktion von Battery News") == []
    assert person_names("ThE_PaiN") == ["ThE_PaiN"]


def test_the_credit_closing_wire_copy_names_the_agency() -> None:
    closing = "<p>Der Rat tagt wieder im Mai, hieß es aus dem Rathaus. (FR mit dpa)</p>"
    assert extract_metadata(article_page("", f"<article><h1>H</h1>{closing}</article>"), None).author == "dpa"
    # a person's byline comes first; a parenthesis that names no agency is no credit
    byline = "<p>Von Ines Kranich</p>"
    assert extract_metadata(article_page("", f"<article>{byline}{closing}</article>"), None).author == "Ines Kranich"
    aside = "<p>Der Rat tagt wieder im Mai, hieß es aus dem Rathaus. (Bericht folgt)</p>"
    assert extract_metadata(article_page("", f"<article>{aside}</article>"), None).author is None


def test_a_name_set_to_the_right_under_the_text_signs_it_even_before_notes() -> None:
    signed = ('<p style="Text-Align: Right"><em>Claire Martin</em></p>'
              "<p>(1) Les chiffres viennent de l'enquête annuelle publiée au printemps.</p>")  # fmt: skip
    html = article_page("", f"<article><h1>H</h1>{PROSE}{signed}</article>", "fr")
    assert extract_metadata(html, None).author == "Claire Martin"
    # set to the right but no name: a date or a note is not a signature
    dated = '<p align="right">Paris, le 3 mai 2022</p><p>(1) Une note.</p>'
    assert extract_metadata(article_page("", f"<article>{PROSE}{dated}</article>", "fr"), None).author is None


@pytest.mark.parametrize(
    ("closing", "expected"),
    [
        ("<p>Euer HansDampf</p>", "HansDampf"),
        ("<p>Liebe Grüße,<br>Anna Berger</p>", "Anna Berger"),
        ("<p>Cheers, Sam</p>", "Sam"),
        # a greeting to the readers, no name: nothing
        ("<p>Viele Grüße an alle Leser und bis zum nächsten Mal!</p>", None),
    ],
)
def test_the_name_after_a_closing_greeting_signs_the_post(closing: str, expected: str | None) -> None:
    html = article_page("", f"<article><h1>H</h1><p>Viel Glück!</p>{closing}</article>")
    assert extract_metadata(html, None).author == expected


async def test_a_page_s_malformed_addresses_are_ignored(tmp_path: Path) -> None:
    """urllib raises on a host like "[::1" or a port past 65535: a page's links with them count as no link."""
    bad = ("http://[::1/x", "https://[zz]/y", "https://ex.com:99999/z")
    head = "".join(
        f"<link rel='canonical' href='{href}'><meta property='og:url' content='{href}'>"
        f"<link rel='alternate' type='application/json+oembed' href='{href}'>"
        for href in bad
    ) + ld({"@type": "SocialMediaPosting", "headline": "Tide tables", "author": {"@type": "Person", "url": bad[0]}})
    saved = tmp_path / "tides.html"
    saved.write_text(
        page(
            head,
            "<header><h1><a href='http://[::1/'>Tide tables</a></h1></header>"
            "<p>The tide tables for the coming winter are out, and the harbour master says the "
            "spring tides will be higher than usual this year.</p>" * 3,
        )
    )
    digest = await digest_file(saved, Settings())
    assert digest.title == "Tide tables"
    assert digest.url == saved.resolve().as_uri()


def test_a_blank_canonical_leaves_the_choice_to_og_url() -> None:
    head = "<link rel='canonical' href=' '><meta property='og:url' content='https://ex.com/story/1'>"
    assert extract_metadata(page(head), "https://ex.com/story/1?utm_source=x&page=amp").canonical_url == (
        "https://ex.com/story/1"
    )


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("der Schreibstil - chadim.net - Webdesign", "der Schreibstil"),
        ("example.org | Storm hits the coast", "Storm hits the coast"),
        ("Node.js - Streams explained", "Node.js - Streams explained"),  # a name with a dot, not a domain
    ],
)
def test_a_domain_name_in_the_title_is_the_site(title: str, expected: str) -> None:
    assert clean_title(title, None, None) == expected


_OPENING = "Leandra Lou schreibt über all die Themen, die echte Fashion Junkies bewegen, von A wie Abnehmen bis Z wie"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            f"Der andere Modeblog jetzt auch zwischen Buchdeckeln. {_OPENING} Zicke",
            "Der andere Modeblog jetzt auch zwischen Buchdeckeln",
        ),
        (
            f"Why did the U.S. Senate vote against the bill? {_OPENING}",
            "Why did the U.S. Senate vote against the bill?",
        ),
        # one long sentence, abbreviations included, stays whole
        *((f"The antitrust trial of Epic Games {word} Apple, {_OPENING}",) * 2 for word in ("vs.", "e.g.", "etc.")),
        (
            f"Sen. Warren and approx. two hundred people: {_OPENING}",
            f"Sen. Warren and approx. two hundred people: {_OPENING}",
        ),
    ],
)
def test_a_long_title_running_into_a_second_sentence_keeps_its_first(title: str, expected: str) -> None:
    assert extract_metadata(page(f"<title>{title}</title>"), None).title == expected
