"""Offline extractive summaries: lead position + centrality to the article's vocabulary, with MMR redundancy.

Pure Python on purpose (a few ms per article, no model download). Sentences are scored by where they stand
(news puts its point first), how much of the article's main vocabulary (and title) they carry, and a length
prior; the pick is greedy with a redundancy penalty (MMR), then put back in article order. Page debris that
extractors let through (bylines, timestamps, "Scroll down for video", cookie and subscription prompts) is
dropped before scoring.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.models import Article
from bot.pipeline.sentences import (
    ends_a_sentence,
    headings,
    leans_on_context,
    quotation_fragments,
    quotes_first_person,
    split_sentences,
)

_MIN_WORDS = 5
_MIN_FRAGMENT_WORDS = 3  # fewer words are a label or a fragment ("What type?", "Etc."), even in a short text
_MAX_WORDS = 60
MAX_CONSIDERED = 400  # sentences; a summary comes from the body's first pages, and this bounds the work
_NEAR_DUPLICATE = 0.6  # cosine above which a sentence repeats one already picked
# Two sentences giving the same figures ("am 21. und 22. Mai 2022", "1,1 Promille") on much the same terms say the
# same thing in other words: a repeat from this cosine on.
_SAME_FIGURES = 0.4
# Summary and quotes analyse the same article one after the other: per-sentence results are cached so the
# second pass reuses the first's (a few hundred sentences per article; a small cache is enough).
_CACHED_SENTENCES = 2048

# Scoring weights, set on the benchmark's CNN/DailyMail stories but kept few and round so they stay general.
POSITION_WEIGHT = 1.0
CENTRALITY_WEIGHT = 1.0
TITLE_WEIGHT = 0.5
REDUNDANCY_WEIGHT = 0.5
POSITION_DECAY = 0.5
STYLE_PENALTY = 0.5  # per flaw: a question, a photo caption, a start leaning on the previous sentence
IDEAL_WORDS = (12, 32)

# Page furniture, matched narrowly so that articles *about* cookies, subscriptions or JavaScript keep their prose.
# Furniture that opens the sentence (after any emoji, arrow or bullet: "► Follow us on Instagram"): prompts (in the
# languages the bot sees most: "Inscrivez-vous", "Assine já", "Abbonati al Corriere ...", "Recibe en tu correo
# ..."), a free ebook as a label ("Kostenloses E-Book: 10 Tipps ..."), and bylines ("By . Jill Reilly .", "By Jane
# Doe", "von Max Muster"). In other languages than English a newsletter or ebook of "ours" is a prompt only after a
# verb addressing the reader ("Laden Sie jetzt unser E-Book ..."): prose mentions them too ("... unseren Newsletter
# zu abonnieren, sagte der Anwalt"), and so do the same verbs' other moods ("La víctima recibe en su correo ...").
_FURNITURE_START = re.compile(
    r"(?:subscribe|sign up|advertisement|read more|related|share this|follow us|click here"
    r"|abonnieren sie|jetzt (?:abonnieren|anmelden|registrieren)|abonnez-vous|inscrivez-vous|suscr[ií]b(?:ete|ase)"
    r"|reg[ií]str(?:ate|ese)|inscreva-se|cadastre-se|assine (?:já|agora|a|o|nossa?)|iscriviti"
    r"|abbonati (?:al|alla|ora|subito)|registrati (?:ora|gratis|subito)|schrijf je in|meld je (?:nu )?aan"
    r"|abonneer|(?:receba|recevez) (?:em|no|dans) (?:seu|votre) (?:e-?mail|caixa|boîte)|recib[ea] en tu correo"
    r"|(?:kostenlos\w*|free) e-?books?(?=:)|e-?books? (?:gratuit\w*|gratis|kostenlos)(?=:)"
    r"|(?:(?:get|download|grab|laden sie|holen sie sich|sichern sie sich|melden sie sich|téléchargez|recevez"
    r"|descarg(?:a|ue)|recib(?:e|a)|baixe|receba|scarica|ricevi|abbonati|ontvang) (?:[\w-]+ ){0,3}?|jetzt )"
    r"(?:our|unser\w*|notre|nos|nuestr[oa]s?|noss[oa]s?|(?:la|il|alla|al) nostr[oa]|ai nostri|onze) "
    r"(?:free |kostenlos\w* |gratuit\w* |gratis )?"
    r"(?:newsletters?|nieuwsbrief|lettre d'information|boletín|e-?books?))\b"
    r"|(?:by|von|par|por)\s*(?:\.|\|)?\s*(?:[A-Z][\w'-]+\s*){0,4}[.|]?$",
    re.IGNORECASE,
)
# Furniture anywhere, searched in the lower-cased sentence: lower-case literals and one shared `\b` make the
# search several times faster than an IGNORECASE alternation (it runs on every sentence of every article).
_FURNITURE = re.compile(
    r"\b(?:click here\b|subscribe (?:now|today|for|to our)\b|sign up (?:for|to) (?:our|the|free)\b"
    r"|uses? cookies\b|accept (?:all )?cookies\b|cookie (?:policy|settings|preferences)\b"
    r"|(?:enable|turn on) javascript\b|javascript (?:is )?(?:disabled|required)\b|your browser does"
    r"|scroll down for\b|share this (?:article|story)\b|privacy policy\b|terms (?:of|and) (?:use|service|conditions)\b"
    r"|(?:published|updated):|last (?:updated|modified)\b"
    # the same prompts in German, French, Spanish, Portuguese, Italian and Dutch
    r"|(?:hier klicken|klicken sie hier|cliquez ici|haz clic|haga clic|clique aqui|clicca qui|klik hier)\b)"
    r"|all rights reserved|(?:copyright|©) (?:©\s*)?\d{4}"
    # an embedded post, its hashtag glued to its last word ("... the next legislative day.#TodayInSenatePlenary"):
    # it repeats the text around it
    r"|[.!?…]#\w|pic\.twitter\.com/"
    r"|\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?\s*)?(?:est|edt|gmt|bst|utc|cet|pst|pdt)\b"
)
# Emoji, arrows, bullets and brackets before a description's prompt ("👉 Follow us", "➡️ Read more"); not quotes
# (someone's words) or the hash of a hashtag.
_LEADING_SYMBOLS = re.compile(r"^[^\w#\"'“”‘’«»„]+")
_TAGS_AND_LINKS = re.compile(r"(?:(?:#\w+|https?://\S+|www\.\S+)\W*)+")
# English prompts anywhere in the sentence ("To get the latest, download our free ebook."), and second-person
# sign-up verbs anywhere in a short one ("Pour recevoir notre newsletter, inscrivez-vous ici.", "Hier können Sie
# unseren Newsletter abonnieren."), both searched in the lower-cased sentence; never in attributed speech: a
# quotation closing on a comma before its speaker ('"Our ebooks are now borrowed more often ...," the librarian
# said') or a speaker after a comma at the end ("..., the librarian said.", "..., sagte der Anwalt."). A quote mark
# or a "said" elsewhere does not make a prompt speech ('download our free ebook "Ride Safe".', "... what experts
# said this week.").
_OURS = re.compile(r"\bour (?:free )?(?:newsletters?|e-?books?)\b")
_SIGN_UP = re.compile(
    r"\b(?:inscrivez-vous|abonnez-vous|suscr[ií]b(?:ete|ase)|iscriviti|cadastre-se|inscreva-se|abonnieren!"
    r"|können sie (?:[\w-]+ ){1,3}abonnieren\b)"
)
_SIGN_UP_WORDS = 12
_SPEECH_VERB = r"(?:said|says|told|added|sagte|sagt|erklärte|a dit|a déclaré|dijo|afirmó|disse|afirmou|ha detto|zei)\b"
_SPEAKER_WORDS = r"(?:[\w.'-]+ ){0,4}"  # "the publisher ", "jane doe ", "der anwalt " (lower-cased)
_SPEECH = re.compile(
    rf"[,!?] ?[\"”»]\s*{_SPEAKER_WORDS}{_SPEECH_VERB}"
    rf"|, (?:[\w.'-]+ ){{1,4}}{_SPEECH_VERB}(?: [\w.'-]+){{0,3}}\W*$"
    rf"|, {_SPEECH_VERB}(?: [\w.'-]+){{1,4}}\W*$"
)
# Datelines and wire credits that open a story: "(CNN) -- ", "Kabul, Afghanistan (CNN) -- ", "LONDON (Reuters) - ",
# "CLEVELAND, Ohio – ", "DUBAI, United Arab Emirates — " (the city in capitals, the region maybe not).
_DATELINE = re.compile(
    r"^(?:[A-Z][\w.,' -]{0,50}\s?)?\((?:CNN|AP|AFP|Reuters|dpa|UPI)[^)]{0,30}\)\s*(?:--|—|–|-)?\s*"
    r"|^[A-Z][A-Z .,'-]{2,40}(?:, [A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3})?\s(?:--|—|–)\s+"
)
# Photo captions that extractors leave in the text ("Evicted: Hayley ...", "... (pictured) ...", "(left)") and
# scraped line breaks left as " . ": a label opening the sentence, or the rest searched in the lower-cased
# sentence with few branches, for speed (see _FURNITURE).
_CAPTION_START = re.compile(r"\w+(?: \w+)?: ")
_CAPTION = re.compile(r"\bp(?:ictured|hotograph(?:ed)? by)\b|\((?:left|right|above|below|top|bottom)\)| \.(?: |$)")
_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\b\d+\b")
_FIGURES = re.compile(r"\d+(?:[.,:]\d+)*")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")  # a year alone is shared by most sentences of a story
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_STOP_WORDS = frozenset(
    """a about after again all also am an and any are as at be because been before being but by can could did
    do does doing down during each few for from further had has have having he her here hers herself him himself
    his how i if in into is it its itself just me more most my no nor not now of off on once only or other our
    out over own same she should so some such than that the their them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with would you your
    said says say told one two new year years also like get got mr mrs ms s t
    der die das und ist nicht ein eine einer eines einem einen zu den dem des mit von auf für im in sich auch
    als an es sie er wir ich dass wie bei aus nach noch wird werden wurde hat haben sind war oder aber um so
    le la les de des du un une et est en que qui dans pour pas sur au aux avec ce ces il elle ils sont par plus
    se ne son sa ses été être a ont mais ou leur
    el los las del y que en un una es por con para se no al lo como más su sus pero fue han ha""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Terms:
    """A bag of terms with its Euclidean length, kept together because cosines against it are taken often.

    Instances are shared through caches: never mutate `counts`.
    """

    counts: Mapping[str, int]
    norm: float

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Terms:
        return cls(counts, math.sqrt(sum(v * v for v in counts.values())))


