"""Tesseract's word boxes (TSV) → lines of text, with tables rebuilt as header-keyed rows.

Tesseract's plain text runs table cells together ("Lao động qua đào tạo nghề người 5.400
8.800"). Its TSV output keeps each word's box, so a line can be cut where a wide gap
separates two cells; a run of lines cut into three or more parts is a table, each part placed
in the column whose left edge is nearest, and the rows keyed by the header like DOCX tables.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from statistics import median

from indexing.formats.tables import table_lines

GAP = 1.5  # a gap wider than this many word heights separates two cells or blocks
_ENDS = re.compile(r"[.:;!?…]\s*$")
# A line that opens a unit or a list item never continues the previous one.
_STARTS = re.compile(
    r"^(?:(?:Điều|Chương|Mục|Phần|Khoản)\s+[\dIVXLC]+|[IVXLC]+\.|\d+(?:\.\d+)*[.)]|[a-zđ]\)|[-+•–])"
)


@dataclass
class Segment:
    left: int
    right: int
    text: str


def opens_unit(line: str) -> bool:
    return bool(_STARTS.match(line)) or line.isupper()


def join_wrapped(lines: list[str], full: list[bool] | None = None) -> list[str]:
    """Sentences wrapped on paper, joined: a line that does not end a sentence continues on the
    next when that one starts with a small letter, or when it ran to the right margin
    (``full``) and the next does not open a unit (Điều 2., a), a heading in capitals)."""
    out: list[str] = []
    wraps = False
    for k, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        open_end = bool(out) and not _ENDS.search(out[-1]) and not opens_unit(line)
        if open_end and (line[0].islower() or wraps):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        wraps = bool(full and full[k])
    return out


def tsv_lines(tsv: str) -> list[list[Segment]]:
    """Tesseract TSV → its text lines in reading order, each cut into segments at wide gaps."""
    lines: dict[tuple[str, str, str], list[tuple[int, int, int, str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        left, width, height = int(row["left"]), int(row["width"]), int(row["height"])
        lines.setdefault(key, []).append((left, left + width, height, text))
    out: list[list[Segment]] = []
    for words in lines.values():
        words.sort()
        gap = GAP * median(h for _, _, h, _ in words)
        segments = [Segment(words[0][0], words[0][1], words[0][3])]
        for (_, prev_right, _, _), (left, right, _, text) in zip(words, words[1:], strict=False):
            if left - prev_right > gap:
                segments.append(Segment(left, right, text))
            else:
                segments[-1].text += f" {text}"
                segments[-1].right = right
        out.append(segments)
    return out


def page_lines(tsv: str) -> list[str]:
    """A page's text: tables as header-keyed rows, blocks side by side as separate lines,
    wrapped sentences joined."""
    lines = tsv_lines(tsv)
    singles = [line[0] for line in lines if len(line) == 1]
    left = min((s.left for s in singles), default=0)
    right = max((s.right for s in singles), default=0)
    out: list[str] = []
    prose: list[Segment] = []

    def flush() -> None:
        # A line from the left margin to near the right one, as running text fills a page.
        full = [
            s.left - left < 0.05 * (right - left) and right - s.right < 0.15 * (right - left)
            for s in prose
        ]
        out.extend(join_wrapped([s.text for s in prose], full))
        prose.clear()

    i = 0
    while i < len(lines):
        j = i + 1
        if len(lines[i]) >= 3:  # a header row; its rows may leave cells empty
            while j < len(lines) and _fits(lines[j], lines[i]):
                j += 1
        if j - i >= 2:  # a header and at least one row
            flush()
            out += table_lines(_grid(lines[i:j]))
            i = j
            continue
        prose += lines[i]
        i += 1
    flush()
    return out


def _fits(row: list[Segment], header: list[Segment]) -> bool:
    """Whether a line is a row of the table under ``header``: two or more cells, each starting
    near one of the header's columns."""
    lefts = [s.left for s in header]
    tolerance = min(b - a for a, b in zip(lefts, lefts[1:], strict=False)) / 2
    return len(row) >= 2 and all(min(abs(s.left - x) for x in lefts) <= tolerance for s in row)


def _grid(rows: list[list[Segment]]) -> list[list[str | None]]:
    """Place each row's segments in the header's columns (nearest left edge)."""
    columns = [s.left for s in rows[0]]
    grid: list[list[str | None]] = []
    for row in rows:
        cells: list[str | None] = [None] * len(columns)
        for segment in row:
            k = min(range(len(columns)), key=lambda c: abs(columns[c] - segment.left))
            cells[k] = f"{cells[k]} {segment.text}" if cells[k] else segment.text
        grid.append(cells)
    return grid
