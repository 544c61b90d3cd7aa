"""PDF: text layer with tables kept and blocks side by side split; scanned pages through OCR.

pdfplumber (pdfminer) is used rather than pypdf because it finds ruled tables and gives word
positions: measured on the fixture decision, pypdf reads a page in 5 ms but runs table cells
together ("Tỷ lệ nội địa hóa sản phẩm cơ khí % 45 60"); pdfplumber takes 43 ms and returns
the cells, which become header-keyed rows.
"""

from __future__ import annotations

import io
import re
from typing import Any

from indexing.formats.base import TOO_LARGE, Loaded, LoadError, ParseLimits, Progress
from indexing.formats.ocr_layout import opens_unit
from indexing.formats.tables import table_lines
from indexing.formats.text import fix_mojibake

_LETTER = re.compile(r"[^\W\d_]")
MIN_LETTERS = 20  # fewer letters than this on a page with an image: a scan, read by OCR


def read_pdf(data: bytes, limits: ParseLimits, progress: Progress) -> Loaded:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        if isinstance(exc.args[0] if exc.args else None, PDFPasswordIncorrect):
            raise LoadError("encrypted PDF (password needed)") from exc
        raise LoadError(f"unreadable PDF: {exc}") from exc
    with pdf:
        try:
            count = len(pdf.pages)
        except MemoryError:
            raise
        except Exception as exc:  # pdfminer raises many types for a broken page tree
            raise LoadError(f"unreadable PDF: {type(exc).__name__}: {exc}") from exc
        if count > limits.max_pdf_pages:
            raise LoadError(
                f"{TOO_LARGE}: the PDF has {count} pages, over the limit of "
                f"{limits.max_pdf_pages} (HOIDAP_MAX_PDF_PAGES)"
            )
        pages: list[list[str]] = []
        scanned: list[int] = []
        for i, page in enumerate(pdf.pages):
            lines = page_lines(page)
            text = "".join(lines)
            letters = len(_LETTER.findall(text))
            if (letters < MIN_LETTERS and page.images) or _garbled(text, letters):
                scanned.append(i)
            pages.append(lines)
            page.close()  # drop the page's cached objects: memory stays flat on long files
        title = (pdf.metadata or {}).get("Title")
    meta: dict[str, Any] = {"pages": count}
    if isinstance(title, str) and title.strip():
        meta["title"] = title.strip()
    if scanned:
        if not limits.ocr:
            raise LoadError(
                f"PDF pages {_spans(scanned)} have no text layer (scanned) and OCR is off "
                "(HOIDAP_OCR_ENABLED=false)"
            )
        from indexing.formats.ocr import ocr_pages

        for index, lines in zip(scanned, ocr_pages(data, scanned, limits, progress), strict=True):
            pages[index] = lines
        meta.update(ocr=True, ocr_pages=[i + 1 for i in scanned])
    text = "\n".join(line for lines in pages for line in lines)
    if not text.strip():
        raise LoadError("PDF has no text (blank pages, or a scan without any readable text)")
    return fix_mojibake(Loaded(text, meta))  # printed from a .VnTime or VNI font


def _garbled(text: str, letters: int) -> bool:
    """A text layer without a Unicode map: pdfminer writes ``(cid:17)`` for glyphs it cannot
    name (and stray letters for the rest). The page is drawn right, so OCR reads it."""
    cids = text.count("(cid:")
    return cids >= 3 and cids * 100 >= 3 * max(letters, 1)


def _spans(pages: list[int]) -> str:
    return ", ".join(str(p + 1) for p in pages[:10]) + (" …" if len(pages) > 10 else "")


def page_lines(page: Any) -> list[str]:
    """A page's lines top to bottom; tables as header-keyed rows; blocks placed side by side
    (a header's issuing body and national motto) as separate lines, left first."""
    try:
        tables = page.find_tables()
    except MemoryError:
        raise
    except Exception:  # a malformed drawing should not lose the page's text
        tables = []
    boxes = [t.bbox for t in tables]

    def outside(obj: dict[str, Any]) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    rest = page.filter(outside) if boxes else page
    segments = _segments(rest.extract_words(keep_blank_chars=False))
    blocks: list[tuple[float, float, float, list[str], bool]] = [
        (t.bbox[1], t.bbox[0], t.bbox[2], table_lines(t.extract()), False) for t in tables
    ]
    blocks += [(top, x0, x1, [text], True) for top, x0, x1, text in segments]
    blocks.sort(key=lambda b: (round(b[0]), b[1]))
    # A line that reaches the right margin without ending a sentence wraps onto the next one.
    left = min((s[1] for s in segments), default=0.0)
    right = max((s[2] for s in segments), default=0.0)
    out: list[str] = []
    wraps = False
    for _top, x0, x1, lines, is_text in blocks:
        if is_text and wraps and x0 - left < 3 and out and not opens_unit(lines[0]):
            out[-1] = f"{out[-1]} {lines[0]}"
        else:
            out.extend(line for line in lines if line.strip())
        last = lines[-1] if lines else ""
        full = x0 - left < 3 and x1 >= right - 0.15 * (right - left)
        wraps = is_text and full and not _ENDS.search(last)
    return out


_ENDS = re.compile(r"[.:;!?…]\s*$")


def _segments(words: list[dict[str, Any]]) -> list[tuple[float, float, float, str]]:
    """Words → (top, left, right, text) per visual line, split where a wide gap separates two
    blocks."""
    lines: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(word["top"] - lines[-1][0]["top"]) <= 2.5:
            lines[-1].append(word)
        else:
            lines.append([word])
    out: list[tuple[float, float, float, str]] = []
    for line in lines:
        line.sort(key=lambda w: w["x0"])
        height = max(w["bottom"] - w["top"] for w in line)
        start = 0
        for i in range(1, len(line) + 1):
            if i == len(line) or line[i]["x0"] - line[i - 1]["x1"] > 2.5 * height:
                part = line[start:i]
                text = " ".join(w["text"] for w in part)
                out.append((part[0]["top"], part[0]["x0"], part[-1]["x1"], text))
                start = i
    return out
