"""The card's author: byline conventions, desks and outlets (bot/pipeline/metadata/: author.py, its scans, names.py)."""

from __future__ import annotations

import json

import pytest

from bot.pipeline.metadata import author, extract_metadata, person_names
from bot.pipeline.metadata.names import MAX_NAMES_TEXT, recased

PROSE = "<p>" + "The council met on Tuesday and argued about the budget for a long time. " * 3 + "</p>"


def article(byline: str, head: str = "", lang: str = "en") -> str:
    body = f"<article><h1>Council passes the budget</h1>{byline}{PROSE}</article>"
    return f"<!DOCTYPE html><html lang='{lang}'><head>{head}</head><body>{body}</body></html>"


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def author_of(byline: str, head: str = "", lang: str = "en") -> str | None:
    return extract_metadata(article(byline, head, lang), None).author


@pytest.mark.parametrize(
    "byline",
    [
        '<p class="byline">IANS, New Delhi</p>',
        '<p class="byline">PTI, Washington</p>',
        '<div class="author">PTI Washington</div>',
        '<span class="author">dpa Berlin</span>',
        '<span class="author">Redaktion, Wien</span>',
    ],
)
def test_an_agency_or_desk_beside_its_dateline_place_is_no_author(byline: str) -> None:
    assert author_of(byline) is None


def test_a_writer_s_initials_after_the_outlet_stay_the_byline() -> None:
    assert author_of('<p class="author">hessenschau.de/bb</p>') == "bb"


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ('<p class="author">E. Barreneche / Y. Martínez</p>', "E. Barreneche and Y. Martínez"),
        ('<p class="author">Prof. Dr. Hans Meier</p>', "Prof. Dr. Hans Meier"),
        ('<p class="author">Mrs. Jane Doe</p>', "Mrs. Jane Doe"),
        ('<p class="author">Jane Doe, Abteilung Öffentlichkeitsarbeit</p>', "Jane Doe"),
    ],
)
def test_initials_titles_and_departments_in_names(byline: str, expected: str) -> None:
    assert author_of(byline) == expected


@pytest.mark.parametrize(
    ("byline", "lang", "expected"),
    [
        ("<p>Von unserem Redakteur Max Müller</p>", "de", "Max Müller"),
        ("<p>Von unserer Korrespondentin Anna Schmid</p>", "de", "Anna Schmid"),
        ("<p>By our correspondent Jane Doe</p>", "en", "Jane Doe"),
        ("<p>Redakteurin: Anna Schmid</p>", "de", "Anna Schmid"),
        ("<p>Автор: Иван Петров</p>", "ru", "Иван Петров"),
        ("<p>Submitted by Jane Doe</p>", "en", "Jane Doe"),
    ],
)
def test_more_byline_conventions(byline: str, lang: str, expected: str) -> None:
    assert author_of(byline, lang=lang) == expected


@pytest.mark.parametrize(
    "name",
    ["Hildesheimer Presse", "Diakonie Deutschland", "State Library Louisiana", "Deutscher Jagdverband",
     "The Economist", "El Comercio Perú", "Noticias El Comercio Perú"],
)  # fmt: skip
def test_organisations_are_not_people(name: str) -> None:
    assert person_names(name) == []
    assert author_of("", ld({"@type": "NewsArticle", "author": {"@type": "Person", "name": name}})) is None


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Jane Doe, El País", ["Jane Doe"]),
        ("Jane Doe, EL PAÍS", ["Jane Doe"]),
        ("Jane Doe, El Nuevo Día", ["Jane Doe"]),
        ("Jane Doe, El Diario de Hoy", ["Jane Doe"]),
        ("Mario Rossi, Il Fatto Quotidiano", ["Mario Rossi"]),
        ("Mario Rossi, Il Sole 24 Ore", ["Mario Rossi"]),
        ("Anna Schmid, Das Erste", ["Anna Schmid"]),
        ("Anna Schmid, Die Zeit", ["Anna Schmid"]),
        # people whose names open with a word written like an article
        ("El Hadji Diouf", ["El Hadji Diouf"]),
        ("Jane Doe and El Mehdi Benali", ["Jane Doe", "El Mehdi Benali"]),
        ("Il Young Kim", ["Il Young Kim"]),
    ],
)
def test_an_article_opens_an_outlet_s_name_only_where_the_rest_is_one(byline: str, expected: list[str]) -> None:
    assert person_names(byline) == expected


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By JANE DOE AND JOHN ROE FOR THE MAIL ON SUNDAY", ["Jane Doe", "John Roe"]),
        ("Jane Doe for Dailymail.com", ["Jane Doe"]),
        ("Jane Doe for Reuters", ["Jane Doe"]),
        ("Par Jean Dupont pour Le Monde", ["Jean Dupont"]),
        # an institution's name goes on with "for" and is no person
        ("National Center for Health Statistics", []),
        ("National Center for Democracy", []),
    ],
)
def test_the_outlet_written_for_after_a_name_is_dropped(byline: str, expected: list[str]) -> None:
    assert person_names(byline) == expected


