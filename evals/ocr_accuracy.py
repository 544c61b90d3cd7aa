"""OCR character accuracy and speed on scans generated from known Vietnamese text.

Pages of typed text (the fictional decision of tests/docfactory.py and paragraphs of the seed
articles) are rendered with DejaVu Serif at 200 or 300 dpi, skewed slightly, sprinkled with dust
and saved as image-only PDFs, the way a scanner does. Each goes through the real loader
(``indexing.loaders.load_bytes``: worker process, page render, ``tesseract -l vie``) and the
text that comes back is compared with the text that was typed:

    accuracy = 1 - Levenshtein(typed, read) / len(typed)   (NFC, runs of whitespace as one space)

Run: ``python -m evals.ocr_accuracy`` (about a minute on two cores).
"""

from __future__ import annotations

import argparse
import io
import random
import re
import textwrap
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.packaged import SEED_CORPUS

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"  # Debian's fonts-dejavu-core
ROOT = Path(__file__).resolve().parent.parent
LINES_PER_PAGE = 34


Item = str | list[str]  # a typed line, or a table row (its cells at tab stops)
TAB_STOPS = (0.9, 4.3, 5.8, 6.8)  # inches: a four-column table of targets


def render_scan(
    lines: list[Item], dpi: int = 300, skew: float = 0.6, dust: float = 0.01, seed: int = 0
) -> bytes:
    """One A4 page of 12 pt text as an image-only PDF: slightly rotated, with dust specks."""
    return scan_pdf([scan_page(lines, dpi, skew, dust, seed)], dpi)


def scan_pdf(pages: list[Any], dpi: int) -> bytes:
    """Page images as one image-only PDF: greyscale pages as JPEG, black-and-white ones as
    CCITT G4 (what office scanners write for documents)."""
    buf = io.BytesIO()
    fixed = time.gmtime(1_767_225_600)  # 2026-01-01: the same pages give the same bytes
    pages[0].save(
        buf,
        "PDF",
        resolution=dpi,
        save_all=True,
        append_images=pages[1:],
        creationDate=fixed,
        modDate=fixed,
    )
    return buf.getvalue()


def scan_page(
    lines: list[Item], dpi: int = 300, skew: float = 0.6, dust: float = 0.01, seed: int = 0
) -> Any:
    """One A4 page of 12 pt text as a greyscale image: slightly rotated, with dust specks."""
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(seed)
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, round(12 / 72 * dpi))
    y = int(0.8 * dpi)
    for line in lines:
        cells = [line] if isinstance(line, str) else line
        stops = (
            TAB_STOPS
            if len(cells) == len(TAB_STOPS)
            else [0.9 + 6 * i / len(cells) for i in range(len(cells))]
        )
        for stop, cell in zip(stops, cells, strict=False):
            draw.text((int(stop * dpi), y), cell, font=font, fill=rng.randint(0, 50))
        y += int(0.27 * dpi)
    page = page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
    for _ in range(int(width * height * dust / 100)):
        x, yy = rng.randrange(width - 2), rng.randrange(height - 2)
        for dx in range(rng.randint(1, 2)):
            page.putpixel((x + dx, yy), rng.randint(0, 140))
    return page


def wrap(paragraphs: Sequence[Item], width: int = 78) -> list[Item]:
    """Paragraphs → typed lines, as a typist's page would hold them (table rows as they are)."""
    out: list[Item] = []
    for p in paragraphs:
        out += [p] if isinstance(p, list) else textwrap.wrap(p, width) or [""]
    return out


def expected_text(items: list[Item]) -> str:
    """What a perfect reading gives: the typed text, table rows keyed by their header."""
    from indexing.formats.tables import table_lines

    out: list[str] = []
    rows: list[list[str | None]] = []
    for item in [*items, ""]:
        if isinstance(item, list):
            rows.append(list(item))
            continue
        if rows:
            out += table_lines(rows)
            rows = []
        out.append(item)
    return "\n".join(out)


def pages_of_text() -> list[list[Item]]:
    """Known text for the scans: the decision, then seed-article paragraphs, a page each."""
    import sys

    sys.path.insert(0, str(ROOT))  # the fixture decision comes from tests/: a source checkout
    from tests.docfactory import scan_lines

    pages = [wrap(scan_lines())]
    for name in ("004_f9235ea3bae06684.txt", "000_a805e1590e173f4f.txt"):
        paragraphs = [p for p in (SEED_CORPUS / name).read_text("utf-8").split("\n") if len(p) > 80]
        pages.append(wrap(paragraphs)[:LINES_PER_PAGE])
    return pages


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def char_accuracy(typed: str, read: str) -> float:
    typed, read = _flat(typed), _flat(read)
    return 1 - levenshtein(typed, read) / max(1, len(typed))


def main(argv: list[str] | None = None) -> None:
    from indexing.loaders import ParseLimits, load_bytes

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dpi", type=int, nargs="+", default=[300, 200], help="scan resolutions")
    parser.add_argument("--skew", type=float, default=0.6, help="rotation in degrees")
    parser.add_argument("--dust", type=float, default=0.01, help="dust specks per 100 pixels")
    args = parser.parse_args(argv)
    pages = pages_of_text()
    print(f"skew {args.skew}°, {args.dust} dust specks per 100 pixels")
    print("| scan dpi | page | characters | accuracy | seconds |")
    print("|---|---|---|---|---|")
    for dpi in args.dpi:
        total_chars = total_errors = 0
        total_s = 0.0
        for n, lines in enumerate(pages, 1):
            pdf = render_scan(lines, dpi=dpi, skew=args.skew, dust=args.dust, seed=n)
            started = time.perf_counter()
            loaded = load_bytes(f"scan{n}.pdf", pdf, limits=ParseLimits(ocr_dpi=dpi))
            seconds = time.perf_counter() - started
            assert loaded.meta.get("ocr"), "the page was not read by OCR"
            typed = expected_text(lines)
            accuracy = char_accuracy(typed, loaded.text)
            chars = len(_flat(typed))
            total_chars += chars
            total_errors += round((1 - accuracy) * chars)
            total_s += seconds
            print(f"| {dpi} | {n} | {chars} | {accuracy:.2%} | {seconds:.1f} |")
        print(
            f"| **{dpi}** | **all** | **{total_chars}** | "
            f"**{1 - total_errors / total_chars:.2%}** | **{total_s / len(pages):.1f} / page** |"
        )


if __name__ == "__main__":
    main()
