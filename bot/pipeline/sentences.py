"""Split article text into sentences: abbreviation-aware for Latin scripts, punctuation-driven for CJK."""

from __future__ import annotations

import re
from functools import lru_cache


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that end in a dot without ending the sentence (lower-cased, without the dot). A title before a name
# ("Mr. Smith", "Dr. Weber") never ends one.
_TITLES = _words(
    """mr mrs ms messrs dr prof st mt ft gen sen rep gov lt col capt sgt cpl maj brig adm cmdr rt rev revd hon
    msgr pres supt insp det amb atty vs v hr fr dipl mme mlle sra srta dra z.b bzw vgl ggf evtl inkl sog bspw d.h
    u.a o.ä s.o e.g i.e p.ex"""
)
# Abbreviations that only come before a number ("No. 10", "ca. 300"); elsewhere "no." ends a sentence.
_BEFORE_NUMBER = _words("no nos nr vol pp p fig ca approx abs art pág núm")
# Abbreviations that often end a sentence too ("Apple Inc. The ..."): a boundary only before a typical opener.
_SOFT = _words("inc ltd co corp bros jr sr etc usw al jan feb mar apr jun jul aug sep sept oct nov dec")
_ACRONYM = re.compile(r"(?:[A-Za-z]\.){2,}$")  # "U.S.", "U.K."
# A short token in capitals with its dot before a word in capitals is a name set in capitals ("the ID. BUZZ", "the
# VW ID. GTI"), not a sentence's end, unless the token or the next word is one of the acronyms that often end a
# sentence ("... to the US. IBM shares fell", "... in LA. NBC reported it") or the next word repeats the token
# ("... by AMD. AMD shares rose"). Longer tokens ("NASA.") always may end one.
_CAPITALS_NAME = re.compile(r"[A-Z]{2,3}\.")
_SENTENCE_ENDING_ACRONYMS = _words(
    """US USA UK UN EU UAE FBI CIA NSA WHO IMF EPA FDA SEC BBC CNN NBC CBS ABC NPR NBA NFL NHL MLB GOP NHS ECB
    LA NYC DC ITV USD EUR GBP"""
)
_SENTENCE_OPENERS = _words(
    """the a an in on at but and he she it they we i this that these those there his her its their our after
    before when while if as so yet for now then meanwhile however der die das ein eine er sie es wir ich aber
    und doch le la les il elle ils nous je mais et un une el los las ella pero"""
)
_MONTHS_DE = _words("januar februar märz april mai juni juli august september oktober november dezember")
# German abbreviations that never end a sentence ("geb. Müller", "Univ.-Prof. Huber", "im 19. Jh. gebaut").
_ABBREVIATIONS_DE = _words("geb gest evt evtl lhstv jh jhd jhdt zzgl abzgl insb insbes sog bzgl hrsg")
# Abbreviations that are also words ("das er nicht mag. Seine Frau ..."): abbreviations only as written capitalised
# ("Mag. Huber", "Dipl. Ing.").
_CAPITALISED_ABBREVIATIONS_DE = _words("Mag Ing Dipl Univ")
# Words before an ordinal of one or two digits: articles, their contractions with a preposition, possessives ("des
# 19. Jahrhunderts", "am 2. Spieltag", "bis zum 3. Mal", "seinem 80. Geburtstag"). After any other word a number's
# dot ends the sentence ("Der Junge ist 10. Seine Mutter ...", "bei 7. Experten ...", "Rang 4. Siegerin ...").
_BEFORE_ORDINAL_DE = _words(
    """der die das des dem den ein eine einer eines einem einen am im zum zur vom beim ins ans aufs
    jede jeder jedes jedem jeden sein seine seiner seines seinem seinen ihr ihre ihrer ihres ihrem ihren
    mein meine meiner meines meinem meinen unser unsere unserer unseres unserem unseren"""
)
# Words that open a German sentence after a number's dot even after such a word: "Er kam am 19. Danach ...".
_OPENERS_DE = _SENTENCE_OPENERS | _words(
    """den dem des einer eines einem einen ihr ihm man im am ins zum zur in an auf aus bei mit nach seit von vor zu
    für über unter um bis durch gegen ohne da dann danach damit dabei dort hier heute jetzt nun noch nur auch als
    wenn weil so schon später zuvor seither bisher insgesamt zudem außerdem trotzdem deshalb daher doch denn
    mehr weitere alle viele"""
)