@dataclass(frozen=True)
class _Candidate:
    index: int  # position among the content sentences (debris before the lead does not push it down)
    text: str
    terms: Terms


def summarize(article: Article, max_sentences: int = 3) -> list[str]:
    """2 to `max_sentences` sentences of the article (fewer only when it has fewer), in article order."""
    candidates = _candidates(article)
    if not candidates or max_sentences < 1:
        return []
    # The title and the page's own description (often a standfirst) say what the article is about.
    topic = sentence_terms(f"{article.title or ''} {article.description or ''}")
    scores = _scores(candidates, topic, article.language)
    picked = _pick(candidates, scores, min(max_sentences, len(candidates)), article.language)
    return [c.text for c in sorted(picked, key=lambda c: c.index)]


def _candidates(article: Article) -> list[_Candidate]:
    """Content sentences; the length limits are dropped when they would leave fewer than two."""
    considered = article_sentences(article)
    # the speaker's words without the speaker would be shown as the article's: neither summary nor quote
    pieces = quotation_fragments(article.text, article.language)
    own = [s for s in considered if s not in pieces] or list(considered)  # a page quoting someone alone still speaks
    sentences = [strip_dateline(s) if i < 3 else s for i, s in enumerate(own)]
    texts = [s for s in sentences if _is_content(s, strict=True)]
    if len(texts) < 2:
        texts = [s for s in sentences if _is_content(s, strict=False)]
    return [_Candidate(i, text, sentence_terms(text)) for i, text in enumerate(texts)]


