"""Extraction benchmark: digestbot against trafilatura, readability-lxml and newspaper4k on 181 real pages.

digestbot is measured on what a user gets: each page is saved to a file and digested as `digestbot digest PAGE`
does (bot.pipeline.digest.digest_source: the product's charset rules, bounded extraction in a worker process, the wall
check, summary and quotes); a page it refuses (a wall, an error) scores as empty text. The peers read the page
decoded as the fetcher decodes it (bs4.UnicodeDammit) with its address. Everything is scored with the
benchmark's own shingle metric (bench/metric.py). Each extractor runs in a process of its own
(bench/isolated.py), so its peak memory is its own. Also measured: median and p95 milliseconds per page, and
digestbot's full digest time against trafilatura's extraction alone, timed page by page in one pass.
Figures are printed as a table and written to bench/results/extraction.json. The pages digestbot did not answer
with an article's text are listed by name with their F1: refused ones, ones digested as another kind (a video, a
post), and ones whose extraction was stopped at DIGESTBOT_EXTRACT_TIMEOUT (on a machine too busy for them).
`python -m bench.extraction --digestbot-only` skips the peers and the timing (for quick iterations).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bs4 import UnicodeDammit
from rich.console import Console
from rich.table import Table

from bench.isolated import child_or_options, run_isolated, write_result
from bench.metric import score_page, summarise

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench" / "extraction"
RESULTS = ROOT / "bench" / "results" / "extraction.json"
RATIO_TARGET = 1.5  # the full digest costs at most this many times trafilatura's extraction alone
PAIRED = "paired timing"  # the child that times digestbot and trafilatura page by page in one pass


@dataclass(frozen=True)
class Page:
    id: str
    url: str
    html: str
    expected: str
    raw: bytes = b""  # the page as saved


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
    refused: int = 0  # pages the system answered with an error or a wall instead of text
    peak_rss_mib: float = 0.0
    timed_out: list[str] = field(default_factory=list)  # "page id (F1)": extraction stopped at the timeout
    other_kinds: list[str] = field(default_factory=list)  # "page id (kind, F1)": digested as a video, a post...


def load_pages(data: Path = DATA) -> list[Page]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        raw = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes())
        html = UnicodeDammit(raw, is_html=True).unicode_markup or ""
        pages.append(Page(page_id, item["url"], html, item["articleBody"], raw))
    return pages


@contextmanager
def saved_pages(pages: list[Page]) -> Iterator[dict[str, Path]]:
    """Each page's bytes in a file of its own, as a user saves it: page id -> path."""
    with tempfile.TemporaryDirectory(prefix="digestbot-extraction-") as tmp:
        paths = {}
        for page in pages:
            paths[page.id] = Path(tmp) / f"{page.id[:16]}.html"
            paths[page.id].write_bytes(page.raw)
        yield paths


def _trafilatura(**options: bool) -> Callable[[Page], str]:
    import trafilatura

    return lambda page: trafilatura.extract(page.html, url=page.url, include_comments=False, **options) or ""


def _readability(page: Page) -> str:
    import lxml.html
    from readability import Document

    from bot.pipeline.extract.main_text import block_texts

    summary = Document(page.html).summary(html_partial=True)
    return "\n".join(block_texts(lxml.html.fragment_fromstring(summary, create_parent="div"))) if summary else ""


def _newspaper(page: Page) -> str:
    import newspaper

    article = newspaper.Article(page.url, fetch_images=False)
    article.download(input_html=page.html)
    article.parse()
    return article.text or ""


class Refused(Exception):
    """digestbot answered a page with a wall or an error instead of a digest."""


def product_digest(paths: dict[str, Path]) -> Callable[[Page], Any]:
    """The CLI's digest of a saved page (bench/product.py); a refusal raises Refused."""
    from bench.product import saved_page_digester
    from bot.errors import DigestError

    digest = saved_page_digester()

    def run(page: Page) -> Any:
        try:
            return digest(paths[page.id])
        except DigestError as error:
            raise Refused(error.reason) from error

    return run


def digest_caveat(digest: Any) -> str | None:
    """Why a digest is not an article's text: "timeout" when its extraction was stopped, else its kind (video,
    post...), or None for an article."""
    from bot.pipeline.extract.pool import TIMEOUT_WARNING  # imported here: the peers' processes never load digestbot

    if digest.warning == TIMEOUT_WARNING:
        return "timeout"
    return None if digest.kind == "article" else str(digest.kind)


def peers() -> dict[str, Callable[[], Callable[[Page], str]]]:
    """Name -> a factory of the peer (built in the child process that runs it)."""
    return {
        "trafilatura (default)": _trafilatura,
        "trafilatura (favor_precision)": lambda: _trafilatura(favor_precision=True),
        "readability-lxml": lambda: _readability,
        "newspaper4k": lambda: _newspaper,
    }


def run_extractor(name: str, extract: Callable[[Page], Any], pages: list[Page]) -> Row:
    """Scores and times of `extract` (a peer's text, or digestbot's Digest) on every page."""
    with contextlib.suppress(Refused):  # warm-up: imports, models and worker processes are not per-page costs
        extract(pages[0])
    scores, times, refused, timed_out, other_kinds = [], [], 0, [], []
    for page in pages:
        start = time.perf_counter()
        try:
            answer = extract(page)
        except Refused:
            refused, answer = refused + 1, ""
        except Exception as error:  # a peer crashing on one page scores that page as empty
            print(f"{name} failed on {page.id}: {error!r}", file=sys.stderr)
            answer = ""
        times.append(time.perf_counter() - start)
        score = score_page(page.expected, answer if isinstance(answer, str) else answer.text)
        scores.append(score)
        caveat = None if isinstance(answer, str) else digest_caveat(answer)
        if caveat == "timeout":
            timed_out.append(f"{page.id[:16]} (F1 {score.f1:.3f})")
        elif caveat:
            other_kinds.append(f"{page.id[:16]} ({caveat}, F1 {score.f1:.3f})")
    summary = summarise(scores)
    return Row(name, summary.precision, summary.recall, summary.f1, summary.accuracy, *_timing(times), refused,
               timed_out=timed_out, other_kinds=other_kinds)  # fmt: skip


