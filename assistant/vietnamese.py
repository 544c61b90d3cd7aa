"""Vietnamese text normalisation shared by indexing and querying.

Two forms matter:
- ``normalize``: display-safe (keeps diacritics and case), unifies Unicode forms, invisible
  characters and the tone-mark placement (``hoà`` and ``hòa`` are the same word).
- ``fold``: lowercase, no diacritics, ``đ``→``d``; for matching questions typed without accents.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Zero-width characters and byte-order marks vanish; the various non-breaking spaces become spaces.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = {ord(c): " " for c in "\u00a0\u202f\u2007\u2009\u200a\u3000\t"}

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
_VOWELS = set("aăâeêioôơuưy")
_MARKED_VOWELS = set("ăâêôơư")  # vowels carrying a shape diacritic take the tone first
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# A Vietnamese syllable: optional initial, one vowel cluster, optional final. Words of other shapes
# (Pokémon, Québec, café) are foreign: their accents are letters of their own spelling, not tones.
_SYLLABLE = re.compile(
    r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?[aăâeêioôơuưy]{1,3}(ch|ng|nh|[cmnpt])?"
)


def _place_tone(syllable: str) -> str:
    """Put a syllable's tone mark on the canonical vowel (traditional placement: hòa, thủy)."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [c for c in decomposed if c in _TONES]
    if len(tones) != 1:
        return syllable
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    lower = base.lower()
    if not _SYLLABLE.fullmatch(lower):
        return syllable
    # Skip the consonant-like vowels of the initials "qu" and "gi" (quý, già).
    start = 0
    while start < len(lower) and lower[start] not in _VOWELS:
        start += 1
    if lower[start - 1 : start + 1] == "qu" or (
        lower[start - 1 : start + 1] == "gi"
        and start + 1 < len(lower)
        and lower[start + 1] in _VOWELS
    ):
        start += 1
    end = start
    while end < len(lower) and lower[end] in _VOWELS:
        end += 1
    cluster = range(start, end)
    if not cluster:
        return syllable
    marked = [i for i in cluster if lower[i] in _MARKED_VOWELS]
    if marked:
        target = marked[-1]  # ươ → ơ; otherwise the only shaped vowel
    elif len(cluster) == 1:
        target = start
    elif end == len(lower):  # open syllable: hòa, khỏe, thủy, mía; three vowels: hoài
        target = start + 1 if len(cluster) == 3 else start
    else:  # closed syllable: hoàng, toán
        target = start + 1
    return unicodedata.normalize("NFC", base[: target + 1] + tones[0] + base[target + 1 :])


def normalize(text: str) -> str:
    """NFC, invisible characters removed, odd spaces unified, canonical tone placement."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).translate(_SPACES)
    return _WORD.sub(lambda m: _place_tone(m.group(0)), text)


class _FoldTable(dict[int, "int | str | None"]):
    """``str.translate`` table for folding: invisible characters dropped, odd spaces unified,
    ``đ``→``d``, and every combining mark dropped (looked up once per code point, then kept)."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_FOLD = _FoldTable({**_INVISIBLE, **_SPACES, ord("đ"): "d"})


def fold(text: str) -> str:
    """Accent-folded lowercase form: ``Đà Nẵng`` → ``da nang``.

    Tone placement (``normalize``) is skipped: every mark is dropped, wherever it sat. One
    decomposition and one table pass: the answerer folds every candidate sentence per question,
    and the same sentence contexts for every place it checks, so short texts are remembered."""
    return _fold_short(text) if len(text) <= _FOLD_CACHED_CHARS else _fold(text)


_FOLD_CACHED_CHARS = 2000  # a sentence with its paragraph and title; whole documents are not kept


def _fold(text: str) -> str:
    return unicodedata.normalize("NFD", text.lower()).translate(_FOLD)


_fold_short = lru_cache(maxsize=8192)(_fold)


def has_diacritics(text: str) -> bool:
    """True when the text uses any Vietnamese diacritic (so it was not typed accentless)."""
    return fold(text) != text.lower()


def is_syllable(word: str) -> bool:
    """Whether a word (accented or folded) has the shape of a Vietnamese syllable: "duong" does,
    "share" and "what" do not (used to tell accentless Vietnamese from English)."""
    base = fold(word)
    return bool(_SYLLABLE.fullmatch(base))
