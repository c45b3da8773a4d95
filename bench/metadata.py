"""Byline and main-text benchmark: digestbot beside trafilatura, htmldate and newspaper4k on 500 labelled pages.

The pages (../shared/bench/metadata/: many sites and languages) are unpacked to files and digestbot reads each
one as `digestbot digest --json PAGE` does (bot.pipeline.digest.digest_source: the product's decoding, bounded
extraction in worker processes, the wall check; a page it refuses scores as empty). The peers read the same
decoded text: trafilatura's bare_extraction with metadata, htmldate's extensive search for the original date,
newspaper4k's Article. Nobody is given the page's address, as with a saved file. Every system runs in a process
of its own (bench/isolated.py), so its time per page and peak memory are its own; all are measured in the same
run. Scores come from the set's own score.py, read in place. While tuning, `python -m bench.metadata
--digestbot-only` skips the peers (their figures and the time ratio are then not printed).

The split is fixed and was chosen before any tuning: every 4th page by sorted id (index 3, 7, 11, ...) is held
out, and rules were tuned only on the other pages. Both figures are printed; the held-out one is the honest one.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import logging
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.isolated import child_or_options, run_isolated, write_result

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench" / "metadata"
RESULTS = ROOT / "bench" / "results" / "metadata.json"
HELD_OUT_EVERY = 4  # page index % 4 == 3 is held out: decided before tuning, never changed since
SYSTEMS = ("digestbot", "trafilatura", "htmldate", "newspaper4k")
GOALS = {"title": 0.85, "author": 0.80, "date": 0.92, "f": 0.93}

Output = dict[str, Any]  # text, title, author, published (any may be missing), or error


@dataclass(frozen=True)
class Page:
    id: str
    path: Path  # the unpacked page, as a user would save it

    def html(self) -> str:
        from bot.pipeline.fetch import decode_html

        return decode_html(self.path.read_bytes(), None)


def is_held_out(index: int) -> bool:
    return index % HELD_OUT_EVERY == HELD_OUT_EVERY - 1


def load_labels(data: Path = DATA) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (data / "labels.jsonl").read_text(encoding="utf-8").splitlines() if line]


def load_scorer(data: Path = DATA) -> ModuleType:
    """The set's own score.py, imported from where it lies."""
    spec = importlib.util.spec_from_file_location("metadata_score", data / "score.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {data / 'score.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def unpacked_pages(data: Path = DATA) -> Iterator[list[Page]]:
    with tempfile.TemporaryDirectory(prefix="digestbot-metadata-") as tmp:
        pages = []
        for label in load_labels(data):
            path = Path(tmp) / f"{label['id']}.html"
            path.write_bytes(gzip.decompress((data / "pages" / f"{label['id']}.html.gz").read_bytes()))
            pages.append(Page(label["id"], path))
        yield pages


# --- the systems (each runs in a child process) ---------------------------------------------------


def _digestbot() -> Callable[[Page], Output]:
    from bench.product import saved_page_digester
    from bot.errors import DigestError

    digest = saved_page_digester()

    def run(page: Page) -> Output:
        try:
            return digest(page.path).model_dump(mode="json", include={"title", "author", "published", "text"})
        except DigestError as error:
            return {"error": str(error), "reason": error.reason}

    return run


def _trafilatura() -> Callable[[Page], Output]:
    import trafilatura

    def run(page: Page) -> Output:
        doc = trafilatura.bare_extraction(page.html(), with_metadata=True)
        if doc is None:
            return {}
        return {"title": doc.title, "author": doc.author, "published": doc.date, "text": doc.text}

    return run


def _htmldate() -> Callable[[Page], Output]:
    import htmldate

    return lambda page: {"published": htmldate.find_date(page.html(), extensive_search=True, original_date=True)}


def _newspaper4k() -> Callable[[Page], Output]:
    import newspaper

    def run(page: Page) -> Output:
        article = newspaper.Article(page.path.as_uri(), fetch_images=False)
        article.download(input_html=page.html())
        article.parse()
        published = article.publish_date.date().isoformat() if article.publish_date else None
        return {"title": article.title, "author": ", ".join(article.authors), "published": published,
                "text": article.text}  # fmt: skip

    return run


_FACTORIES: dict[str, Callable[[], Callable[[Page], Output]]] = {
    "digestbot": _digestbot,
    "trafilatura": _trafilatura,
    "htmldate": _htmldate,
    "newspaper4k": _newspaper4k,
}


def run_child(system: str, out: Path) -> None:
    """Digest every page with one system; write its outputs, seconds per page and peak memory to `out`."""
    logging.disable(logging.WARNING)  # the peers log every page they discard
    with unpacked_pages() as pages:
        run = _FACTORIES[system]()
        run(pages[0])  # warm-up: imports, models and worker processes are not per-page costs
        outputs, seconds = [], []
        for page in pages:
            start = time.perf_counter()
            try:
                output = run(page)
            except Exception as error:  # a peer crashing on one page scores that page as empty
                print(f"{system} failed on page {page.id}: {error!r}", file=sys.stderr)
                output = {"error": repr(error)}
            seconds.append(time.perf_counter() - start)
            outputs.append(output)
        write_result(out, {"system": system, "outputs": outputs, "seconds": seconds})


# --- scoring and the table -------------------------------------------------------------------------


def split_scores(scorer: ModuleType, labels: list[dict[str, Any]], outputs: list[Output]) -> dict[str, dict]:
    """score.py's figures on all pages, on the tuning pages and on the held-out pages."""
    parts: dict[str, list[int]] = {"all": list(range(len(labels))), "tuned on": [], "held out": []}
    for i in range(len(labels)):
        parts["held out" if is_held_out(i) else "tuned on"].append(i)
    return {name: scorer.score([labels[i] for i in idx], [outputs[i] for i in idx]) for name, idx in parts.items()}


def desk_labels(labels: list[dict[str, Any]]) -> set[int]:
    """Pages whose labelled author includes a name the byline rules do not take for a person, a handle or a news
    agency: a desk ("Redaktion"), a company, the site. The product shows no author there, by design."""
    from bot.pipeline.metadata import byline_names

    def names(value: str | list[str]) -> list[str]:  # score.py's split, keeping the names' own case
        parts = value if isinstance(value, list) else re.split(r";|,|\band\b|\bund\b", value)
        return [p.strip() for p in parts if p.strip()]

    return {i for i, label in enumerate(labels)
            if label.get("author") and any(not byline_names(name) for name in names(label["author"]))}  # fmt: skip


def _cell(scores: dict[str, float], key: str, system: str) -> str:
    if system == "htmldate" and key != "date":
        return "–"
    return f"{scores[key]:.3f}"


def render(results: dict[str, dict[str, Any]], scored: dict[str, dict[str, dict]], labels: list[dict[str, Any]],
           scorer: ModuleType) -> None:  # fmt: skip
    pages = len(labels)
    console = Console(width=130)
    for split in ("all", "tuned on", "held out"):
        count = sum(1 for i in range(pages) if split == "all" or (split == "held out") == is_held_out(i))
        table = Table(title=f"Byline and main text, {split}: {count} pages (bench/metadata.py)")
        for column in ("system", "text P", "text R", "text F", "title", "author", "date"):
            table.add_column(column, justify="left" if column == "system" else "right")
        for system, splits in scored.items():
            keys = ("precision", "recall", "f", "title", "author", "date")
            table.add_row(system, *(_cell(splits[split], key, system) for key in keys))
        console.print(table)
    goals = ", ".join(f"{k} ≥ {v}" for k, v in GOALS.items())
    console.print(f"goals for digestbot on every split: {goals}")
    base = statistics.fmean(results["trafilatura"]["seconds"]) if "trafilatura" in results else None
    for system, result in results.items():
        per_page = result["seconds"]
        mean, median = statistics.fmean(per_page), statistics.median(per_page)
        ratio = f" ({mean / base:.2f}x trafilatura's mean)" if base else ""
        console.print(
            f"{system:12} {mean * 1000:7.1f} ms/page mean, {median * 1000:6.1f} median{ratio}; "
            f"peak RSS {result['peak_rss_mib']:.0f} MiB"
        )
    desks = desk_labels(labels)
    for split, part in (("all", range(len(labels))), ("held out", [i for i in range(len(labels)) if is_held_out(i)])):
        chosen = [i for i in part if i not in desks]
        rest = scorer.score([labels[i] for i in chosen], [results["digestbot"]["outputs"][i] for i in chosen])
        named = sum(1 for i in part if labels[i].get("author"))
        console.print(f"{split}: {len(desks & set(part))} of {named} labelled authors name a desk, a company or "
                      f"the site (no author by the byline rules); digestbot's author accuracy on the "
                      f"other pages: {rest['author']:.3f}")  # fmt: skip
    refused = [o.get("reason") for o in results["digestbot"]["outputs"] if "error" in o]
    console.print(f"digestbot refused {len(refused)} page(s): {', '.join(sorted(map(str, refused))) or 'none'}")


def main(argv: list[str] | None = None) -> None:
    options = child_or_options(argv, run_child, "python -m bench.metadata", __doc__, "skip the peers (quick runs)")
    if options is None:
        return
    systems = SYSTEMS[:1] if options.digestbot_only else SYSTEMS
    if not (DATA / "labels.jsonl").is_file():
        print(f"metadata: {DATA} not found; skipping")
        return
    labels, scorer = load_labels(), load_scorer()
    results = {system: run_isolated("bench.metadata", system) for system in systems}
    scored = {system: split_scores(scorer, labels, result["outputs"]) for system, result in results.items()}
    render(results, scored, labels, scorer)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"scores": scored, "results": results}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