def test_a_json_ld_author_named_as_its_publisher_is_the_outlet() -> None:
    outlet = {"@type": "Organization", "name": "Ultima Hora"}
    head = ld({"@type": "NewsArticle", "author": {"@type": "Person", "name": "Ultima Hora"}, "publisher": outlet})
    assert author_of("", head, lang="es") is None
    assert author_of('<p class="author">Por Ana Pérez</p>', head, lang="es") == "Ana Pérez"
    # a personal site publishing as its owner: the byline names the owner too
    owner = {"@type": "Organization", "name": "Jane Doe"}
    blog = ld({"@type": "Article", "author": "Jane Doe", "publisher": owner})
    assert author_of('<p class="byline">By Jane Doe</p>', blog) == "Jane Doe"


def test_an_agency_s_writer_or_photographer_is_no_dateline_place() -> None:
    assert person_names("dpa/Jane Doe") == ["Jane Doe"]


@pytest.mark.parametrize(
    ("byline", "lang"),
    [
        ('<div class="meta">Posted on May 3, 2020 by Jane Doe</div>', "en"),
        ('<div class="meta">Freitag | 14. Juni 2019 | 15:49 VON Jane Doe IN Mode | 0 Kommentare</div>', "de"),
        ('<div class="meta">Veröffentlicht am 3. Mai 2020 von Jane Doe</div>', "de"),
        ('<div class="meta">Publié le 3 mai 2020 par Jane Doe</div>', "fr"),
        ('<p class="byline">By Jane Doe, Special to the Post</p>', "en"),
        ('<span itemprop="creator">Jane Doe</span>', "en"),
        ('<span property="dc:creator">Jane Doe</span>', "en"),
        ('<span property="schema:author">Jane Doe</span>', "en"),
    ],
)
def test_a_dated_line_and_microdata_or_rdfa_name_the_writer(byline: str, lang: str) -> None:
    assert author_of(byline, lang=lang) == "Jane Doe"


def test_a_year_in_a_sentence_is_no_byline() -> None:
    assert author_of("<p>Seit 2019 von Jane Doe geleitet</p>", lang="de") is None


def test_a_wiki_page_names_its_last_editor() -> None:
    info = '<p id="pageinfo">Guide (last edited 2019-11-10 13:28:18 by <span><a href="/u">JaneDoe</a></span>)</p>'
    assert author_of(info) == "JaneDoe"


@pytest.mark.parametrize(
    ("closing", "expected"),
    [
        ("<article><h1>H</h1>{prose}<p>© 2019 Jane Doe</p></article>", "Jane Doe"),
        ("<article><h1>H</h1>{prose}<p>© 2019 Muster GmbH</p></article>", None),
        # a footer's copyright names the site's owner
        ("<article><h1>H</h1>{prose}</article><footer>{prose}<p>© 2019 Jane Doe</p></footer>", None),
    ],
)
def test_the_copyright_line_that_closes_the_text_names_its_writer(closing: str, expected: str | None) -> None:
    html = f"<html><body>{closing.format(prose=PROSE)}</body></html>"
    assert extract_metadata(html, None).author == expected


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Lucas d'Ambrosio", ["Lucas d'Ambrosio"]),
        ("Hilma af Klint", ["Hilma af Klint"]),
        ("Anna vom Hofe", ["Anna vom Hofe"]),
        ("José María de la Cruz Fernández", ["José María de la Cruz Fernández"]),  # particles are no extra names
        ("Jane Doe, The Washington Post", ["Jane Doe"]),  # the outlet beside the writer, not a second person
        ("Jane doe", []),
    ],
)
def test_names_with_particles_and_outlets_beside_them(byline: str, expected: list[str]) -> None:
    assert person_names(byline) == expected


def test_a_link_to_the_author_s_page_names_the_writer() -> None:
    meta = '<ul class="meta"><li><a href="/author/modejournalistin/">Jane Doe</a></li><li>21.05.2019</li></ul>'
    assert author_of(meta) == "Jane Doe"
    both = (
        '<ul class="meta"><li><a href="/autor/jd/">Jane Doe</a></li></ul><aside class="sidebar">'
        '<a href="/author/john-roe/">John Roe</a></aside>'
    )
    assert author_of(both) == "Jane Doe"


@pytest.mark.parametrize(
    "byline",
    [
        '<div class="name"><div class="field"><p class="label"><strong>By</strong></p></div>'
        '<div class="field"><p class="full-name">Jane Doe</p></div></div>',
        "<div><p><span>Autorin</span></p><p>Jane Doe</p></div>",
    ],
)
def test_a_label_alone_in_its_block_names_the_writer_in_the_next(byline: str) -> None:
    assert author_of(byline) == "Jane Doe"