def _timing(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000, sum(ordered)


def paired_seconds(pages: list[Page], digest: Callable[[Page], Any]) -> tuple[float, float]:
    """Seconds of trafilatura (default) alone, and of digestbot's full digest through the product's path.

    Timed page by page in one pass, taking turns at going first, so both meet the same machine state (caches,
    CPU clock, the other work on it); separate passes minutes apart differed by up to 1.6x here.
    """
    trafilatura_alone = _trafilatura()
    seconds = [0.0, 0.0]
    for n, page in enumerate(pages):
        for turn in (0, 1) if n % 2 else (1, 0):
            start = time.perf_counter()
            with contextlib.suppress(Refused):  # a refused page still cost its extraction and wall check
                digest(page) if turn else trafilatura_alone(page)
            seconds[turn] += time.perf_counter() - start
    return seconds[0], seconds[1]


def run_child(system: str, out: Path) -> None:
    logging.disable(logging.WARNING)  # the peers log every page they discard
    pages = load_pages()
    with saved_pages(pages) as paths:
        if system == PAIRED:
            digest = product_digest(paths)
            with contextlib.suppress(Refused):  # warm-up: the extraction workers start once
                digest(pages[0])
            trafilatura_s, digest_s = paired_seconds(pages, digest)
            write_result(out, {"trafilatura_s": trafilatura_s, "digest_s": digest_s})
            return
        extract = product_digest(paths) if system == "digestbot" else peers()[system]()
        write_result(out, asdict(run_extractor(system, extract, pages)))


def main(argv: list[str] | None = None) -> None:
    options = child_or_options(argv, run_child, "python -m bench.extraction", __doc__,
                               "skip the peers and the timing (quick runs)")  # fmt: skip
    if options is None:
        return
    digestbot_only = options.digestbot_only
    console = Console(width=120)
    if not DATA.is_dir():
        console.print(f"[red]benchmark data not found at {DATA}[/red]")
        return
    names = ["digestbot"] if digestbot_only else ["digestbot", *peers()]
    results = {name: run_isolated("bench.extraction", name) for name in names}
    rows = [Row(**{k: v for k, v in result.items() if k in Row.__dataclass_fields__}) for result in results.values()]
    for row, result in zip(rows, results.values(), strict=True):
        row.peak_rss_mib = result["peak_rss_mib"]
    paired = None if digestbot_only else run_isolated("bench.extraction", PAIRED)
    render(console, rows, paired)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"extractors": [asdict(r) for r in rows], **(paired or {})}, indent=2),
                       encoding="utf-8")  # fmt: skip


def render(console: Console, rows: list[Row], paired: dict[str, float] | None) -> None:
    table = Table(title=f"Article extraction, {len(load_pages())} pages (bench/extraction.py)")
    for column in ("extractor", "F1", "precision", "recall", "accuracy", "median ms", "p95 ms", "peak MiB"):
        table.add_column(column, justify="left" if column == "extractor" else "right")
    for r in sorted(rows, key=lambda r: -r.f1):
        table.add_row(r.name, f"{r.f1:.3f}", f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.accuracy:.3f}",
                      f"{r.median_ms:.1f}", f"{r.p95_ms:.1f}", f"{r.peak_rss_mib:.0f}")  # fmt: skip
    console.print(table)
    ours = next(r for r in rows if r.name == "digestbot")
    console.print(f"digestbot: the CLI's digest of each saved page (walls and errors score as empty: "
                  f"{ours.refused} page(s)); peak memory is each system's own process, digestbot's with its "
                  "extraction workers")  # fmt: skip
    _render_caveats(console, ours)
    if paired is None:
        return
    trafilatura_s, digest_s = paired["trafilatura_s"], paired["digest_s"]
    console.print(f"digestbot full digest (the CLI's path: extraction + metadata + walls + summary + quotes): "
                  f"{digest_s:.2f} s = {digest_s / trafilatura_s:.2f}x trafilatura (default) extraction alone "
                  f"({trafilatura_s:.2f} s, timed in the same pass; target: at most {RATIO_TARGET:g}x)")  # fmt: skip


def _render_caveats(console: Console, ours: Row) -> None:
    """The pages digestbot answered with something other than an article's text, by name, so a reader can tell a
    busy machine or a page taken for another kind from a change in extraction."""
    from bot.config import Settings

    timeout_s = Settings().extract_timeout_s
    if ours.timed_out:
        console.print(f"[yellow]{len(ours.timed_out)} page(s) hit the extraction timeout ({timeout_s:g} s, "
                      f"DIGESTBOT_EXTRACT_TIMEOUT) and score as metadata only: the machine was too busy for them; "
                      f"figures exclude nothing: {', '.join(ours.timed_out)}[/yellow]")  # fmt: skip
    else:
        console.print(f"no page hit the extraction timeout ({timeout_s:g} s)")
    if ours.other_kinds:
        console.print(f"digested as another kind than an article: {', '.join(ours.other_kinds)}")


if __name__ == "__main__":
    main()
