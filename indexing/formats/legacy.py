"""Pre-Unicode Vietnamese font encodings: TCVN3 (ABC) and VNI-Windows, both ways.

Files typed with a .VnTime (TCVN3) or VNI-Times font hold one byte per character; read as
Windows-1252 they look like ``c«ng nghiÖp`` (TCVN3) or ``coâng nghieäp`` (VNI, which writes marks
as extra letters after the vowel). The same mojibake also turns up inside UTF-8 files, when such
text was once opened as Windows-1252 and saved again. Both are converted here, the tables being
small and public (no PyPI package does it). Everything works on the Windows-1252 *characters*,
so raw bytes are first read with :func:`bytes_as_cp1252`.

TCVN3 has no capital letters with tone marks (fonts had a separate capital face), so decoding
restores them in all-capital words and at the start of a sentence; elsewhere they stay small.
"""

from __future__ import annotations

import re
import unicodedata

# Base vowels and their six forms: no tone, huyền, hỏi, ngã, sắc, nặng.
_BASES = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")

# TCVN3, per base vowel above, in the same tone order (cp1252 characters of the font's bytes).
_TCVN3_ROWS = (
    "aµ¶·¸¹",
    "¨»¼½¾Æ",
    "©ÇÈÉÊË",
    "eÌÎÏÐÑ",
    "ªÒÓÔÕÖ",
    "i×ØÜÝÞ",
    "oßáâãä",
    "«åæçèé",
    "¬êëìíî",
    "uïñòóô",
    "\xadõö÷øù",
    "yúûüýþ",
)
_TCVN3_EXTRA = {"đ": "®", "Ă": "¡", "Â": "¢", "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦", "Đ": "§"}

# VNI: tone marks as letters after the vowel, small and capital.
_VNI_TONE = ("", "ø", "û", "õ", "ù", "ï")
_VNI_TONE_UP = ("", "Ø", "Û", "Õ", "Ù", "Ï")
# Circumflex (â ê ô) and breve (ă) fuse with the tone into one mark.
_VNI_HAT = ("â", "à", "å", "ã", "á", "ä")
_VNI_HAT_UP = ("Â", "À", "Å", "Ã", "Á", "Ä")
_VNI_BREVE = ("ê", "è", "ú", "ü", "é", "ë")
_VNI_BREVE_UP = ("Ê", "È", "Ú", "Ü", "É", "Ë")
_VNI_I = ("i", "ì", "æ", "ó", "í", "ò")  # i with a tone is one character
_VNI_I_UP = ("I", "Ì", "Æ", "Ó", "Í", "Ò")


def _letter(base: str, tone: int) -> str:
    return unicodedata.normalize("NFC", base + _TONES[tone])


def _vni_form(base: str, tone: int, upper: bool) -> str:
    tones = _VNI_TONE_UP if upper else _VNI_TONE
    hat, breve = (_VNI_HAT_UP, _VNI_BREVE_UP) if upper else (_VNI_HAT, _VNI_BREVE)
    plain = {"ă": "a", "â": "a", "ê": "e", "ô": "o"}
    if base == "i":
        return (_VNI_I_UP if upper else _VNI_I)[tone]
    if base == "y" and tone == 5:
        return "Î" if upper else "î"
    if base in "âêô":
        lead = plain[base]
        return (lead.upper() if upper else lead) + hat[tone]
    if base == "ă":
        return ("A" if upper else "a") + breve[tone]
    lead = {"ơ": "Ô" if upper else "ô", "ư": "Ö" if upper else "ö"}.get(
        base, base.upper() if upper else base
    )
    return lead + tones[tone]


