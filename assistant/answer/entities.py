"""Named things a question constrains an answer to: places (a gazetteer of provinces, cities,
countries and regions, in Vietnamese with or without accents and in English), zone and body
names, acronyms, people, and years or periods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from assistant.answer.spans import LOWER, UPPER
from assistant.lexical import concepts, data_table
from assistant.vietnamese import fold, normalize

_YEAR = re.compile(r"(?<![\d/.,])(?:19|20)\d{2}(?![\d/])")
_RANGE = re.compile(
    r"(?<![\d/])((?:19|20)\d{2})\s*(?:[-–—]|đến|tới|to|until)\s*(?:năm\s+)?((?:19|20)\d{2})(?![\d/])",
    re.I,
)
_ACRONYM = re.compile(r"(?<![\w-])[A-ZĐ]{3,}(?![\w-])")
_NAME_WORD = rf"(?:[{UPPER}][{LOWER}{UPPER}]*|\d+)"
_ZONE_HEAD = re.compile(
    r"\b(?i:khu công nghiệp|KCN|khu kinh tế|KKT|khu chế xuất|KCX|cụm công nghiệp|CCN|"
    rf"khu công nghệ cao|KCNC|Khu CNC|cảng|sân bay|dự án)\s+(?:mở\s+)?({_NAME_WORD}(?:\s+{_NAME_WORD})*)"
)
_PERSON = re.compile(
    rf"\b(?:ông|bà|Ông|Bà)\s+([{UPPER}][{LOWER}]+(?:\s+[{UPPER}][{LOWER}]+){{1,3}})"
)
_COMMON_ACRONYMS = frozenset(
    [
        "USD",
        "VND",
        "VNĐ",
        "GDP",
        "GRDP",
        "ODA",
        "PPP",
        "CEO",
        "ICT",
        "KPI",
        "ESG",
        "BOT",
        "WTO",
        "FTA",
        "EVFTA",
        "CPTPP",
        "RCEP",
        "ASEAN",
        "APEC",
        "OECD",
        "UBND",
        "HĐND",
        "CNC",
        "KCN",
        "KKT",
        "KCX",
        "CCN",
        "CNHT",
        "DN",
        "QĐ",
        "NQ",
        "TW",
        "FDI",
    ]
)
_ROMAN = frozenset({"III", "VII", "VIII", "XII", "XIII", "XIV", "XV", "XVI"})


@dataclass(frozen=True)
class Entity:
    """A name the answer must be about; ``patterns`` match it in accent-folded or original text."""

    name: str
    kind: str  # place | name | year
    folded: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()

    def found_in(self, text: str, folded: str | None = None) -> bool:
        folded = fold(text) if folded is None else folded
        if any(re.search(rf"(?<![\w]){re.escape(f)}(?![\w])", folded) for f in self.folded):
            return True
        return any(re.search(rf"(?<![\w]){re.escape(e)}(?![\w])", text) for e in self.exact)


@cache
def gazetteer() -> tuple[Entity, ...]:
    out = []
    for name, forms in data_table("places.tsv"):
        folded, exact = [], []
        for form in forms:
            if form.startswith("!") or len(form) <= 3 or form.isupper():
                exact.append(normalize(form.lstrip("!")))
            else:
                folded.append(" ".join(fold(form).split()))
        out.append(Entity(name, "place", tuple(folded), tuple(exact)))
    return tuple(out)


def _concept_forms() -> set[str]:
    return {fold(f) for concept, _ in concepts() for f in concept.forms}


def places_in(text: str) -> list[Entity]:
    """Gazetteer places named in a text, in order of first mention. A match inside a longer one
    ("Thai" in "Thai Binh") or a short word opening a longer name ("Mỹ" in "Mỹ Lộc Nam") is not
    a place of its own."""
    text = normalize(text)
    folded = fold(text)
    matches: list[tuple[int, int, Entity]] = []
    for e in gazetteer():
        for f in e.folded:
            for m in re.finditer(rf"(?<![\w]){re.escape(f)}(?![\w])", folded):
                matches.append((m.start(), m.end(), e))
        for x in e.exact:
            for m in re.finditer(rf"(?<![\w]){re.escape(x)}(?![\w])", text):
                if not x.isupper() and re.match(rf"\s+[{UPPER}]", text[m.end() :]):
                    continue
                matches.append((m.start(), m.end(), e))
    kept: list[tuple[int, int, Entity]] = []
    for start, end, e in sorted(matches, key=lambda t: (t[0] - t[1], t[0])):  # longest first
        if all(end <= a or start >= b or other == e for a, b, other in kept):
            kept.append((start, end, e))
    # "Thành phố Hồ Chí Minh" also holds "Hồ Chí Minh": keep one entity per position.
    out: list[Entity] = []
    for _, _, e in sorted(kept, key=lambda t: t[0]):
        if e not in out:
            out.append(e)
    return out


def names_in(text: str) -> list[Entity]:
    """Zone names after a zone word, acronyms that are not common abbreviations, and people
    introduced by ông/bà (only where capitals tell names apart: accented or English text)."""
    text = normalize(text)
    out: list[Entity] = []
    known = _concept_forms()
    place_forms = {f for e in gazetteer() for f in (*e.folded, *(fold(x) for x in e.exact))}
    for m in _ZONE_HEAD.finditer(text):
        name = m.group(1).strip()
        if fold(name) in place_forms or fold(name) in known:
            continue
        # The zone name without a trailing place ("VSIP Bình Dương" → "VSIP"): places are checked
        # on their own.
        words = name.split()
        if words and words[0] in ("Thành", "Tỉnh", "TP", "Quận", "Huyện"):
            continue  # "khu công nghệ cao Thành phố Hồ Chí Minh": a place, checked as such
        while words and any(fold(" ".join(words[i:])) in place_forms for i in range(len(words))):
            cut = next(i for i in range(len(words)) if fold(" ".join(words[i:])) in place_forms)
            words = words[:cut]
        if words and not (len(words) == 1 and words[0].isdigit()):
            out.append(Entity(" ".join(words), "name", (fold(" ".join(words)),)))
    for m in _ACRONYM.finditer(text):
        word = m.group(0)
        if fold(word) in known or fold(word) in place_forms or word in _ROMAN | _COMMON_ACRONYMS:
            continue
        if all(fold(word) not in e.folded for e in out):
            out.append(Entity(word, "name", (fold(word),)))
    for m in _PERSON.finditer(text):
        out.append(Entity(m.group(1), "name", (fold(m.group(1)),)))
    return out


def years_in(text: str) -> set[int]:
    """Years named in a text, ranges ("2021-2025", "2019 đến 2025") expanded."""
    years = {int(y) for y in _YEAR.findall(text)}
    for a, b in _RANGE.findall(text):
        lo, hi = sorted((int(a), int(b)))
        if hi - lo <= 50:
            years |= set(range(lo, hi + 1))
    return years


def framing_period(text: str) -> set[int]:
    """The ends of a period that frames a question about one year inside it ("Chương trình giai
    đoạn 2026 - 2030 … năm 2027"): the period names the programme, the single year the figure."""
    ends = {int(y) for pair in _RANGE.findall(text) for y in pair}
    singles = {int(y) for y in _YEAR.findall(text)} - ends
    inside = any(min(ends) < y < max(ends) for y in singles) if ends else False
    return ends if inside else set()


def year_entities(text: str) -> list[Entity]:
    """The years a question names (each is a constraint); a period names its two ends."""
    years = dict.fromkeys(_YEAR.findall(text))  # in order of mention
    return [Entity(y, "year", (y,)) for y in years]
