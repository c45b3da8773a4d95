"""PDFs: text, title, author, date and page count with pypdfium2, read in the killable extraction worker.

pypdfium2 (PDFium's bindings) was chosen by `python -m bench pdf`: on the same generated PDFs it read text as
well as pypdf and pdfminer.six and many times faster (figures in the README). The worker that reads a PDF runs
under an address-space limit, so a decompression bomb makes PDFium abort (the worker dies and is replaced)
instead of taking the machine's memory; a PDF that takes too long is killed like an overrunning page.
"""

from __future__ import annotations

import os
import re
import resource
from collections import Counter
from datetime import date
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pydantic import BaseModel, Field

from bot.config import Settings
from bot.errors import DigestError
from bot.models import DatePrecision
from bot.pipeline.extract.language import detect_language  # the article extractor's own, for PDFs too
from bot.pipeline.extract.pool import run_in_worker

MEMORY_BUDGET = 768 * 1024 * 1024  # address space a PDF may add to its worker (a bomb inflates GiBs)
TITLE_SCAN_CHARS = 800  # the first page's title is looked for among its first characters
_SIGNATURE = b"%PDF-"
PDF_SNIFF_BYTES = 1024  # how far into a file PDF readers look for the signature
_PASSWORD, _SECURITY = 4, 5  # PDFium's FPDF_ERR_PASSWORD and FPDF_ERR_SECURITY
_JUNK_TITLE = re.compile(
    r"^(untitled|document\d*|slide \d+|powerpoint presentation|microsoft (word|powerpoint|excel) - .*|"
    r".*\.(docx?|pdf|indd|tex|dvi|pptx?|odt|rtf|qxd))$",
    re.IGNORECASE,
)
_JUNK_AUTHOR = re.compile(r"^(user|admin|administrator|owner|author|unknown|anonymous|\W*)$", re.IGNORECASE)
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")
COVER_LINES = 12  # a byline or date this near the top of the first page belongs to the document
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]  # fmt: skip
_MONTH_DATE = re.compile(
    rf"\b(?:(?P<day_first>\d{{1,2}})\s+)?(?P<month>{'|'.join(_MONTHS)})\s+(?:(?P<day_after>\d{{1,2}}),?\s+)?"
    r"(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_BYLINE = re.compile(r"^(?:by|written by|authors?:)\s+(.+)$", re.IGNORECASE)
_NAME = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){1,4}"  # two to five capitalised words: a name, not a sentence
_NAMES = re.compile(rf"^{_NAME}(?:(?:,|,? and|&)\s+{_NAME}){{0,9}}$")
_PAGE_NUMBER = re.compile(r"^\W*(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\W*$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_TERMINAL = (".", "!", "?", ":", "…", '"', "”", "’", ")")
_HYPHENS = ("-", "\u00ad", "\x02")  # a hyphen, a soft hyphen, and PDFium's mark for a hyphenated line end


class PdfText(BaseModel):
    """What a PDF holds that a digest needs."""

    title: str | None = None
    author: str | None = None
    published: date | None = None
    published_precision: DatePrecision = "day"  # a PDF date may give only the year ("D:2019") or the month
    language: str | None = None
    pages: int = 0  # in the document
    pages_read: int = 0  # the first `pdf_max_pages` at most
    paragraphs: list[str] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def looks_like_pdf(data: bytes) -> bool:
    """Whether `data` (its first PDF_SNIFF_BYTES suffice) is a PDF, fetched or saved, whatever type a server gave it:
    the signature may follow junk (a BOM, a script's warnings), as readers allow."""
    return _SIGNATURE in data[:PDF_SNIFF_BYTES]


async def read_pdf_bounded(data: bytes, settings: Settings) -> PdfText:
    """The PDF's text and facts, read in an extraction worker; DigestError for anything unreadable."""
    if not looks_like_pdf(data):
        raise DigestError("not_pdf", "This is not a PDF (it lacks the %PDF- signature).")
    limit = settings.extract_timeout_s
    try:
        answer = await run_in_worker("bot.pipeline.pdf:read_pdf", (data, settings.pdf_max_pages), limit)
    except TimeoutError:
        raise DigestError("extraction_timeout", f"The PDF took longer than {limit:g} s to read, so reading it "
                                                "was stopped.") from None  # fmt: skip
    except (EOFError, OSError):
        raise DigestError("pdf_unreadable", f"Reading the PDF needed more than {MEMORY_BUDGET >> 20} MiB of "
                                            "memory or crashed the reader, so it was stopped.") from None  # fmt: skip
    if "error" in answer:
        raise DigestError(answer["error"], answer["message"])
    return PdfText.model_validate(answer)


# --- in the extraction worker --------------------------------------------------------------------


def read_pdf(data: bytes, max_pages: int) -> dict[str, Any]:
    """Worker side: a PdfText dict, or {"error": reason, "message": ...}. Never raises (a raise would end the
    worker's loop); a memory bomb aborts the process, which the caller sees as a dead worker."""
    previous = _limit_memory()
    try:
        return _read(data, max_pages).model_dump()
    except pdfium.PdfiumError as error:
        return _load_error(error)
    except Exception as error:  # PDFium's bindings raise plain errors on malformed objects too
        return {"error": "pdf_unreadable", "message": f"The PDF is damaged and could not be read ({error})."}
    finally:
        resource.setrlimit(resource.RLIMIT_AS, previous)


def _limit_memory() -> tuple[int, int]:
    previous = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (in_use + MEMORY_BUDGET, previous[1]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort must not write a core file of that size
    return previous


def _load_error(error: pdfium.PdfiumError) -> dict[str, str]:
    if getattr(error, "err_code", None) in (_PASSWORD, _SECURITY):
        return {"error": "encrypted", "message": "The PDF is password-protected, so its text cannot be read."}
    return {"error": "pdf_unreadable", "message": "The PDF is damaged and could not be read."}


def _read(data: bytes, max_pages: int) -> PdfText:
    document = pdfium.PdfDocument(data)
    try:
        meta = document.get_metadata_dict(skip_empty=True)
        count = len(document)
        read = [_page_text(document, index) for index in range(min(count, max_pages))]
    finally:
        document.close()
    headline = read[0][1] if read else None
    texts = [text for text, _ in read]
    cover = _cover(texts[0]) if texts else Cover()
    if cover.lines:
        texts[0] = "\n".join(line for line in texts[0].splitlines() if line.strip() not in cover.lines)
    paragraphs = _without_headline(page_paragraphs(texts), headline)
    text = "\n\n".join(paragraphs)
    # a date printed atop the first page is the one its authors meant; the file's creation date comes next
    dated = (cover.published, "day") if cover.published else None
    published, precision = dated or pdf_date(meta.get("CreationDate")) or pdf_date(meta.get("ModDate")) or (None, "day")
    return PdfText(
        title=_title(meta.get("Title"), headline, paragraphs),
        author=_author(meta.get("Author")) or cover.author,
        published=published,
        published_precision=precision,
        language=detect_language(text),
        pages=count,
        pages_read=len(read),
        paragraphs=paragraphs,
    )


def _page_text(document: pdfium.PdfDocument, index: int) -> tuple[str, str | None]:
    """A page's text, and on the first page the text in its largest type (usually the title)."""
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_bounded(), _largest_text(textpage) if index == 0 else None
        finally:
            textpage.close()
    finally:
        page.close()


def _largest_text(textpage: pdfium.PdfTextPage) -> str | None:
    """The first characters in the page's largest font, when that font stands out from the body's."""
    count = min(textpage.count_chars(), TITLE_SCAN_CHARS)
    text = textpage.get_text_range(0, count)
    if len(text) != count:  # characters outside the BMP shift the indices: no title from type sizes then
        return None
    sizes = [pdfium_c.FPDFText_GetFontSize(textpage.raw, i) for i in range(count)]
    chars = list(zip(text, sizes, strict=True))
    printed = [size for char, size in chars if not char.isspace()]
    if not printed or max(printed) < 1.15 * Counter(printed).most_common(1)[0][0]:
        return None
    top = max(printed)
    start = next(i for i, (char, size) in enumerate(chars) if size >= 0.95 * top and not char.isspace())
    run = []
    for char, size in chars[start:]:
        if not char.isspace() and size < 0.95 * top:
            break
        run.append(char)
    return _SPACE.sub(" ", "".join(run)).strip() or None


class Cover(BaseModel):
    """A byline and a date printed atop the first page, and the lines they were read from."""

    author: str | None = None
    published: date | None = None
    lines: set[str] = Field(default_factory=set)


def _cover(first_page: str) -> Cover:
    cover = Cover()
    for line in [line.strip() for line in first_page.splitlines() if line.strip()][:COVER_LINES]:
        if cover.author is None and (byline := _BYLINE.match(line)) and _NAMES.match(byline[1].strip()):
            name = byline[1].strip()
            cover.author = name.title() if name.isupper() else name
            cover.lines.add(line)
        elif cover.published is None and len(line) <= 40 and (found := printed_date(line)):
            cover.published = found
            cover.lines.add(line)
    return cover


def printed_date(text: str) -> date | None:
    """A full date as printed: 2026-11-04, 4 November 2026, November 4, 2026."""
    if match := _ISO_DATE.search(text):
        parts = (int(match[1]), int(match[2]), int(match[3]))
    elif match := _MONTH_DATE.search(text):
        day = match["day_first"] or match["day_after"]
        parts = (int(match["year"]), _MONTHS.index(match["month"].lower()) + 1, int(day)) if day else (0, 0, 0)
    else:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def _without_headline(paragraphs: list[str], headline: str | None) -> list[str]:
    """The headline set in large type runs into the first paragraph in the text layer: it is the title, not
    the text's first sentence."""
    if not headline or not paragraphs or not paragraphs[0].startswith(headline):
        return paragraphs
    rest = paragraphs[0][len(headline) :].strip()
    return ([rest] if rest else []) + paragraphs[1:]


def _title(declared: str | None, largest: str | None, paragraphs: list[str]) -> str | None:
    """The document's own title unless it is a template's or a file name, else the first page's headline."""
    for candidate in (declared, largest):
        text = _SPACE.sub(" ", candidate or "").strip()
        if 3 <= len(text) <= 250 and not _JUNK_TITLE.match(text):
            return text
    first = paragraphs[0] if paragraphs else ""
    return first if 3 <= len(first) <= 120 and not first.endswith(".") else None


def _author(declared: str | None) -> str | None:
    text = _SPACE.sub(" ", declared or "").strip()
    return text if text and len(text) <= 200 and not _JUNK_AUTHOR.match(text) and "@" not in text else None


def pdf_date(value: str | None) -> tuple[date, DatePrecision] | None:
    """A PDF date string (D:YYYYMMDDHHmmSS+hh'mm') and how much of it is given ("D:2019" is a year), or None when
    it is absent or not a date."""
    match = _PDF_DATE.match((value or "").strip())
    if not match:
        return None
    try:
        found = date(int(match[1]), int(match[2] or 1), int(match[3] or 1))
    except ValueError:
        return None
    precision: DatePrecision = "day" if match[3] else "month" if match[2] else "year"
    return (found, precision) if 1990 <= found.year <= date.today().year + 1 else None


# --- lines to paragraphs ---------------------------------------------------------------------------


def page_paragraphs(pages: list[str]) -> list[str]:
    """Paragraphs of running text: running headers, footers and page numbers dropped, wrapped lines joined,
    words hyphenated across a line end rejoined, and a paragraph carried over a page break made whole."""
    lines_per_page = [[line.strip() for line in page.splitlines()] for page in pages]
    furniture = _running_lines(lines_per_page)
    paragraphs: list[str] = []
    for lines in lines_per_page:
        kept = [line for line in lines if _key(line) not in furniture and not _PAGE_NUMBER.match(line)]
        page = _join_lines(kept)
        if page and paragraphs and _continues(paragraphs[-1], page[0]):
            paragraphs[-1] = _glue(paragraphs[-1], page.pop(0))
        paragraphs += page
    return paragraphs


def _key(line: str) -> str:
    return _DIGITS.sub("#", line.lower())


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Lines at the top or bottom of most pages (digits ignored, so "Page 3 of 9" counts): headers, footers."""
    if len(pages) < 3:
        return set()
    edges = Counter(key for lines in pages for key in {_key(line) for line in _edges(lines)} if key)
    return {key for key, seen in edges.items() if seen >= max(3, len(pages) // 2)}


def _edges(lines: list[str]) -> list[str]:
    filled = [line for line in lines if line]
    return filled[:2] + filled[-2:]


def _join_lines(lines: list[str]) -> list[str]:
    """A page's lines as paragraphs: a blank line, or a short line ending a sentence, ends a paragraph; a heading
    is a paragraph of its own."""
    widths = sorted(len(line) for line in lines if line)
    typical = widths[len(widths) * 3 // 4] if widths else 0
    paragraphs: list[str] = []
    current = ""
    for previous, line, after in zip(["", *lines], lines, [*lines[1:], ""], strict=False):  # the first one longer
        if not line:
            current = _flush(paragraphs, current)
            continue
        if _is_heading(line, current, (previous, after), typical):
            _flush(paragraphs, current)
            current = _flush(paragraphs, line)
            continue
        current = _glue(current, line) if current else line
        if line.endswith(_TERMINAL) and len(line) < 0.8 * typical:
            current = _flush(paragraphs, current)
    _flush(paragraphs, current)
    return paragraphs


def _is_heading(line: str, before: str, neighbours: tuple[str, str], typical: int) -> bool:
    """A line set on its own, not wrapped: it opens a paragraph or follows a sentence's end, ends none itself,
    stops short although the next line's first word would have fit on it, and the next line opens a sentence.

    It must stop short of the lines around it as well as of the page's typical width: lines set narrower than
    the page (beside a figure, in a column under full-width text) are as wide as their neighbours. A neighbour
    that ends a sentence may stop anywhere short of the column: one shorter than the line ("The vote was close.")
    says nothing of the column's width, a longer one shows the column is at least as wide, so the next word must
    fit within it. Without another neighbour, the page's typical width counts.
    """
    after = neighbours[1]
    next_word = after.split(maxsplit=1)[0] if after.strip() else ""
    width = len(line) + 1 + len(next_word)
    column = [_room(near) for near in neighbours if near and not (near.endswith(_TERMINAL) and len(near) < len(line))]
    return (
        next_word[:1].isupper()
        and not line.endswith(_TERMINAL)
        and width < min(0.8 * typical, max(column, default=0.8 * typical))
        and (not before or before.endswith(_TERMINAL))
    )


def _room(neighbour: str) -> float:
    """How wide a heading beside `neighbour` may be, its next word included: clearly narrower than a wrapped line,
    which fills its column, and no wider than a line ending a sentence, which the column is at least as wide as."""
    return len(neighbour) + 1 if neighbour.endswith(_TERMINAL) else 0.8 * len(neighbour)


def _flush(paragraphs: list[str], current: str) -> str:
    text = _SPACE.sub(" ", current).strip()
    if text:
        paragraphs.append(text)
    return ""


def _glue(head: str, tail: str) -> str:
    """Join two wrapped lines; a word hyphenated across them ("accus-" + "ed") becomes one word again."""
    if head.endswith(_HYPHENS) and len(head) > 1 and head[-2].isalpha() and tail[:1].islower():
        return head[:-1] + tail
    return f"{head.rstrip(chr(2))} {tail}"


def _continues(paragraph: str, next_first: str) -> bool:
    return not paragraph.endswith(_TERMINAL) and next_first[:1].islower()