def article_sentences(article: Article) -> tuple[str, ...]:
    """considered_sentences of the article's text, its page's own headings left out too."""
    return considered_sentences(article.text, article.language, frozenset(article.headings))


@lru_cache(maxsize=8)
def considered_sentences(
    text: str, language: str | None, known_headings: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """The sentences summary and quotes work on (split once for both): headings are not sentences of the story,
    those that look like one and the `known_headings` (paragraphs the page set as headings) alike."""
    sentences = split_sentences(text, language)
    heads = headings(text) | {s for heading in known_headings for s in split_sentences(heading, language)}
    prose = [s for s in sentences if s not in heads]
    return tuple(prose or sentences)[:MAX_CONSIDERED]  # a page of headings alone still has something to say


def strip_dateline(sentence: str) -> str:
    """The sentence without an opening wire dateline ("Kabul, Afghanistan (CNN) -- ")."""
    return _DATELINE.sub("", sentence, count=1).strip()


def _is_content(sentence: str, *, strict: bool) -> bool:
    """Prose, not page furniture. Strictly, also a whole sentence of some length: not a line without its full stop
    (a match report's "1-1: Bryan Ruiz al 44'"), nor one introducing a table or list with a colon; leniently (for
    a text without two such), not a fragment of a word or two ("(45 mins)", "Etc.") nor a list's introduction."""
    words = word_count(sentence)
    if strict and not (_MIN_WORDS <= words <= _MAX_WORDS and ends_a_sentence(sentence)):
        return False
    lettered = words - len(_NUMBER.findall(sentence))  # "(30 mins)" is one word and a figure
    whole = lettered >= _MIN_FRAGMENT_WORDS and not sentence.endswith(":")
    return whole and not is_boilerplate(sentence)


@lru_cache(maxsize=_CACHED_SENTENCES)
def is_boilerplate(sentence: str) -> bool:
    """Page furniture rather than article prose: bylines, timestamps, prompts, or text starting mid-token."""
    if not sentence[:1].isalnum() and sentence[:1] not in "\"'“‘«„(¿¡":
        return True
    return is_furniture(sentence)


def is_furniture(sentence: str) -> bool:
    """Bylines, timestamps, prompts, hashtags and links: the furniture patterns alone, for text that may open with an
    emoji or a bracket ("🚲 Paris tripled ...", "[4K] A night walk ...") as a video's description does."""
    opening = _LEADING_SYMBOLS.sub("", sentence)
    if _FURNITURE_START.match(opening) or _TAGS_AND_LINKS.fullmatch(opening):
        return True
    lowered = sentence.lower()
    return bool(_FURNITURE.search(lowered)) or _is_prompt(lowered)


def _is_prompt(lowered: str) -> bool:
    """A newsletter or ebook of "ours", or a short sentence asking the reader to sign up, unless someone says it."""
    prompt = _OURS.search(lowered) or (_SIGN_UP.search(lowered) and len(lowered.split()) <= _SIGN_UP_WORDS)
    return bool(prompt) and not _SPEECH.search(lowered)


@lru_cache(maxsize=_CACHED_SENTENCES)
def word_count(sentence: str) -> int:
    """Length in words; CJK text has no spaces, so about two characters count as one word."""
    cjk = len(_CJK.findall(sentence))
    return len(_WORD.findall(_CJK.sub(" ", sentence))) + cjk // 2


@lru_cache(maxsize=_CACHED_SENTENCES)
def sentence_terms(text: str) -> Terms:
    """Bag of crude stems without stop words; CJK text as character bigrams."""
    lower = text.lower()
    cjk = "".join(_CJK.findall(lower))
    if cjk:
        lower = _CJK.sub(" ", lower)
    words = [_stem(w) for w in _WORD.findall(lower) if w not in _STOP_WORDS and len(w) > 1]
    words += [cjk[i : i + 2] for i in range(len(cjk) - 1)]
    return Terms.of(Counter(words))


def _stem(word: str) -> str:
    """A crude, language-agnostic stem: plural `s` off, then the first 7 letters."""
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:7]


