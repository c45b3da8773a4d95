"""Key quotes: sentences lifted verbatim from the article that stand on their own and say something strong.

Quotes come back in article order (they read as a thread through the piece). The article's own pull quotes
are preferred when they are verbatim in the text; other sentences must earn their place (numbers, "will",
superlatives, direct speech, questions, closeness to the article's topic), so a short or flat text gives
fewer quotes rather than weak ones. Direct speech with its attribution ("...," said Marta Rossi) is what a
reader picks first, so it ranks right after the pull quotes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from bot.models import Article
from bot.pipeline.sentences import ends_a_sentence, leans_on_context, quotation_fragments
from bot.pipeline.summarize import (
    Terms,
    article_sentences,
    is_boilerplate,
    looks_like_caption,
    repeats,
    sentence_terms,
    similarity,
    strip_dateline,
    word_count,
)

MIN_WORDS = 6
MAX_WORDS = 40
_MIN_STRENGTH = 0.4  # a cue, or a sentence squarely on the article's topic (cosine 0.4 with its vocabulary)
_OVERLAP = 0.5  # term cosine above which a quote repeats a summary sentence or another quote
# How many quotes a text deserves: half its sentences for short texts (the summary takes three of them), then
# 3 for a typical news story of up to 20 sentences, one more for every further 20, up to the limit.
_QUOTES_AT_20 = 3
_SENTENCES_PER_EXTRA_QUOTE = 20
_POSSESSIVE_PENALTY = 0.25  # "His coach said ..." reads fine under the title, but a self-contained line wins

# The cue patterns are searched in the lower-cased sentence: lower-case literals without IGNORECASE make
# Python's re several times faster, and they run on every candidate sentence.
_SUPERLATIVE = re.compile(
    r"\b(?:most|least|best|worst|biggest|largest|greatest|highest|lowest|fastest|strongest|smallest|oldest"
    r"|youngest|longest|richest|poorest|deadliest|first|only|never|ever|record|unprecedented)\b"
)
_CLAIM = re.compile(
    r"\b(?:will|won't|must|cannot|can't|every|always|nobody|everyone|more than|less than|fewer than"
    r"|(?!rather|other)\w+er than|times (?:more|less|faster|slower|higher|lower|bigger|larger|as))\b"
)
_FIGURE = re.compile(
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|twelve|dozens?|hundreds?|thousands?|millions?"
    r"|billions?|trillions?|half|twice|per ?cent)\b"
)
# Speech in double quotes, or (British style) a sentence opening in single quotes: "'We will win,' he said."
_DIRECT_SPEECH = re.compile(r"[\"“«„][^\"”»“]{20,}[\"”»“]|^['‘].{20,}?[,.!?]['’](?=\s|$)")
# Who said it, outside the quotation marks: "..., said Marta Rossi", "..., he told reporters", "According to ...".
_SPEECH_VERB = re.compile(
    r"\b(?:said|says|told|tells|added|adds|asked|asks|wrote|writes|explained|explains|argued|argues|warned|warns"
    r"|insisted|insists|recalled|recalls|noted|notes|replied|according to|sagte|sagt|erklärte|betonte|dit|selon"
    r"|a déclaré|explique|dijo|afirmó|explicó|según)\b"
)
# A possessive opening a new noun phrase ("His coach said ...") leans on the article's subject, not on the
# previous sentence: under the article's title it still reads.
_POSSESSIVE_START = re.compile(r"(?:His|Her|Their) [a-z]")
_FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
_GLUED_QUOTE = re.compile(r"[.!?,]['\"]\w")  # "... recalled.'He had": two sentences run together
_CLOSING_SINGLE = re.compile(r"[.!?,]'$")
_QUOTE_MARKS = "\"'“”‘’«»„ "
# A quotation with words left out ("…and continue to see"): not the whole sentence as it was said or written.
_ELIDED = re.compile(r"(?:…|\.\.\.)\s*[a-zà-ÿ]")
# A question leans on the text around it when it points at something there: a demonstrative ("What makes that
# pain go away?", "Warum hilft dieses Mittel?") or a pronoun as its subject ("Why did they leave?").
_POINTING = re.compile(
    r"\b(?:this|that|these|those|such|diese[rsmn]?|jene[rsmn]?|cet|cette|ces|este|esta|estos|estas|ese|esa|esos"
    r"|esas|questo|questa|questi|queste)\s+[a-zà-ÿ]"
    r"|^\W*(?:[\w'’]+\s+){1,2}(?:it|he|she|they|er|sie|es|il|elle|ils|elles)\b"  # "What's it like ...?"
    # the writer and their readers as its subject ("Do we have an oxygen bar in Delhi?"): the text's own question
    r"|^\W*(?:[\w'’]+\s+){1,2}(?:we|i|wir|ich|nous|je)\b",
    re.IGNORECASE,
)
# A question put to someone ("What made you leave the archive?", "Was haben Sie ...?") is an interviewer's: it
# needs the answer after it. The words for "you" are the article's language's (and English): the French "du" is
# "of the". The German formal "Sie" and "Ihr..." are capitalised inside the sentence.
_ADDRESSEE_WORDS = {
    "en": r"you|your|yours|yourself|yourselves",
    "de": r"du|dich|dir|dein\w*|euch|euer\w*",
    "fr": r"vous|votre|vos|toi|tu",
    "es": r"tú|tu|usted|ustedes|vosotros",
    "pt": r"você|vocês|tu",
    "it": r"voi|vostr\w+|tu",
    "nl": r"jij|jullie",
}
_GERMAN_FORMAL = r"|(?<=\w )(?:Sie|Ihnen|Ihre?[mnrs]?)\b"
_QUESTION_MIN_WORDS = 8
# A footnote or reference: a note's number opening it ("₈ Dinge erklärt ...", "[9] SÜDWIND e.V.; ...") or a link in
# it ("abrufbar unter https://..."), as a source list has. Not a line of the text.
_REFERENCE = re.compile(r"^\W*(?:[\u2070-\u209f¹²³]|\[\d+\])|https?://|\bwww\.")


@dataclass(frozen=True)
class _Quote:
    position: int  # character offset in the normalised text, for article order
    text: str
    terms: Terms
    strength: float


def pick_quotes(article: Article, summary: list[str], limit: int = 5) -> list[str]:
    """Up to `limit` verbatim, self-standing sentences that do not repeat the summary, in article order."""
    text = _normalise(article.text)
    sentences = article_sentences(article)
    cap = _quota(len(sentences), limit)
    if cap <= 0:
        return []
    centroid = Terms.of(Counter(term for s in sentences for term in sentence_terms(s).counts))
    pieces = quotation_fragments(article.text, article.language)
    pulled = _pull_quotes(article.pull_quotes, text, article.language)
    pool = pulled + _sentence_quotes(sentences, pieces, text, centroid, article.language)
    taken = [(s, sentence_terms(s)) for s in summary]
    picked: list[_Quote] = []
    for quote in sorted(pool, key=lambda q: -q.strength):
        if len(picked) == cap or quote.strength < _MIN_STRENGTH:
            break
        if not any(repeats(quote.text, quote.terms, *other, _OVERLAP) for other in taken):
            picked.append(quote)
            taken.append((quote.text, quote.terms))
    return [q.text for q in sorted(picked, key=lambda q: q.position)]


def _quota(sentences: int, limit: int) -> int:
    extra = max(0, sentences - 1) // _SENTENCES_PER_EXTRA_QUOTE
    return min(limit, sentences // 2, _QUOTES_AT_20 + extra)


def verbatim_only(candidates: list[str], text: str, language: str | None = None) -> list[str]:
    """The candidates (e.g. an LLM's proposals) found verbatim in `text` that also make good quotes.

    Matching ignores whitespace and curly-versus-straight quotes and dashes; what comes back is the article's
    own spelling. Duplicates and candidates failing the quote rules (length, dangling start, page furniture,
    a piece of a longer quotation) are dropped.
    """
    normal = _normalise(text)
    folded = normal.translate(_FOLD)
    # Compared without their quote marks: a candidate that drops the opening mark is found without it.
    pieces = {piece.strip(_QUOTE_MARKS) for piece in quotation_fragments(text, language)}
    found: list[str] = []
    for candidate in candidates:
        span = _locate(candidate, normal, folded)
        if span is None or span in found or span.strip(_QUOTE_MARKS) in pieces:
            continue
        if _is_quotable(span, language):
            found.append(span)
    return found


def _pull_quotes(pull_quotes: list[str], text: str, language: str | None) -> list[_Quote]:
    """The article's own pull quotes that are verbatim in its text; they outrank any other sentence."""
    quotes: list[_Quote] = []
    if not pull_quotes:
        return quotes  # folding the whole text is not free
    folded = text.translate(_FOLD)
    for pull_quote in pull_quotes:
        span = _locate(pull_quote, text, folded)
        if span is not None and _is_quotable(span, language):
            quotes.append(_Quote(text.find(span), span, sentence_terms(span), 10.0))
    return quotes


def _sentence_quotes(
    sentences: tuple[str, ...], pieces: frozenset[str], text: str, centroid: Terms, language: str | None
) -> list[_Quote]:
    quotes = []
    cursor = 0  # sentences come in text order, so each search starts where the last one ended
    for raw in sentences:
        sentence = strip_dateline(raw)  # what is left is still verbatim: the tail of the sentence
        position = text.find(sentence, cursor)
        if position < 0:
            continue
        cursor = position + len(sentence)
        if raw not in pieces and _is_quotable(
            sentence, language
        ):  # a piece of a quotation is the speaker's, not a quote
            terms = sentence_terms(sentence)
            quotes.append(_Quote(position, sentence, terms, _strength(sentence) + similarity(terms, centroid)))
    return quotes


def _strength(sentence: str) -> float:
    """Cues of a quotable line: figures, claims, superlatives, direct speech (attributed best), questions.

    Attributed speech outranks a question, which outranks any two of the other cues.
    """
    lower = sentence.lower()
    return (
        0.5 * bool(_FIGURE.search(lower))
        + 0.5 * bool(_CLAIM.search(lower))
        + 0.5 * bool(_SUPERLATIVE.search(lower))
        + _speech(sentence)
        + 1.25 * _is_question(sentence)  # readers pick questions (see the notes' card)
        - _POSSESSIVE_PENALTY * bool(_POSSESSIVE_START.match(sentence))
    )


def _speech(sentence: str) -> float:
    """0.75 for words in quotation marks, 1.75 when the sentence also says who spoke them."""
    if not _DIRECT_SPEECH.search(sentence):
        return 0.0
    attributed = _SPEECH_VERB.search(_DIRECT_SPEECH.sub(" ", sentence).lower())
    return 1.75 if attributed else 0.75


def _is_quotable(sentence: str, language: str | None) -> bool:
    if not _sized(sentence):
        return False
    if is_boilerplate(sentence) or looks_like_caption(sentence) or _REFERENCE.search(sentence):
        return False
    if not ends_a_sentence(sentence) or not _balanced(sentence) or _listing(sentence) or _ELIDED.search(sentence):
        return False
    if _is_question(sentence) and not _stands_alone(sentence, language):
        return False
    return not leans_on_context(sentence, language) or _POSSESSIVE_START.match(sentence) is not None


def _is_question(sentence: str) -> bool:
    return sentence.rstrip(_QUOTE_MARKS).endswith(("?", "？"))


def _stands_alone(question: str, language: str | None) -> bool:
    """A question makes a quote only when a reader needs nothing around it: long enough to say what it asks
    about, pointing at nothing in the text before it, and put to no one whose answer follows it."""
    if len(question.split()) < _QUESTION_MIN_WORDS or _addressed(language).search(question):
        return False
    return not _POINTING.search(question.lstrip(_QUOTE_MARKS))


@lru_cache(maxsize=16)
def _addressed(language: str | None) -> re.Pattern[str]:
    """Words addressing the reader in English and the article's language (in every language when it is unknown)."""
    code = (language or "").lower()[:2]
    languages = ["en", code] if code in _ADDRESSEE_WORDS else list(_ADDRESSEE_WORDS)
    words = "|".join(dict.fromkeys(_ADDRESSEE_WORDS[lang] for lang in languages))
    return re.compile(rf"\b(?i:{words})\b" + (_GERMAN_FORMAL if "de" in languages else ""))


def _listing(sentence: str) -> bool:
    """A labelled or score line ("Melbourne (3-0): Osas Osaro 3 goals, 1 assist."), not prose."""
    tokens = sentence.split()
    labelled = any(token.endswith(":") for token in tokens[:4])  # "Space Coast (0-1): Kairi Thomas 18 points."
    # (a word of letters alone has no digit: the test that skips most tokens at once)
    figures = sum(1 for token in tokens if not token.isalpha() and any(map(str.isdigit, token)))
    return labelled or 3 * figures >= len(tokens)


def _sized(sentence: str) -> bool:
    """6-40 words counted both ways a reader might: word characters, and whitespace-separated tokens."""
    tokens = len(sentence.split())
    words = word_count(sentence)  # counts CJK by characters, where whitespace tokens say nothing
    spaced = tokens >= MIN_WORDS or words > tokens * 2
    return MIN_WORDS <= words <= MAX_WORDS and tokens <= MAX_WORDS and spaced


def _balanced(sentence: str) -> bool:
    """Quotation marks open and close inside the sentence (splitting inside a quotation leaves halves)."""
    folded = sentence.translate(_FOLD)
    if folded.count('"') % 2 or _GLUED_QUOTE.search(folded):
        return False
    if _CLOSING_SINGLE.search(folded) and not folded.startswith("'"):
        return False
    # A sentence opening with a single quote needs its closing one (not an apostrophe inside a word).
    return not folded.startswith("'") or re.search(r"\S'(?!\w)", folded[1:]) is not None


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _locate(candidate: str, normal_text: str, folded_text: str) -> str | None:
    """The article's own span for `candidate`, tolerating whitespace, quote-style and dash differences.

    `folded_text` is `normal_text` through _FOLD: one character for one, so offsets carry over.
    """
    for form in (_normalise(candidate), _normalise(candidate).strip(_QUOTE_MARKS)):
        folded = form.translate(_FOLD)
        start = folded_text.find(folded) if folded else -1
        if start >= 0:
            return normal_text[start : start + len(folded)]
    return None
