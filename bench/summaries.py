"""Summary benchmark: ROUGE of the project's summarizer against Lead-k and sumy on 47 CNN/DailyMail stories.

Each story is rendered as the README says (title in <title>/<h1>, three sentences per <p>), saved to a file and
digested as `digestbot digest PAGE` does (digest_source: decoding, bounded extraction, the wall check,
the summary; a refused page scores as an empty summary), and scored with Google's rouge-score (use_stemmer=True)
against the newsroom's highlights. The baselines run on the raw `text` in the same process, with the README's
regex sentence splitter.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rouge_score import rouge_scorer

from bench.product import saved_page_digester
from bot.errors import DigestError
from bot.models import Article
from bot.pipeline.summarize import summarize

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "summaries" / "articles.jsonl.gz"
# After the end mark and its optional closing quote/bracket; the next sentence may open with a quote/bracket.
_README_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)\]]))\s+(?=[\"'“‘(]?[A-Z0-9])")
_METRICS = ("rouge1", "rouge2", "rougeL")


@dataclass(frozen=True)
class Story:
    id: str
    title: str | None
    text: str
    reference: str


def load_stories(path: Path = DATA) -> list[Story]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [Story(row["id"], row.get("title"), row["text"], row["reference"]) for row in rows]


def regex_sentences(text: str) -> list[str]:
    """The README's plain splitter: `.`/`!`/`?`, an optional closing quote or bracket, space, capital or digit."""
    return [s.strip() for s in _README_SENTENCE_END.split(text) if s.strip()]


def render_html(story: Story) -> str:
    title = html.escape(story.title or f"Article {story.id}")
    sentences = regex_sentences(story.text)
    paragraphs = (" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1><article>\n{body}\n</article></body></html>"
    )


def _sumy(method: str) -> Callable[[str], list[str]]:
    from nltk.tokenize import word_tokenize
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.nlp.tokenizers import Tokenizer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    class RegexTokenizer:  # NLTK's punkt data is not used, as in the README's baseline
        language = "english"

        def to_sentences(self, paragraph: str) -> tuple[str, ...]:
            return tuple(regex_sentences(paragraph))

        def to_words(self, sentence: str) -> tuple[str, ...]:
            words = word_tokenize(sentence, preserve_line=True)  # Treebank rules, no punkt sentence pass
            return tuple(filter(Tokenizer._is_word, words))

    summarizer = (LexRankSummarizer if method == "lexrank" else TextRankSummarizer)(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = RegexTokenizer()

    def run(text: str) -> list[str]:
        sentences = [Sentence(s, tokenizer) for s in regex_sentences(text)]
        document = ObjectDocumentModel([Paragraph(sentences)])
        return [str(s) for s in summarizer(document, 3)]

    return run


def product_summary(folder: Path) -> Callable[[Story], str]:
    """The summary `digestbot digest PAGE --json` prints for the story saved as a page in `folder`."""
    digest = saved_page_digester()

    def run(story: Story) -> str:
        page = folder / f"{story.id}.html"
        page.write_text(render_html(story), encoding="utf-8")
        try:
            return digest(page).summary
        except DigestError:
            return ""

    return run


def _score(scorer: rouge_scorer.RougeScorer, reference: str, summary: str) -> tuple[float, ...]:
    scores = scorer.score(reference, summary)
    return tuple(scores[m].fmeasure * 100 for m in _METRICS)


def _mean(rows: list[tuple[float, ...]]) -> tuple[float, ...]:
    return tuple(sum(column) / len(rows) for column in zip(*rows, strict=True))


def evaluate(stories: list[Story], folder: Path) -> dict[str, tuple[tuple[float, ...], float]]:
    """system name -> ((R1, R2, RL) averaged over stories, ms per story)."""
    scorer = rouge_scorer.RougeScorer(list(_METRICS), use_stemmer=True)
    digest = product_summary(folder)
    digest(stories[0])  # warm-up: the extraction workers start once
    systems: dict[str, Callable[[Story], str]] = {
        "digestbot (the CLI's digest of the saved page)": digest,
        "digestbot summarize on raw text": lambda s: " ".join(summarize(Article(title=s.title, text=s.text))),
        "Lead-3": lambda s: " ".join(regex_sentences(s.text)[:3]),
        "Lead-2": lambda s: " ".join(regex_sentences(s.text)[:2]),
        "LexRank (sumy, 3 sentences)": _joined(_sumy("lexrank")),
        "TextRank (sumy, 3 sentences)": _joined(_sumy("textrank")),
    }
    results = {}
    for name, system in systems.items():
        started = time.perf_counter()
        summaries = [system(story) for story in stories]
        ms = (time.perf_counter() - started) * 1000 / len(stories)
        rows = [_score(scorer, s.reference, summary) for s, summary in zip(stories, summaries, strict=True)]
        results[name] = (_mean(rows), ms)
    return results


def _joined(run: Callable[[str], list[str]]) -> Callable[[Story], str]:
    return lambda story: " ".join(run(story.text))


def _goal(results: dict[str, tuple[tuple[float, ...], float]]) -> str:
    """The README's bar: the pipeline beats Lead-3, LexRank and TextRank on every score."""
    ours = next(iter(results.values()))[0]
    rivals = [scores for name, (scores, _) in results.items() if name.startswith(("Lead-3", "LexRank", "TextRank"))]
    margin = min(mine - theirs for scores in rivals for mine, theirs in zip(ours, scores, strict=True))
    return f"goal (beat Lead-3, LexRank and TextRank on R1, R2 and RL): {'met' if margin > 0 else 'NOT met'}, " + (
        f"smallest margin {margin:+.2f} points"
    )


def main() -> None:
    if not DATA.exists():
        print(f"summaries: {DATA} not found; skipping")
        return
    stories = load_stories()
    with tempfile.TemporaryDirectory(prefix="digestbot-summaries-") as folder:
        results = evaluate(stories, Path(folder))
    width = max(len(name) for name in results)
    print(f"Summaries: {len(stories)} CNN/DailyMail stories, ROUGE F1 % (rouge-score, use_stemmer=True)")
    print(f"{'system':<{width}}  {'R1':>6} {'R2':>6} {'RL':>6}  {'ms/article':>10}")
    for name, ((r1, r2, rl), ms) in results.items():
        print(f"{name:<{width}}  {r1:6.2f} {r2:6.2f} {rl:6.2f}  {ms:10.2f}")
    print(_goal(results))
    print(
        "ms/article: the first row is the whole digest (saving, decoding, extraction, walls, summary, quotes); "
        "the second is summarize alone."
    )
    print("sumy's word tokenizer here is NLTK Treebank without punkt, so its scores differ a little from the README's.")


if __name__ == "__main__":
    main()