# First words that lean on an earlier sentence ("This", "He", "But" ...), in the languages the bot sees most.
# Words that are also plain articles ("Die", "Ce", "Esta") are left out so they do not reject good sentences.
_DANGLING = _words(
    """this that these those it its he she they them him her his their theirs we us our but and or so also
    however then such yet still meanwhile instead thus therefore moreover
    furthermore besides nevertheless otherwise hence likewise similarly nor plus
    er es sie ihm ihn ihr ihre dies dieser diese dieses aber und oder doch denn dann auch deshalb daher jedoch
    dafür dagegen dabei dazu danach davor darum deswegen trotzdem dennoch zudem außerdem allerdings stattdessen
    ebenfalls ebenso hingegen somit folglich ferner überdies
    il elle ils elles cela ceci celui celle lui leur mais et ou donc puis ensuite aussi cependant pourtant
    toutefois néanmoins
    él ella ellos ellas esto eso aquello pero y o entonces también además asimismo luego tampoco
    ele eles elas isso isto aquilo mas porém contudo entretanto todavia portanto
    lui lei loro questo questa ciò ma poi anche quindi però hij zij dit dat maar ook toen"""
)
# Openers of several words that point back the same way ("Before this,", "Sin embargo,", "Por eso"); not
# those that name what they refer to ("In addition to its order ...", "As a result of the storm ...") or that open
# standalone sentences with a word or two more: "At first glance", "At first light", "In turn-based games", "At the
# same time as the strike", "Alors que le gouvernement ..." (while the government ...), "Ainsi que l'a annoncé le
# ministre" (as the minister announced), "Ainsi va la vie", "Enfin libre".
_DANGLING_PHRASE = re.compile(
    r"(?:(?:before|after|despite|because of|besides|like) (?:this|that|these|those)(?=,)"
    r"|at first(?! glance| sight| light| blush| hand)|in addition(?! to)|on the other hand|as a result(?! of)"
    r"|even so|in turn(?!-)|(?:in|by) contrast(?! to| with)|at the same time(?! as)|alors(?! que\b| qu['’])"
    r"|ainsi(?! que\b| qu['’]| va)|enfin(?! libre)"
    r"|in other words|that said|for this reason|on top of that|sin embargo|no obstante|por (?:eso|ello|esto"
    r"|lo tanto|tanto)|aun así|a pesar de (?:eso|ello|esto)|en revanche|par conséquent|de plus(?=,)|en outre"
    r"|c'est pourquoi|d'ailleurs|malgré (?:cela|ça)|après (?:cela|ça)|no entanto|por isso|por outro lado|além disso"
    r"|apesar disso|depois disso|mesmo assim|trotz allem|im gegenteil"
    # what was just said, as a whole or its follower: "All das ...", "Gefolgt vom ...", "Followed by ..."
    r"|all (?:das|dies)|gefolgt vo[nm]|followed by"
    # someone of several just named ("Another wondered ...", "Others said ..."); not "Another storm hit ..."
    r"|(?:another|others) (?:said|says|wondered|asked|added|wrote|noted|replied|argued|suggested|commented)"
    # an answer to a question the sentence before asked: "Ja, der Gefrierpunkt ...", "Nein, denn ...", "No, ..."
    r"|(?:yes|no|yeah|nope|ja|nein|jein|oui|non|sí|sì|sim|não|nee)(?=\s*[,!–—]| denn\b))\b"
)
# Pronouns for one of two things just named, or for all of it: "The former said ...", "the latter, ...", "Das Ganze
# kostet ...". Not the adjectives before a noun: "The former mayor ...", "The latter half ...", "Das ganze Land ...".
_POINTING_PRONOUN = re.compile(
    r"(?i:the (?:latter|former))(?=['’]s\b|\s*[,;:.!?]|\s*$|\s+[a-z]+ed\b|\s+(?:is|was|are|were|has|had|have|will"
    r"|would|can|could|may|might|must|should|did|does|do|said|says|added|told|also|however|then|now|still|not)\b)"
    r"|(?i:das ganze)(?!\s+[A-ZÄÖÜ])"
)
# German adverbs made of "da(r)" and a preposition point at something said before: "Dahinter sitzt ...", "Darüber
# hinaus ...", "Davon ...". Not "Damit", a conjunction too ("Damit die Kinder sicher sind, ..."). Only in German or
# unstated text, as written at a sentence's start: elsewhere the word is a name ("Darin Erstad was named ...").
_POINTING_ADVERB_DE = re.compile(
    r"Dar?(?:an|auf|aus|bei|durch|für|gegen|hinter|in|nach|neben|über|um|unter|von|vor|zu|zwischen)"
)
# Words of _DANGLING that are a plain article in a language: the Italian "il" (the French "he"), the Portuguese "o"
# (the Spanish "or").
_ARTICLES = {"it": _words("il"), "pt": _words("o")}
_QUOTE_MARKS = "\"'“”‘’«»„ "
# In an opening quotation "we" is the speaker, not an earlier sentence's subject: '"We have never ...," said X.'
_SPEAKER = _words("we us our")
_CJK_END = "。！？｡"
# A candidate boundary: terminal punctuation, optional closing quotes/brackets (French "« Non. »" has a space
# before its guillemet, German closes with “), then whitespace. CJK punctuation needs no whitespace after it.
_BOUNDARY = re.compile(r"(?P<punct>[.!?…" + _CJK_END + r"]+)(?P<close>(?:\s?»)?[\"'”’“»」』)\]]*)(?P<space>\s*)")
_NEXT_WORD = re.compile(r"[\"'“‘«„(\[]*([^\s,;:]*)")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*(?=\S)")
_NON_WORD = re.compile(r"\W")


