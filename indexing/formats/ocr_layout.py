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

_SPECK_AREA = 30  # pixels: dust, at any scan resolution worth reading
_SPECK_CONF = 60  # Tesseract's confidence (0–100) below which a short mark is taken as dust
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
    top: int = 0
    bottom: int = 0


def opens_unit(line: str) -> bool:
    return bool(_STARTS.match(line)) or line.isupper()


def join_wrapped(
    lines: list[str], full: list[bool] | None = None, spaced: list[bool] | None = None
) -> list[str]:
    """Sentences wrapped on paper, joined: a line that does not end a sentence continues on the
    next when that one starts with a small letter, or when it ran to the right margin
    (``full``) and the next does not open a unit (Điều 2., a), a heading in capitals), unless
    an empty line's height separates them (``spaced``: a new paragraph)."""
    out: list[str] = []
    wraps = False
    for k, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        open_end = bool(out) and not _ENDS.search(out[-1]) and not opens_unit(line)
        open_end = open_end and not (spaced and spaced[k])
        if open_end and (line[0].islower() or wraps):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        wraps = bool(full and full[k])
    return out


def tsv_lines(tsv: str) -> list[list[Segment]]:
    """Tesseract TSV → its text lines in reading order, each cut into segments at wide gaps."""
    rows = [
        row
        for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
        if row.get("level") == "5" and (row.get("text") or "").strip()
    ]
    typical = median([int(r["height"]) for r in rows]) if rows else 0
    lines: dict[tuple[str, str, str], list[tuple[int, int, int, str, int]]] = {}
    for row in rows:
        text = row["text"].strip()
        left, width, height = int(row["left"]), int(row["width"]), int(row["height"])
        if _speck(text, width, height, float(row.get("conf") or 0), typical):
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        top = int(row["top"])
        lines.setdefault(key, []).append((left, left + width, height, text, top))
    out: list[list[Segment]] = []
    for words in lines.values():
        words.sort()
        gap = GAP * median(w[2] for w in words)
        top, bottom = min(w[4] for w in words), max(w[4] + w[2] for w in words)
        segments = [Segment(words[0][0], words[0][1], words[0][3], top, bottom)]
        for prev, (left, right, _, text, _) in zip(words, words[1:], strict=False):
            if left - prev[1] > gap:
                segments.append(Segment(left, right, text, top, bottom))
            else:
                segments[-1].text += f" {text}"
                segments[-1].right = right
        out.append(segments)
    return out


def _speck(text: str, width: int, height: int, conf: float, typical: float) -> bool:
    """Dust read as a mark ("_", "—", "|", "'"): no letter or digit, and a box of a few pixels,
    or a low confidence on a box shorter than the text around it (a dash of a list is neither)."""
    if any(c.isalnum() for c in text):
        return False
    return width * height < _SPECK_AREA or (conf < _SPECK_CONF and height < 0.6 * typical)


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
        # An empty line between paragraphs: a gap well over the usual one between lines (which
        # depends on the line spacing the document was typed with).
        gaps = [s.top - p.bottom for p, s in zip(prose, prose[1:], strict=False)]
        usual = median([g for g in gaps if g > 0] or [0])
        height = median([s.bottom - s.top for s in prose]) if prose else 0
        spaced = [False] + [g > max(1.8 * usual, 0.5 * height) for g in gaps]
        out.extend(join_wrapped([s.text for s in prose], full, spaced))
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