def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """Unicode letter → TCVN3 character and → VNI sequence."""
    tcvn3: dict[str, str] = dict(_TCVN3_EXTRA)
    vni: dict[str, str] = {"đ": "ñ", "Đ": "Ñ"}
    for base, row in zip(_BASES, _TCVN3_ROWS, strict=True):
        for tone in range(6):
            small = _letter(base, tone)
            if small != row[tone]:
                tcvn3[small] = row[tone]
                # No capital toned letters in TCVN3: a capital is written with the small code.
                if tone and small.upper() not in tcvn3:
                    tcvn3[small.upper()] = row[tone]
            for upper in (False, True):
                letter = small.upper() if upper else small
                form = _vni_form(base, tone, upper)
                if form != letter:
                    vni[letter] = form
    return tcvn3, vni


TO_TCVN3, TO_VNI = _tables()
_FROM_TCVN3 = {v: k for k, v in TO_TCVN3.items() if not (k.isupper() and k not in _TCVN3_EXTRA)}
_FROM_VNI = {v: k for k, v in TO_VNI.items()}
_VNI_KEYS = sorted(_FROM_VNI, key=len, reverse=True)
_VNI_RE = re.compile("|".join(map(re.escape, _VNI_KEYS)))
_TCVN3_SMALL_ONLY = {k for k, v in _FROM_TCVN3.items() if v.islower() and v.upper() != v}


def encode(text: str, encoding: str) -> str:
    """Unicode text → the legacy font's characters (``tcvn3`` or ``vni``); for tests and fixtures.

    Encode the result with ``cp1252`` (``errors="strict"``) to get the file's bytes."""
    table = TO_TCVN3 if encoding == "tcvn3" else TO_VNI
    return "".join(table.get(c, c) for c in unicodedata.normalize("NFC", text))


def bytes_as_cp1252(data: bytes) -> str:
    """Bytes → Windows-1252 characters, the five bytes it leaves undefined kept as Latin-1."""
    return data.decode("latin-1").translate(_CP1252)


_CP1252 = {
    b: c
    for b in range(128, 160)
    if (c := bytes([b]).decode("cp1252", errors="replace")) != "\ufffd"
}

_CP1252_CHARS = set(_CP1252.values())


def decode(text: str, encoding: str) -> str:
    """Legacy font characters → Unicode NFC."""
    if encoding == "vni":
        out = _VNI_RE.sub(lambda m: _FROM_VNI[m.group()], text)
        return unicodedata.normalize("NFC", out)
    return _restore_capitals([(line, True) for line in text.split("\n")])


def _tcvn3_chars(text: str) -> str:
    return "".join(_FROM_TCVN3.get(c, c) for c in text)


_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"[.!?…:]\s*$")


def _restore_capitals(lines: list[tuple[str, bool]]) -> str:
    """TCVN3 lines (source, whether to decode) → Unicode, giving the small-only toned letters
    their capital back in all-capital words and at the start of a sentence."""
    out = []
    after_stop = True
    for src, convert in lines:
        if not convert:
            out.append(src)
            after_stop = bool(_SENTENCE_END.search(src)) if src.strip() else after_stop
            continue
        line = _tcvn3_chars(src)
        words = list(_WORD.finditer(line))
        caps = [_caps_state(line[m.start() : m.end()], src[m.start() : m.end()]) for m in words]
        chars = list(line)
        for i, (m, state) in enumerate(zip(words, caps, strict=True)):
            before = line[: m.start()]
            if state is None:  # "§µ" is "Đà" or "ĐÀ": the nearest word that can tell decides
                near = [c for c in caps[i + 1 :] + caps[:i][::-1] if c is not None]
                state = bool(near) and near[0]
            if state and any(c in _TCVN3_SMALL_ONLY for c in src[m.start() : m.end()]):
                chars[m.start() : m.end()] = line[m.start() : m.end()].upper()
            elif src[m.start()] in _TCVN3_SMALL_ONLY and (
                (not before.strip() and after_stop) or _SENTENCE_END.search(before)
            ):
                chars[m.start()] = line[m.start()].upper()
        out.append("".join(chars))
        if line.strip():
            after_stop = bool(_SENTENCE_END.search(line)) or line.strip().isupper()
    return unicodedata.normalize("NFC", "\n".join(out))


