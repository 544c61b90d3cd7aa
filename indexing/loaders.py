"""Read a corpus file into text (and, for HTML, the extractor's metadata).

Every failure is a ``LoadError`` whose message says what is wrong with the file, so the indexer
can report it by name and go on with the rest.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


class LoadError(ValueError):
    """A file that cannot be indexed, with the reason."""


@dataclass
class Loaded:
    """Raw text of a document plus metadata an extractor found."""

    text: str
    meta: dict[str, Any] = field(default_factory=dict)


def decode_text(data: bytes) -> str:
    """Bytes of a text file → str, detecting the encoding (UTF-8/16 with or without BOM, legacy)."""
    if not data.strip():
        raise LoadError("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    controls = sum(b < 9 or 13 < b < 32 for b in data[:65536])
    if b"\x00" in data or controls > min(len(data), 65536) * 0.02:
        raise LoadError("binary content, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Pre-Unicode Vietnamese fonts put their letters in Windows-1252 code points: look at
        # the bytes that way first (a charset detector would guess some other Latin code page).
        if legacy := legacy_vietnamese_encoding(data.decode("cp1252", errors="replace")):
            raise LoadError(
                f"text in the legacy Vietnamese font encoding {legacy}: convert it to Unicode "
                "first (for example UniKey's converter, or LibreOffice) and add it again"
            ) from None
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise LoadError("binary or undecodable content, not text") from None
        text = str(best)
    if "\x00" in text or sum(not (c.isprintable() or c.isspace()) for c in text) > len(text) * 0.05:
        raise LoadError("binary content, not text")
    if not text.strip():
        raise LoadError("empty file")
    return text


_VI_UNICODE = re.compile("[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")  # letters Windows-1252 cannot hold
# VNI writes marks as letters after the vowel (ù ø û õ ï for the tones, â ê ô for the shapes);
# Windows-1258 uses other bytes (Ì ì Ò Þ ò), so it is not taken for VNI.
_VNI_SYLLABLE = re.compile(r"[aeiouyAEIOUY][ùøûõïâêäåáàãëéèöüÙØÛÕÏÂÊÄÅÁÀÃËÉÈÖÜ]")


def legacy_vietnamese_encoding(text: str) -> str | None:
    """``TCVN3 (ABC)`` or ``VNI`` when text was typed with a pre-Unicode Vietnamese font.

    Such files decode "successfully" as Windows-1252 into text like ``c«ng nghiÖp`` (TCVN3) or
    ``coâng nghieäp`` (VNI). Real Vietnamese Unicode letters are then nearly absent, while
    Latin-1 symbols sit inside words (TCVN3) or accented Latin letters follow vowels (VNI)."""
    words = text.split()
    if len(words) < 5 or len(_VI_UNICODE.findall(text)) > len(words) * 0.05:
        return None
    inside = sum(any("\xa1" <= c <= "\xff" and not c.isalpha() for c in w[1:]) for w in words)
    if inside >= len(words) * 0.12:
        return "TCVN3 (ABC)"
    if sum(bool(_VNI_SYLLABLE.search(w)) for w in words) >= len(words) * 0.25:
        return "VNI"
    return None


def _html(data: bytes) -> Loaded:
    import trafilatura

    html = decode_text(data)
    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, favor_precision=True
    )
    if doc is None or not (doc.text or "").strip():
        raise LoadError("no article text found in the HTML")
    meta = {k: getattr(doc, k, None) for k in ("title", "date", "author", "sitename", "url")}
    # The title leads the text so the cleaner sees it where news pages put it.
    text = f"{doc.title}\n{doc.text}" if doc.title else doc.text
    return Loaded(text, {k: v for k, v in meta.items() if v})


def _pdf(data: bytes) -> Loaded:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
                pages = [p.extract_text() or "" for p in reader.pages]
            except Exception as exc:
                raise LoadError("encrypted PDF (password needed)") from exc
        else:
            pages = [p.extract_text() or "" for p in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise LoadError(f"unreadable PDF: {exc}") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise LoadError("PDF has no text layer (scanned?): needs OCR")
    info = reader.metadata or {}
    return Loaded(text, {"title": info.get("/Title")} if info.get("/Title") else {})


def _docx(data: bytes) -> Loaded:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for corrupt files
        raise LoadError(f"corrupt or unreadable DOCX: {type(exc).__name__}") from exc
    text = "\n".join(p.text for p in document.paragraphs)
    if not text.strip():
        raise LoadError("DOCX has no text")
    title = document.core_properties.title
    return Loaded(text, {"title": title} if title else {})


def load_bytes(name: str, data: bytes, max_bytes: int) -> Loaded:
    """Load a file's content by its extension."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(
            f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED)}"
        )
    if len(data) > max_bytes:
        raise LoadError(
            f"file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit"
        )
    if not data:
        raise LoadError("empty file")
    if suffix in (".html", ".htm"):
        return _html(data)
    if suffix == ".pdf":
        return _pdf(data)
    if suffix == ".docx":
        return _docx(data)
    return Loaded(decode_text(data))


def load_file(path: Path, max_bytes: int) -> Loaded:
    """Load one corpus file."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    return load_bytes(path.name, data, max_bytes)
