"""Main-text extraction (bot/pipeline/extract/): fixtures, benchmark pages, hostile input, the killable worker."""

from __future__ import annotations

import asyncio
import copy
import html as html_lib
import importlib
import json
import multiprocessing
import os
import random
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest
from bs4 import UnicodeDammit

from bench.metric import score_page
from bot.config import Settings
from bot.pipeline.extract import extract_article, language
from bot.pipeline.extract.author_box import without_author_box
from bot.pipeline.extract.chrome import drop_page_chrome
from bot.pipeline.extract.lines import clean_lines, text_key
from bot.pipeline.extract.pool import TIMEOUT_WARNING, extract_article_bounded, shutdown_workers
from bot.pipeline.extract.pull_quotes import without_pull_quotes
from bot.pipeline.fetch import decode_html
from bot.pipeline.metadata import markup, parse_html
from bot.pipeline.summarize import summarize

# the module, not the package's function of the same name
pull_quotes_module = importlib.import_module("bot.pipeline.extract.pull_quotes")
PAGES = Path(__file__).parent / "fixtures" / "pages"
BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "extraction"


def test_article_with_json_ld_and_boilerplate() -> None:
    article = extract_article((PAGES / "jsonld_article.html").read_text(), "https://courier.example/news/x")
    assert article.title == "Harbour seals return to the estuary"
    assert article.author == "Maria Okafor and Tom Lindqvist"
    assert article.paragraphs[0].startswith("Harbour seals have returned to the Wendle estuary")
    assert article.paragraphs[-1].startswith("Local fishermen have reported larger catches")
    assert article.text == "\n\n".join(article.paragraphs)
    for furniture in ("Advertisement", "Otters spotted", "Follow us", "All rights reserved", "Tweet", "Share"):
        assert furniture not in article.text
    assert article.pull_quotes == ["The river is finally giving back what it took from us."]
    assert article.language == "en"


def test_pull_quotes_exclude_embeds_and_quotes_outside_the_text() -> None:
    body = " ".join(["The council voted on Tuesday to close the old bridge to cars for good."] * 4)
    html = f"""<html><body><article><h1>Bridge closes</h1><p>{body}</p>
    <p>"We have waited thirty years for this decision," said the mayor after the vote.</p>
    <blockquote>We have waited thirty years for this decision</blockquote>
    <blockquote class="twitter-tweet"><p>Big news about the bridge today everyone</p>
    &mdash; Someone (@someone) <a href="https://twitter.com/x">May 1, 2020</a></blockquote>
    <aside><blockquote>A quote from a different story entirely, not in this text</blockquote></aside>
    <p>{body}</p></article></body></html>"""
    assert extract_article(html, None).pull_quotes == ["We have waited thirty years for this decision"]


def test_pull_quotes_marked_by_their_class_are_found() -> None:
    body = " ".join(["The council voted on Tuesday to close the old bridge to cars for good."] * 4)
    html = f"""<html><body><article><h1>Bridge closes</h1><p>{body}</p>
    <p>The bridge will reopen to bicycles and walkers next spring, the mayor promised.</p>
    <div class="story-pull-quote">The bridge will reopen to bicycles and walkers next spring</div>
    <p>{body}</p></article></body></html>"""
    assert extract_article(html, None).pull_quotes == ["The bridge will reopen to bicycles and walkers next spring"]


def test_a_pull_quote_repeating_a_quotation_leaves_the_text_and_the_summary() -> None:
    article = extract_article((PAGES / "pull_quote_article.html").read_text(), None)
    pulled = text_key("Nobody should have to walk six miles home after a hospital shift.")
    assert pulled not in {text_key(p) for p in article.paragraphs}
    assert any(p.endswith("who started the petition last spring.") for p in article.paragraphs)  # its source stays
    # the charter's passage is quoted once: a cited paragraph, the article's own
    assert any(p.startswith("Every town of the valley shall be reachable") for p in article.paragraphs)
    assert pulled not in {text_key(s) for s in summarize(article)}
    assert "Nobody should have to walk six miles home after a hospital shift." in article.pull_quotes


def test_only_sentences_and_quote_elements_repeated_in_a_longer_line_are_pull_quotes() -> None:
    source = "The mayor said the bridge will reopen to bicycles and walkers next spring, after the repairs."
    kept = [
        "Bridge will reopen to bicycles and walkers",  # a heading the prose repeats
        "- the bridge will reopen to bicycles and walkers next spring.",  # a list item
        "“The bridge will reopen.”",  # too short to tell from a slogan
        "The mayor said the bridge will reopen to bicycles and walkers next spring, after the repairs.",  # a copy
        "Walkers next spring will find the bridge open again to bicycles.",  # the same words, not in that order
    ]
    paragraphs = [*kept, source]
    assert without_pull_quotes(paragraphs, []) == paragraphs
    sentence = "“The bridge will reopen to bicycles and walkers.”"
    element = "Reopen to bicycles and walkers next spring"  # a pull-quote element's text, as quote_texts gives it
    assert without_pull_quotes([sentence, source], []) == [source]
    assert without_pull_quotes([element, source], [f"  {element}"]) == [source]
    assert without_pull_quotes([element, source], []) == [element, source]


def test_pull_quotes_are_sought_in_work_linear_in_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages of 4,000 lines: prose with pull quotes, formula lines whose every run of words recurs, and the prose
    # again with one line holding all the others. Each candidate is compared word for word with at most the few
    # lines holding its rarest run, so the comparisons stay a small multiple of the lines (all pairs: 16 million).
    rng = random.Random(7)
    vocabulary = [f"word{i}" for i in range(3000)]

    def prose(lines: int) -> list[str]:
        text = [" ".join(rng.choice(vocabulary) for _ in range(40)) + "." for _ in range(lines)]
        return text + [" ".join(line.split()[5:20]) + "." for line in text[::10]]

    def formula(lines: int) -> list[str]:
        return [" ".join(rng.choice("ab") for _ in range(rng.randint(20, 40))) + "." for _ in range(lines)]

    def held(lines: int) -> list[str]:
        text = prose(lines)
        return [*text, " ".join(text)]

    comparisons = 0
    found_in = pull_quotes_module._found_in

    def counting(line: list[str], runs: list[int], sought: dict, words: list[list[str]]) -> set[int]:
        nonlocal comparisons
        comparisons += sum(len(anchors) for anchors in sought.values())
        return found_in(line, runs, sought, words)

    monkeypatch.setattr(pull_quotes_module, "_found_in", counting)
    assert len(without_pull_quotes(prose(4000), [])) == 4000  # its 400 pull quotes are found
    for page in (prose, formula, held):
        comparisons = 0
        paragraphs = page(4000)
        without_pull_quotes(paragraphs, [])
        assert comparisons <= 10 * len(paragraphs), page.__name__


