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


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 (and other Office 97) files


def sniff(suffix: str, data: bytes) -> str:
    """The format a Word file really has: portals often serve a web page, a DOCX or RTF under
    a ``.doc`` name, and a renamed ``.doc`` turns up as ``.docx``."""
    if suffix not in (".doc", ".docx"):
        return suffix
    if data.startswith(OLE):
        return ".doc"
    if data.startswith(b"PK\x03\x04"):
        return ".docx"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{\\rtf"):
        raise LoadError(
            "an RTF file under a Word name: open it in Word or LibreOffice and save as .docx"
        )
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return ".html"  # Word's "save as web page", renamed
    return suffix


def parse(name: str, data: bytes, limits: ParseLimits, progress: Progress = no_progress) -> Loaded:
    """Read one file's content by its extension (checked against its first bytes for Word)."""
    suffix = sniff(check(name, data, limits), data)
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