def split_sentences(text: str, language: str | None = None) -> list[str]:
    """Sentences of `text` in order, whitespace-normalised. Paragraph breaks always end a sentence."""
    sentences: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        for line in _split_lines(paragraph):
            sentences.extend(_split_paragraph(line, (language or "").lower()[:2]))
    return sentences


def _split_lines(paragraph: str) -> list[str]:
    """A single line break ends a sentence unless the next line continues it in lower case (hard wrap)."""
    lines: list[str] = []
    for part in _LINE_BREAK.split(paragraph.strip()):
        if lines and part[:1].islower():
            lines[-1] += " " + part
        else:
            lines.append(part)
    return lines


def _split_paragraph(paragraph: str, language: str) -> list[str]:
    text = " ".join(paragraph.split())  # the same whitespace as `\s`, without a regex
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end("close")
        if _is_boundary(text, match, language):
            piece = text[start:end].strip()
            if piece:
                sentences.append(piece)
            start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _is_boundary(text: str, match: re.Match[str], language: str) -> bool:
    punct = match.group("punct")
    end = match.end()
    if punct[-1] in _CJK_END or end == len(text):
        return True
    if not match.group("space"):  # "3.5", "example.com", "U.S" inside a token
        return False
    if not _opens_sentence(text[end]):
        return False
    if punct != ".":
        return True
    following = _NEXT_WORD.match(text, end)
    next_word = following.group(1) if following else ""
    word = _word_before(text, match.start())
    if _in_capitals(next_word) and _opens_capitals_name(word, next_word):
        return False
    return not _is_abbreviation(word, next_word.lower(), language, _word_before_word(text, match.start(), word))


def _opens_capitals_name(word: str, next_word: str) -> bool:
    """`word`, a short token in capitals with its dot before `next_word` in capitals, opens a name set in capitals."""
    token, following = word[:-1], _NON_WORD.sub("", next_word)
    acronyms = _SENTENCE_ENDING_ACRONYMS
    return bool(_CAPITALS_NAME.fullmatch(word)) and following != token and not {token, following} & acronyms


def _opens_sentence(first: str) -> bool:
    """The next sentence starts with a capital, a digit, a quote/bracket or a non-cased script letter."""
    if first in "\"'“‘«„¿¡([-–—*•":
        return True
    return first.isdigit() or first.isupper() or (first.isalpha() and not first.islower())


def _in_capitals(word: str) -> bool:
    """A word of two letters or more set in capitals ("SPACE", "NASA"), not an opener as "THE" or "A"."""
    letters = _NON_WORD.sub("", word)
    return len(letters) > 1 and letters.isupper() and letters.lower() not in _SENTENCE_OPENERS


def _word_before(text: str, dot: int) -> str:
    start = dot
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "(\"'“‘«":
        start -= 1
    return text[start : dot + 1]


def _word_before_word(text: str, dot: int, word: str) -> str:
    """The word before `word` (ending at `dot`), lower-cased without punctuation: "" at the text's start."""
    before = text[: dot + 1 - len(word)].split()
    return _NON_WORD.sub("", before[-1]).lower() if before else ""


