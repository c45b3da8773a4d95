"""Turn an article into weighted terms (for related reading) and a small shingle sketch (for near duplicates).

Terms are lower-cased words without stop words, Snowball-stemmed, hashed to 24 bits so a signature packs into
four bytes per term (3 bytes of hash, 1 byte of weight). A word may start with a digit: "3d", "486" or "68040"
name a topic (on the 20 Newsgroups bench, comp.graphics gains 8 points of precision@5). The title counts extra:
on that bench a title boost lifts precision@5 by two to three points (1.0 chosen on its tuning half). Term
frequency saturates as in BM25.

An article is analysed in its own language when Snowball stems it (SNOWBALL): that language's stemmer, and as
stop words its OTHER_STOP_WORDS most frequent words (wordfreq) besides the English ones. Any other language is
analysed as English.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import snowballstemmer
import wordfreq

TITLE_BOOST = 1.0
# BM25's term frequency inside the cosine: saturating at TF_K1 + 1, and damped in long articles (TF_B of the
# way to dividing by length over TF_AVG_TERMS, about a median article's terms). Chosen on the bench's tuning
# half, over 1 + ln tf: +1.3 points of P@5 there and a cosine that tells on-topic items better (see bench/README).
TF_K1 = 1.2
TF_B = 0.5
TF_AVG_TERMS = 150.0
HASH_MASK = 0xFFFFFF
PRIOR_DOC_WORDS = 250  # the length of a typical article, in words, for the general document share
SKETCH_SIZE = 16
SHINGLE_WORDS = 4

ENGLISH = "en"
# ISO 639-1 code -> Snowball stemmer, for the languages that Snowball's C stemmers and wordfreq both know.
SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "fi": "finnish", "fr": "french", "hi": "hindi", "hu": "hungarian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "nb": "norwegian", "nl": "dutch", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sv": "swedish", "ta": "tamil", "tr": "turkish",
}  # fmt: skip
OTHER_STOP_WORDS = 100

_WORD = re.compile(r"[a-z0-9][a-z0-9']+")
_OTHER_WORD = re.compile(r"[^\W_][\w']+")  # any script
_RAW_WORD = re.compile(r"\w+")

# Function words and forum/web filler that say nothing about a topic.
_STOP_WORDS_TEXT = """
    a about above across after afterwards again against all almost alone along already also although always am
    among amongst an and another any anyhow anyone anything anyway anywhere are around as at back be became
    because become becomes becoming been before beforehand behind being below beside besides between beyond both
    but by can cannot could did do does doing done down due during each eg either else elsewhere enough etc even
    ever every everyone everything everywhere except few for former formerly from further had has have having he
    hence her here hereafter hereby herein hers herself him himself his how however i ie if in indeed into is it
    its itself just last latter latterly least less let like ltd made many may me meanwhile might more moreover
    most mostly much must my myself namely neither never nevertheless next no nobody none noone nor not nothing
    now nowhere of off often on once one only onto or other others otherwise our ours ourselves out over own per
    perhaps please put rather re same seem seemed seeming seems several she should since so some somehow someone
    something sometime sometimes somewhere still such than that the their theirs them themselves then thence there
    thereafter thereby therefore therein thereupon these they this those though through throughout thru thus to
    together too toward towards under until up upon us very via was we well were what whatever when whence
    whenever where whereafter whereas whereby wherein whereupon wherever whether which while whither who whoever
    whole whom whose why will with within without would yet you your yours yourself yourselves
    don doesn didn isn wasn aren weren won wouldn couldn shouldn ve ll
    http https www com org net html
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True)
class _Analyzer:
    stemmer: Any
    stop_words: frozenset[str]
    word: re.Pattern[str]


def language_of(code: str | None) -> str:
    """The language an article is analysed in: its own (an ISO 639-1 code, maybe with a region) when Snowball
    stems it, else English."""
    base = (code or "").lower().replace("_", "-").split("-")[0]
    return "nb" if base == "no" else base if base in SNOWBALL else ENGLISH


@cache
def _analyzer(language: str) -> _Analyzer:
    if language == ENGLISH:
        return _Analyzer(snowballstemmer.stemmer("english"), STOP_WORDS, _WORD)
    own = wordfreq.top_n_list(language, OTHER_STOP_WORDS)
    return _Analyzer(snowballstemmer.stemmer(SNOWBALL[language]), STOP_WORDS | frozenset(own), _OTHER_WORD)


def _hashed(stem: str) -> int:
    return (zlib.crc32(stem.encode()) & HASH_MASK) or 1


@lru_cache(maxsize=200_000)
def _stem_hash(word: str, language: str = ENGLISH) -> int:
    """The 24-bit id of a word's stem, or 0 for a stop word (cached: stemming is the costly step)."""
    word = word.replace("'", "")
    analyzer = _analyzer(language)
    if word in analyzer.stop_words or len(word) < 2:
        return 0
    stem = analyzer.stemmer.stemWord(word)
    return 0 if stem in analyzer.stop_words else _hashed(stem)