def similarity(a: Terms, b: Terms) -> float:
    """Cosine of two term bags."""
    if not a.norm or not b.norm:
        return 0.0
    small, large = (a.counts, b.counts) if len(a.counts) <= len(b.counts) else (b.counts, a.counts)
    return sum(weight * large[term] for term, weight in small.items() if term in large) / (a.norm * b.norm)


def repeats(a: str, a_terms: Terms, b: str, b_terms: Terms, threshold: float) -> bool:
    """Whether one sentence repeats the other: terms alike above `threshold`, or the same figures on alike terms."""
    cosine = similarity(a_terms, b_terms)
    return cosine > threshold or (cosine >= _SAME_FIGURES and _same_figures(a, b))


def _same_figures(a: str, b: str) -> bool:
    """The figures of one sentence, more than a year alone, all found in the other."""
    fewer, more = sorted((_figures(a), _figures(b)), key=len)
    return any(not _YEAR.fullmatch(figure) for figure in fewer) and fewer <= more


@lru_cache(maxsize=_CACHED_SENTENCES)
def _figures(sentence: str) -> frozenset[str]:
    return frozenset(_FIGURES.findall(sentence))


def _scores(candidates: list[_Candidate], topic: Terms, language: str | None) -> list[float]:
    seen = Counter(term for c in candidates for term in c.terms.counts)
    # Words seen in one sentence only say nothing about the article's topic.
    centroid = Terms.of({term: n - 1 for term, n in seen.items() if n > 1})
    return [
        POSITION_WEIGHT / (1 + c.index) ** POSITION_DECAY
        + CENTRALITY_WEIGHT * similarity(c.terms, centroid)
        + TITLE_WEIGHT * similarity(c.terms, topic)
        + _length_prior(word_count(c.text))
        - STYLE_PENALTY * _style_flaws(c.text, language)
        for c in candidates
    ]