def test_language_comes_from_the_text_before_the_html_attribute() -> None:
    text = "Die Stadt hat beschlossen, die alte Brücke für den Autoverkehr zu sperren. " * 5
    html = f"<html lang='en'><body><article><p>{text}</p><p>{text}</p></article></body></html>"
    assert extract_article(html, None).language == "de"


_BODY = [
    "Der Stadtrat hat am Montag nach langer Debatte den Haushalt für das kommende Jahr beschlossen.",
    "Die Opposition kritisierte vor allem die hohen Ausgaben für den Straßenbau am Stadtrand.",
    "Der Kämmerer verteidigte den Plan und verwies auf die gestiegenen Einnahmen aus der Gewerbesteuer.",
]
_LEAD = "Nach sechs Stunden Debatte steht der Haushalt: Die Stadt investiert so viel wie nie zuvor in ihre Straßen."


def _page_with(header: str, after: str = "") -> str:
    body = "".join(f"<p>{line} {line}</p>" for line in _BODY)
    return f"""<html><body><main><article><header><h1>Stadtrat beschließt Rekordhaushalt</h1>{header}</header>
    <div class="article-body">{body}</div></article>{after}</main></body></html>"""


@pytest.mark.parametrize(
    "lead",
    [
        f'<p class="article-lead">{_LEAD}</p>',
        f'<div class="teaser-text"><p>{_LEAD}</p></div>',
        f'<p class="chapo">{_LEAD}</p>',
        f'<div class="entry-excerpt"><p>{_LEAD}</p></div>',
        f'<p itemprop="description">{_LEAD}</p>',
    ],
)
def test_the_lead_below_the_headline_opens_the_text(lead: str) -> None:
    paragraphs = extract_article(_page_with(lead), None).paragraphs
    assert paragraphs[0] == _LEAD
    assert paragraphs[1].startswith(_BODY[0])


def test_the_lead_follows_the_articles_headline_when_the_first_h1_is_the_sites_name() -> None:
    nav = "".join(f'<li><a href="/{n}">Rubrik {n}</a></li>' for n in range(30))
    html = _page_with(f'<p class="lead">{_LEAD}</p>').replace(
        "<main>", f"<div class='site'><h1>Stadtblatt</h1><ul>{nav}</ul></div><main>"
    )
    assert extract_article(html, None).paragraphs[0] == _LEAD


@pytest.mark.parametrize("level", ["h2", "h3"])
def test_the_lead_follows_a_headline_written_below_h1_level(level: str) -> None:
    html = _page_with(f'<p class="lead">{_LEAD}</p>').replace("<h1>", f"<{level}>").replace("</h1>", f"</{level}>")
    html = html.replace("<html>", "<html><head><title>Stadtrat beschließt Rekordhaushalt</title></head>")
    assert extract_article(html, None).paragraphs[0] == _LEAD


def test_a_teaser_of_another_article_is_no_lead() -> None:
    teasers = f"""<div class="teaser"><h3><a href="/b">Neue Radwege</a></h3><p>{_LEAD}</p></div>
    <p class="teaser-text"><a href="/c">{_LEAD}</a></p>"""
    assert _LEAD not in extract_article(_page_with(teasers), None).text  # above the body, but a link or a headed box


def test_a_lead_microdata_marks_behind_a_row_of_share_buttons_opens_the_text() -> None:
    buttons = "".join(f'<div class="col"><a href="/share/{n}"><span class="icon"></span><span>Teilen</span></a></div>'
                      for n in range(40))  # fmt: skip
    html = _page_with(
        f'<div class="share">{buttons}</div><div itemprop="description"><p><strong>{_LEAD}</strong></p></div>'
    )
    assert extract_article(html, None).paragraphs[0] == _LEAD


@pytest.mark.parametrize(
    "described",
    [
        '<div itemprop="author" itemscope itemtype="https://schema.org/Person"><b itemprop="name">Erika Muster</b>'
        '<p itemprop="description">{}</p></div>',
        '<div itemscope itemtype="https://schema.org/VideoObject"><video src="v.mp4"></video>'
        '<p itemprop="description">{}</p></div>',
    ],
)
def test_the_description_microdata_gives_a_writer_or_a_video_is_no_lead(described: str) -> None:
    bio = "Erika Muster berichtet seit zehn Jahren für das Stadtblatt über Verkehr, Bauen und die Finanzen der Stadt."
    buttons = "".join(f'<li><a href="/share/{n}">Teilen</a></li>' for n in range(30))
    for header in (described.format(bio), f'<ul class="share">{buttons}</ul>{described.format(bio)}'):
        assert bio not in extract_article(_page_with(header), None).text


def test_a_teaser_cut_short_is_no_lead() -> None:
    teaser = (
        "Ein Zoobesuch ist schon lange kein unbeschwertes Freizeitvergnügen mehr, seit Jahren gibt es eine lauter..."
    )
    for lead in (f'<p class="lead">{teaser}</p>', f'<p class="lead">{teaser.removesuffix("...")} …</p>'):
        assert "Zoobesuch" not in extract_article(_page_with(lead), None).text


def test_a_lead_class_below_the_body_is_no_lead() -> None:
    html = _page_with("", after=f'<section class="more"><p class="intro">{_LEAD}</p></section>')
    assert not extract_article(html, None).paragraphs[0].startswith(_LEAD)


def _described(page: str, description: str) -> str:
    return page.replace("<html>", f'<html><head><meta name="description" content="{description}"></head>')


def test_a_standfirst_the_page_gives_as_its_description_opens_the_text() -> None:
    html = _described(_page_with(f'<p class="text-xl">{_LEAD} {_LEAD}</p>'), f"{_LEAD} {_LEAD}")
    assert extract_article(html, None).paragraphs[0] == f"{_LEAD} {_LEAD}"


def test_a_one_sentence_description_under_the_headline_is_a_subtitle() -> None:
    dek = "Die Stadt investiert so viel wie nie zuvor in ihre Straßen und Radwege am Stadtrand."
    html = _described(_page_with(f'<p class="dek">{dek}</p>'), dek)
    assert dek not in extract_article(html, None).text


def _script_drawn(article_body: str) -> str:
    schema = json.dumps({"@type": "NewsArticle", "headline": "Stadtrat beschließt Rekordhaushalt",
                         "articleBody": article_body})  # fmt: skip
    return f"""<html><head><script type="application/ld+json">{schema}</script></head><body><article>
    <h1>Stadtrat beschließt Rekordhaushalt</h1><p>Das Rathaus am Abend. Foto: dpa</p><div id="app"></div>
    </article></body></html>"""


@pytest.mark.parametrize(
    "article_body",
    ["\n".join(line * 4 for line in _BODY), html_lib.escape("".join(f"<p>{line * 4}</p>" for line in _BODY))],
    ids=["lines", "escaped markup"],
)
def test_an_article_drawn_by_script_is_read_from_its_json_ld(article_body: str) -> None:
    paragraphs = extract_article(_script_drawn(article_body), None).paragraphs
    assert paragraphs == [line * 4 for line in _BODY]


