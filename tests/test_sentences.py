"""Sentence splitting on the kinds of text news pages give us."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pipeline.sentences import headings, leans_on_context, quotation_fragments, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith met Dr. Jones at 3.5 p.m. on Jan. 5 in St. Louis. They talked for an hour.",
            ["Mr. Smith met Dr. Jones at 3.5 p.m. on Jan. 5 in St. Louis.", "They talked for an hour."],
        ),
        (
            "The U.S. economy grew 2.5% last year. Growth in the U.K. was slower.",
            ["The U.S. economy grew 2.5% last year.", "Growth in the U.K. was slower."],
        ),
        (
            "Most of the money went to the U.S. The rest stayed in Europe.",
            ["Most of the money went to the U.S.", "The rest stayed in Europe."],
        ),
        (
            "Some fruits, e.g. apples, keep for months. Others rot in days.",
            ["Some fruits, e.g. apples, keep for months.", "Others rot in days."],
        ),
        (
            'He paused. "We will rebuild it," she said. Was it true? Nobody knew!',
            ["He paused.", '"We will rebuild it," she said.', "Was it true?", "Nobody knew!"],
        ),
        (
            "J. K. Rowling lives in Edinburgh. See No. 10 for details. The answer was no. Then he left.",
            ["J. K. Rowling lives in Edinburgh.", "See No. 10 for details.", "The answer was no.", "Then he left."],
        ),
        (
            "Shares of Apple Inc. rose. The company said so. Visit example.com for more. Done.",
            ["Shares of Apple Inc. rose.", "The company said so.", "Visit example.com for more.", "Done."],
        ),
        (
            "The senate paid tribute to the Rt. Hon. Benjamin Nzeribe and the Rev. Msgr. Ugo Obi. Then it rose.",
            ["The senate paid tribute to the Rt. Hon. Benjamin Nzeribe and the Rev. Msgr. Ugo Obi.", "Then it rose."],
        ),
        (
            "VW says that while the ID. SPACE VIZZION may stay a concept, the ID. BUZZ is on sale. It has 9 seats.",
            [
                "VW says that while the ID. SPACE VIZZION may stay a concept, the ID. BUZZ is on sale.",
                "It has 9 seats.",
            ],
        ),
        (
            "Volkswagen unveiled the ID. BUZZ at the show. The VW ID. GTI is fast.",
            ["Volkswagen unveiled the ID. BUZZ at the show.", "The VW ID. GTI is fast."],
        ),
        (
            "He left the EU. THE END came soon after.",
            ["He left the EU.", "THE END came soon after."],
        ),
        (
            "The company moved its headquarters to the US. IBM shares fell 3 per cent on the news.",
            ["The company moved its headquarters to the US.", "IBM shares fell 3 per cent on the news."],
        ),
        (
            "She spent ten years at the FBI. CIA officials said nothing. The talks were at the UN. NATO ministers met.",
            [
                "She spent ten years at the FBI.",
                "CIA officials said nothing.",
                "The talks were at the UN.",
                "NATO ministers met.",
            ],
        ),
        ("It was made by AMD. AMD shares rose.", ["It was made by AMD.", "AMD shares rose."]),
        ("She moved to NYC. NYC rents are high.", ["She moved to NYC.", "NYC rents are high."]),
        ("It aired on ITV. ITV said it was proud.", ["It aired on ITV.", "ITV said it was proud."]),
        ("The firm is based in LA. NBC reported it.", ["The firm is based in LA.", "NBC reported it."]),
        ("They paid in USD. EUR rates fell.", ["They paid in USD.", "EUR rates fell."]),
        ("They met in DC. GBP rates fell.", ["They met in DC.", "GBP rates fell."]),
    ],
)
def test_english_news_text(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_paragraph_breaks_always_end_a_sentence() -> None:
    text = "Breaking news without a full stop\n\nThe mayor resigned on Monday. She gave no reason\n\nMore later"
    assert split_sentences(text) == [
        "Breaking news without a full stop",
        "The mayor resigned on Monday.",
        "She gave no reason",
        "More later",
    ]


def test_hard_wrapped_lines_are_joined_but_headings_are_not() -> None:
    text = "Markets\nStocks fell sharply\non Monday after the report. Bonds rose."
    assert split_sentences(text) == ["Markets", "Stocks fell sharply on Monday after the report.", "Bonds rose."]


def test_scraped_dailymail_byline_debris_splits_into_pieces() -> None:
    text = "By . Jill Reilly . PUBLISHED: . 08:06 EST, 5 November 2012 . A tabloid has made a claim."
    sentences = split_sentences(text)
    assert sentences[-1] == "A tabloid has made a claim."
    assert sentences[0] == "By ."


def test_german_abbreviations_and_dates() -> None:
    text = "Am 3. Mai kam Dr. Weber z.B. nach Berlin. Die Stadt war voll. Sie sagte: „Ja.“ Dann ging sie."
    assert split_sentences(text, "de") == [
        "Am 3. Mai kam Dr. Weber z.B. nach Berlin.",
        "Die Stadt war voll.",
        "Sie sagte: „Ja.“",
        "Dann ging sie.",
    ]


def test_french_guillemets_and_titles() -> None:
    text = "Le président a parlé à M. Dupont. Il a répondu « Non. » Puis il est parti."
    assert split_sentences(text, "fr") == [
        "Le président a parlé à M. Dupont.",
        "Il a répondu « Non. »",
        "Puis il est parti.",
    ]


def test_spanish_inverted_marks() -> None:
    text = "¿Quién ganó el partido? ¡Nadie lo sabe! El árbitro se fue."
    assert split_sentences(text, "es") == ["¿Quién ganó el partido?", "¡Nadie lo sabe!", "El árbitro se fue."]


def test_cjk_punctuation_needs_no_space() -> None:
    assert split_sentences("今天天气很好。我们去公园吧！「你同意吗？」好的。") == [
        "今天天气很好。",
        "我们去公园吧！",
        "「你同意吗？」",
        "好的。",
    ]
    assert split_sentences("東京は晴れです。明日は雨でしょう。") == ["東京は晴れです。", "明日は雨でしょう。"]


def test_whitespace_is_normalised_and_empty_text_gives_nothing() -> None:
    assert split_sentences("  One   sentence\there.  ") == ["One sentence here."]
    assert split_sentences("") == []
    assert split_sentences("\n\n  \n") == []


@pytest.mark.parametrize(
    ("sentence", "leans"),
    [
        ("This is why the plan failed.", True),
        ("But the council disagreed.", True),
        ('"It was a disaster," he said.', True),
        ("and then it rained.", True),
        ("Aber der Rat war dagegen.", True),
        ("Mais le conseil a refusé.", True),
        ("The council voted against the plan.", False),
        ("Who moves discoveries from individuals to teams?", False),
        ("Die Stadt war voll.", False),
        ("Dafür bekam die Stadt zwei Millionen Euro vom Land.", True),
        ("Sin embargo, el consejo votó en contra.", True),
        ("Por eso el alcalde dimitió.", True),
        ("Before this, the council had never closed a bridge.", True),
        ("At first, nobody noticed the cracks.", True),
        ("Toutefois, le conseil a refusé.", True),
        ("No entanto, a câmara votou contra.", True),
        ("Before the vote, the council heard the engineers.", False),
        ("In addition to its order of 30 jets, the airline bought 50 more.", False),
        ("As a result of the storm, the bridge stayed closed.", False),
        ("De plus en plus de familles quittent la ville.", False),
        ("Porto Alegre fechou a ponte na terça-feira.", False),
        ("At the same time, the council raised fares.", True),
        ("In turn, the council raised fares.", True),
        ("Ainsi, le conseil a refusé.", True),
        ("At first glance, the plan looks cheap.", False),
        ("At first sight the bridge looked sound.", False),
        ("In turn-based games, players take turns.", False),
        ("At the same time as the strike, the council raised fares.", False),
        ("Alors que le gouvernement hésite, les maires agissent.", False),
        ("Ainsi va la vie dans les petites communes du Jura.", False),
        ("Enfin libre, le journaliste est rentré à Paris.", False),
        ("At first the company refused to pay.", True),
        ("In turn the council asked for a second vote.", True),
        ("At the same time the company cut 300 jobs.", True),
        ("Ainsi le gouvernement a renoncé à la réforme.", True),
        ("Enfin le ministre a parlé.", True),
        ("Alors le maire a démissionné.", True),
        ("Alors qu'il pleuvait, les maires agissaient.", False),
        ("Alors qu’il pleuvait, les maires agissaient.", False),
        ("At first light the troops moved in.", False),
        ("At first blush the plan looks cheap.", False),
        ("At first hand, the reporter saw the damage.", False),
        ("Ainsi que l'a annoncé le ministre, la réforme est reportée.", False),
        ("Ainsi qu’il l’avait promis, le maire a démissionné.", False),
        # pronominal adverbs, the whole of what was said, its follower, answers, "another"
        ("Dahinter sitzt ein Mann mit Hut.", True),
        ("Darüber hinaus fehlt das Geld.", True),
        ("Das Ganze kostet deshalb mehr.", True),
        ("Das ganze Land trauert um den Altkanzler.", False),
        ("The former said he was innocent.", True),
        ("The latter, however, refused to pay.", True),
        ("The former president was charged on Tuesday.", False),
        ("The latter half of the season starts in May.", False),
        ("Gefolgt vom Team aus Bayern.", True),
        ("Ja, der Gefrierpunkt liegt tiefer.", True),
        ("Nein, denn das Wasser ist salzig.", True),
        ("Yes, the council agreed.", True),
        ("Another wondered whether it was true.", True),
        ("Another storm hit the coast on Tuesday.", False),
        ("Damit die Kinder sicher sind, baut die Stadt Ampeln.", False),
        ("Darmstadt gewann das Spiel.", False),
        ("No one knows why the bridge fell.", False),
        ("Nonprofit groups sued the city.", False),
    ],
)
def test_leans_on_context(sentence: str, leans: bool) -> None:
    assert leans_on_context(sentence) is leans


_PIECES = st.sampled_from(
    [
        "Mr.",
        "Dr.",
        "U.S.",
        "e.g.",
        "3.5",
        "No.",
        "Inc.",
        "The",
        "he",
        "said",
        "«",
        "»",
        "“",
        "”",
        '"',
        "'",
        "(",
        ")",
        ".",
        "!",
        "?",
        "...",
        "。",
        "今天",
        "Ja.",
        "\n",
        "\n\n",
        " ",
        "word",
        "Word",
        "1.",
        "x",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=60).map(" ".join))
def test_splitting_loses_and_invents_no_text(text: str) -> None:
    sentences = split_sentences(text)
    assert all(s and s == s.strip() for s in sentences)
    assert "".join("".join(sentences).split()) == "".join(text.split())


def test_headings_are_short_lines_without_a_full_stop_and_lone_short_questions() -> None:
    text = "\n\n".join([
        "What the council decided",
        "The council voted on Tuesday to close the bridge. Repairs will take six months.",
        "Why now?",
        "Engineers found cracks in two supports during the spring inspection, the report said.",
        "Will the bridge ever reopen?",
    ])  # fmt: skip
    # the last question ends the article: a closing question, not a subheading
    assert headings(text) == {"What the council decided", "Why now?"}


def test_sentences_inside_a_quotation_running_over_several_are_fragments() -> None:
    text = "\n\n".join([
        '"Fares have not gone up in years. The city cannot keep subsidising cars. We will put every penny into'
        ' buses," the mayor said. Shop owners disagree.',
        "Sie sagte: „Ja. Das geht.“ Dann ging sie. Le maire a dit « Non. » Puis il est parti.",
        'The 6.1" screen is bright. "It is the best phone we have made," he said. He called it "a gem" and left.',
        'ever seen," she said. Nobody expected it.',  # a quotation opened in the paragraph before
    ])  # fmt: skip
    assert quotation_fragments(text) == {
        '"Fares have not gone up in years.',
        "The city cannot keep subsidising cars.",
        'We will put every penny into buses," the mayor said.',
        "Sie sagte: „Ja.",
        "Das geht.“",
        'ever seen," she said.',
    }


def test_a_straight_mark_after_a_digit_closes_an_open_quotation() -> None:
    text = 'Voters will decide on "Measure 12" in November. The measure would raise the sales tax by half a cent.'
    assert quotation_fragments(text) == frozenset()
    assert quotation_fragments('The 6.1" screen is bright. It sells for 799 dollars.') == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        '"The 13" model is the one to buy," the reviewer said. Apple sells it in stores.',
        '"He is 6\'4" and fast," the coach said. The team won.',
        'Voters will decide on "Measure 12" in November. "It passed," she said.',
    ],
)
def test_a_straight_mark_after_a_digit_inside_a_quotation_is_an_inch_mark_when_a_later_one_closes(text: str) -> None:
    assert quotation_fragments(text) == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        '“The 13" model is the one to buy,” the reviewer said. Apple sells it in stores.',
        '“I bought the 65" TV,” she said.',
        '«Le modèle 13" est le meilleur», dit-il.',
        '„Das 13" Modell ist gut“, sagte er.',
    ],
)
def test_a_straight_mark_after_a_digit_never_closes_a_curly_or_guillemet_quotation(text: str) -> None:
    assert quotation_fragments(text) == frozenset()


def test_german_abbreviations_of_spaced_letters_and_compounds_do_not_end_a_sentence() -> None:
    text = (
        "Das gilt z. B. für Kinder. Und d. h. auch. Der Verein e. V. lud ein. Univ.-Prof. Huber sprach. "
        "LHStv. Maier und LH a. D. Pröll kamen. Maria geb. Huber kam evtl. Montag. Er war evt. Sieger."
    )
    assert split_sentences(text, "de") == [
        "Das gilt z. B. für Kinder.",
        "Und d. h. auch.",
        "Der Verein e. V. lud ein.",
        "Univ.-Prof. Huber sprach.",
        "LHStv. Maier und LH a. D. Pröll kamen.",
        "Maria geb. Huber kam evtl. Montag.",
        "Er war evt. Sieger.",
    ]
    # a lone lower-case letter before a sentence's usual opener ends it, and outside German texts anywhere
    assert split_sentences("Er bekam die Note b. Die anderen fielen durch.", "de") == [
        "Er bekam die Note b.",
        "Die anderen fielen durch.",
    ]
    assert split_sentences("He got a grade of b. The rest failed.", "en") == [
        "He got a grade of b.",
        "The rest failed.",
    ]


def test_german_ordinals_before_a_noun_do_not_end_a_sentence_but_numbers_before_an_opener_do() -> None:
    text = (
        "Die Kirche stammt vom Ende des 19. Jahrhunderts. Am 2. Spieltag verlor das Team. "
        "Er wurde 19. Danach zog er weg. Sie kam 2019. Bauarbeiten folgten."
    )
    assert split_sentences(text, "de") == [
        "Die Kirche stammt vom Ende des 19. Jahrhunderts.",
        "Am 2. Spieltag verlor das Team.",
        "Er wurde 19.",
        "Danach zog er weg.",
        "Sie kam 2019.",
        "Bauarbeiten folgten.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Der Junge ist 10. Seine Mutter arbeitet in Berlin.",
        "Die Inflation lag im Mai bei 7. Experten rechnen mit einem Rückgang.",
        "Die Mannschaft gewann mit 3 zu 2. Trainer Müller lobte die Abwehr.",
        "Sie belegte Rang 4. Siegerin wurde Anna Berger aus Wien.",
        "Es ist ein Gericht, das er nicht mag. Seine Frau kocht es trotzdem.",
    ],
)
def test_a_german_number_or_word_not_read_as_ordinal_or_abbreviation_ends_a_sentence(text: str) -> None:
    assert len(split_sentences(text, "de")) == 2


def test_german_ordinals_follow_an_article_and_abbreviations_that_are_words_are_capitalised() -> None:
    text = "Mag. Huber kam zum 3. Mal. Vom 1. bis 3. Mai war Markt. Er kam am 19. Danach ging er."
    assert split_sentences(text, "de") == [
        "Mag. Huber kam zum 3. Mal.",
        "Vom 1. bis 3. Mai war Markt.",
        "Er kam am 19.",
        "Danach ging er.",
    ]


def test_a_german_pointing_adverb_is_a_name_in_other_languages() -> None:
    assert leans_on_context("Darin liegt das Problem.", "de") is True
    assert leans_on_context("Darin Erstad was named head coach on Monday.", "en") is False
    assert leans_on_context("Davon Kimble scored twice.", "en") is False


def test_a_word_pointing_back_in_one_language_is_an_article_in_another() -> None:
    assert leans_on_context("Il consiglio ha votato contro il piano.", "it") is False
    assert leans_on_context("Il a refusé le plan du conseil.", "fr") is True
    assert leans_on_context("O governo votou contra o plano.", "pt") is False
    assert leans_on_context("O el consejo vota, o el alcalde dimite.", "es") is True
