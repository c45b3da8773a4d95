"""Key quotes: verbatim, self-standing, strong, and never a repeat of the summary."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import Article
from bot.pipeline.extract import extract_article
from bot.pipeline.quotes import pick_quotes, verbatim_only
from bot.pipeline.sentences import leans_on_context
from bot.pipeline.summarize import summarize


def _unwrap(text: str) -> str:
    """Source lines are wrapped to fit the editor; blank lines are the article's paragraph breaks."""
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text).strip()


TEXT = _unwrap(
    """\
Individual productivity gains from AI do not automatically become organizational gains. That is the
argument Ethan Mollick makes in a new essay on how companies adopt the technology.

Mollick surveyed 1,200 managers at 40 large companies over the past year. Only 32% of them said
their teams had changed how they work because of AI tools. It is a gap that most executives have not
noticed.

“The biggest mistake is treating AI as software you install rather than a skill your people
practice,” Mollick said in an interview. He added that the tools change too quickly for annual
training plans.

Are people using AI, or is the organization learning from it? Who moves discoveries from individuals
to teams to organizational capabilities? These are the questions leaders should be asking, Mollick
argues.

But the answer is not more licences. Companies that set up small internal labs saw adoption rise
three times faster than those that bought enterprise seats for everyone. The labs will need budgets
and the freedom to fail, he wrote.

Subscribe to our newsletter for more stories like this. Share this article.

The essay ends with a practical test for any team. What changed because we spent those tokens?
"""
)

PULL_QUOTE = "Only 32% of them said their teams had changed how they work because of AI tools."


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _article(**extra: object) -> Article:
    return Article(title="Why individual AI use doesn't lead to organizational learning", text=TEXT, **extra)


def test_quotes_are_verbatim_standalone_and_sized() -> None:
    article = _article()
    quotes = pick_quotes(article, summarize(article))
    assert 3 <= len(quotes) <= 5
    for quote in quotes:
        assert _normalised(quote) in _normalised(article.text)
        assert 6 <= len(quote.split()) <= 40
        assert not leans_on_context(quote)
        assert not re.search(r"subscribe|share this", quote, re.IGNORECASE)
    assert len(set(quotes)) == len(quotes)


def test_quotes_do_not_repeat_the_summary() -> None:
    article = _article()
    summary = summarize(article)
    quotes = pick_quotes(article, summary)
    assert not set(quotes) & set(summary)
    # A sentence that is the summary's first line reworded only slightly is a repeat too.
    reworded = ["Individual productivity gains from AI do not automatically become organizational gains at all."]
    assert all("productivity gains" not in q for q in pick_quotes(article, reworded))


def test_strong_lines_are_preferred_and_quotes_keep_article_order() -> None:
    article = _article()
    quotes = pick_quotes(article, [])
    text = _normalised(article.text)
    assert any(q.startswith("“The biggest mistake") for q in quotes)  # direct speech with a superlative
    assert any(q.endswith("?") for q in quotes)  # a question
    assert [text.find(q) for q in quotes] == sorted(text.find(q) for q in quotes)


def test_verbatim_pull_quotes_come_first_and_invented_ones_are_ignored() -> None:
    invented = "AI will replace every manager within five years, according to the essay."
    article = _article(pull_quotes=[f"  “{PULL_QUOTE}”  ", invented])
    quotes = pick_quotes(article, [], limit=3)
    assert PULL_QUOTE in quotes
    assert invented not in quotes
    assert len(quotes) <= 3


def test_short_text_gives_fewer_quotes_rather_than_weak_ones() -> None:
    short = Article(text="The library opens at nine on weekdays. It closes at six. Entry is free for residents.")
    assert pick_quotes(short, summarize(short)) == []
    flat = Article(text=" ".join(f"The room number {i} has a table and some chairs in it today." for i in range(12)))
    assert len(pick_quotes(flat, [])) <= 3


