"""The article's own pull quotes: trafilatura's quotes and the page's <blockquote>, <q> and pull-quote elements that
lie inside its main text (embedded tweets and posts left out); and the pull quotes' own lines, dropped from the text.

A pull quote repeats words of the article in a box of their own (<blockquote class="pull-quote">, an <aside>, a
<p>); the extractors keep it as a line, so the summary and key quotes could show a speaker's words unattributed.
A line whose words recur verbatim inside another, longer line of the text is taken for one, when it is a sentence or
one of the page's quote elements (markup classes alone would miss many). Headings, list items and labels that the
prose repeats stay, and so does a quotation cited only once, such as an embedded post: it is the article's own.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import chain

from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.extract.lines import SENTENCE_END, WORDS, text_key
from bot.pipeline.metadata import element_text

# (testing the class attributes themselves costs half of testing every element's class)
_QUOTE_ELEMENTS = etree.XPath('//blockquote | //q | //@class[contains(., "pullquote") or contains(., "pull-quote")]/..')
_EMBED_QUOTE = re.compile(r"pic\.twitter\.com|\(@\w+\)|instagram\.com|tiktok\.com", re.IGNORECASE)
# below this many words a repeated line is as likely a slogan or a name the prose cites ("Meth. We're on it.")
_MIN_REPEAT_WORDS = 6
_MAX_QUOTE_WORDS = 80  # a pull quote is a sentence or two
_SHINGLE = 4  # words of a run: any run of a line lies in every line that repeats it
# A pull quote's rarest run lies in itself, its source and perhaps a copy of it (a mobile layout's). A line whose every
# run recurs in more lines is a formula (a table's rows, a list's entries), and comparing each of many such lines
# with all the others would cost time quadratic in the lines.
_MAX_HOLDERS = 10
_Anchor = tuple[int, int]  # a candidate line's number, and the word its rarest run starts at


def _quote_elements(tree: HtmlElement, page: str) -> Iterable[HtmlElement]:
    """<blockquote>, <q> and pull-quote elements in page order. Looking for the class reads every element's class
    (most of this function's cost), so it runs only on pages that have the word at all."""
    if "pullquote" in page or "pull-quote" in page:
        return _QUOTE_ELEMENTS(tree)
    return tree.iter("blockquote", "q")


def quote_texts(tree: HtmlElement | None, page: str, quotes: list[str]) -> list[str]:
    """trafilatura's quotes, then the texts of the page's blockquote, q and pull-quote elements (not embedded posts)."""
    candidates = list(quotes)
    if tree is not None:
        for el in _quote_elements(tree, page):
            if "twitter" not in (el.get("class") or "") and "instagram" not in (el.get("class") or ""):
                candidates.append(element_text(el))
    return candidates


def pull_quotes(candidates: list[str], text: str) -> list[str]:
    """The article's own quotes (quote_texts) that lie inside its main text."""
    body = text_key(text)
    found: list[str] = []
    for quote in candidates:
        quote = quote.strip(" \"“”'‘’«»")
        key = text_key(quote)
        fits = 4 <= len(key.split()) <= _MAX_QUOTE_WORDS and key in body and not _EMBED_QUOTE.search(quote)
        if fits and all(key != text_key(q) for q in found):
            found.append(quote)
    return found[:5]


def without_pull_quotes(paragraphs: list[str], quoted: list[str]) -> list[str]:
    """The paragraphs less the pull quotes: sentences or quote elements' texts (`quoted`) whose words recur verbatim
    (lower-cased, without punctuation: text_key's words) inside a longer paragraph."""
    words = [WORDS.findall(paragraph.lower()) for paragraph in paragraphs]
    quoted_keys = {text_key(q) for q in quoted}
    candidates = [n for n, paragraph in enumerate(paragraphs) if _may_be_pull_quote(paragraph, words[n], quoted_keys)]
    repeated = _repeated_in_longer(words, candidates)
    return [paragraph for n, paragraph in enumerate(paragraphs) if n not in repeated]


def _may_be_pull_quote(paragraph: str, words: list[str], quoted_keys: set[str]) -> bool:
    """A line long enough to be told from a slogan and short enough for a quote, not a list item, and a sentence or a
    quote element's text (a heading or a label is neither)."""
    if not _MIN_REPEAT_WORDS <= len(words) <= _MAX_QUOTE_WORDS or paragraph.startswith("- "):
        return False
    return paragraph.endswith(SENTENCE_END) or " ".join(words) in quoted_keys


def _shingles(words: list[str]) -> list[int]:
    """The hashes of a line's 4-word runs, in order: hundreds of thousands of tuples kept alive would wake the garbage
    collector over and over (a hash collision costs one needless comparison, never a wrong answer)."""
    return list(map(hash, zip(*(words[i:] for i in range(_SHINGLE)), strict=False)))


def _repeated_in_longer(words: list[list[str]], candidates: list[int]) -> set[int]:
    """The candidate lines whose words recur, in order, inside a longer line. A candidate is looked for only where its
    rarest 4 words are, and compared there word for word: linear in the text, where comparing every line with every
    other (or searching a long line for each of many candidates) would be quadratic."""
    shingles = [_shingles(line) for line in words]
    runs = [set(own) for own in shingles]
    wanted = _rarest_runs(shingles, runs, candidates)
    anchors = set(wanted)  # a set: intersecting with a dict's keys would copy them all, for every line
    repeated: set[int] = set()
    for line, own in enumerate(shingles):
        # the shorter candidates whose rarest run this line holds (every candidate holds its own)
        sought: dict[int, list[_Anchor]] = {}
        for run in runs[line] & anchors:
            if shorter := [found for found in wanted[run] if len(words[found[0]]) < len(words[line])]:
                sought[run] = shorter
        if sought:
            repeated.update(_found_in(words[line], own, sought, words))
    return repeated


def _rarest_runs(shingles: list[list[int]], runs: list[set[int]], candidates: list[int]) -> dict[int, list[_Anchor]]:
    """Each candidate's rarest run of 4 words (the one the fewest lines hold), to (candidate, the word it starts at)."""
    counts = Counter(chain.from_iterable(runs))  # how many lines hold each run
    wanted: dict[int, list[_Anchor]] = defaultdict(list)
    for n in candidates:
        lines_holding = [counts[run] for run in shingles[n]]
        offset = lines_holding.index(min(lines_holding))
        if lines_holding[offset] <= _MAX_HOLDERS:
            wanted[shingles[n][offset]].append((n, offset))
    return wanted


def _found_in(line: list[str], runs: list[int], sought: dict[int, list[_Anchor]], words: list[list[str]]) -> set[int]:
    """The sought candidates that lie in `line` (its words, and its runs' hashes), each where its rarest run does."""
    found: set[int] = set()
    for start, run in enumerate(runs):
        for n, offset in sought.get(run, ()):
            begin = start - offset
            if begin >= 0 and line[begin : begin + len(words[n])] == words[n]:
                found.add(n)
    return found
