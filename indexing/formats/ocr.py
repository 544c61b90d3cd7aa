"""OCR of scanned PDF pages with Tesseract's Vietnamese model (Debian: tesseract-ocr-vie).

The Tesseract command line is called directly, one page at a time with ``OMP_THREAD_LIMIT=1``:
its own threads only fight each other on a small machine (2.4 s instead of 8 s a page on two
cores). Pages are rendered with pypdfium2 (already there for pdfplumber) to an uncompressed grey
TIFF: 0.4 s a page at 300 dpi, where ``pdftoppm -png`` spends seconds compressing and
``pdfimages -j`` (0.06 s) only serves pages that are exactly one embedded image.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from indexing.formats.base import LoadError, ParseLimits, Progress

INSTALL = "apt-get install -y tesseract-ocr tesseract-ocr-vie"


def tesseract(limits: ParseLimits) -> str:
    """The Tesseract executable with the configured model, or a LoadError saying how to get it."""
    exe = shutil.which(limits.tesseract_cmd)
    if exe is None:
        raise LoadError(
            f"scanned pages need OCR, but Tesseract ({limits.tesseract_cmd}) is not installed: "
            f"install it with `{INSTALL}` (or set HOIDAP_TESSERACT_CMD), or set "
            "HOIDAP_OCR_ENABLED=false to skip scans"
        )
    langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    if limits.ocr_lang not in langs.stdout.split():
        raise LoadError(
            f"scanned pages need OCR, but Tesseract has no '{limits.ocr_lang}' model: "
            f"install it with `{INSTALL}`"
        )
    return exe


def ocr_pages(
    data: bytes, pages: list[int], limits: ParseLimits, progress: Progress
) -> list[list[str]]:
    """Lines of the given (0-based) pages, read by Tesseract from renders at ``limits.ocr_dpi``
    (tables rebuilt from the word boxes, see ``ocr_layout``)."""
    import pypdfium2 as pdfium

    from indexing.formats.ocr_layout import page_lines

    exe = tesseract(limits)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    document = pdfium.PdfDocument(data)
    out: list[list[str]] = []
    progress(("ocr_pages", len(pages)))
    with tempfile.TemporaryDirectory(prefix="hoidap-ocr-") as tmp:
        for done, index in enumerate(pages, 1):
            image = document[index].render(scale=limits.ocr_dpi / 72, grayscale=True).to_pil()
            image = without_rules(image, limits.ocr_dpi)
            path = Path(tmp) / f"page{index}.tif"
            image.save(path)  # uncompressed: 15 ms, where PNG compression costs 0.25 s and more
            try:
                result = subprocess.run(
                    [exe, str(path), "stdout", "-l", limits.ocr_lang, "--psm", "3", "tsv"],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=limits.ocr_page_timeout_s,
                )
            except subprocess.TimeoutExpired as exc:
                raise LoadError(
                    f"OCR of page {index + 1} took over {limits.ocr_page_timeout_s:.0f} s"
                ) from exc
            if result.returncode != 0:
                raise LoadError(f"OCR failed on page {index + 1}: {result.stderr.strip()[-200:]}")
            out.append(page_lines(result.stdout))
            path.unlink()
            progress(("ocr_page", done, len(pages)))
    document.close()
    return out


def without_rules(image: Any, dpi: int) -> Any:
    """The page with table borders and other long straight lines whitened.

    Tesseract drops the cells of a ruled table (measured on the fixture decision: of four
    columns only "Chỉ tiêu" came back); with the rules gone every cell is read and the table
    is rebuilt from the gaps. A run of dark pixels longer than 0.3 inch in a row or a column is
    a rule: no letter has a straight stroke that long."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(image.convert("L"))
    dark = pixels < 140
    length = max(10, int(0.3 * dpi))
    rules = _runs(dark, length) | _runs(dark.T, length).T
    if not rules.any():
        return image
    cleaned = pixels.copy()
    cleaned[rules] = 255
    return Image.fromarray(cleaned)


def _runs(mask: Any, length: int) -> Any:
    """Cells of ``mask`` (2-D, bool) inside a horizontal run of at least ``length`` Trues."""
    import numpy as np

    def window_sums(values: Any) -> Any:
        c = np.cumsum(values, axis=1, dtype=np.int32)
        c = np.pad(c, ((0, 0), (1, 0)))
        return c[:, length:] - c[:, :-length]

    full = window_sums(mask) == length  # the window starting here is all dark
    padded = np.pad(full, ((0, 0), (length - 1, length - 1)))
    return window_sums(padded) > 0  # some full window covers this cell
