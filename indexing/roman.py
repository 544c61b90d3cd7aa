"""Roman numerals as plans number their sections (I. to XXXIX.)."""

from __future__ import annotations

import re

_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def roman_value(text: str) -> int:
    """``IV`` → 4."""
    values = [_VALUES[c] for c in text]
    return sum(-v if v < w else v for v, w in zip(values, [*values[1:], 0], strict=True))


def to_roman(value: int) -> str:
    """4 → ``IV`` (up to 39, as far as a plan's sections go)."""
    out = ""
    for number, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out, value = out + letters, value - number
    return out


def is_roman(text: str) -> bool:
    """A well-formed numeral up to XXXIX (not ``IIII``, not the word ``CV``)."""
    return bool(re.fullmatch(r"X{0,3}(IX|IV|V?I{0,3})", text)) and text != ""
