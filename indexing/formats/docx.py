"""DOCX: paragraphs and tables in body order, tables as header-keyed rows."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from indexing.formats.base import Loaded, LoadError, ParseLimits
from indexing.formats.tables import table_lines
from indexing.formats.text import fix_mojibake
from indexing.formats.zipped import check_zip

if TYPE_CHECKING:
    from docx.table import Table


def read_docx(data: bytes, limits: ParseLimits) -> Loaded:
    import docx
    from docx.table import Table

    check_zip(data, limits, "DOCX")
    try:
        document = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise  # the worker reports it as too large
    except Exception as exc:  # python-docx raises several unrelated types for corrupt files
        raise LoadError(f"corrupt or unreadable DOCX: {type(exc).__name__}") from exc
    lines: list[str] = []
    tables = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            tables += 1
            lines.extend(table_lines(_rows(block)))
        else:
            lines.append(block.text)
    text = "\n".join(lines)
    if not text.strip():
        raise LoadError("DOCX has no text")
    meta: dict[str, object] = {"tables": tables} if tables else {}
    if title := document.core_properties.title:
        meta["title"] = title
    return fix_mojibake(Loaded(text, meta))  # typed with a .VnTime or VNI font


def _rows(table: Table) -> list[list[str | None]]:
    """Cell texts per row; a cell merged across columns is kept once (python-docx repeats it)."""
    rows: list[list[str | None]] = []
    for row in table.rows:
        seen: list[object] = []  # lxml elements: the same node is the same proxy while referenced
        cells: list[str | None] = []
        for cell in row.cells:
            merged = any(cell._tc is tc for tc in seen)
            cells.append(None if merged else "\n".join(p.text for p in cell.paragraphs))
            seen.append(cell._tc)
        rows.append(cells)
    return rows
