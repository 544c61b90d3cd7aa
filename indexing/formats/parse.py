"""Pick the reader for a file by its extension (in this process; see ``worker`` for isolation)."""

from __future__ import annotations

from pathlib import Path

from indexing.formats.base import Loaded, LoadError, ParseLimits, Progress, no_progress

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".doc")
# Formats whose parse can blow up (zip bombs, page trees, converters) run in the worker.
ISOLATED = (".html", ".htm", ".pdf", ".docx", ".doc")


def check(name: str, data: bytes, limits: ParseLimits) -> str:
    """The file's suffix, after the checks that need no parsing (type, size, emptiness)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(
            f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED)}"
        )
    if len(data) > limits.max_bytes:
        raise LoadError(
            f"file is {len(data) / 1e6:.1f} MB, over the {limits.max_bytes / 1e6:.0f} MB limit"
        )
    if not data:
        raise LoadError("empty file")
    return suffix


def parse(name: str, data: bytes, limits: ParseLimits, progress: Progress = no_progress) -> Loaded:
    """Read one file's content by its extension."""
    suffix = check(name, data, limits)
    if suffix in (".html", ".htm"):
        from indexing.formats.html import read_html

        return read_html(data)
    if suffix == ".pdf":
        from indexing.formats.pdf import read_pdf

        return read_pdf(data, limits, progress)
    if suffix == ".docx":
        from indexing.formats.docx import read_docx

        return read_docx(data, limits)
    if suffix == ".doc":
        from indexing.formats.doc import read_doc

        return read_doc(data, limits)
    from indexing.formats.text import read_text

    return read_text(data)
