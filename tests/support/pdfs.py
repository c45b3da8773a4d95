"""PDFs the tests make themselves: real documents written with fpdf2, and hand-made hostile ones.

    report_pdf(["First paragraph.", "Second."], title="Annual report", pages=3)

Core PDF fonts only (Latin-1), so nothing depends on the fonts a machine has.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from fpdf import FPDF

MIB = 1 << 20


class _Report(FPDF):
    """A report with a running header and a page-numbered footer, as most real ones have."""

    running_head = "Valley Water Board"

    def header(self) -> None:
        self.set_font("helvetica", size=8)
        self.cell(0, 5, self.running_head)
        self.ln(8)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("helvetica", size=8)
        self.cell(0, 5, f"Page {self.page_no()}", align="C")


def report_pdf(
    paragraphs: list[str],
    *,
    title: str | None = None,
    headline: str | None = None,
    author: str | None = None,
    created: datetime | None = None,
    pages: int = 1,
    password: str | None = None,
    cover: tuple[str, ...] = (),
) -> bytes:
    """`paragraphs` on each of `pages` pages (each page's copy numbered, so no two pages read the same);
    `title` and `author` go in the document's metadata, `headline` in large type atop the first page, then the
    `cover` lines (a byline, a date)."""
    pdf = _Report()
    pdf.set_creation_date(created or datetime(2026, 3, 4, 9, 30))
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    if password:
        pdf.set_encryption(owner_password="owner-secret", user_password=password)
    for number in range(1, pages + 1):
        pdf.add_page()
        if headline and number == 1:
            pdf.set_font("helvetica", style="B", size=22)
            pdf.multi_cell(0, 10, headline)
            pdf.ln(4)
        if number == 1:
            pdf.set_font("helvetica", size=10)
            for line in cover:
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        pdf.set_font("helvetica", size=11)
        for paragraph in paragraphs:
            text = paragraph if number == 1 else f"Part {number}: {paragraph}"
            pdf.multi_cell(0, 5.5, text)
            pdf.ln(3)
    return bytes(pdf.output())


def scanned_pdf(pages: int = 2, title: str | None = "Scanned minutes") -> bytes:
    """Pages of drawn shapes only, like a scan: no text layer at all."""
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    for _ in range(pages):
        pdf.add_page()
        for row in range(20):
            pdf.rect(20, 20 + row * 12, 170, 6, style="F")
    return bytes(pdf.output())


# --- hand-made hostile PDFs ------------------------------------------------------------------------


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file around `objects` (1 is the catalog), with a correct cross-reference table."""
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _one_page(content: bytes, page_extra: bytes = b"") -> bytes:
    stream = zlib.compress(content, 9)
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R" + page_extra + b" >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
    ])  # fmt: skip


TEXT_OP = b"BT /F1 12 Tf 72 700 Td (All work and no play makes a dull report.) Tj ET\n"


def stream_bomb_pdf(mib: int = 1024) -> bytes:
    """One page whose content stream inflates to `mib` MiB of zeros (about 1 MiB on the wire per GiB)."""
    return _one_page(bytes(mib * MIB))


def text_bomb_pdf(mib: int = 256) -> bytes:
    """One page whose content stream inflates to `mib` MiB of text-drawing operators: slow to lay out."""
    return _one_page(TEXT_OP * (mib * MIB // len(TEXT_OP)))


def nested_pdf(depth: int = 200_000) -> bytes:
    """One readable page whose dictionary also holds arrays nested `depth` deep."""
    return _one_page(TEXT_OP, b" /Nested " + b"[" * depth + b"]" * depth)