def term_ids(text: str, language: str = ENGLISH) -> list[int]:
    """The hashed stems of a text, in order, stop words dropped."""
    ids = (_stem_hash(w, language) for w in _analyzer(language).word.findall(text.lower()))
    return [t for t in ids if t]


@lru_cache(maxsize=16)
def term_weights(title: str, text: str, language: str = ENGLISH) -> dict[int, float]:
    """BM25's saturated term frequency of title + text, each distinct title term boosted by TITLE_BOOST.

    Cached (do not change the answer): related reading looks an article up and then indexes it.
    """
    use_language(language)
    counts = Counter(term_ids(title, language))
    counts.update(term_ids(text, language))
    length = TF_K1 * (1 - TF_B + TF_B * sum(counts.values()) / TF_AVG_TERMS)
    weights = {t: (TF_K1 + 1) * n / (n + length) for t, n in counts.items()}
    for t in set(term_ids(title, language)):
        weights[t] += TITLE_BOOST
    return weights


@lru_cache(maxsize=16)
def shingle_sketch(text: str, size: int = SKETCH_SIZE) -> tuple[int, ...]:
    """A bottom-k sketch: the `size` smallest hashes of the text's word 4-grams (stop words kept)."""
    words = _RAW_WORD.findall(text.lower())
    grams = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    grams.discard("")
    return tuple(heapq.nsmallest(size, {zlib.crc32(g.encode()) for g in grams}))


def sketch_jaccard(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of two shingle sets from their bottom-k sketches."""
    if not a or not b:
        return 0.0
    k = min(len(a), len(b))
    first, second = set(a), set(b)
    return len((first & second).intersection(sorted(first | second)[:k])) / k


def title_tokens(title: str) -> frozenset[str]:
    return frozenset(w for w in _RAW_WORD.findall(title.lower()) if w not in STOP_WORDS)


def pack_terms(weights: dict[int, float], limit: int) -> bytes:
    """The `limit` heaviest terms as 4-byte records: 24-bit hash, then the weight scaled to 1..255."""
    top = heapq.nlargest(limit, weights.items(), key=lambda kv: kv[1])
    if not top:
        return b""
    scale = 255.0 / top[0][1]
    return b"".join((t | (max(1, min(255, round(w * scale))) << 24)).to_bytes(4, "little") for t, w in top)


def unpack_terms(packed: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Term hashes (int64) and L2-normalised weights (float32) of a packed signature."""
    raw = np.frombuffer(packed, dtype="<u4")
    terms = (raw & HASH_MASK).astype(np.int64)
    weights = (raw >> 24).astype(np.float32)
    norm = float(np.sqrt(np.dot(weights, weights))) or 1.0
    return terms, weights / norm


def language_shares(language: str) -> dict[int, float]:
    """Per term: the share of general articles of PRIOR_DOC_WORDS words in `language` that hold it (Poisson),
    from wordfreq's word frequencies summed per stem. Rarer words than its small list holds count as 0. Reading a
    language costs 0.3-0.5 s: an event loop reads it in a thread and merges it (merge_shares)."""
    analyzer = _analyzer(language)
    frequencies = wordfreq.get_frequency_dict(language, wordlist="small")
    words = [w for w in frequencies if analyzer.word.fullmatch(w) and w not in analyzer.stop_words]
    per_stem: dict[int, float] = {}
    for word, stem in zip(words, analyzer.stemmer.stemWords(words), strict=True):  # one call: a sixth of the time
        if stem not in analyzer.stop_words:
            t = _hashed(stem)
            per_stem[t] = per_stem.get(t, 0.0) + frequencies[word]
    return {t: 1.0 - math.exp(-f * PRIOR_DOC_WORDS) for t, f in per_stem.items()}


_shares: dict[int, float] = {}  # the general shares of every language this process has met, merged
_languages: set[str] = set()


def language_used(language: str) -> bool:
    """Whether this process has merged `language`'s general shares (use_language)."""
    return language in _languages


def use_language(language: str) -> None:
    """Count `language`'s general shares from now on (English and each language an index holds are met first)."""
    if language not in _languages:
        merge_shares(language, language_shares(language))


def merge_shares(language: str, shares: dict[int, float]) -> None:
    for t, share in shares.items():
        _shares[t] = max(_shares.get(t, 0.0), share)
    _languages.add(language)


def general_shares(terms: np.ndarray) -> np.ndarray:
    """The general document share of each term (0 for a term that no language met uses much)."""
    use_language(ENGLISH)
    return np.fromiter(map(_shares.get, terms.tolist(), itertools.repeat(0.0)), dtype=np.float64, count=len(terms))