def _caps_state(word: str, src: str) -> bool | None:
    """True: an all-capital word written with small toned codes; False: not; None: can't tell."""
    others = [w for w, s in zip(word, src, strict=True) if s not in _TCVN3_SMALL_ONLY]
    cased = [c for c in others if c.upper() != c.lower()]
    if any(c.islower() for c in cased):
        return False
    # Abbreviations (QĐ, KH-CN, UBND) are capitals in any text: only a capital syllable counts.
    return True if len(cased) >= 2 and is_syllable(word) else None


# -- detection ----------------------------------------------------------------------------------
_ONSET = "ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvx]"
# Vowel nuclei, longest first (the regex takes the first that fits).
_NUCLEI = (
    "iêu|yêu|oai|oay|oao|oeo|uây|uôi|uya|uyê|uyu|ươi|ươu|ai|ao|au|ay|âu|ây|eo|êu|ia"
    "|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ưu|ươ|yê|a|ă|â|e|ê|i|o|ô"
    "|ơ|u|ư|y"
)
_SYLLABLE = re.compile(rf"(?:{_ONSET})?(?:{_NUCLEI})(?:ch|ng|nh|[cmnptiouy])?")
_TONE_MARKS = set(_TONES[1:])


def is_syllable(word: str) -> bool:
    """Whether ``word`` is a well-formed Vietnamese syllable (at most one tone mark)."""
    parts = unicodedata.normalize("NFD", word.lower())
    if sum(c in _TONE_MARKS for c in parts) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
    return bool(_SYLLABLE.fullmatch(bare))


def _words(text: str) -> list[str]:
    return [w.strip(".,;:!?()[]\"'“”‘’-–…/*") for w in text.split()]


def _scores(text: str, encoding: str, limit: int = 0) -> tuple[int, int, int]:
    """(words with non-ASCII characters, of them valid as they are, valid once decoded);
    ``limit`` stops after that many such words (a sample is enough to detect)."""
    n = as_is = decoded = 0
    for word in _words(text):
        if word.isascii() or not word:
            continue
        n += 1
        as_is += is_syllable(word)
        # Case does not matter to the syllable test: TCVN3's plain character map will do.
        decoded += is_syllable(_tcvn3_chars(word) if encoding == "tcvn3" else decode(word, "vni"))
        if n == limit:
            break
    return n, as_is, decoded


def detect(text: str) -> str | None:
    """``tcvn3`` or ``vni`` when the text is (or contains) such mojibake, else ``None``.

    A legacy reading must turn many more words into real Vietnamese syllables than the text
    already has; Western European text and random high bytes do not pass that test."""
    best: tuple[int, str] | None = None
    for encoding in ("tcvn3", "vni"):
        n, as_is, decoded = _scores(text, encoding, limit=20_000)
        gain = decoded - as_is
        if n and gain >= max(3, 0.3 * n) and decoded >= 0.6 * n and (not best or gain > best[0]):
            best = (gain, encoding)
    return best[1] if best else None


def convert(text: str, encoding: str) -> str:
    """Decode the lines that read better in ``encoding``; lines already in Unicode stay."""
    lines = []
    for line in text.split("\n"):
        n, as_is, decoded = _scores(line, encoding)
        # Mojibake holds Windows-1252 characters only: a line with any other letter (ệ, ư, đ)
        # is already Unicode.
        lines.append((line, bool(n) and decoded >= as_is and _cp1252_only(line)))
    if encoding == "tcvn3":
        return _restore_capitals(lines)
    return "\n".join(decode(line, "vni") if ok else line for line, ok in lines)


def _cp1252_only(line: str) -> bool:
    return all(ord(c) < 256 or c in _CP1252_CHARS for c in line)


NAMES = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI-Windows"}