def test_a_search_form_s_from_label_is_no_byline() -> None:
    form = "<form><div><p><span>Von</span></p><p>Erweiterte Suche</p></div></form>"
    assert author_of(form, lang="de") is None


@pytest.mark.parametrize(
    ("byline", "lang"),
    [
        ('<p class="meta">Posted on <a href="/2020/05/03/"><time>May 3, 2020</time></a> by Jane Doe</p>', "en"),
        ('<p class="meta">Published on <a href="/2020/05/03/">May 3, 2020</a> by Jane Doe in News</p>', "en"),
        # text only screen readers read is no part of the name
        (
            '<p>Veröffentlicht am <span>03.02.2022</span> von Jane Doe <span class="sr-only">Pferdemagazin</span></p>',
            "de",
        ),
    ],
)
def test_a_date_in_an_element_of_its_own_between_published_and_the_byline(byline: str, lang: str) -> None:
    assert author_of(byline, lang=lang) == "Jane Doe"


def test_a_link_that_is_no_date_after_posted_on_opens_no_byline() -> None:
    assert author_of('<p class="meta">Posted on <a href="/x">Facebook</a> by Jane Doe</p>') is None


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ('<div class="author"><a href="/a"><div class="avatar">JD</div></a><div class="name">Jane Doe</div></div>',
         "Jane Doe"),
        ('<div class="autor"><div class="item"><a href="/a?t=jd"><div>JD</div></a><div class="name">Jane Doe</div>'
         '</div><div class="item"><a href="/a?t=jr"><div>JR</div></a><div class="name">John Roe</div></div></div>',
         "Jane Doe and John Roe"),
        # a box without an avatar reads as before
        ('<div class="author"><div>Jane Doe</div></div>', "Jane Doe"),
    ],
)  # fmt: skip
def test_an_avatar_s_initials_before_the_name_are_no_name(byline: str, expected: str) -> None:
    assert author_of(byline) == expected


def test_linked_names_with_their_roles_after_them_name_the_writers() -> None:
    byline = (
        '<div class="blog-author"><a href="/bio/jane-doe">Jane Doe</a>, Staff Attorney, Racial Justice Program<br>'
        '&amp; <a href="/bio/john-roe">John Roe</a>, Director of Education Equity, Foundation of California</div>'
    )
    assert author_of(byline) == "Jane Doe and John Roe"


def test_links_in_a_bio_are_no_coauthors() -> None:
    bio = (
        '<div class="author-bio">Jane Doe is a reporter, she worked with <a href="/j">John Roe</a> on the series.</div>'
    )
    assert author_of(bio) is None


def test_only_a_joining_word_between_links_adds_a_coauthor() -> None:
    from lxml.html import fragment_fromstring

    from bot.pipeline.metadata.marked_bylines import _linked_names

    box = fragment_fromstring('<div>By <a href="/a/jd">Jane Doe</a> <a href="/a/jd">About Jane Doe</a>, Fellow</div>')
    assert _linked_names(box, "By Jane Doe About Jane Doe, Fellow") == []
    box = fragment_fromstring('<div>By <a href="/a/jd">Jane Doe</a>, Fellow &amp; <a href="/a/jr">John Roe</a></div>')
    assert _linked_names(box, "By Jane Doe, Fellow & John Roe") == ["Jane Doe", "John Roe"]


def test_links_to_writers_pages_joined_by_commas_and_ampersands_are_coauthors() -> None:
    byline = (
        '<p><a href="/autoren/jane-doe">Jane Doe</a>, <a href="/autoren/john-roe">John Roe</a> &amp; '
        '<a href="/autoren/max-roe">Max Roe</a></p>'
    )
    assert author_of(byline, lang="de") == "Jane Doe, John Roe and Max Roe"


@pytest.mark.parametrize(
    "byline",
    [
        '<div class="meta"><span>01. Dez. 2022 | 14:08 Uhr</span> | von <a href="/p/jd">Jane Doe</a></div>',
        '<div class="meta"><span>01.12.2022</span> von <a href="/p/jd">Jane Doe</a></div>',
        '<div class="meta"><time>01.12.2022</time> | von <a href="/p/jd">Jane Doe</a></div>',
        '<small><b>05/10/2018</b> - Publicado por: Jane Doe - Categoria: <a href="/c">Saúde</a></small>',
    ],
)
def test_a_date_opening_the_line_then_the_byline_word_and_the_name(byline: str) -> None:
    assert author_of(byline, lang="de") == "Jane Doe"


@pytest.mark.parametrize(
    "line",
    [
        '<div class="meta"><span>3 Kommentare</span> von <a href="/p">Jane Doe</a></div>',  # no date opens it
        '<div class="meta"><span>Zug</span> von <a href="/p">Berlin Hauptbahnhof</a></div>',
    ],
)
def test_a_line_not_opened_by_a_date_is_no_byline(line: str) -> None:
    assert author_of(line, lang="de") is None


