"""Types every format module shares: the result, the error, and the limits a parse runs under."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Told to the user whenever a file blows a decompression, page, memory or time limit.
TOO_LARGE = "too large or too complex"


class LoadError(ValueError):
    """A file that cannot be indexed, with the reason."""


@dataclass
class Loaded:
    """Raw text of a document plus metadata the loader found (title, ``ocr``, ``encoding``…)."""

    text: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParseLimits:
    """What one parse may use; built from ``Settings`` (picklable: it crosses into the worker)."""

    max_bytes: int = 20_000_000
    max_unzipped_bytes: int = 200_000_000
    max_zip_entries: int = 5000
    max_pdf_pages: int = 1000
    timeout_s: float = 120.0
    memory_mb: int = 2048
    sandbox: bool = True
    ocr: bool = True
    tesseract_cmd: str = "tesseract"
    ocr_lang: str = "vie"
    ocr_dpi: int = 300
    ocr_page_timeout_s: float = 60.0
    antiword_cmd: str = "antiword"

    @classmethod
    def from_settings(cls, settings: Any) -> ParseLimits:
        mb = 1_000_000
        return cls(
            max_bytes=int(settings.max_file_mb * mb),
            max_unzipped_bytes=int(settings.max_unzipped_mb * mb),
            max_zip_entries=settings.max_zip_entries,
            max_pdf_pages=settings.max_pdf_pages,
            timeout_s=settings.parse_timeout_s,
            memory_mb=settings.parse_memory_mb,
            sandbox=settings.parse_in_worker,
            ocr=settings.ocr_enabled,
            tesseract_cmd=settings.tesseract_cmd,
            ocr_lang=settings.ocr_lang,
            ocr_dpi=settings.ocr_dpi,
            ocr_page_timeout_s=settings.ocr_page_timeout_s,
            antiword_cmd=settings.antiword_cmd,
        )


# Progress events from a parse: ("ocr_pages", n) once, then ("ocr_page", i, n) per page.
Progress = Callable[[tuple[Any, ...]], None]


def no_progress(_event: tuple[Any, ...]) -> None:
    """Default progress sink."""