def test_verbatim_only_returns_the_articles_own_spelling() -> None:
    text = _normalised(TEXT)
    proposed = [
        '"The biggest mistake is treating AI as software you install rather than a skill your people practice,"'
        " Mollick said in an interview.",  # straight quotes where the article has curly ones
        "Mollick surveyed   1,200 managers\nat 40 large companies over the past year.",
        "Mollick surveyed 1,200 managers at 40 large companies over the past year.",  # duplicate
        "Companies that set up labs saw adoption rise faster than anyone expected.",  # not in the text
        "It is a gap that most executives have not noticed.",  # dangling start
        "Share this article.",  # too short, furniture
    ]
    checked = verbatim_only(proposed, TEXT)
    assert checked == [
        "“The biggest mistake is treating AI as software you install rather than a skill your people practice,”"
        " Mollick said in an interview.",
        "Mollick surveyed 1,200 managers at 40 large companies over the past year.",
    ]
    assert all(q in text for q in checked)
    assert verbatim_only([], TEXT) == []


def test_non_english_quotes_skip_dangling_openers() -> None:
    text = (
        "Der Stadtrat hat die alte Rheinbrücke nach der Entdeckung tiefer Risse für mindestens sechs Monate gesperrt. "
        "Aber viele Pendler sind über die Entscheidung des Rates sehr verärgert und fordern eine Lösung. "
        "Über die Brücke fahren jeden Tag rund 40.000 Autos zwischen den beiden Stadtteilen. "
        "„Wir werden die Brücke so schnell wie möglich wieder öffnen“, sagte die Oberbürgermeisterin. "
        "Er fügte hinzu, dass die Reparatur mindestens zwei Millionen Euro kosten werde. "
        "Die Stadt will bis zum Sommer entscheiden, ob eine Reparatur günstiger ist als ein Neubau. "
        "Im nächsten Monat ist eine Bürgerversammlung zur Zukunft der Brücke im Rathaus geplant. "
        "Die Busse sollen bis dahin über die Nordbrücke und die Hafenstraße umgeleitet werden."
    )
    article = Article(text=text, language="de")
    quotes = pick_quotes(article, summarize(article))
    assert quotes
    assert not any(q.startswith(("Aber", "Er ")) for q in quotes)


_WORDS = st.sampled_from(
    [
        "The",
        "council",
        "will",
        "close",
        "35%",
        "of",
        "bridges,",
        "“We",
        "never",
        "did,”",
        "he",
        "said.",
        "It",
        "is",
        "the",
        "biggest",
        "cut",
        "ever.",
        "Why?",
        "By",
        ".",
        "Subscribe",
        "now.",
        "\n\n",
        "'Yes,'",
        "she",
        "says.",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_WORDS, min_size=20, max_size=200).map(" ".join))
def test_quotes_on_any_text_are_verbatim_and_sized(text: str) -> None:
    article = Article(text=text)
    quotes = pick_quotes(article, summarize(article))
    assert len(quotes) <= 5
    for quote in quotes:
        assert _normalised(quote) in _normalised(text)
        assert 6 <= len(quote.split()) <= 40
        assert not leans_on_context(quote)


# The spec's dangling openers: pronouns and connectives pointing back. A possessive ("His coach said ...") opens
# a new noun phrase about the article's subject and may stand under the title.
_DANGLING_START = re.compile(r"[\"'“‘«„]?(?:This|That|These|Those|It|He|She|They|But|And|Or|So|However|Also)\b")


def _news_quotes(key: str) -> tuple[Article, list[str], list[str]]:
    from tests.support.articles import article_html

    article = extract_article(article_html(key), f"https://example.com/{key}")
    summary = summarize(article)
    return article, summary, pick_quotes(article, summary)


@pytest.mark.parametrize("key", ["rivers", "drought", "chess"])
def test_ordinary_news_articles_get_three_standalone_quotes(key: str) -> None:
    article, summary, quotes = _news_quotes(key)
    assert 3 <= len(quotes) <= 5
    for quote in quotes:
        assert _normalised(quote) in _normalised(article.text)
        assert 6 <= len(quote.split()) <= 40
        assert not _DANGLING_START.match(quote)
        assert quote not in summary
    assert len(set(quotes)) == len(quotes)


def test_attributed_direct_speech_is_picked() -> None:
    _, _, quotes = _news_quotes("rivers")
    assert any(q.startswith('"We have never measured a drought') and "said Marta Rossi" in q for q in quotes)


def test_quotations_in_the_first_person_stand_alone_but_pronouns_in_them_do_not() -> None:
    assert not leans_on_context('"We have never measured a drought this long," said Marta Rossi.')
    assert leans_on_context("We have never measured a drought this long.")  # outside quotes: who is "we"?
    assert leans_on_context('"It was a disaster," he said.')


