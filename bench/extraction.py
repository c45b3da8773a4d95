"""Extraction benchmark: digestbot against trafilatura, readability-lxml and newspaper4k on 181 real pages.

Every extractor runs in this process on the same pages, decoded as the fetcher decodes them
(bs4.UnicodeDammit on the raw bytes), and is scored with the benchmark's own shingle metric
(bench/metric.py). Also measured: median and p95 milliseconds per page, digestbot's full digest time
(extraction + metadata + summary + quotes) against trafilatura's extraction alone, and peak memory.
Figures are printed as a table and written to bench/results/extraction.json.
"""

from __future__ import annotations

import gzip
import json
import logging
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bs4 import UnicodeDammit
from rich.console import Console
from rich.table import Table

from bench.metric import score_page, summarise

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench" / "extraction"
RESULTS = ROOT / "bench" / "results" / "extraction.json"
RATIO_TARGET = 1.5  # the full digest costs at most this many times trafilatura's extraction alone


@dataclass(frozen=True)
class Page:
    id: str
    url: str
    html: str
    expected: str


@dataclass
class Row:
    name: str
    precision: float
    recall: float
    f1: float
    accuracy: float
    median_ms: float
    p95_ms: float
    total_s: float


def load_pages(data: Path = DATA) -> list[Page]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        raw = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes())
        html = UnicodeDammit(raw, is_html=True).unicode_markup or ""
        pages.append(Page(page_id, item["url"], html, item["articleBody"]))
    return pages


def _trafilatura(**options: bool) -> Callable[[Page], str]:
    import trafilatura

    return lambda page: trafilatura.extract(page.html, url=page.url, include_comments=False, **options) or ""


def _readability(page: Page) -> str:
    import lxml.html
    from readability import Document

    from bot.pipeline.extract import block_texts

    summary = Document(page.html).summary(html_partial=True)
    return "\n".join(block_texts(lxml.html.fragment_fromstring(summary, create_parent="div"))) if summary else ""


def _newspaper(page: Page) -> str:
    import newspaper

    article = newspaper.Article(page.url, fetch_images=False)
    article.download(input_html=page.html)
    article.parse()
    return article.text or ""


def _digestbot(page: Page) -> str:
    from bot.pipeline.extract import extract_article

    return extract_article(page.html, page.url).text


def extractors() -> dict[str, Callable[[Page], str]]:
    return {
        "digestbot": _digestbot,
        "trafilatura (default)": _trafilatura(),
        "trafilatura (favor_precision)": _trafilatura(favor_precision=True),
        "readability-lxml": _readability,
        "newspaper4k": _newspaper,
    }


def run_extractor(name: str, extract: Callable[[Page], str], pages: list[Page]) -> Row:
    extract(pages[0])  # warm-up: imports and lazily loaded models are not per-page costs
    scores, times = [], []
    for page in pages:
        start = time.perf_counter()
        try:
            text = extract(page)
        except Exception as error:  # a peer crashing on one page scores that page as empty
            print(f"{name} failed on {page.id}: {error!r}", file=sys.stderr)
            text = ""
        times.append(time.perf_counter() - start)
        scores.append(score_page(page.expected, text))
    summary = summarise(scores)
    return Row(name, summary.precision, summary.recall, summary.f1, summary.accuracy, *_timing(times))


def _timing(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000, sum(ordered)


def paired_seconds(pages: list[Page]) -> tuple[float, float, float]:
    """Seconds of trafilatura (default) alone, and of digestbot's extraction + metadata and summary + quotes.

    Timed page by page in one pass, taking turns at going first, so both meet the same interpreter state
    (caches, garbage collector, CPU clock); separate passes minutes apart differed by up to 1.6x here.
    """
    from bot.config import Settings
    from bot.pipeline.digest import digest_article
    from bot.pipeline.extract import extract_article

    settings, trafilatura_alone = Settings(), _trafilatura()
    trafilatura_s = extract_s = summary_s = 0.0
    for n, page in enumerate(pages):
        for turn in ((0, 1) if n % 2 else (1, 0)):
            start = time.perf_counter()
            if turn == 0:
                trafilatura_alone(page)
                trafilatura_s += time.perf_counter() - start
                continue
            article = extract_article(page.html, page.url)
            middle = time.perf_counter()
            digest_article(article, page.url, page.url, settings)
            extract_s += middle - start
            summary_s += time.perf_counter() - middle
    return trafilatura_s, extract_s, summary_s


def main(argv: list[str] | None = None) -> None:
    logging.disable(logging.WARNING)  # the peers log every page they discard
    console = Console(width=110)
    if not DATA.is_dir():
        console.print(f"[red]benchmark data not found at {DATA}[/red]")
        return
    pages = load_pages()
    rows = [run_extractor(name, extract, pages) for name, extract in extractors().items()]
    trafilatura_s, extract_s, summary_s = paired_seconds(pages)
    digest_s = extract_s + summary_s
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    table = Table(title=f"Article extraction, {len(pages)} pages (bench/extraction.py)")
    for column in ("extractor", "F1", "precision", "recall", "accuracy", "median ms", "p95 ms"):
        table.add_column(column, justify="left" if column == "extractor" else "right")
    for r in sorted(rows, key=lambda r: -r.f1):
        table.add_row(r.name, f"{r.f1:.3f}", f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.accuracy:.3f}",
                      f"{r.median_ms:.1f}", f"{r.p95_ms:.1f}")  # fmt: skip
    console.print(table)
    ratio = digest_s / trafilatura_s
    console.print(f"digestbot full digest (extract + metadata + summary + quotes): {digest_s:.2f} s = {ratio:.2f}x "
                  f"trafilatura (default) extraction alone ({trafilatura_s:.2f} s, timed in the same pass); of "
                  f"which extraction + metadata {extract_s:.2f} s ({extract_s / trafilatura_s:.2f}x), summary + "
                  f"quotes {summary_s:.2f} s (target: at most {RATIO_TARGET:g}x)")  # fmt: skip
    console.print(f"peak memory (ru_maxrss): {peak_mib:.0f} MiB")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "pages": len(pages),
                "extractors": [asdict(r) for r in rows],
                "digest_seconds": digest_s,
                "digest_extract_seconds": extract_s,
                "digest_summary_seconds": summary_s,
                "trafilatura_seconds_same_pass": trafilatura_s,
                "digest_vs_trafilatura": ratio,
                "peak_rss_mib": peak_mib,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