def _is_abbreviation(word: str, next_word: str, language: str, previous: str) -> bool:
    bare = word.lower().rstrip(".")
    if not bare:  # a lone " ." (as scraped DailyMail text has) ends the sentence
        return False
    if bare in _TITLES:
        return True
    if len(bare) == 1 and bare.isalpha():
        # an initial ("J. K. Rowling"), or a letter of a German abbreviation ("z. B.", "d. h.", "a. D.") unless a
        # sentence opens after it
        return word[0].isupper() or (language == "de" and next_word not in _OPENERS_DE)
    if ".-" in bare:  # a compound of abbreviations: "Univ.-Prof.", "Dipl.-Ing."
        return True
    if bare in _BEFORE_NUMBER:
        return next_word[:1].isdigit()
    if bare in _SOFT or _ACRONYM.search(word):
        return next_word not in _SENTENCE_OPENERS
    return language == "de" and _german_abbreviation(word, next_word, previous)


def _german_abbreviation(word: str, next_word: str, previous: str) -> bool:
    """A German abbreviation, or an ordinal: a number of one or two digits before a month ("bis 3. Mai"), or after
    an article or the like before a word that does not open a sentence ("des 19. Jahrhunderts"). Longer numbers
    (years, counts) end one."""
    bare = word.rstrip(".")
    if bare.lower() in _ABBREVIATIONS_DE or bare in _CAPITALISED_ABBREVIATIONS_DE:
        return True
    if not (bare.isdigit() and len(bare) <= 2):
        return False
    following = _NON_WORD.sub("", next_word)
    return following in _MONTHS_DE or (previous in _BEFORE_ORDINAL_DE and following not in _OPENERS_DE)


def leans_on_context(sentence: str, language: str | None = None) -> bool:
    """The sentence starts mid-thought: lower case, or a word pointing back ("This", "He", "But" ...). In a text of
    known `language`, words that point back only in another language are left alone (the Italian "Il" is "The")."""
    first = sentence.lstrip(_QUOTE_MARKS)
    written = _NON_WORD.split(first, maxsplit=1)[0]
    word = written.lower()
    lang = (language or "").lower()[:2]
    if word in _ARTICLES.get(lang, ()):
        return False
    if not first or first[0].islower():
        return True
    if _DANGLING_PHRASE.match(first.lower()) or _POINTING_PRONOUN.match(first):
        return True
    if lang in ("", "de") and _POINTING_ADVERB_DE.fullmatch(written):
        return True
    return word in _DANGLING and not quotes_first_person(sentence)


def quotes_first_person(sentence: str) -> bool:
    """The sentence opens with someone's own words in the first person ('"We have never ...," said X')."""
    first = sentence.lstrip(_QUOTE_MARKS)
    quoted = len(first) < len(sentence.lstrip())
    return quoted and _NON_WORD.split(first, maxsplit=1)[0].lower() in _SPEAKER


_DOUBLE_QUOTE = re.compile(r'["“”„«»]')  # single quotes are left out: they are apostrophes as often as not
_BEFORE_OPENING = "([{/–—-"
_AFTER_CLOSING = ".,;:!?…)]}/–—-"


@lru_cache(maxsize=8)  # asked of one article by its summary and its quotes
def quotation_fragments(text: str, language: str | None = None) -> frozenset[str]:
    """Sentences of `text` that begin or end inside a quotation running over several sentences.

    '"Fares have not gone up in years. We will put every penny into buses," the mayor said.' is two such
    sentences: the first opens a quotation it never closes, the second is the speaker's words whose opening
    lies in the sentence before. Marks are followed within each paragraph (a quotation running on to the next
    one opens again there); a sentence holding a whole quotation, with or without its speaker, is not one.
    """
    fragments: set[str] = set()
    lang = (language or "").lower()[:2]
    for paragraph in _PARAGRAPH_BREAK.split(text):
        if not _DOUBLE_QUOTE.search(paragraph):
            continue  # most paragraphs: no need to split them again
        sentences = [sentence for line in _split_lines(paragraph) for sentence in _split_paragraph(line, lang)]
        opener = ""
        for sentence, later_closes in zip(sentences, _later_marks_close(sentences), strict=True):
            began_inside, opener = _quotation_state(sentence, opener, later_closes)
            if began_inside or opener:
                fragments.add(sentence)
    return frozenset(fragments)


