"""Plain text (.txt, .md) bytes → Unicode, legacy Vietnamese font encodings converted."""

from __future__ import annotations

from indexing.formats import legacy
from indexing.formats.base import Loaded, LoadError


def read_text(data: bytes) -> Loaded:
    """Decode a text file (UTF-8/16 with or without BOM, Windows-1258, TCVN3, VNI).

    TCVN3/VNI bytes, and TCVN3/VNI mojibake already saved as UTF-8, are converted to Unicode;
    ``meta["encoding"]`` then says which (``tcvn3`` or ``vni``)."""
    if not data.strip():
        raise LoadError("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _checked(data.decode("utf-16"), {})
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
        chars = legacy.bytes_as_cp1252(data)
        if encoding := legacy.detect(chars):
            return _checked(legacy.convert(chars, encoding), {"encoding": encoding})
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise LoadError("binary or undecodable content, not text") from None
        return _checked(str(best), {})
    fixed = fix_mojibake(Loaded(text))
    return _checked(fixed.text, fixed.meta)


def fix_mojibake(loaded: Loaded) -> Loaded:
    """Convert TCVN3/VNI text that was once read as Windows-1252 and saved as Unicode."""
    if encoding := legacy.detect(loaded.text):
        text = legacy.convert(loaded.text, encoding)
        return Loaded(text, {**loaded.meta, "encoding": encoding, "encoding_fixed": "mojibake"})
    return loaded


def _checked(text: str, meta: dict[str, str]) -> Loaded:
    if "\x00" in text or sum(not (c.isprintable() or c.isspace()) for c in text) > len(text) * 0.05:
        raise LoadError("binary content, not text")
    if not text.strip():
        raise LoadError("empty file")
    return Loaded(text, meta)