def _length_prior(size: int) -> float:
    low, high = IDEAL_WORDS
    if size < low:
        return -0.3 * (low - size) / low
    if size > high:
        return -0.3 * (size - high) / high
    return 0.0


def _style_flaws(sentence: str, language: str | None) -> int:
    """Questions, photo captions and sentences leaning on a previous one make weak summary sentences.

    So does a quotation in the first person: it names its speaker, so it stands alone (a key quote), but it is
    the speaker's voice rather than the article's account.
    """
    question = sentence.rstrip("\"'”’»)").endswith(("?", "？"))
    voice = leans_on_context(sentence, language) or quotes_first_person(sentence)
    return question + looks_like_caption(sentence) + voice


def looks_like_caption(sentence: str) -> bool:
    """A photo caption or scraped layout debris rather than a sentence of the story."""
    return bool(_CAPTION_START.match(sentence) or _CAPTION.search(sentence.lower()))


def _pick(candidates: list[_Candidate], scores: list[float], count: int, language: str | None) -> list[_Candidate]:
    """Greedy MMR: best score minus similarity to what is already picked; near-duplicates never picked.

    A sentence leaning on an earlier one ("Dabei ist das Pflaster ...") is picked only after a pick before it in
    the article, so the summary never opens with it (unless every sentence leans).
    """
    picked: list[_Candidate] = []
    overlap = [0.0] * len(candidates)  # each candidate's highest similarity to a picked sentence
    remaining = list(range(len(candidates)))
    leans = [leans_on_context(c.text, language) for c in candidates]
    if all(leans):
        leans = [False] * len(candidates)
    while remaining and len(picked) < count:
        if picked:  # only the latest pick can raise an overlap or be repeated: compare with it alone
            last = picked[-1]
            for i in remaining:
                cosine = similarity(candidates[i].terms, last.terms)
                repeated = cosine >= _SAME_FIGURES and _same_figures(candidates[i].text, last.text)
                overlap[i] = 1.0 if repeated else max(overlap[i], cosine)
            remaining = [i for i in remaining if overlap[i] <= _NEAR_DUPLICATE]
        first = min((c.index for c in picked), default=len(candidates))
        eligible = [i for i in remaining if not leans[i] or candidates[i].index > first]
        if not eligible:
            break
        best = max(eligible, key=lambda i: scores[i] - REDUNDANCY_WEIGHT * overlap[i])
        picked.append(candidates[best])
        remaining.remove(best)
    return picked