def test_fragments_and_listings_are_not_quotes() -> None:
    lines = [
        "Relevant numbers for the season are listed below for every team in the league",  # no end mark
        "Melbourne (3-0): Osas Osaro scored 3 goals and gave 1 assist in the match.",  # a labelled score line
        "Scores were 21 14 7 3 and 28 in the five rounds.",  # mostly figures
    ]
    assert verbatim_only(lines, " ".join(lines)) == []


def test_footnotes_and_references_are_not_quotes() -> None:
    lines = [
        "₈ Fleisch erklärt – Das Übel der Welt, YouTube, 24.01.2019, abgerufen am 21.01.2022 um 10:03 Uhr.",
        "[9] Verein für Landnutzung: Flächenkonkurrenz am Beispiel Fleisch, Stand Oktober 2013, Seite 4.",
        "Knoke, Irene: Flächenkonkurrenz, abrufbar unter https://example.org/flaechen.pdf im Archiv.",
    ]
    assert verbatim_only(lines, "\n\n".join(lines), "de") == []


@pytest.mark.parametrize(
    ("question", "quotable"),
    [
        ("Are people using AI, or is the organization learning from it?", True),
        ("Who moves discoveries from individuals to teams to organizational capabilities?", True),
        ("What makes that pain go away?", False),  # "that pain": something said before it
        ("Why did they leave the company after only two years?", False),  # "they": someone named before
        ("Warum hilft dieses Mittel so vielen Menschen mit Rückenschmerzen?", False),
        ("What now?", False),  # too short to say what it asks about
        ("What made you want to leave the national archive after so many years?", False),  # an interviewer's
        ("What’s it like to be named one of the forty best managers?", False),
        ("Was hat Sie an der Arbeit im Archiv nach so vielen Jahren gestört?", False),
        ("¿Qué le diría usted a un joven que quiere trabajar en un archivo?", False),
        ("Pourquoi avez-vous quitté les archives nationales après tant d'années?", False),
        ("Do we have an oxygen bar in Delhi to breathe some fresh air?", False),  # the writer's own: "we"
        ("Sollten wir die Kinder im Winter noch draußen spielen lassen?", False),
    ],
)
def test_a_question_is_a_quote_only_when_it_stands_on_its_own(question: str, quotable: bool) -> None:
    assert bool(verbatim_only([question], f"{TEXT} {question}")) is quotable


@pytest.mark.parametrize(
    ("question", "language", "quotable"),
    [
        ("Quel est l'avenir du cinéma français après trois années de pandémie et de fermetures ?", "fr", True),
        ("Was hast du an der Arbeit im Archiv nach so vielen Jahren am meisten vermisst?", "de", False),
        ("Pourquoi avez-vous quitté les archives nationales après tant d'années ?", "fr", False),
        ("What made you want to leave the national archive after so many years?", "fr", False),
    ],
)
def test_words_addressing_someone_are_the_articles_languages(question: str, language: str, quotable: bool) -> None:
    assert bool(verbatim_only([question], f"{TEXT} {question}", language)) is quotable
    article = Article(text=f"{TEXT}\n\n{question}", language=language, pull_quotes=[question])
    assert (question in pick_quotes(article, [])) is quotable


def test_a_quote_is_a_whole_sentence() -> None:
    text = (
        "The company reported record sales in the third quarter. Shares rose sharply after the announcement. "
        "“We expect growth to slow …and continue to see strong demand from Asia,” Mayer said. "
        "Investors will hear more about the plans at the annual meeting in May."
    )
    assert verbatim_only(["“We expect growth to slow …and continue to see strong demand from Asia,” Mayer said."],
                         text) == []  # fmt: skip


def test_subheadings_never_become_quotes() -> None:
    text = "\n\n".join([
        "Delhi's air turns toxic every November, and this year the city closed its schools for a week.",
        "Why does Delhi's air get so bad every single year?",
        "Farmers in neighbouring states burn the stubble left after the rice harvest, doctors said.",
        "Winds drop at the same time, so the smoke hangs over the city for weeks, according to the report.",
    ])  # fmt: skip
    assert all("Why does" not in q for q in pick_quotes(Article(text=text), []))


