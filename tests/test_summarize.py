"""The offline extractive summarizer on realistic article texts."""

from __future__ import annotations

import re

import py3langid
import pytest

from bot.models import Article
from bot.pipeline import summarize as summarize_module
from bot.pipeline.sentences import split_sentences
from bot.pipeline.summarize import is_boilerplate, summarize


def _unwrap(text: str) -> str:
    """Source lines are wrapped to fit the editor; blank lines are the article's paragraph breaks."""
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text).strip()


NEWS = _unwrap(
    """\
By . Jill Reilly . PUBLISHED: . 08:06 EST, 5 November 2012 . | . UPDATED: . 09:38 EST, 5 November
2012 .

The city council voted on Tuesday to close the old Riverside bridge after engineers found deep
cracks in two of its main supports. The bridge carries about 40,000 vehicles a day between the north
and south banks.

Scroll down for video. Engineers said the cracks had grown by more than a centimetre since the last
inspection in March. Mayor Ana Ruiz said the closure would last at least six months while the
council decides whether to repair or replace the bridge.

Commuters reacted with frustration. Traffic on the two other bridges was already heavy before the
closure. The council voted on Tuesday to close the old Riverside bridge after engineers found deep
cracks in two of its supports.

Buses will be rerouted over the Northgate bridge, and the ferry service will run every ten minutes
at peak times. Sign up for our newsletter to get the latest traffic news. We use cookies to give you
the best experience on our website.

A public meeting on the future of the bridge is planned for next month. Residents can also send
comments to the council online.
"""
)

GERMAN = _unwrap(
    """\
Der Stadtrat hat am Dienstag beschlossen, die alte Rheinbrücke wegen tiefer Risse in zwei Pfeilern
zu sperren. Über die Brücke fahren täglich rund 40.000 Autos zwischen den beiden Stadtteilen.

Die Ingenieure stellten fest, dass die Risse seit der letzten Prüfung im März um mehr als einen
Zentimeter gewachsen sind. Oberbürgermeisterin Anna Weber sagte, die Sperrung werde mindestens sechs
Monate dauern.

Viele Pendler reagierten verärgert auf die Entscheidung. Auf den beiden anderen Brücken staut sich
der Verkehr schon jetzt jeden Morgen. Die Busse sollen künftig über die Nordbrücke umgeleitet
werden.

Im nächsten Monat ist eine Bürgerversammlung zur Zukunft der Brücke geplant. Bis dahin will die
Stadt prüfen, ob eine Reparatur günstiger ist als ein Neubau.
"""
)

FRENCH = _unwrap(
    """\
Le conseil municipal a décidé mardi de fermer le vieux pont de la Garonne après la découverte de
fissures profondes dans deux de ses piliers. Le pont accueille chaque jour environ 40 000 véhicules
entre les deux rives.

Selon les ingénieurs, les fissures se sont agrandies de plus d'un centimètre depuis la dernière
inspection en mars. La maire Anne Martin a déclaré que la fermeture durerait au moins six mois.

De nombreux usagers ont exprimé leur colère face à cette décision. La circulation sur les deux
autres ponts était déjà très dense avant la fermeture. Les bus seront détournés par le pont du Nord
pendant les travaux.

Une réunion publique sur l'avenir du pont est prévue le mois prochain. La ville doit encore choisir
entre une réparation et la construction d'un nouveau pont.
"""
)


def _positions(article: Article, summary: list[str]) -> list[int]:
    sentences = split_sentences(article.text)
    return [next(i for i, s in enumerate(sentences) if s.endswith(line)) for line in summary]


def test_news_summary_is_short_ordered_and_clean() -> None:
    article = Article(title="Riverside bridge closed after engineers find cracks", text=NEWS, language="en")
    summary = summarize(article)
    assert 2 <= len(summary) <= 3
    positions = _positions(article, summary)
    assert positions == sorted(positions)
    joined = " ".join(summary).lower()
    for debris in ("published", "updated", "est,", "by .", "scroll down", "newsletter", "cookies", "|"):
        assert debris not in joined
    assert "riverside bridge" in joined  # the lead's point, which the title also names