def _later_marks_close(sentences: list[str]) -> list[bool]:
    """For each sentence, whether the first straight mark in the sentences after it could close a quotation."""
    found: list[bool] = []
    closes = False
    for sentence in reversed(sentences):
        found.append(closes)
        if (first := sentence.find('"')) >= 0:
            closes = _could_close(sentence, first)
    return found[::-1]


def _quotation_state(sentence: str, opener: str, later_closes: bool) -> tuple[bool, str]:
    """Whether the sentence began inside a quotation, and the mark that opened the one still open at its end ("":
    none). `opener`: the mark that opened the one open before it. `later_closes`: the first straight mark in the
    paragraph's later sentences could close a quotation."""
    began_inside = bool(opener)
    for mark in _DOUBLE_QUOTE.finditer(sentence):
        opens = _opens_quotation(sentence, mark.start(), opener, later_closes)
        if opens is None:
            continue
        began_inside = began_inside or (not opens and not opener)  # it closes words opened before it
        opener = mark.group() if opens else ""
    return began_inside, opener


def _opens_quotation(sentence: str, at: int, opener: str, later_closes: bool) -> bool | None:
    """Whether the mark at `at` opens a quotation (False: closes one, None: an inch mark, '6.1" screen').
    `opener`: the mark that opened the quotation the mark is in ("": none).

    A straight mark after a digit may close only a quotation a straight mark opened, and even then is an inch mark
    when the next straight mark of the paragraph could close it ('"The 13" model is the one to buy," he said.');
    otherwise it closes it ('on "Measure 12" in November'). Outside a quotation, or inside a curly or guillemet one
    ('“The 13" model ...,” he said.'), it is an inch mark. Other marks' neighbours tell, as with the German „...“
    and »...«; a mark spaced on both sides (the French « Non ») by its shape; a straight one spaced on both sides
    toggles.
    """
    mark = sentence[at]
    before = sentence[at - 1] if at else " "
    if mark == '"' and before.isdigit() and (opener != '"' or _next_mark_closes(sentence, at, later_closes)):
        return None
    spaced_before, spaced_after = _spacing(sentence, at)
    if spaced_before != spaced_after:
        return spaced_before
    if mark == '"':
        return not opener
    return mark in "“„«"


def _spacing(sentence: str, at: int) -> tuple[bool, bool]:
    """Whether the mark at `at` is spaced before (as an opening one is) and after (as a closing one is)."""
    before = sentence[at - 1] if at else " "
    after = sentence[at + 1] if at + 1 < len(sentence) else " "
    return before.isspace() or before in _BEFORE_OPENING, after.isspace() or after in _AFTER_CLOSING


def _could_close(sentence: str, at: int) -> bool:
    spaced_before, spaced_after = _spacing(sentence, at)
    return spaced_after and not spaced_before


def _next_mark_closes(sentence: str, at: int, later_closes: bool) -> bool:
    """Whether the next straight mark after `at`, in the sentence or a later one of its paragraph, could close."""
    following = sentence.find('"', at + 1)
    return later_closes if following < 0 else _could_close(sentence, following)


_CLOSING = "\"'”’»」』) "
_TERMINAL = (".", "!", "?", "…", "。", "！", "？", "｡")
_HEADING_WORDS = 20  # a line longer than this without a full stop is prose that lost it, not a heading
_SUBHEADING_QUESTION_WORDS = 12


def headings(text: str) -> frozenset[str]:
    """Paragraphs of `text` that are headings rather than prose, whitespace-normalised as split_sentences gives them.

    A short line without closing punctuation ("Why the air gets so bad this time of year"), or a short question
    standing alone between paragraphs, as subheadings are set ("Why does the air get so bad?").
    """
    paragraphs = [" ".join(p.split()) for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    return frozenset(p for i, p in enumerate(paragraphs) if _is_heading(p, last=i == len(paragraphs) - 1))


def ends_a_sentence(text: str) -> bool:
    """Terminal punctuation, maybe inside a closing quote: a heading or a cut-off line has none."""
    return text.rstrip(_CLOSING).endswith(_TERMINAL)


def _is_heading(paragraph: str, *, last: bool) -> bool:
    words = len(paragraph.split())
    if not (ends_a_sentence(paragraph) or paragraph.endswith((":", ";"))):  # a colon introduces a list: prose
        return words <= _HEADING_WORDS
    question = paragraph.endswith(("?", "？")) and words <= _SUBHEADING_QUESTION_WORDS
    return question and not last and len(_split_paragraph(paragraph, "")) == 1