def test_a_menu_of_many_columnists_does_not_hide_the_article_s_link_to_its_writer() -> None:
    columnists = "".join(f'<li><a href="/author/writer-{i}/">Writer Number{i}</a></li>' for i in range(40))
    page = (
        f"<html><body><header><nav><ul>{columnists}</ul></nav></header><article><h1>Council passes the budget</h1>"
        f'<div class="meta"><a href="/author/jane-doe/">Jane Doe</a></div>{PROSE}</article></body></html>'
    )
    assert extract_metadata(page, None).author == "Jane Doe"


@pytest.mark.parametrize(
    "byline",
    [
        "<dl><dt>Autor</dt><dd>Jane Doe</dd></dl>",
        "<table><tr><th>Author</th><td>Jane Doe</td></tr></table>",
        "<h4>Von Jane Doe</h4>",
        "<p>Text &amp; Bild: Jane Doe</p>",
        "<p>Reportage : Jane Doe</p>",
        "<p>Reporting by Jane Doe; Editing by John Roe</p>",  # wire copy: the editor is no writer
    ],
)
def test_labels_in_terms_and_header_cells_headings_and_wire_credits(byline: str) -> None:
    assert author_of(byline, lang="de") == "Jane Doe"


def test_a_heading_that_opens_with_a_byline_word_is_no_byline() -> None:
    assert author_of("<h3>Von Kopf bis Fuß</h3>", lang="de") is None


def test_the_visible_byline_adds_coauthors_to_a_full_name_it_shortens() -> None:
    head = ld({"@type": "NewsArticle", "author": {"@type": "Person", "name": "Eduardo Barreneche"}})
    byline = '<div class="author">E. Barreneche / J. Da Silva</div>'
    assert author_of(byline, head, lang="es") == "Eduardo Barreneche and J. Da Silva"
    other = '<div class="author">M. Barreto / J. Da Silva</div>'
    assert author_of(other, head, lang="es") == "Eduardo Barreneche"


def test_a_byline_written_in_lower_case_adds_coauthors_where_it_names_the_known_author() -> None:
    # a style sheet capitalises the byline; the page's text is in lower case
    head = ld({"@type": "NewsArticle", "author": {"@type": "Person", "name": "Eduardo Barreneche"}})
    byline = '<div class="author">e. barreneche / J. I. da silva</div>'
    assert author_of(byline, head, lang="es") == "Eduardo Barreneche and J. I. da Silva"
    # a lower-case line that does not name the known author adds nobody
    assert author_of('<div class="author">sin comentarios / ver más</div>', head, lang="es") == "Eduardo Barreneche"


def test_lower_case_words_are_capitalised_as_names_are() -> None:
    assert recased("jean-paul sartre y lucas d'ambrosio") == "Jean-Paul Sartre y Lucas d'Ambrosio"
    assert recased("maría de la paz e j. doe") == "María de la Paz e J. Doe"


@pytest.mark.parametrize(
    ("known", "byline", "expected"),
    [
        (["Jane Doe"], "Von Jane Doe, John Doe", "Jane Doe and John Doe"),
        (["Jane Doe", "John Doe"], "Von Jane Doe, John Doe und Max Roe", "Jane Doe, John Doe and Max Roe"),
    ],
)
def test_coauthors_of_one_family_stay_two_people(known: list[str], byline: str, expected: str) -> None:
    head = ld({"@type": "NewsArticle", "author": [{"@type": "Person", "name": name} for name in known]})
    assert author_of(f'<div class="author">{byline}</div>', head, lang="de") == expected


def test_text_far_longer_than_a_list_of_names_is_no_byline() -> None:
    """A page can fill an author field with a page's worth of text, on which the name rules would take long."""
    assert person_names("Jane Doe" + " " * 10) == ["Jane Doe"]
    assert person_names("Jane Doe" + " " * MAX_NAMES_TEXT) == []


@pytest.mark.parametrize(
    "byline",
    ["Von Jane Doe, stellvertretende Chefredakteurin", "Jane Doe, Korrespondentin in Paris", "Jane Doe, freie Autorin",
     "Par Jane Doe, envoyée spéciale à Kiev", "Por Jane Doe, enviada especial", "Jane Doe, Freelance Journalist"],
)  # fmt: skip
def test_a_role_after_the_name_in_several_languages(byline: str) -> None:
    assert person_names(byline) == ["Jane Doe"]


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("<p>Redaktion: Jane Doe</p>", "Jane Doe"),
        ("<p>12.03.2022 | Red.: Jane Doe</p>", "Jane Doe"),
        ("<p>Redaktion: Politik</p>", None),  # a section
        ('<p class="author">Redaktion Gelbe Liste</p>', None),  # a desk
    ],
)
def test_a_desk_s_label_before_its_editor_s_name(byline: str, expected: str | None) -> None:
    assert author_of(byline, lang="de") == expected


