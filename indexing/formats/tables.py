"""Tables → text lines that keep row and column relations.

A data table becomes one line per row, each cell keyed by its column header
(``Chỉ tiêu: Tỷ lệ nội địa hóa; Đơn vị: %; 2027: 45; 2030: 60``), so a passage quoting a row
says what every figure is. Layout tables (the two-column header block with the issuing body and
the national motto, the "Nơi nhận" and signature block) are read cell by cell instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_NUMBER = re.compile(r"^[\d\s.,%+\-–/()]+$")


def _clean(cell: str | None) -> str:
    return re.sub(r"[ \t]+", " ", (cell or "").replace("\r", "")).strip()


def _one_line(cell: str) -> str:
    return " ".join(part.strip() for part in cell.split("\n") if part.strip())


def is_layout(rows: list[list[str]]) -> bool:
    """A table used to place blocks side by side rather than to hold data."""
    width = max((len(r) for r in rows), default=0)
    if len(rows) < 2 or width < 2:
        return True
    # Header blocks and signature blocks: few rows whose first cells hold several lines.
    return len(rows) <= 3 and any("\n" in c for c in rows[0])


def table_lines(raw_rows: Sequence[Sequence[str | None]]) -> list[str]:
    """Rows of cell texts (``None`` for a merged-away cell) → lines of text."""
    rows = [[_clean(c) for c in row] for row in raw_rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    if is_layout(rows):
        return [line.strip() for r in rows for c in r for line in c.split("\n") if line.strip()]
    lines: list[str] = []
    # A first row with a single filled cell spanning the table is its caption.
    while len(rows) > 1 and sum(bool(c) for c in rows[0]) == 1:
        lines.append(_one_line(next(c for c in rows[0] if c)))
        rows = rows[1:]
    header = [_one_line(c) for c in rows[0]]
    has_header = sum(bool(h) and not _NUMBER.match(h) for h in header) >= max(1, len(header) // 2)
    if not has_header:
        return lines + [" | ".join(_one_line(c) for c in r if c) for r in rows]
    lines.append(" | ".join(h for h in header if h))
    for row in rows[1:]:
        cells = [_one_line(c) for c in row]
        filled = [c for c in cells if c]
        if len(filled) == 1 and len(cells) > 2:  # a group heading inside the table
            lines.append(filled[0])
            continue
        parts = []
        for i, cell in enumerate(cells):
            if not cell:
                continue
            key = header[i] if i < len(header) else ""
            parts.append(f"{key}: {cell}" if key and key != cell else cell)
        lines.append("; ".join(parts))
    return lines