def test_pieces_of_a_quotation_are_neither_summary_nor_quotes() -> None:
    text = "\n\n".join([
        "The mayor on Monday defended a plan to double parking charges in the city centre to pay for new buses.",
        '"Parking charges have not gone up in twelve years. The city cannot keep subsidising cars while bus routes'
        ' are cut every year. We will put every penny of this money into buses," the mayor told the council.',
        "Shop owners in the centre say the plan will drive customers to retail parks where parking is free.",
        "The chamber of commerce said it would challenge the plan in court if it went ahead without consultation.",
        "The council will vote on the plan on 14 January, and the new charges would take effect in April.",
        "Bus use in the city has fallen by a third since 2015, according to figures from the transport authority.",
    ])  # fmt: skip
    article = Article(title="Mayor defends parking plan", text=text)
    summary = summarize(article)
    shown = (
        summary
        + pick_quotes(article, summary)
        + verbatim_only(["The city cannot keep subsidising cars while bus routes are cut every year."], text)
    )
    assert len(summary) == 3
    assert not any(line.startswith(("The city cannot", "We will", '"Parking')) for line in shown)


def test_a_piece_of_a_quotation_is_no_quote_when_its_opening_mark_is_left_off() -> None:
    text = (
        "“Parking charges have not gone up in years, and we will keep them there for the next decade. We will put"
        " every single penny of the new levy into buses and trams,” the mayor said.\n\n"
        "The council votes on the plan on Tuesday."
    )
    opening = "Parking charges have not gone up in years, and we will keep them there for the next decade."
    assert verbatim_only([opening], text) == []
    assert verbatim_only([f"“{opening}"], text) == []


def test_two_quotes_never_give_the_same_figure_on_alike_terms() -> None:
    text = (
        "Wer mit dem Boot fährt, sollte die Regeln für Alkohol kennen. Die Grenzwerte sind streng geregelt.\n\n"
        "Ab einem Wert von 1,1 Promille des Schiffsführers liegt eine Straftat vor, "
        "auch wenn keine absolute Fahruntüchtigkeit mit zusätzlichen Ausfallerscheinungen sichtbar ist.\n\n"
        "Das Wasser schwappt sanft gegen den Bug, und die Sonne steht strahlend am Himmel.\n\n"
        "Ab einem Promillewert von 1,1 liegt eine Straftat vor, die anders geahndet werden kann.\n\n"
        "Die Polizei kontrolliert auf den Seen vor allem an langen Wochenenden im Sommer."
    )
    article = Article(title="Alkohol auf dem Boot", text=text, language="de")
    quotes = pick_quotes(article, [])
    assert sum("1,1" in quote for quote in quotes) == 1


def test_a_heading_of_the_page_is_never_a_quote_or_summary_however_long_its_question() -> None:
    heading = "Warum ist der Flächenverbrauch für Fleisch und andere tierische Lebensmittel so extrem hoch?"
    prose = [
        "Für ein Kilogramm Rindfleisch werden nach Angaben des Umweltbundesamtes rund 27 Quadratmeter Land gebraucht.",
        "Pflanzliche Lebensmittel wachsen direkt auf dem Acker und werden dort geerntet und gegessen.",
        "Tiere dagegen brauchen Futter, Weideland und Ställe, und all das kostet sehr viel mehr Fläche.",
        "Die Weltbevölkerung könnte mit einem Viertel der heute genutzten Fläche satt werden, sagen Forscher.",
        "Mehr als die Hälfte des Flächenbedarfs pro Kopf in Deutschland entfällt auf Fleisch und Wurst.",
        "Der Rest verteilt sich auf Milch, Käse, Eier, Getreide, Obst und Gemüse aus aller Welt.",
    ]
    body = "".join(f"<p>{p}</p>" for p in prose[:3]) + f"<h2>{heading}</h2>" + "".join(f"<p>{p}</p>" for p in prose[3:])
    html = f"<html lang='de'><head><title>Fläche</title></head><body><article><h1>Fläche für Fleisch</h1>{body}"
    article = extract_article(html + "</article></body></html>", "https://example.org/flaeche")
    assert heading in article.text.split("\n\n")  # the page's text keeps it, as the card's reader sees it
    summary = summarize(article)
    assert heading not in summary
    assert heading not in pick_quotes(article, summary)
