"""Builds the official-document fixtures that arrive in other formats than DOCX and text.

Sources: ``evals/corpora/official_src/<format>/<id>.txt``, in the same layout as the DOCX
sources (header, body with ``Chỉ tiêu: …; Đơn vị: …`` rows for a targets table, Nơi nhận and
signature). Each becomes ``evals/corpora/official/<id>.<ext>`` the way such a file really
arrives:

- ``pdf``: a text PDF (fpdf2, embedded DejaVu Serif), header and signature in two columns, the
  targets in a ruled table;
- ``scan``: an image-only PDF, typed at 12 pt, rendered at 300 dpi, slightly skewed, with
  dust, saved black and white (CCITT G4, ~50 KiB) as office scanners save documents; two
  pages, so OCR at index time takes seconds;
- ``doc``: a Word 97–2003 file, converted from the DOCX build by LibreOffice headless
  (``soffice``, Debian's ``libreoffice-writer``; needed only to rebuild);
- ``tcvn3`` / ``vni``: plain text typed in a .VnTime (TCVN3) or VNI-Times font, one byte a
  character.

Run: ``python -m evals.build_official_formats`` (a few seconds; the ``.doc`` takes ~2 s more).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from evals.build_official_docx import OUT, SRC, Parts, split_source, table_row

FONT_DIR = "/usr/share/fonts/truetype/dejavu"  # Debian's fonts-dejavu-core
SCAN_DPI = 300
_THRESHOLD = 150  # grey → black and white, as a document scanner's default mode does
SCAN_LINES_PER_PAGE = 36
FORMATS = {"pdf": ".pdf", "scan": ".pdf", "doc": ".doc", "tcvn3": ".txt", "vni": ".txt"}


def _blocks(body: list[str]) -> list[str | list[list[str]]]:
    """Body lines, with each run of ``Chỉ tiêu: …`` lines as one table (header row first)."""
    out: list[str | list[list[str]]] = []
    for line in body:
        row = table_row(line)
        if row is None:
            out.append(line)
            continue
        table = out[-1] if out else None
        if not isinstance(table, list):
            table = [[key for key, _ in row]]
            out.append(table)
        table.append([value for _, value in row])
    return out


def text_pdf(parts: Parts) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2025, 5, 12, tzinfo=UTC))  # reproducible bytes
    pdf.add_font("DejaVu", "", f"{FONT_DIR}/DejaVuSerif.ttf")
    pdf.add_font("DejaVu", "B", f"{FONT_DIR}/DejaVuSerif-Bold.ttf")
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()

    def columns(left: list[str], right: list[str]) -> None:
        y = pdf.get_y()
        pdf.multi_cell(80, 6, "\n".join(left), align="C")
        end = pdf.get_y()
        pdf.set_xy(95, y)
        pdf.multi_cell(100, 6, "\n".join(right), align="C")
        pdf.set_y(max(end, pdf.get_y()) + 4)

    columns(parts.left, parts.right)
    for block in _blocks(parts.body):
        if isinstance(block, str):
            pdf.multi_cell(0, 6, block)
            pdf.ln(1)
            continue
        with pdf.table(col_widths=(90, 35, 25, 25)) as table:
            for row in block:
                cells = table.row()
                for value in row:
                    cells.cell(value)
        pdf.ln(2)
    pdf.ln(4)
    columns(parts.recipients, parts.signature)
    return bytes(pdf.output())


def scan_lines(parts: Parts) -> list[str | list[str]]:
    """What the typist's pages hold: the header and closing as two columns at tab stops, the
    body wrapped at 78 characters (a blank line after the trích yếu), the targets as table rows
    at tab stops."""
    from evals.ocr_accuracy import wrap

    def pairs(left: list[str], right: list[str]) -> list[str | list[str]]:
        n = max(len(left), len(right))
        left, right = left + [""] * (n - len(left)), right + [""] * (n - len(right))
        return [[a, b] if a and b else (a or b) for a, b in zip(left, right, strict=True)]

    lines = pairs(parts.left, parts.right) + [""]
    for k, block in enumerate(_blocks(parts.body)):
        lines += wrap([block]) if isinstance(block, str) else list(block)
        if k == 1:  # the type and trích yếu stand apart from the text
            lines.append("")
    return lines + [""] + pairs(parts.recipients, parts.signature)


def scanned_pdf(parts: Parts, dpi: int = SCAN_DPI) -> bytes:
    from evals.ocr_accuracy import scan_page, scan_pdf

    lines = scan_lines(parts)
    pages = [
        scan_page(lines[i : i + SCAN_LINES_PER_PAGE], dpi=dpi, seed=i).point(
            lambda v: 255 if v > _THRESHOLD else 0, mode="1"
        )
        for i in range(0, len(lines), SCAN_LINES_PER_PAGE)
    ]
    return scan_pdf(pages, dpi)


def word_doc(source: Path) -> bytes:
    """DOCX build → ``.doc`` by LibreOffice headless (antiword reads it back at index time)."""
    from evals.build_official_docx import build

    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install -y libreoffice-writer")
    with tempfile.TemporaryDirectory() as tmp:
        docx = Path(tmp) / f"{source.stem}.docx"
        build(source, docx)
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless"]
            + ["--convert-to", "doc", "--outdir", tmp, str(docx)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return (Path(tmp) / f"{source.stem}.doc").read_bytes()


def legacy_text(text: str, encoding: str) -> bytes:
    """The text as a file typed with a TCVN3 or VNI font saves it (Windows line ends)."""
    from indexing.formats.legacy import encode

    return encode(text, encoding).replace("\n", "\r\n").encode("cp1252")


def build(fmt: str, source: Path) -> bytes:
    text = source.read_text("utf-8")
    if fmt == "pdf":
        return text_pdf(split_source(text))
    if fmt == "scan":
        return scanned_pdf(split_source(text))
    if fmt == "doc":
        return word_doc(source)
    return legacy_text(text, fmt)


def main() -> None:
    for fmt, ext in FORMATS.items():
        for source in sorted((SRC / fmt).glob("*.txt")):
            target = OUT / f"{source.stem}{ext}"
            data = build(fmt, source)
            target.write_bytes(data)
            print(f"wrote {target} ({len(data) / 1024:.0f} KiB, {fmt})")


if __name__ == "__main__":
    main()
