"""The thing a figure question measures, in the question's own words, when the measure table
(``vocab.MEASURES``) does not name it: "Tỷ lệ *lao động nữ* …", "*Giá vàng* hôm nay tăng bao
nhiêu?", "Bao nhiêu phần trăm *nhu cầu nội địa* …", "*Lạm phát* chiếm …".

Every syllable of that phrase must occur near the figure that answers (sentence or paragraph):
a percent about occupancy does not answer a question about the share of women workers, and a
land rent does not answer a question about the price of gold. Works on accent-folded text, so
Vietnamese typed with or without diacritics goes through the same rules; English questions are
left to the measure table (the text is Vietnamese, so English words cannot be looked up in it).
"""

from __future__ import annotations

import re

from assistant.answer.vocab import VI_FUNCTION_WORDS
from assistant.lexical import concepts
from assistant.vietnamese import fold

# Words that end the phrase: function words, verbs of the frame, time words.
_STOP = VI_FUNCTION_WORDS | frozenset(
    [
        "chiem",
        "dat",
        "duoi",
        "gan",
        "giam",
        "hay",
        "hoac",
        "len",
        "muc",
        "quy",
        "so",
        "tang",
        "thang",
        "tren",
        "vao",
        "xuong",
    ]
)
# Words that qualify a measure without naming it ("bình quân", "hiện nay"): dropped.
_QUALIFIERS = re.compile(
    r"\b(?:binh quan|trung binh|hien nay|hom nay|nhin chung|tong cong|tong|toan bo|khoang|"
    r"du kien|thuc te|hang nam|moi nam)\b"
)
_AFTER = re.compile(r"\b(?:ty le|ty trong|bao nhieu phan tram|may phan tram)\s+(.*)")
_BEFORE = re.compile(r"(.*?)\b(?:chiem|tang|giam|tang truong)\s+(?:khoang\s+)?(?:bao nhieu|may)\b")
_BLANK = "\x00"


def _phrase(words: list[str], skip: bool) -> tuple[str, ...]:
    """Up to three content syllables from the start of ``words``; ``skip``: framing words before
    them are skipped ("Năm 2024, lao động nữ chiếm …"), else the phrase must start at once."""
    while skip and words and (words[0] in _STOP or words[0] == _BLANK or words[0].isdigit()):
        words = words[1:]
    out: list[str] = []
    for w in words:
        if w in _STOP or w == _BLANK or w.isdigit() or len(out) == 3:
            break
        out.append(w)
    return tuple(out)


def measure_terms(folded: str, names: list[str]) -> tuple[str, ...]:
    """Folded syllables naming what a Vietnamese figure question measures, or () when its frame
    is not one of the known ones. ``names`` (places, zones, years) end the phrase."""
    for name in sorted(names, key=len, reverse=True):
        folded = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", f" {_BLANK} ", folded)
    text = _QUALIFIERS.sub(" ", re.sub(r"[^\w\x00%]+", " ", folded))
    m = _AFTER.search(text)
    terms = _phrase(m.group(1).split(), skip=False) if m else ()
    if not terms and (m := _BEFORE.search(text)):
        terms = _phrase(m.group(1).split(), skip=True)
    return terms


def covers(terms: tuple[str, ...], folded_context: str) -> bool:
    """Whether every syllable of the measure phrase occurs in the (folded) context, where an
    abbreviation and its expansion are the same words ("KCN" = "khu công nghiệp")."""
    if not terms:
        return True
    expanded = [folded_context]
    for concept, pattern in concepts():
        if pattern.search(folded_context):
            expanded += [fold(f) for f in concept.forms]
    text = "\n".join(expanded)
    return all(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text) for t in terms)
