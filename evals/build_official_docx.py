"""Builds the DOCX fixtures of ``evals/corpora/official`` from their text sources.

Sources live in ``evals/corpora/official_src/``. Runs of ``Chỉ tiêu: …; Đơn vị: …; 2027: …``
lines become a real Word table (header row from the keys), as decisions keep their targets; the
other lines become paragraphs. Run: ``python -m evals.build_official_docx``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docx.document import Document

ROOT = Path(__file__).resolve().parent / "corpora"
SRC, OUT = ROOT / "official_src", ROOT / "official"


def table_row(line: str) -> list[tuple[str, str]] | None:
    cells = [c.split(": ", 1) for c in line.split("; ")]
    if len(cells) < 2 or any(len(c) != 2 for c in cells) or cells[0][0] != "Chỉ tiêu":
        return None
    return [(k.strip(), v.strip()) for k, v in cells]


@dataclass
class Parts:
    """A source document cut where Word keeps it apart: the two header columns, the body lines
    (targets as ``Chỉ tiêu: …`` rows) and the two closing columns (Nơi nhận | signature)."""

    left: list[str]
    right: list[str]
    body: list[str]
    recipients: list[str]
    signature: list[str]


def split_source(text: str) -> Parts:
    lines = [line for line in text.splitlines() if line.strip()]
    motto_at = next(i for i, line in enumerate(lines) if line.startswith("CỘNG HÒA"))
    number_at = next(i for i, line in enumerate(lines) if line.startswith("Số:"))
    after = max(motto_at, number_at)
    type_at = next(i for i, line in enumerate(lines) if i > after and line.isupper())
    left = lines[:motto_at] + [lines[number_at]]
    right = [line for line in lines[motto_at:type_at] if line != lines[number_at]]
    closing_at = next(i for i, line in enumerate(lines) if line.startswith("Nơi nhận"))
    recipients = [line for line in lines[closing_at:] if line.startswith(("Nơi", "-"))]
    signature = [line for line in lines[closing_at:] if line not in recipients]
    return Parts(left, right, lines[type_at:closing_at], recipients, signature)


def build(source: Path, target: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = ""
    parts = split_source(source.read_text("utf-8"))
    # As in real decisions, the header and the signature sit in two-column layout tables.
    _layout(document, ["\n".join(parts.left), "\n".join(parts.right)])
    closing = ["\n".join(parts.recipients), "\n".join(parts.signature)]
    lines = parts.body
    i = 0
    while i < len(lines):
        rows = []
        while i < len(lines) and (row := table_row(lines[i])):
            rows.append(row)
            i += 1
        if rows:
            table = document.add_table(rows=1 + len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for j, (key, _) in enumerate(rows[0]):
                table.cell(0, j).text = key
            for r, row in enumerate(rows, 1):
                for j, (_, value) in enumerate(row):
                    table.cell(r, j).text = value
            continue
        document.add_paragraph(lines[i])
        i += 1
    _layout(document, closing)
    document.save(str(target))


def _layout(document: Document, cells: list[str]) -> None:
    table = document.add_table(rows=1, cols=len(cells))
    for j, text in enumerate(cells):
        table.cell(0, j).text = text


def main() -> None:
    for source in sorted(SRC.glob("*.txt")):
        build(source, OUT / f"{source.stem}.docx")
        print(f"wrote {OUT / source.stem}.docx")


if __name__ == "__main__":
    main()
