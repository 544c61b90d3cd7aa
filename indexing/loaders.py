"""Read a corpus file into text and metadata; the formats live in ``indexing.formats``.

Every failure is a ``LoadError`` whose message says what is wrong with the file, so the indexer
can report it by name and go on with the rest. Formats that can blow up (zip bombs, page trees,
converters) are parsed in a child process with memory and time limits (``formats.worker``).
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from pathlib import Path
from typing import Any

from indexing.formats.base import TOO_LARGE, Loaded, LoadError, ParseLimits, Progress
from indexing.formats.legacy import NAMES
from indexing.formats.legacy import detect as legacy_vietnamese_encoding
from indexing.formats.parse import ISOLATED, SUPPORTED, check, parse

__all__ = [
    "SUPPORTED",
    "TOO_LARGE",
    "LoadError",
    "Loaded",
    "ParseLimits",
    "legacy_vietnamese_encoding",
    "load_bytes",
    "load_file",
    "parse_limits",
    "record_fields",
]
log = logging.getLogger(__name__)


def parse_limits(settings: Any = None) -> ParseLimits:
    """Limits from ``settings`` (or the environment's settings)."""
    if settings is None:
        from assistant.config import Settings

        settings = Settings()
    return ParseLimits.from_settings(settings)


# What the loader learnt that a document record keeps (``hoidap docs --json``, the API).
RECORD_KEYS = ("pages", "tables", "ocr", "ocr_pages", "encoding", "encoding_fixed", "converter")


def record_fields(loaded: Loaded) -> dict[str, Any]:
    """The loader's findings worth keeping with the document (how it was read)."""
    return {k: loaded.meta[k] for k in RECORD_KEYS if k in loaded.meta}


def load_bytes(
    name: str,
    data: bytes,
    max_bytes: int | None = None,
    limits: ParseLimits | None = None,
    progress: Progress | None = None,
) -> Loaded:
    """Load a file's content by its extension, under ``limits`` (default: the settings')."""
    limits = limits or parse_limits()
    if max_bytes is not None:
        limits = dataclasses.replace(limits, max_bytes=max_bytes)
    suffix = check(name, data, limits)
    report = progress or _OcrProgress(name)
    try:
        if limits.sandbox and suffix in ISOLATED:
            from indexing.formats.worker import parse_isolated

            loaded = parse_isolated(name, data, limits, report)
        else:
            loaded = parse(name, data, limits, report)
    finally:
        if isinstance(report, _OcrProgress):
            report.close()
    if encoding := loaded.meta.get("encoding"):
        log.warning("%s: text in the %s font encoding converted to Unicode", name, NAMES[encoding])
    return loaded


def load_file(
    path: Path, max_bytes: int | None = None, limits: ParseLimits | None = None
) -> Loaded:
    """Load one corpus file."""
    limits = limits or parse_limits()
    cap = limits.max_bytes if max_bytes is None else max_bytes
    try:
        size = path.stat().st_size
        if size > cap:
            raise LoadError(f"file is {size / 1e6:.1f} MB, over the {cap / 1e6:.0f} MB limit")
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    return load_bytes(path.name, data, cap, limits)


class _OcrProgress:
    """OCR is slow (seconds a page): a progress bar on a terminal, log lines otherwise."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bar: Any = None

    def __call__(self, event: tuple[Any, ...]) -> None:
        if event[0] == "ocr_pages":
            log.info("%s: reading %d scanned page(s) with OCR", self.name, event[1])
            if sys.stderr.isatty():
                from tqdm import tqdm

                self.bar = tqdm(total=event[1], desc=f"OCR {self.name}", unit="page")
        elif event[0] == "ocr_page":
            log.info("%s: OCR page %d/%d done", self.name, event[1], event[2])
            if self.bar is not None:
                self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