def test_near_duplicate_sentences_are_not_both_picked() -> None:
    summary = summarize(Article(text=NEWS), max_sentences=4)
    assert len(summary) <= 4
    assert sum("close the old Riverside bridge" in line for line in summary) <= 1
    assert len(set(summary)) == len(summary)


@pytest.mark.parametrize(("text", "language"), [(GERMAN, "de"), (FRENCH, "fr")])
def test_non_english_summary_stays_in_the_article_language(text: str, language: str) -> None:
    article = Article(text=text, language=language)
    summary = summarize(article)
    assert 2 <= len(summary) <= 3
    assert all(line in " ".join(text.split()) for line in summary)
    assert py3langid.classify(" ".join(summary))[0] == language
    positions = _positions(article, summary)
    assert positions == sorted(positions)


def test_max_sentences_is_respected_and_short_texts_give_what_they_have() -> None:
    assert len(summarize(Article(text=NEWS), max_sentences=2)) == 2
    assert len(summarize(Article(text=NEWS), max_sentences=4)) == 4
    one = "The museum reopened on Saturday after a two-year renovation costing 12 million euros."
    assert summarize(Article(text=one)) == [one]
    assert summarize(Article(text="")) == []


def test_short_sentences_still_give_two_when_the_text_has_them() -> None:
    summary = summarize(Article(text="Rain is coming. Stay home today. Roads will flood."))
    assert len(summary) >= 2


def test_wire_dateline_is_trimmed_from_the_lead() -> None:
    text = (
        "Kabul, Afghanistan (CNN) -- Thousands of bottles of alcohol were destroyed in Kabul this week. "
        "The bottles were seized over two years in and around the Afghan capital, police said. "
        "Officials said the alcohol had been smuggled across the border from Pakistan and Iran."
    )
    summary = summarize(Article(text=text))
    assert summary[0].startswith("Thousands of bottles")


@pytest.mark.parametrize("dateline", ["CLEVELAND, Ohio – ", "DUBAI, United Arab Emirates — ", "LONDON -- "])
def test_a_dateline_with_its_region_in_mixed_case_is_trimmed_too(dateline: str) -> None:
    text = (
        f"{dateline}The band will play three concerts in the city this summer, its manager said on Monday. "
        "Tickets for the concerts go on sale on Friday at the box office and online. "
        "The band last toured the region more than ten years ago, before its singer left."
    )
    assert summarize(Article(text=text))[0].startswith("The band will play")


def test_summary_is_deterministic() -> None:
    article = Article(title="Bridge closed", text=NEWS)
    assert summarize(article) == summarize(article)


def test_page_furniture_is_dropped_whatever_its_case() -> None:
    story = [
        "The council voted on Tuesday to close the Riverside bridge after engineers found cracks.",
        "Engineers said the cracks in the Riverside bridge had grown since the last inspection.",
        "Commuters said the closure of the Riverside bridge would add an hour to their trips.",
    ]
    text = " ".join(
        [
            "SUBSCRIBE TODAY for the latest news about the Riverside bridge and the council vote.",
            *story,
            "WE USE COOKIES to improve the Riverside bridge news service for every reader.",
        ]
    )
    assert summarize(Article(title="Riverside bridge closed", text=text), max_sentences=5) == story