@pytest.mark.parametrize(
    "byline",
    ["<p>Veröffentlicht von Jane Doe</p>", "<p>Propos recueillis par Jane Doe</p>", "<p>Article by Jane Doe</p>",
     "<p>Gastautorin: Jane Doe</p>", "<p>Contributed by Jane Doe</p>",
     "<div>Post by Jane Doe » Tue May 12, 2020</div>"],
)  # fmt: skip
def test_more_verbs_and_labels_that_open_a_byline(byline: str) -> None:
    assert author_of(byline, lang="de") == "Jane Doe"


def test_every_author_meta_tag_counts_not_only_the_first() -> None:
    head = '<meta name="parsely-author" content="Jane Doe"><meta name="parsely-author" content="John Roe">'
    assert author_of("", head) == "Jane Doe and John Roe"
    reviews = (
        '<div itemprop="review"><meta itemprop="author" content="Jane Doe"></div>'
        '<div itemprop="review"><meta itemprop="author" content="John Roe"></div>'
    )
    assert author_of(reviews) == "Jane Doe"


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ('<p>Von <a rel="author" href="/a">Jane Doe</a> und <a rel="author" href="/b">John Roe</a></p>',
         "Jane Doe and John Roe"),
        ('<p>By <span class="author">Jane Doe</span>, <span class="author">John Roe</span></p>',
         "Jane Doe and John Roe"),
        # an author box's name and its heading are no coauthors
        ('<div class="author-box"><h3 class="author-name">Jane Doe</h3><h4 class="author-title">Ich bin Jane</h4>'
         "</div>", "Jane Doe"),
    ],
)  # fmt: skip
def test_names_marked_one_by_one_side_by_side_are_coauthors(byline: str, expected: str) -> None:
    assert author_of(byline, lang="de") == expected


@pytest.mark.parametrize(
    "line",
    ["<p>11. Dezember 2019 | Jane Doe</p>", "<p>December 11, 2019 · Jane Doe</p>", "<p>2019-12-11 - Jane Doe</p>"],
)
def test_a_lone_line_of_a_written_date_and_a_name(line: str) -> None:
    assert author_of(line, lang="de") == "Jane Doe"
    calendar = line + line.replace("Jane Doe", "John Roe")  # a list of such lines is a calendar
    assert author_of(calendar, lang="de") is None


@pytest.mark.parametrize("kind", ["Recipe", "HowTo", "DiscussionForumPosting"])
def test_the_author_of_a_recipe_a_how_to_or_a_forum_thread(kind: str) -> None:
    assert author_of("", ld({"@type": kind, "author": {"@type": "Person", "name": "Jane Doe"}})) == "Jane Doe"
    assert author_of("", ld({"@type": kind, "author": {"@type": "Person", "name": "Nestle Family"}})) is None


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Jane Doe (jdoe)", ["Jane Doe"]),
        ("Jane Doe (Redakteurin)", ["Jane Doe"]),
        ("Jane Doe (Text), John Roe (Fotos)", ["Jane Doe"]),  # the photographer is no writer
        ("Jane Doe (Text) und John Roe (Bilder)", ["Jane Doe"]),
        ("Jane Doe (Text und Fotos)", ["Jane Doe"]),
        ("John Roe (Foto)", []),
        ("Prof. Dr. rer. nat. Hans Meier", ["Prof. Dr. rer. nat. Hans Meier"]),
    ],
)
def test_notes_in_parentheses_and_academic_titles(byline: str, expected: list[str]) -> None:
    assert person_names(byline) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta name="author" content="Doe, Jane">', "Jane Doe"),
        ('<meta name="author" content="Doe, Jane M.">', "Jane M. Doe"),
        (ld({"@type": "Article", "author": ["Doe, Jane", "Roe, John"]}), "Jane Doe and John Roe"),
        ('<meta name="author" content="PTI, Washington">', None),  # an agency and its place
        ('<meta name="author" content="ABC, Sydney">', None),
    ],
)
def test_a_structured_family_name_first(head: str, expected: str | None) -> None:
    assert author_of("", head) == expected


def test_a_place_marked_beside_the_agency_is_no_handle() -> None:
    assert author_of('<span class="byline">PTI</span> <span class="byline">Washington</span>') == "PTI"


def test_a_given_name_that_spells_an_agency_is_still_a_name() -> None:
    assert person_names("Pa Salieu") == ["Pa Salieu"]


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("<p>Postado por Maria Silva</p>", "Maria Silva"),
        ("<p>Enviado por Juan Pérez</p>", "Juan Pérez"),
        ("<p>Gepost door Jan de Vries</p>", "Jan de Vries"),
        ("<p>Skrivet av Anna Svensson</p>", "Anna Svensson"),
        ("<p>Opublikowano przez Jan Kowalski</p>", "Jan Kowalski"),
        ("<p>Eine Analyse von Jane Doe</p>", "Jane Doe"),
        ("<p>Gastkommentar von Jane Doe</p>", "Jane Doe"),
        ("<p>Un article de Jean Dupont</p>", "Jean Dupont"),
        ("<p>Una entrevista de Juan Pérez</p>", "Juan Pérez"),
        ("<p>Text a foto: Jan Novák</p>", "Jan Novák"),
        ("<p>Reportagem: Maria Silva</p>", "Maria Silva"),
        ("<p>Writer: Jane Doe</p>", "Jane Doe"),
        ("<p>Redakce: Jan Novák</p>", "Jan Novák"),
        ("<p>Un article de presse</p>", None),  # "de" then no name
    ],
)
def test_byline_words_of_more_languages_and_kinds_of_piece(byline: str, expected: str | None) -> None:
    assert author_of(byline) == expected