def test_a_json_ld_body_not_far_longer_than_the_page_text_is_not_taken() -> None:
    teaser = " ".join([*_BODY, _BODY[0]])  # longer than the page's text, but not by far
    html = _script_drawn(teaser).replace('<div id="app"></div>', "".join(f"<p>{line}</p>" for line in _BODY))
    assert extract_article(html, None).paragraphs[-3:] == _BODY


@pytest.mark.parametrize(
    ("chrome", "why"),
    [
        ('<div role="complementary"><p>{}</p></div>', "a sidebar marked by its ARIA role"),
        ('<div role="dialog"><p>{}</p><span role="button">OK</span></div>', "a consent dialog"),
        ('<section id="kommentare"><p>{}</p></section>', "a German comment section"),
        ('<div id="comentarios-lista"><p>{}</p></div>', "a Spanish comment section"),
        ('<a class="relatedPost" href="/b"><p>{}</p></a>', "a related article's teaser as a link"),
        ('<ul id="related-articles"><li><p>{}</p></li></ul>', "a related articles' list"),
    ],
)
def test_page_chrome_inside_the_article_is_left_out(chrome: str, why: str) -> None:
    aside = "Wir verwenden Cookies, damit diese Seite für Sie gut funktioniert, und speichern Ihre Auswahl ein Jahr."
    html = _page_with("").replace("</div></article>", chrome.format(aside) + "</div></article>")
    article = extract_article(html, None)
    assert aside not in article.text, why
    assert _BODY[2] in article.text


def test_a_dialog_holding_the_headline_is_the_article() -> None:
    tree = parse_html(_page_with("").replace("<article>", '<article role="dialog">'))
    drop_page_chrome(tree)
    assert _BODY[0] in tree.text_content()


def test_the_page_is_parsed_into_html_elements_whose_class_no_python_code_picks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """lxml.html's class lookup is a Python method called for each element reaching Python (3-4% of a digest, in
    trafilatura's copies of the tree too): the parser picks HtmlElement in C, and every element keeps its methods."""
    calls: list[tuple[object, ...]] = []
    original = lxml.html.HtmlElementClassLookup.lookup

    def counted(self: lxml.html.HtmlElementClassLookup, *args: object) -> object:
        calls.append(args)
        return original(self, *args)

    monkeypatch.setattr(lxml.html.HtmlElementClassLookup, "lookup", counted)
    tree = parse_html("<html><body><form><label>Find <input name='q'></label></form><p>Hi <b>you</b></p></body></html>")
    elements = list(tree.iter())
    assert not calls
    assert len(elements) == 7 and all(isinstance(el, lxml.html.HtmlElement) for el in elements)
    paragraph = tree.find(".//p")
    paragraph.find("b").drop_tag()
    assert paragraph.text_content() == "Hi you" and copy.copy(tree).find(".//label").text_content() == "Find "