@pytest.mark.parametrize(
    ("sentence", "furniture"),
    [
        ("Receba em seu email nosso ebook sobre investimentos, um guia completo e totalmente gratuito.", True),
        ("Inscreva-se na nossa newsletter e receba as principais notícias do dia.", True),
        ("Abonnieren Sie unseren Newsletter und verpassen Sie keine Nachricht aus der Region.", True),
        ("Laden Sie jetzt unser kostenloses E-Book mit allen Tipps herunter.", True),
        ("Inscrivez-vous à notre newsletter pour recevoir les dernières actualités.", True),
        ("Pour télécharger le guide complet, cliquez ici.", True),
        ("Suscríbete a nuestro boletín y recibe las noticias más importantes cada mañana.", True),
        ("Iscriviti alla nostra newsletter per ricevere le notizie ogni settimana.", True),
        ("Schrijf je in voor onze nieuwsbrief en ontvang elke week het laatste nieuws.", True),
        ("Le journal a lancé une newsletter consacrée au climat et à l'énergie.", False),  # about newsletters
        ("Die Zahl der Abonnenten des Newsletters stieg im vergangenen Jahr um ein Drittel.", False),
        ("Los suscriptores del diario crecieron un diez por ciento durante el último año.", False),
        ("Download our free ebook and learn how to read a balance sheet.", True),
        ("Recevez dans votre boîte mail les dernières actualités de la région.", True),
        ("La víctima recibe en su correo un mensaje que suplanta al banco y le pide sus claves.", False),
        ("Amazon ofrece un ebook gratis cada mes a los suscriptores de su servicio Prime.", False),
        ("Die Stadtbibliothek verleiht jedes E-Book kostenlos an alle Einwohner mit Ausweis.", False),
        ("Laut Gericht darf niemand gezwungen werden, unseren Newsletter zu abonnieren, sagte der Anwalt.", False),
        ("Abbonati a Netflix in calo per la prima volta in dieci anni, secondo il rapporto.", False),
        ("“Our ebooks are now borrowed more often than our print books,” the librarian said.", False),
        ("Our ebooks are now borrowed more often than our print books, the librarian said.", False),
        ("Jetzt kostenlos unseren Newsletter abonnieren!", True),
        ("Hier können Sie unseren Newsletter abonnieren.", True),
        ("Pour recevoir notre newsletter, inscrivez-vous ici.", True),
        ("Para recibir nuestro boletín, suscríbete aquí.", True),
        ("Per ricevere la nostra newsletter iscriviti qui.", True),
        ("Kostenloses E-Book: 10 Tipps für bessere Fotos", True),
        ("E-book gratuito: como investir em ações", True),
        ("Quer receber nossa newsletter? Cadastre-se.", True),
        ("Abbonati al Corriere della Sera a 1 euro al mese per il primo anno.", True),
        ("Abbonati ai giornali in calo del 10%.", False),  # subscribers to newspapers, not a prompt
        ("Abbonati ai nostri newsletter e ricevi le notizie ogni mattina.", True),
        ("Recibe en tu correo las últimas noticias de tu ciudad.", True),
        ("To get the latest, download our free ebook.", True),
        ("Get the best of our reporting in our newsletter.", True),
        ('"Our ebooks are now borrowed more often than our print books," the librarian said.', False),
        ('"Our newsletter reached two million readers last year," the publisher said.', False),
        ("Free ebooks are now borrowed more often than print books in the city's libraries.", False),
        ('For more tips, download our free ebook "Ride Safe".', True),
        ('Never miss a story: our newsletter "The Morning" is free.', True),
        ("Want the latest? Get “The Download,” our newsletter, every morning.", True),
        ("Don't miss out — our newsletter brings you what experts said this week.", True),
        ("Our newsletter reached two million readers last year, the publisher said on Tuesday.", False),
        ('"Read our newsletter, it is the best thing we make," said Jane Doe.', False),
    ],
)
def test_sign_up_prompts_are_furniture_in_the_languages_the_bot_sees_most(sentence: str, furniture: bool) -> None:
    assert is_boilerplate(sentence) is furniture


def test_headings_never_enter_the_summary() -> None:
    story = [
        "The city of Delhi closed its primary schools on Friday as smog reached the worst level of the year.",
        "Why Delhi's air pollution gets so bad this time of year",
        "Farmers in the neighbouring states burn the stubble of the rice harvest in the autumn, doctors said.",
        "Why does the smoke stay over the city for so long?",
        "Cold air and weak winds trap the smoke close to the ground for weeks, according to the weather office.",
        "Officials said the schools would stay closed until the air improves and the wind picks up again.",
    ]
    summary = summarize(Article(title="Delhi closes schools as smog thickens", text="\n\n".join(story)))
    assert summary and all(line not in (story[1], story[3]) for line in summary)