def test_a_long_lower_case_word_beside_an_outlet_is_no_writer_s_initials() -> None:
    # "der Ringform ..." reads as an outlet ("Die Zeit"), and the sentence's last word is no handle
    assert author_of("<p>Von der Ringform zur Kastenform und umgekehrt</p>", lang="de") is None
    assert author_of('<p class="author">hessenschau.de/jkl</p>', lang="de") == "jkl"


@pytest.mark.parametrize("path", ["/journalists/jane-doe", "/by/jane-doe", "/autores/jane-doe", "/contributors/jdoe"])
def test_links_to_a_newsroom_s_pages_of_its_writers(path: str) -> None:
    assert author_of(f'<p><a href="{path}">Jane Doe</a></p>') == "Jane Doe"


@pytest.mark.parametrize("path", ["/profile/jane-doe", "/people/jane-doe", "/user/jane-doe"])
def test_account_and_people_links_are_no_author_s_page(path: str) -> None:
    assert author_of(f'<p><a href="{path}">Jane Doe</a></p>') is None


def test_a_french_author_class() -> None:
    assert author_of('<span class="auteur">Jean Dupont</span>', lang="fr") == "Jean Dupont"


@pytest.mark.parametrize(
    "byline",
    [
        '<div><span>Autor</span> <a href="/x">Jane Doe</a></div>',
        "<p><b>Author</b><br>Jane Doe</p>",
        "<table><tr><td>Autorin</td><td>Jane Doe</td></tr></table>",
        '<div class="info"><span class="label">Verfasser</span><span class="value">Jane Doe</span></div>',
    ],
)
def test_an_author_word_set_apart_from_the_name_it_labels(byline: str) -> None:
    assert author_of(byline, lang="de") == "Jane Doe"


def test_a_menu_s_authors_item_labels_no_name() -> None:
    assert author_of('<ul class="menu"><li><a href="/x"><span>Authors</span></a></li></ul>') is None


def test_a_byline_after_the_date_that_opens_its_line() -> None:
    assert author_of("<p><time>12.03.2022</time> von Jane Doe</p>", lang="de") == "Jane Doe"


def test_a_joomla_article_s_created_by_line() -> None:
    info = (
        '<dl class="article-info"><dd class="published">12.03.2022</dd>'
        '<dd class="createdby">Escrito por Juan Pérez</dd></dl>'
    )
    assert author_of(info, lang="es") == "Juan Pérez"


def test_a_menu_marked_by_its_aria_role_lists_no_byline() -> None:
    menu = '<ul><li><a role="menuitem" href="/opinion/contributors/jane-doe">Jane Doe</a></li></ul>'
    assert author_of(menu) is None
    assert author_of('<p><a href="/opinion/contributors/jane-doe">Jane Doe</a></p>') == "Jane Doe"
    assert author_of('<p><a href="/by/">Kolumnen</a></p>') is None  # an index, not a writer's page


def test_a_rel_author_link_to_a_social_profile_is_no_link_to_the_front_page() -> None:
    byline = '<div class="author"><a href="https://twitter.com/" rel="author">Jane Doe</a></div>'
    assert author_of(byline) == "Jane Doe"
    assert author_of('<div class="author"><a href="/">Jane Doe</a></div>') is None  # the site's name, linked home


@pytest.mark.parametrize(
    "byline",
    ['<span itemprop="author creator">Jane Doe</span>', '<p><a rel="author external" href="/x">Jane Doe</a></p>'],
)
def test_rel_and_itemprop_list_several_words(byline: str) -> None:
    assert author_of(byline) == "Jane Doe"


def test_a_russian_text_label() -> None:
    assert author_of('<span class="article-info">Текст: Лида Иванова</span>', lang="ru") == "Лида Иванова"