def test_control_characters_are_dropped_before_parsing_and_a_page_without_any_skips_the_pattern(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """lxml refuses control characters in a string; most pages have none, and the pattern's pass over a page cost a
    third of its parse."""
    assert parse_html("<html><body><p>Bike\x00 lanes\x0b\x1f in\tParis</p></body></html>").findtext(".//p") == (
        "Bike lanes in\tParis"
    )
    monkeypatch.setattr(markup, "_CONTROL", None)
    assert parse_html("<html><body><p>Bike lanes\nin Paris</p></body></html>").findtext(".//p") == (
        "Bike lanes\nin Paris"
    )


def test_clean_lines_drops_headline_link_lists_and_furniture() -> None:
    lines = [
        "Storm hits the coast",
        "Heavy rain flooded streets in the harbour district on Monday night, officials said.",
        "Related: Ten photos of the storm",
        "Read more",
        "- Flood warnings explained",
        "- How to prepare your house",
        "Residents were told to stay indoors until the water receded.",
        "Advertisement",
        "Sign up for our newsletter to get the news in your inbox.",
        "© 2024 Coast News",
    ]
    assert clean_lines(lines, ["Storm hits the coast | Coast News"]) == [lines[1], lines[6]]


@pytest.mark.parametrize("link", ["[czytaj więcej]", "[Weiterlesen]", "[Read more]"])
def test_clean_lines_drop_a_teasers_link_to_the_rest_of_its_text(link: str) -> None:
    line = "Głos w obronie Fundacji zabrała również Akcja Katolicka w Polsce."
    assert clean_lines([f"{line} {link}"], []) == [line]
    assert clean_lines([f"{line}{' ' * 50}{link}"], []) == [line]


@pytest.mark.parametrize(
    ("furniture", "why"),
    [
        (["Ähnliche Beiträge", "- Der Winter kommt", "- Neue Radwege in der Stadt"], "a German link list"),
        (["Le puede interesar: Nuevos casos en el tribunal"], "a Spanish inline link"),
        (["| \xa0Kommentierte\xa0Artikel |"], "a link list's heading in a table cell"),
        (["To view the full story, please subscribe to The Herald."], "a subscription cut"),
        (["Mit top+ weiterlesen"], "a German subscription cut"),
        (["Alle Angaben ohne Gewähr"], "a German disclaimer"),
        (["Foto: dpa"], "a photo credit"),
        (["Jetzt zum Newsletter anmelden und nichts mehr verpassen!"], "a German newsletter prompt"),
        (["We may receive compensation if you visit partners we recommend."], "an affiliate disclosure"),
        (["SHARE THIS ARTICLE:"], "a share prompt in capitals"),
        (["Follow Us On Twitter For The Latest Updates"], "a follow prompt in title case"),
        (["Titelbild: Max Muster/picture-alliance"], "a title picture's credit"),
        (["Copyright: Erika Muster"], "a picture's copyright"),
        (["Fot. Jan Kowalski / Agencja Gazeta"], "a Polish photo credit"),
        (["ANZEIGE - Heute mal ausgehen? Wie wäre es mit:"], "an advertisement's label"),
        (["*Werbung. Dieser Beitrag enthält Werbung für eine Marke."], "a German advertising disclosure"),
        (["Keine Kommentare (Kommentare erscheinen erst nach unserer Freigabe)"], "an empty comment section"),
        (["Never miss the latest news by signing up to our newsletter today!"], "a newsletter prompt"),
        (["Ob Gewinnspiele oder News – mit unserem Newsletter sind Sie immer informiert."], "a newsletter prompt"),
        (["Online-Pressemappe - alle Pressemitteilungen | RSS-Feed abonnieren"], "a feed prompt"),
        (["For the latest stories download the Herald apps for iOS and Android."], "an app prompt"),
        (["Die Ministerin am 1. März im Landtag (Foto: Erika Muster/dpa)."], "a caption ending in its credit"),
        (["Weitere aktuelle Themen aus der Arbeitswelt", "Vier-Tage-Woche im Test", "- Homeoffice"], "a link list"),
        (["Vorschau auf den nächsten Artikel", "Wie ich ein Jahr lang nichts kaufte"], "the next article's teaser"),
        (["Saiba Mais", "- Política Câmara aprova a lei", "- Economia Juros sobem"], "a Portuguese link list"),
        (["Meistkommentiert", "- Der Winter kommt früh"], "a German list of the most discussed articles"),
        (["Reklama"], "a Polish advertisement's label"),
        (["CONTINUA DEPOIS DA PUBLICIDADE"], "the gap an advertisement leaves, in Portuguese"),
        (["Folgen Sie uns auf Instagram und Facebook"], "a German follow prompt"),
        (["Zeige alle Beiträge von Erika Muster →"], "an author box's link to the writer's other posts"),
        (["Alle Bilder anzeigen", "1 von 12", "2 von 12"], "a gallery's button and counter"),
        (["(Credits: Erika Muster)"], "a picture's credit"),
        (["Pressekontakt:"], "a press release's contact heading"),
        (["Dieser Beitrag enthält Affiliate-Links."], "an affiliate disclosure spelled with a hyphen"),
        (["Kommentare von Lesern geben nicht die Meinung der Redaktion wieder."], "a comment section's rules"),
        (["Wir würden hier gerne einen externen Inhalt zeigen. Leider fehlt Ihre Zustimmung."], "a blocked embed"),
        (["Unterstütze uns mit einem monatlichen Beitrag!"], "an appeal for readers' money"),
        (["Datum: 21.04.2022 Kategorie : Pressemitteilungen"], "a post's meta line"),
        (["notes.html - erstellt 03-10-2004 - zuletzt geändert: 03-10-2004"], "an update stamp"),
        (["Аdvеrtіѕе wіth uѕ: уоur brаnd in front of thousands of readers!"], "an ad in lookalike Cyrillic letters"),
        ([f"Wе оffеr fullу сuѕtоmіzаblе расkаgеѕ. {'Yоur соntеnt іѕ dеlіvеrеd. ' * 12}"], "a long one"),
        (["Photocredits Hotel Muster: Erika Muster"], "a picture's credit naming the place"),
        (["Apoie o 247"], "a Portuguese appeal for readers' money"),
        (["Support independent journalism: become a member today"], "an appeal in English"),
        (["Dies ist Teil 2 zum Text „Der Winter kommt“, der letzte Woche erschienen ist."], "a series' note"),
        ([f"In unserer Serie „Stadt und Land“ schreiben {'Fachleute über die Dörfer. ' * 8}"], "a long one"),
        (["This article is part of our series on the future of work."], "an English series' note"),
    ],
)
def test_clean_lines_knows_furniture_in_other_languages(furniture: list[str], why: str) -> None:
    story = ["Der Stadtrat hat am Montag den Haushalt für das kommende Jahr beschlossen.",
             "Die Opposition kritisierte die hohen Ausgaben für den Straßenbau."]  # fmt: skip
    assert clean_lines([story[0], *furniture, story[1]], []) == story, why


_STORY = [f"Paragraph {n} of the story about the harbour, long enough to be prose." for n in range(1, 6)]


@pytest.mark.parametrize("heading", ["Über Erika Muster", "About the author", "Über die Autorin:"])
def test_an_author_box_closing_the_text_is_cut(heading: str) -> None:
    box = [heading, "Erika Muster schreibt seit 2010 über Häfen.", "Zeige alle Beiträge von Erika Muster"]
    assert without_author_box([*_STORY, *box], "Erika Muster") == _STORY


def test_an_author_box_of_two_writers_is_cut_at_the_heading_about_one() -> None:
    box = ["Über Max Muster", "Max Muster schreibt über Schiffe."]
    assert without_author_box([*_STORY, *box], "Erika Muster und Max Muster") == _STORY


def test_an_about_heading_is_no_author_box_early_in_the_text_or_about_someone_else() -> None:
    early = [_STORY[0], "About the author", *_STORY[1:]]
    assert without_author_box(early, "Erika Muster") == early
    other = [*_STORY, "Über Max Muster", "Max Muster leitet den Hafen seit 2015."]
    assert without_author_box(other, "Erika Muster") == other


def test_a_reviewed_books_author_under_a_generic_heading_is_no_author_box() -> None:
    review = [*_STORY, "About the author", "Jonas Feld was born in Hamburg in 1961 and has written nine novels."]
    assert without_author_box(review, "Erika Muster") == review


def test_a_generic_author_box_heading_closes_the_text_where_no_byline_is_known() -> None:
    box = ["About the author", "Erika Muster is a reporter on the harbour desk.", "Follow her."]
    assert without_author_box([*_STORY, *box], None) == _STORY  # a site's box far more often than a book's


def test_the_bylines_surname_names_the_writer_only_as_a_name() -> None:
    review = [*_STORY, "About the author", "Jonas Feld has written novels for a long time, winning a major prize."]
    assert without_author_box(review, "Anna Long") == review
    assert without_author_box([*_STORY, "About the author", "Long covers the port."], "Anna Long") == _STORY


@pytest.mark.parametrize(
    "bio",
    ["Erika Muster schreibt seit 2010 über Häfen.", "Muster covers shipping and the harbour for the paper."],
)
def test_a_generic_heading_over_the_bylines_writer_is_an_author_box(bio: str) -> None:
    assert without_author_box([*_STORY, "About the author", bio], "Dr. Erika Muster") == _STORY


@pytest.mark.parametrize(
    "line",
    [
        "Компания Apple представила в Москве новый iPhone, а Samsung ответила через неделю.",
        "У Києві мiсто вiдновить мости, а уряд видiлить на це кошти вже наступного року.",  # a Latin i for і
        "In der Serie „Babylon Berlin“ spielt Volker Bruch den Kommissar Gereon Rath.",
        "Cet article fait partie du projet de loi que le Sénat examinera mardi.",
        "Este artículo forma parte de la Constitución desde la reforma de 1994.",
        "Der Artikel ist Teil des Grundgesetzes und wurde nie geändert.",
        "Credit where credit is due: the council fixed the road within a week.",
        "Credit card debt hit a record: $1.1 trillion at the end of the year.",
        "The magazine published more stories by women than ever before.",
        "Tous les articles de la loi ont été adoptés.",
        "Her comments do not reflect the party's position, a spokesman said.",
        "Die Betroffenen hätten keine Zustimmung gegeben, sagte die Datenschutzbeauftragte.",
        "Lula pede que o Congresso apoie a reforma tributária ainda este ano.",
        "The new fund will support independent journalism in rural counties.",
    ],
)
def test_prose_that_shares_words_with_furniture_is_kept(line: str) -> None:
    assert clean_lines([line], []) == [line]


def test_binary_junk_gets_no_text() -> None:
    """trafilatura reads the tree parsed for the metadata, but not where it would refuse the page as no HTML."""
    html = decode_html(random.Random(7).randbytes(200_000), None)
    assert extract_article(html, None).text == ""


def test_input_cap_cuts_text_but_not_because_of_inline_code() -> None:
    settings = Settings().model_copy(update={"extract_max_chars": 6000})
    first = "The first paragraph of the story talks about the harbour and the boats in it. " * 6
    late = "This closing paragraph sits far beyond the extraction cap and must not be read. " * 6
    html = f"<html><body><article><p>{first}</p><p>{first}</p>{'<p>x</p>' * 2000}<p>{late}</p></article></body></html>"
    article = asyncio.run(extract_article_bounded(html, None, settings))
    assert "harbour" in article.text and "beyond the extraction cap" not in article.text
    # two megabytes of script before the article are dropped before the cap applies
    html = f"<html><head><script>{'var x = 1;' * 200_000}</script></head><body><article><p>{first}</p>" \
           f"<p>{first}</p></article></body></html>"  # fmt: skip
    assert "harbour" in extract_article(html, None).text


def test_deeply_nested_document() -> None:
    html = "<html><body>" + "<div>" * 100_000 + "<p>deep</p>" + "</div>" * 100_000 + "</body></html>"
    article = extract_article(html, "https://example.com/deep")
    assert article.warning is None


def test_random_bytes_never_raise() -> None:
    rng = random.Random(20240501)
    for size in (0, 1, 17, 512, 5000, 50_000):
        raw = bytes(rng.randrange(256) for _ in range(size))
        html = UnicodeDammit(raw, is_html=True).unicode_markup or ""
        text = extract_article(html, None).text
        assert set(text) - set(" \n") <= set(html)  # whatever it finds was in the input: nothing invented
    # ClusterFuzz cases from bs4's own suite: a clean parse, and exactly the text that is there
    fuzzed = {"ÿ<!DOCTyPEV PUBLIC'''Ð'": "ÿ", ")<a><math><TR><a><mI><a><p><a>": "", "<?xml version='1.0'?><p>x": "x",
              "\x00": ""}  # fmt: skip
    assert {markup: extract_article(markup, None).text for markup in fuzzed} == fuzzed


# --- benchmark pages ---------------------------------------------------------------------------------

# (page id prefix, what it exercises, F1 floor by the benchmark's metric)
BENCH_CASES = [
    ("d48aeb9c", "trafilatura kept a third of the article; readability recovers it", 0.97),
    ("2f42ef1d", "same, on another long feature", 0.95),
    ("f8ff621a", "trafilatura found only a legal notice", 0.93),
    ("d605bdef", "1.4 MB page: inline scripts must not push the article past the cap", 0.97),
    ("686bb170", "'Related:' lines and a reading list inside the article", 0.95),
    ("ba4dfe2d", "'READ MORE:' and 'DON'T MISS' link lists", 0.97),
]


@pytest.fixture(scope="module")
def bench_pages() -> dict[str, tuple[str, str, str]]:
    if not (BENCH / "ground-truth.json").is_file():
        pytest.skip(f"the shared extraction benchmark is not at {BENCH}")
    from bench.extraction import load_pages

    return {p.id[:8]: (p.url, p.html, p.expected) for p in load_pages(BENCH)}


@pytest.mark.parametrize(("page_id", "case", "floor"), BENCH_CASES, ids=[c[0] for c in BENCH_CASES])
def test_benchmark_pages(bench_pages: dict[str, tuple[str, str, str]], page_id: str, case: str, floor: float) -> None:
    url, html, expected = bench_pages[page_id]
    assert score_page(expected, extract_article(html, url).text).f1 >= floor, case


# --- the killable worker -----------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_bounded_extraction_kills_a_slow_worker_and_degrades_to_metadata() -> None:
    settings = Settings().model_copy(update={"extract_timeout_s": 1.5, "extract_max_chars": 13 * 1024 * 1024})
    small = (PAGES / "jsonld_article.html").read_text()
    try:
        warm = await extract_article_bounded(small, "https://courier.example/news/x", settings)
        assert warm.author == "Maria Okafor and Tom Lindqvist" and warm.warning is None
        workers = {p.pid for p in multiprocessing.active_children()}

        # 12 MiB of paragraphs: trafilatura needs minutes for this, far beyond the limit
        paragraph = "<p>Lorem ipsum dolor sit amet, consectetur.</p>"
        huge = f"<html><head><title>A very long page | Big Site</title></head><body>{paragraph * 280_000}</body></html>"
        assert len(huge) > 12 * 1024 * 1024
        article = await extract_article_bounded(huge, "https://big.example/long", settings)
        assert article.warning == TIMEOUT_WARNING  # the worker was killed at the limit, not waited out
        assert article.title == "A very long page" and article.text == ""

        again = await extract_article_bounded(small, "https://courier.example/news/x", settings)
        assert again.warning is None and again.pull_quotes
        (killed,) = workers - {p.pid for p in multiprocessing.active_children()}  # the huge page's, replaced
        assert not _alive(killed)
    finally:
        shutdown_workers()


def test_english_is_recognised_by_its_common_words_without_the_character_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Most pages are English: counting a few common words settles them; other text goes to py3langid."""
    asked: list[str] = []
    monkeypatch.setattr(language.py3langid, "classify", lambda text: asked.append(text) or ("de", -1.0))
    english = "The council has decided to close the old bridge to cars, and residents were told that it would reopen. "
    assert language.detect_language(english * 3) == "en" and not asked
    german = "Die Stadt hat beschlossen, die alte Brücke für den Autoverkehr zu sperren. " * 3
    assert language.detect_language(german) == "de" and asked == [german[:600]]


def test_the_fork_server_loads_the_language_model_once_for_all_workers() -> None:
    """Workers fork from the extraction server after it imported bot.pipeline.extract.server: py3langid's model
    (0.5 s to load) must be in memory by then, or every new worker loads it on its first non-English page."""
    code = "import bot.pipeline.extract.server, py3langid.langid as m; print(m.IDENTIFIER is not None)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "True"


# --- lists and recipes the extractors drop ---------------------------------------------------------

_TIPS = [
    "Wenn Sie Ihr Haus verlassen, schließen Sie die Haustür immer ab.",
    "Verstecken Sie Ihren Schlüssel niemals draußen, Einbrecher finden jedes Versteck.",
    "Geben Sie in sozialen Netzwerken keine Hinweise auf Ihre Abwesenheit!",
]


_CLOSING = "Die Polizei berät Sie auf Wunsch auch kostenlos bei Ihnen zu Hause."


def _plain_page(between: str, closing: str = _CLOSING) -> str:
    """A CMS's page of plain <div>s (no <article> or <main>): trafilatura's precision mode reads only its <p>s."""
    body = "".join(f"<p>{line} {line}</p>" for line in _BODY)
    return f"""<html><body><div class="page"><div class="node"><h1>Tag des Einbruchschutzes</h1>
    <div class="editor">{body}</div><div class="editor"><p><br>So schützen Sie sich vor Einbrechern:</p>
    {between}<p>{closing}</p></div></div></div></body></html>"""


def test_a_list_of_sentences_between_two_kept_paragraphs_is_put_back() -> None:
    tips = "".join(f"<li>{tip}</li>" for tip in _TIPS)
    paragraphs = extract_article(_plain_page(f"<ul>{tips}</ul>"), None).paragraphs
    start = paragraphs.index("So schützen Sie sich vor Einbrechern:")
    assert paragraphs[start + 1 : start + 4] == [f"- {tip}" for tip in _TIPS]
    assert paragraphs[start + 4].startswith("Die Polizei berät Sie")


@pytest.mark.parametrize(
    ("between", "why"),
    [
        ("".join(f'<li><a href="/{n}">Lesen Sie auch: {tip}</a></li>' for n, tip in enumerate(_TIPS)), "links"),
        ("<li>Haustür</li><li>Fenster und Balkon</li><li>Schlüssel</li>", "no sentences"),
        ("<li>Schließen Sie die Haustür immer ab.</li><li>Sport</li>", "one item no sentence"),
    ],
)
def test_lists_that_are_no_prose_stay_out(between: str, why: str) -> None:
    text = extract_article(_plain_page(f"<ul>{between}</ul>"), None).text
    assert "Haustür" not in text and "Sport" not in text, why


def test_a_list_outside_the_kept_paragraphs_stays_out() -> None:
    tips = "".join(f"<li>{tip}</li>" for tip in _TIPS)
    footer = f"<div class='footer'><p>Impressum</p><ul>{tips}</ul><p>Kontakt</p></div>"
    html = _plain_page("").replace("</body>", f"{footer}</body>")
    assert "Haustür" not in extract_article(html, None).text


_STEPS = [
    "Heize den Backofen auf 180 °C Ober- und Unterhitze vor.",
    "Verrühre Mehl, Zucker und Eier zu einem glatten Teig.",
    "Backe den Kuchen 35 Minuten im unteren Drittel.",
]
_INGREDIENTS = ["150 g Weizenmehl", "125 g Zucker", "4 Eier (Größe M)"]


def _recipe(ld_type: str, name: str = "Rührkuchen", ingredients: list[str] = _INGREDIENTS) -> dict[str, object]:
    return {"@context": "https://schema.org", "@type": ld_type, "name": name, "recipeIngredient": ingredients,
            "recipeInstructions": [{"@type": "HowToStep", "text": f"{step} ({name})"} for step in _STEPS]}  # fmt: skip


def _recipe_page(ld_type: str, shown: str = "", recipes: list[dict[str, object]] | None = None) -> str:
    ld = recipes or _recipe(ld_type)
    body = "".join(f"<p>{line} {line}</p>" for line in _BODY)
    return f"""<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head><body>
    <article><h1>Rührkuchen</h1>{body}{shown}<div id="steps"></div></article></body></html>"""


def test_a_recipes_steps_drawn_by_script_come_from_its_json_ld() -> None:
    paragraphs = extract_article(_recipe_page("Recipe"), None).paragraphs
    assert paragraphs[-6:] == [*(f"- {item}" for item in _INGREDIENTS), *(f"{step} (Rührkuchen)" for step in _STEPS)]
    assert paragraphs[0].startswith(_BODY[0])


def test_a_recipes_parts_the_page_shows_are_not_repeated() -> None:
    shown = "<ul>" + "".join(f"<li>{item}</li>" for item in _INGREDIENTS) + "</ul>"
    shown += "".join(f"<p>{step} (Rührkuchen)</p>" for step in _STEPS)
    text = extract_article(_recipe_page("Recipe", shown), None).text
    assert all(text.count(part) == 1 for part in [*_INGREDIENTS, *_STEPS])


def test_ingredients_the_page_shows_with_fraction_signs_are_not_repeated() -> None:
    shown = "<ul><li>½ Tasse Zucker</li><li>1½ Tassen Mehl (180 g)</li><li>2 Zitronen, ausgepresst</li></ul>"
    ingredients = ["1/2 Tasse Zucker", "1 1/2 Tassen Mehl (180 g)", "2 Zitronen, ausgepresst"]
    text = extract_article(_recipe_page("Recipe", shown, [_recipe("Recipe", ingredients=ingredients)]), None).text
    assert "Zitronen" in text and "1/2" not in text and text.count("Zitronen") == 1


def test_a_roundup_of_recipes_gets_the_steps_of_the_one_its_title_names_or_none() -> None:
    others = [_recipe("Recipe", name) for name in ("Marmorkuchen", "Zitronenkuchen")]
    roundup = extract_article(_recipe_page("Recipe", recipes=others), None).text  # titled "Rührkuchen"
    assert "kuchen)" not in roundup
    named = extract_article(_recipe_page("Recipe", recipes=[*others, _recipe("Recipe")]), None).text
    assert _STEPS[0] + " (Rührkuchen)" in named and "Marmorkuchen" not in named


def test_an_article_about_a_recipe_gets_no_steps_from_elsewhere() -> None:
    text = extract_article(_recipe_page("NewsArticle"), None).text  # "Recipe" on the page, but no schema.org Recipe
    assert not any(step in text for step in _STEPS)


def _chrome_cut(inner: str) -> str:
    tree = parse_html(f"<html><body>{inner}</body></html>")
    assert tree is not None
    drop_page_chrome(tree)
    return " ".join(tree.itertext())


@pytest.mark.parametrize(
    "sidebar",
    [
        '<div id="sidebar"><h5>Infos zum Verein</h5><p>Satzung zum Herunterladen</p></div>',
        '<div class="widget-area col_sidebar"><h5>Infos zum Verein</h5></div>',
        '<aside class="l-sidebar"><p>Günstiger Firmenkredit ab 1,9 %</p></aside>',
        '<div class="sidebar-right"><ul><li>Konzerte (7)</li></ul></div>',
        '<div id="main-sidebar"><p>Satzung zum Herunterladen</p></div>',
        '<div class="notes-sidebar"><p>Satzung zum Herunterladen</p></div>',
    ],
)
def test_a_sidebar_named_so_is_cut(sidebar: str) -> None:
    text = _chrome_cut(f"<div class='page'><h1>Markt</h1><p>Der Markt öffnet am Sonntag.</p>{sidebar}</div>")
    assert "Markt öffnet" in text
    assert not any(word in text for word in ("Verein", "Satzung", "Firmenkredit", "Konzerte"))


@pytest.mark.parametrize(
    "wrapper",
    [
        '<div class="has-sidebar"><p>Der Markt öffnet am Sonntag.</p></div>',
        '<div class="content-sidebar-wrap"><p>Der Markt öffnet am Sonntag.</p></div>',
        '<div class="sidebar-left"><h1>Markt</h1><p>Der Markt öffnet am Sonntag.</p></div>',
        '<div id="sidebar"><article><p>Der Markt öffnet am Sonntag.</p></article></div>',
    ],
)
def test_the_articles_own_wrappers_named_for_a_sidebar_stay(wrapper: str) -> None:
    assert "Markt öffnet" in _chrome_cut(wrapper)


def test_a_layout_wrapper_named_for_its_sidebar_keeps_the_article_it_holds() -> None:
    intro = "".join(f"<p>{line}</p>" for line in _BODY)
    body = "".join(f"<p>{line} {line}</p>" for line in reversed(_BODY))
    widgets = '<div class="widget-area"><p>Satzung zum Herunterladen</p></div>'
    text = _chrome_cut(f"""<div class="hdr"><h1>Markt</h1>{intro}</div><div id="main" class="right-sidebar">
    <div class="post-body">{body}<p>{_LEAD}</p></div>{widgets}</div>""")
    assert _LEAD in text  # most of the page's paragraphs lie in it, beside the sidebar it frames


# --- a how-to drawn by script, behind a notice to old browsers -----------------------------------------------------

_HOWTO_STEPS = [
    "Measure the table top from edge to edge through its centre, and write the diameter down before buying fabric.",
    "Decide how far the cloth should fall over the edge: a short drop for a dining table, a long one to the floor.",
    "Fold the fabric in four, pin a string at the folded corner, and draw a quarter circle with a pencil tied to it.",
    "Cut along the line through all four layers, unfold the circle, and hem the edge with a narrow double fold.",
]


def test_an_article_only_its_json_ld_carries_beats_a_browser_notice() -> None:
    """The page draws its how-to by script; its only text is an out-of-date-browser banner, which trafilatura and
    readability both keep. The banner is furniture, and the how-to's steps come from its schema.org HowTo."""
    steps = [{"@type": "HowToStep", "itemListElement": {"@type": "HowToDirection", "text": f"<p>{text}</p>"}}
             for text in _HOWTO_STEPS]  # fmt: skip
    how_to = {"@context": "http://schema.org/", "@type": "HowTo", "name": "How to sew a round tablecloth",
              "step": steps}  # fmt: skip
    page = (
        "<!DOCTYPE html><html lang='en'><head><title>How to sew a round tablecloth | Homes</title>"
        f"<script type='application/ld+json'>{json.dumps(how_to)}</script></head><body>"
        '<div class="popup-banner hidden" id="update-browser-banner"><p>Your browser is out of date.</p>'
        "<p>Download a newer browser for a better experience: click one of the icons below.</p></div>"
        '<div id="app" data-react-class="HowTo"></div></body></html>'
    )
    text = extract_article(page).text
    assert "browser" not in text
    assert all(step in text for step in _HOWTO_STEPS)


@pytest.mark.parametrize(
    "notice",
    [
        "Your browser is out of date.",
        "Dein Browser ist leider veraltet.",
        "Votre navigateur est obsolète : mettez-le à jour.",
        "Tu navegador está desactualizado.",
        "Lade für ein besseres Erlebnis einen neueren Browser kostenfrei herunter.",
        "You are using an outdated browser. Please upgrade your browser to improve your experience.",
        "Warning: your browser is not supported.",
        "For a better experience, please use a modern browser such as Chrome or Firefox.",
    ],
)
def test_a_notice_to_old_browsers_is_no_text(notice: str) -> None:
    assert clean_lines([notice, *_HOWTO_STEPS], []) == _HOWTO_STEPS


@pytest.mark.parametrize(
    "sentence",
    [
        "Security researchers say that if your browser is out of date, a single malicious advert can take over it.",
        "To update your browser, open Chrome's settings, click About Chrome and let it download the fix.",
        "Experts agree: your browser is outdated if it has not updated itself in a month.",
        "For online banking, please use a different browser than the one you use for email, police said.",
    ],
)
def test_an_article_s_sentence_about_old_browsers_stays(sentence: str) -> None:
    assert clean_lines([sentence], []) == [sentence]


def _how_to_page(title: str, how_to_name: str, shown_steps: list[str]) -> str:
    steps = [{"@type": "HowToStep", "text": step} for step in _HOWTO_STEPS]
    how_to = {"@context": "https://schema.org", "@type": "HowTo", "name": how_to_name, "step": steps}
    body = "".join(f"<p>{line}</p>" for line in [_COUNCIL, *shown_steps])
    script = f"<script type='application/ld+json'>{json.dumps(how_to)}</script>"
    return f"<!DOCTYPE html><html><head><title>{title}</title>{script}</head><body><article><h1>{title}</h1>{body}"


_COUNCIL = "The council met on Tuesday evening to debate next year's budget for the city's schools and its parks."


@pytest.mark.parametrize(
    ("title", "name"),
    [("Council passes the budget", "How to subscribe to our newsletter"), ("How to make pancakes", "How to subscribe")],
)
def test_a_how_to_the_title_does_not_name_is_not_the_page_s(title: str, name: str) -> None:
    """A site's template may carry a HowTo about something else ("How to subscribe to our newsletter")."""
    page = _how_to_page(title, name, [])
    assert not any(step in extract_article(page).text for step in _HOWTO_STEPS)


def test_steps_the_text_holds_are_not_added_again() -> None:
    page = _how_to_page("How to sew a round tablecloth", "How to sew a round tablecloth", _HOWTO_STEPS[:1])
    text = extract_article(page).text
    assert all(text.count(step) == 1 for step in _HOWTO_STEPS)


@pytest.mark.parametrize("title", ["How to sew a round tablecloth (4 steps)", "How to sew round tablecloths"])
def test_a_how_to_named_nearly_as_the_title_is_the_page_s(title: str) -> None:
    page = _how_to_page(title, "How to sew a round tablecloth", [])
    assert all(step in extract_article(page).text for step in _HOWTO_STEPS)


def test_an_ingredient_the_story_mentions_in_passing_is_still_listed() -> None:
    recipe = {"@context": "https://schema.org", "@type": "Recipe", "name": "Lemon cake",
              "recipeIngredient": ["2 cups flour", "1 cup sugar", "3 eggs", "salt", "1 lemon"]}  # fmt: skip
    story = "My grandmother never measured the salt, and she baked this cake every Sunday for forty years."
    script = f"<script type='application/ld+json'>{json.dumps(recipe)}</script>"
    page = f"<html><head><title>Lemon cake</title>{script}</head><body><article><h1>Lemon cake</h1><p>{story}</p>"
    assert "- salt" in extract_article(page + "</article></body></html>").paragraphs


_WRAPPED = [
    "The council approved the plan for new bike lanes on Monday, and the vote was\n"
    "unanimous after a long debate about parking on the main roads of the old town.",
    "Residents had asked for safer streets for almost a decade, according to a survey\n"
    "published by the local newspaper last year, and shop owners feared for their trade.",
    "The plan also includes wider pavements and forty new crossings near schools.<br>Critics say\n"
    "the budget of twelve million euros is far too small for such an ambitious project.",
]


def test_a_line_wrap_in_the_source_of_a_paragraph_with_a_line_break_is_no_paragraph_end() -> None:
    # trafilatura keeps a paragraph's source wraps where the paragraph holds a <br>: only the <br> ends a line
    html = f"""<html><body><article><h1>Bike lanes</h1><p><strong>1. The plan</strong><br>{_WRAPPED[0]}</p>
    <p>{_WRAPPED[1]}</p><p>{_WRAPPED[2]}</p></article></body></html>"""
    lines = [" ".join(text.split()) for text in "<br>".join(_WRAPPED).split("<br>")]
    assert extract_article(html, None).paragraphs == ["1. The plan", *lines]


@pytest.mark.parametrize("block", ["<pre><code>{}</code></pre>", "<pre>{}</pre>"])  # a bare <pre> is code too
def test_code_keeps_its_lines(block: str) -> None:
    # a paragraph with a <br> (_WRAPPED[2]) makes trafilatura keep the page's source wraps, joined outside code
    code = block.format("total = sum(items)\n  print(total)")
    html = f"<html><body><article><h1>Sums</h1><p>{' '.join(_WRAPPED[:2])}</p><p>{_WRAPPED[2]}</p>{code}</article>"
    assert extract_article(f"{html}</body></html>", None).paragraphs[-2:] == ["total = sum(items)", "print(total)"]


_LINKED = ("The teams were in the news again on Monday, as the league decided {} in Pittsburgh from a late kickoff to "
           "an early start, the second change of the season.")  # fmt: skip


@pytest.mark.parametrize(
    "wrapper",
    ['<span class="link">{}</span>', '<span class="text-bottom">{}</span>', '<span style="border:0">{}</span>'],
)
def test_words_of_a_link_inside_a_sentence_stay_in_the_text(wrapper: str) -> None:
    # trafilatura's precision mode prunes such wrappers as page chrome, words and all
    link = wrapper.format("<a href='/flex'>to move the teams' rematch</a>")
    html = f"""<html><body><article><h1>The rematch</h1><p>{" ".join(_WRAPPED[:2])}</p>
    <p>{_LINKED.format(link)}</p><p>{_WRAPPED[1]}</p></article></body></html>"""
    assert _LINKED.format("to move the teams' rematch") in extract_article(html, None).paragraphs


def test_a_link_wrapper_standing_alone_in_its_paragraph_is_still_pruned() -> None:
    html = f"""<html><body><article><h1>The rematch</h1><p>{" ".join(_WRAPPED[:2])}</p>
    <p>Also: <span class="link"><a href="/deals">See our Black Friday coverage</a></span></p><p>{_WRAPPED[1]}</p>
    </article></body></html>"""
    assert "Black Friday" not in extract_article(html, None).text


@pytest.mark.parametrize(
    "notice",
    [
        "A você que chegou até aqui, agradecemos muito por valorizar nosso conteúdo. Ao contrário da mídia "
        "corporativa, o Jornal 99 e a TV 99 se financiam por meio da sua própria comunidade de leitores e "
        "telespectadores. Você pode apoiar a TV 99 e o site Jornal 99 de diversas formas. Veja como.",
        "Assine o 99, apoie por Pix, inscreva-se na TV 99 e assista:",
        "This shop has been compensated by #SomeAgency and its advertiser. All opinions are mine alone. #Summer #ad",
        "Hinweis: Die folgenden Bilder und Texte unterliegen einem voll-Copyright und dürfen nicht kopiert werden! "
        "Ausnahmen nur mit persönlicher Erlaubnis!",
    ],
)
def test_a_publisher_s_notice_leaves_the_text(notice: str) -> None:
    assert clean_lines([notice, _COUNCIL], []) == [_COUNCIL]


@pytest.mark.parametrize(
    "prose",
    [
        "Ao contrário da mídia corporativa, o jornal se financia com anúncios do governo, segundo o relatório.",
        "The images in the exhibition are subject to a long dispute over copyright between the two museums.",
        "Critics said that all opinions are welcome at the hearing, but only residents may speak.",
    ],
)
def test_prose_about_funding_copyright_or_opinions_stays(prose: str) -> None:
    assert clean_lines([prose, _COUNCIL], []) == [prose, _COUNCIL]


def test_a_credited_caption_beside_a_picture_in_a_box_named_for_it_leaves_the_text() -> None:
    caption = "Decision: while the visitors' captain turns away, the hosts celebrate their second goal."
    box = f'<div class="image"><img src="/a.jpg"><div><p>{caption}<br>Foto: City-Press</p></div></div>'
    steps = '<div class="img-wrap"><img src="/b.jpg"><p>Tighten the valve by hand so that it sits well.</p></div>'
    html = f"<html><body><article><h1>Semi-final</h1>{box}<p>{_COUNCIL}</p>{steps}<p>{_WRAPPED[1]}</p></article>"
    text = extract_article(f"{html}</body></html>", None).text
    assert caption not in text and "City-Press" not in text
    assert "Tighten the valve" in text  # a box beside its picture without a credit: a tutorial's step stays


_STANDFIRST = "Cycling has overtaken driving in the centre of the city for the first time, a survey of commuters shows."
_LONG_QUESTION = "Why did the council wait so long to build protected lanes on the busiest streets of the city centre?"


def test_a_standfirst_set_in_a_heading_is_prose_but_a_question_stays_a_heading() -> None:
    body = "".join(f"<p>{line}</p>" for line in _WRAPPED)
    html = f'<html><body><article><h1>Cycling overtakes driving</h1><h2 class="standfirst">{_STANDFIRST}</h2>'
    html += f"<p>{_COUNCIL}</p>"
    html += f"<h2>{_LONG_QUESTION}</h2>{body}</article></body></html>"
    article = extract_article(html, None)
    assert article.headings == [_LONG_QUESTION]


def test_a_lead_beside_a_picture_with_a_credit_inside_its_sentence_stays() -> None:
    lead = "The council approved the budget on Monday (photo: council press office) after three weeks of debate."
    caption = "The mayor speaks to reporters outside city hall after the vote on Monday. Photo: John Smith"
    boxes = f'<div class="image"><img src="/a.jpg"><p>{lead}</p></div><p>{_COUNCIL}</p>'
    boxes += f'<div class="image"><img src="/b.jpg"><p>{caption}</p></div>'
    html = f"<html><body><article><h1>Budget</h1>{boxes}<p>{_WRAPPED[0]}</p><p>{_WRAPPED[1]}</p></article>"
    text = extract_article(f"{html}</body></html>", None).text
    assert lead in text and "John Smith" not in text