def test_a_summary_never_opens_with_a_sentence_leaning_on_one_before_it() -> None:
    # the lead opens with a demonstrative; the sentence after it, which leans on it, scores higher on the topic
    text = (
        "Diese Flaniermeile war einst der Stolz der Stadt.\n\n"
        "Dabei ist das Pflaster der Fußgängerzone in der Stadt erst sechs Jahre alt, "
        "doch das Pflaster der Fußgängerzone bröckelt.\n\n"
        "Die Stadt verklagt nun die Baufirma wegen des Pflasters der Fußgängerzone.\n\n"
        "Ein Gutachter prüft das Pflaster der Fußgängerzone seit dem Sommer."
    )
    article = Article(url="https://example.org/a", title="Pflaster der Fußgängerzone", text=text, language="de")
    summary = summarize(article)
    assert summary and not summary[0].startswith("Dabei")


def test_a_summary_does_not_give_the_same_date_twice_in_other_words() -> None:
    text = (
        "Der Termin für die Angelshow in Rostock steht fest: Am 21. und 22. Mai wird im Park geangelt.\n\n"
        "Nach zwei Verschiebungen wegen der Pandemie gibt es nun endlich einen neuen Termin für die Show.\n\n"
        "Die größte Angelshow des Landes findet am 21. und 22. Mai im Park in Rostock statt.\n\n"
        "Viele Profis zeigen dort, wie sie Hechte und Zander an den Haken bekommen."
    )
    article = Article(url="https://example.org/a", title="Angelshow in Rostock", text=text, language="de")
    summary = summarize(article)
    assert sum("21. und 22. Mai" in sentence for sentence in summary) == 1


def test_an_embedded_post_is_furniture() -> None:
    # a post embedded in the text repeats it, its hashtag glued to its last word or its picture link after it
    assert is_boilerplate("The leader moved that all sittings be suspended until the next day.#TodayInPlenary")
    assert is_boilerplate("The motion passed. pic.twitter.com/abc123")
    assert not is_boilerplate("The party's #1 priority is the budget, the leader said.")


def test_a_summary_takes_whole_sentences_not_a_list_intro_or_a_line_without_its_full_stop() -> None:
    text = (
        "Der Absatz von Heizöl in Deutschland sank von Januar bis November um gut zwei Prozent.\n\n"
        "Der Absatz von Diesel und Benzin blieb dagegen im gleichen Zeitraum fast unverändert.\n\n"
        "Im Einzelnen zeigte sich beim Absatz der wichtigsten Produkte in Deutschland folgende Entwicklung:\n\n"
        "1-1: Der Absatz von Heizöl in Deutschland fiel im November nach dem warmen Herbst stärker als im Oktober "
        "und stärker als im Jahr davor, als die Preise noch niedriger lagen und viele Kunden ihre Tanks füllten"
    )
    summary = summarize(Article(url="https://example.org/a", title="Absatz von Heizöl", text=text, language="de"))
    assert summary and all(sentence.endswith(".") for sentence in summary)


def test_a_short_text_of_fragments_gets_no_summary_of_fragments() -> None:
    article = Article(url="https://example.org/a", title="Agenda", text="(45 mins)\n\nWhat type? Etc. (30 mins)")
    assert summarize(article) == []


def test_a_short_texts_summary_does_not_end_on_the_introduction_of_its_table() -> None:
    text = (
        "Der Absatz von Mineralöl in Deutschland sank von Januar bis November um 2,3 Prozent auf 89 Millionen "
        "Tonnen. Dabei zeigte sich beim Absatz der einzelnen Produkte folgende Entwicklung (in Millionen Tonnen):"
        "\n\nHeizöl 10,1\n\nDiesel 33,2"
    )
    summary = summarize(Article(url="https://example.org/a", title="Mineralöl im November", text=text))
    assert summary and not any(sentence.endswith(":") for sentence in summary)


def test_a_german_pointing_adverb_is_a_style_flaw_only_in_german_text() -> None:
    # "Darin" opens a German sentence that points back; in English it is a name
    assert summarize_module._style_flaws("Darin Erstad hit a home run for the Angels on Sunday.", "en") == 0
    assert summarize_module._style_flaws("Darin liegt das eigentliche Problem der Stadt.", "de") == 1