def test_an_ap_dateline_with_the_place_s_state() -> None:
    assert author_of("<p>SANTA FE, N.M. (AP) — A cat that went missing five years ago was found.</p>") == "AP"


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("<p>Opracowanie: Jan Kowalski</p>", "Jan Kowalski"),
        ("<p>Napsal(a): Jan Novák</p>", "Jan Novák"),
        ("<p>Szöveg: Kovács János</p>", "Kovács János"),
        ("<p>Door onze redacteur Jan de Vries</p>", "Jan de Vries"),
        ("<p>Tekst: Jan Kowalski, zdjęcia: Anna Nowak</p>", "Jan Kowalski"),  # the photographer after the writer
        ("<p>Por Maria Silva, da Folha</p>", "Maria Silva"),  # the outlet after "of"
        ("<p>Von tobi_89</p>", "tobi_89"),  # a handle's digits are no date
    ],
)
def test_more_labels_roles_credits_and_outlets(byline: str, expected: str) -> None:
    assert author_of(byline) == expected


def test_a_newspaper_named_beside_the_writer_is_no_coauthor() -> None:
    assert author_of('<div class="byline">By <a>Jane Doe</a>, <span>Washington Examiner</span></div>') == "Jane Doe"


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("<p>By Jane Doe Senior Reporter</p>", "Jane Doe"),
        ("<p>By Jane Doe Staff Writer</p>", "Jane Doe"),
        ("<p>Von Jane Doe Redakteurin</p>", "Jane Doe"),
        ('<p class="byline">By Jerusalem Post Staff</p>', None),  # a desk stays a desk
        ('<p class="byline">Science Writers</p>', None),
        # a beat between the name and the role cannot be told from a third name: no author rather than a wrong one
        ("<p>By Jane Doe Health Reporter</p>", None),
        ("<p>By Jane Doe Chief Washington Correspondent</p>", None),
    ],
)
def test_a_role_after_the_name_without_a_separator(byline: str, expected: str | None) -> None:
    assert author_of(byline) == expected


def test_a_byline_inside_another_article_s_teaser_link_is_the_teaser_s() -> None:
    teaser = '<ul><li><a href="/other-story"><p>Another story</p><span>von Jane Doe</span></a></li></ul>'
    assert author_of(teaser + "<p>Von John Roe</p>", lang="de") == "John Roe"
    assert author_of('<p>Von <a href="/team/jane"><span>Jane Doe</span></a></p>', lang="de") == "Jane Doe"


def test_the_time_after_the_name_is_cut() -> None:
    byline = '<div class="post-meta">Posted by <a href="https://www.blogger.com/profile/1">Jane Doe</a> at 10:00</div>'
    assert author_of(byline) == "Jane Doe"


@pytest.mark.parametrize(
    "name",
    [
        "National Endowment for the Arts",
        "Royal Society for the Protection of Birds",
        "American Federation for the Blind",
    ],
)
def test_an_organisation_named_with_for_the_is_no_person(name: str) -> None:
    # "for the ..." after two capitalised words is an institution's name, not a writer and the outlet written for
    assert person_names(name) == []
    assert author_of("", f'<meta name="author" content="{name}">') is None


@pytest.mark.parametrize(
    ("known", "byline", "expected"),
    [
        ("Ana Silva", "ana silva e sua equipe", "Ana Silva"),
        ("Jane Doe", "jane doe and ai tools", "Jane Doe"),
        # names a capitalisation would mangle are not added
        ("Jane Doe", "by jane doe and john mcdonald", "Jane Doe"),
        ("Jane Doe", "by jane doe and mary o'brien", "Jane Doe"),
    ],
)
def test_a_lower_case_byline_adds_only_names_written_with_initials(known: str, byline: str, expected: str) -> None:
    # the rule reads a lower-case byline that shortens names to initials ("e. barreneche / J. I. da silva"); words
    # without initials after the known name may be anything ("sua equipe": "his team")
    head = ld({"@type": "NewsArticle", "author": {"@type": "Person", "name": known}})
    assert author_of(f'<div class="byline">{byline}</div>', head) == expected


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ('<div class="author-card"><div class="avatar">JD</div><div>Jane Doe</div><div>New York</div></div>',
         "Jane Doe"),
        ('<div class="author"><span class="avatar">MS</span><span>Maria Silva</span><span>Rio de Janeiro</span>'
         "</div>", "Maria Silva"),
    ],
)  # fmt: skip
def test_a_piece_after_an_avatar_s_name_without_initials_of_its_own_is_no_name(byline: str, expected: str) -> None:
    # names are joined only where each follows its own avatar; a place or a section after the name is not one
    assert author_of(byline) == expected


def test_a_json_ld_author_who_is_also_the_publisher_as_a_person_is_the_writer() -> None:
    person = {"@type": "Person", "name": "Jane Doe"}
    assert author_of("", ld({"@type": "BlogPosting", "author": person, "publisher": person})) == "Jane Doe"
    # one entity referenced as both: the writer publishing on their own site
    graph = {
        "@graph": [
            {"@type": "BlogPosting", "author": {"@id": "#me"}, "publisher": {"@id": "#me"}},
            {"@id": "#me", "name": "Jane Doe"},
        ]
    }
    assert author_of("", ld(graph)) == "Jane Doe"


