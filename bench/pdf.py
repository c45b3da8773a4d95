"""PDF text extraction: pypdfium2, pypdf and pdfminer.six on PDFs made from known text, in one run.

The PDFs are written here with fpdf2 from the shared benchmark texts, so the expected text is exactly what went
in: the 47 summary-set stories as one-column reports, and 24 extraction-set articles (several languages) set in
two columns; every page has a running header and a numbered footer, as real reports do. Each library reads the
same bytes in this process; text is scored with the extraction benchmark's shingle metric (bench/metric.py).
"digestbot" is bot/pipeline/pdf.py's reader: pypdfium2 plus its header, footer and line-joining cleanup.
Figures go to bench/results/pdf.json.
"""

from __future__ import annotations

import gzip
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.metric import score_page, summarise

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench"
RESULTS = ROOT / "bench" / "results" / "pdf.json"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's fonts-dejavu-core
EXTRACTION_DOCS = 24
REPEATS = 3  # each library reads every PDF this many times; the median time counts


@dataclass(frozen=True)
class Doc:
    id: str
    expected: str
    data: bytes
    pages: int


@dataclass
class Row:
    name: str
    precision: float
    recall: float
    f1: float
    median_ms: float
    pages_per_s: float


def _pdf(text: str, title: str, columns: int) -> tuple[bytes, int]:
    from fpdf import FPDF

    class Report(FPDF):
        def header(self) -> None:
            self.set_font("body", size=8)
            self.cell(0, 5, "Benchmark Quarterly — internal report")
            self.ln(8)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("body", size=8)
            self.cell(0, 5, f"Page {self.page_no()}", align="C")

    pdf = Report()
    pdf.add_font("body", fname=str(FONT))
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("body", size=10)
    if columns == 1:
        for paragraph in text.split("\n"):
            pdf.multi_cell(0, 5, paragraph)
            pdf.ln(2)
    else:
        with pdf.text_columns(ncols=columns, gutter=8) as cols:
            for paragraph in text.split("\n"):
                cols.write(paragraph + "\n")
    return bytes(pdf.output()), pdf.page_no()


def _renderable(text: str) -> bool:
    """DejaVu Sans covers Latin, Greek and Cyrillic, not CJK or Arabic: the others would print as boxes."""
    return all(ord(char) < 0x0530 or 0x2000 <= ord(char) < 0x2100 for char in text if not char.isspace())


def load_docs() -> list[Doc]:
    docs = []
    with gzip.open(SHARED / "summaries" / "articles.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            story = json.loads(line)
            data, pages = _pdf(story["text"], story["id"], 1)
            docs.append(Doc(story["id"], story["text"], data, pages))
    truth = json.loads((SHARED / "extraction" / "ground-truth.json").read_text(encoding="utf-8"))
    chosen = [(key, item["articleBody"]) for key, item in sorted(truth.items()) if _renderable(item["articleBody"])]
    for key, body in chosen[:EXTRACTION_DOCS]:
        data, pages = _pdf(body, key, 2)
        docs.append(Doc(key, body, data, pages))
    return docs


def _pypdfium2(data: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(document[i].get_textpage().get_text_bounded() for i in range(len(document)))
    finally:
        document.close()


def _pypdf(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _pdfminer(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data))


def _digestbot(data: bytes) -> str:
    from bot.pipeline.pdf import read_pdf

    return "\n\n".join(read_pdf(data, 1000)["paragraphs"])


def readers() -> dict[str, Callable[[bytes], str]]:
    return {"digestbot (pypdfium2 + cleanup)": _digestbot, "pypdfium2": _pypdfium2, "pypdf": _pypdf,
            "pdfminer.six": _pdfminer}  # fmt: skip


def run_reader(name: str, read: Callable[[bytes], str], docs: list[Doc]) -> Row:
    read(docs[0].data)  # warm-up: imports and lazy loading are not per-document costs
    scores, times = [], []
    for doc in docs:
        taken = []
        text = ""
        for _ in range(REPEATS):
            start = time.perf_counter()
            try:
                text = read(doc.data)
            except Exception as error:  # a library failing on one PDF scores it as empty
                print(f"{name} failed on {doc.id}: {error!r}", file=sys.stderr)
                text = ""
            taken.append(time.perf_counter() - start)
        times.append(statistics.median(taken))
        scores.append(score_page(doc.expected, text))
    summary = summarise(scores)
    pages = sum(doc.pages for doc in docs)
    return Row(name, summary.precision, summary.recall, summary.f1, statistics.median(times) * 1000,
               pages / sum(times))  # fmt: skip


def main() -> None:
    console = Console(width=110)
    if not (SHARED / "summaries").is_dir() or not FONT.is_file():
        console.print(f"[red]needs {SHARED} and {FONT} (Debian's fonts-dejavu-core)[/red]")
        return
    docs = load_docs()
    rows = [run_reader(name, read, docs) for name, read in readers().items()]
    pages = sum(doc.pages for doc in docs)
    table = Table(title=f"PDF text, {len(docs)} generated PDFs, {pages} pages (bench/pdf.py)")
    for column in ("reader", "F1", "precision", "recall", "median ms/PDF", "pages/s"):
        table.add_column(column, justify="left" if column == "reader" else "right")
    for r in rows:
        table.add_row(r.name, f"{r.f1:.3f}", f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.median_ms:.1f}",
                      f"{r.pages_per_s:.0f}")  # fmt: skip
    console.print(table)
    fastest_peer = max(r.pages_per_s for r in rows[2:])
    console.print(f"pypdfium2 reads {rows[1].pages_per_s / fastest_peer:.1f}x the pages per second of the fastest "
                  "other library in this run")  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"pdfs": len(docs), "pages": pages, "readers": [asdict(r) for r in rows]}, indent=2))


if __name__ == "__main__":
    main()