@pytest.mark.parametrize("name", ["El Hassan bin Talal", "El Hadji ben Ali"])
def test_a_name_particle_after_an_el_name_marks_no_outlet(name: str) -> None:
    # a lower-case particle is part of a person's name; an outlet's title is told by its words ("El Diario de Hoy")
    assert person_names(name) == [name]
    assert person_names("Jane Doe, El Diario de Hoy") == ["Jane Doe"]


@pytest.mark.parametrize(
    "comments",
    [
        '<section class="comments"><article><p class="meta"><a rel="author" href="/author/ben">Ben Kraus</a></p>'
        "<p>Great!</p></article></section>",
        '<div><article class="comment"><p class="meta"><a rel="author" href="/author/ben">Ben Kraus</a></p>'
        "<p>Great!</p></article></div>",
    ],
)
def test_a_commenter_in_a_comment_s_own_article_is_no_author(comments: str) -> None:
    assert author_of(comments) is None


def test_a_commenter_in_an_article_of_the_comments_box_after_the_post_is_no_author() -> None:
    comment = '<article><p><a rel="author" href="/author/ben">Ben Kraus</a></p></article>'
    post = f"<article><h1>Council passes the budget</h1>{PROSE}</article>"
    page = f'<!DOCTYPE html><html><body>{post}<section id="comments">{comment}</section></body></html>'
    assert extract_metadata(page, None).author is None


@pytest.mark.parametrize("flags", ["comments-open", "has-comments"])
def test_a_post_s_article_inside_another_keeps_its_byline_whatever_its_comment_flags(flags: str) -> None:
    byline = '<p class="byline">By <a rel="author" href="/author/jane">Jane Doe</a></p>'
    post = f'<article class="post {flags}"><h1>Council passes the budget</h1>{byline}{PROSE}</article>'
    page = f"<!DOCTYPE html><html><body><article class='site'>{post}</article></body></html>"
    assert extract_metadata(page, None).author == "Jane Doe"


@pytest.mark.parametrize("name", ["comment-item", "reply", "comment_12", "c-comment"])
def test_a_commenter_in_a_nested_article_named_for_comments_is_no_author(name: str) -> None:
    comment = f'<article class="{name}"><p><a rel="author" href="/author/ben">Ben Kraus</a></p></article>'
    assert author_of(f'<div class="discussion">{comment}</div>') is None


@pytest.mark.parametrize(
    "box",
    [
        '<div class="comments-area">',
        '<section id="comments">',
        '<div class="opinion">',  # the post's <article> below named for its category or its kind, not for comments
    ],
)
@pytest.mark.parametrize(
    "kind", ["post", "post category-comment", "article--commentary", "post comments-enabled", "post comment-count-3"]
)
def test_a_post_s_article_in_a_box_named_for_comments_keeps_its_byline(box: str, kind: str) -> None:
    """The theme sets the headline in the page's header, and wraps the post in a box named after its comments."""
    byline = '<p class="byline">By Jane Doe</p>'
    post = f'{box}<article class="{kind}">{byline}{PROSE}</article></{box[1 : box.index(" ")]}>'
    page = f"<!DOCTYPE html><html><body><header><h1>Council passes the budget</h1></header>{post}</body></html>"
    assert extract_metadata(page, None).author == "Jane Doe"


def test_the_marked_bylines_are_scanned_once_when_they_name_the_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The byline found among the marked ones is checked for coauthors against the same scan, not a second one (a
    scan of every class and id of the page, about a tenth of the metadata's time)."""
    scans: list[object] = []
    scan = author.marked_bylines
    monkeypatch.setattr(author, "marked_bylines", lambda tree: scans.append(tree) or scan(tree))
    assert author_of('<p class="byline">By Jane Doe and John Roe</p>') == "Jane Doe and John Roe"
    assert len(scans) == 1


def test_a_menu_s_section_opening_with_a_byline_word_is_no_author() -> None:
    menu = '<nav><ul><li><a href="/essay/">Essay</a></li><li><a href="/by-invitation/"><span>By Invitation</span></a>'
    page = f"<html><body>{menu}</li></ul></nav><article><h1>Budget</h1>{PROSE}</article></body></html>"
    assert extract_metadata(page, None).author is None
    # a byline set in a sidebar is still read where the article has none
    aside = '</article><aside class="sidebar"><p>By Jane Doe</p></aside>'
    assert extract_metadata(page.replace("</article>", aside), None).author == "Jane Doe"


def test_a_related_article_s_byline_is_never_the_author() -> None:
    # where the article names no writer (its publisher signs it), the last resort is no teaser of another article
    related = '<div class="layout-related-articles"><h3><a href="/other">Other story</a></h3><p>By Jane Doe</p></div>'
    assert extract_metadata(article("").replace("</article>", f"</article>{related}"), None).author is None
    teaser = related.replace("layout-related-articles", "teaser")  # a teaser elsewhere stays a last resort
    assert extract_metadata(article("").replace("</article>", f"</article>{teaser}"), None).author == "Jane Doe"
