"""What a question asks for: its language and the kind of fact that answers it."""

from __future__ import annotations

import re
from enum import StrEnum

from assistant.answer.vocab import EN_FUNCTION_WORDS
from assistant.vietnamese import fold, has_diacritics, is_syllable


class Kind(StrEnum):
    """The kind of fact a question wants."""

    NUMBER = "number"
    DATE = "date"
    PERSON = "person"
    LIST = "list"
    DECISION = "decision"
    PLACE = "place"
    OTHER = "other"


# Cue patterns on the accent-folded, lowercased question; the first that matches wins.
_CUES: list[tuple[Kind, re.Pattern[str]]] = [
    (
        Kind.DECISION,
        re.compile(
            r"\b(quyet dinh|nghi quyet|nghi dinh|thong tu|cong van) (so )?nao\b|which (decision|resolution|decree)"
        ),
    ),
    (
        Kind.DATE,
        re.compile(
            r"\b(khi nao|ngay nao|thang nao|bao gio|luc nao|thoi gian nao|giai doan nao|nam nao)\b|\bwhen\b|what (date|year|day)|which (year|date)"
        ),
    ),
    (
        Kind.NUMBER,
        re.compile(
            r"\b(bao nhieu|may|ty le|phan tram)\b|how (many|much)|what (percentage|share|proportion|amount|number)"
        ),
    ),
    (Kind.PERSON, re.compile(r"\b(ai|nguoi nao|la ai)\b|\bwho(m|se)?\b")),
    (
        Kind.LIST,
        re.compile(
            r"\bnhung\b.*\bnao\b|\bcac\b.*\bnao\b|\bgom nhung\b|\bgom\b.*\bgi\b|\bwhich\b|\bwhat are\b|\blist\b"
        ),
    ),
    (Kind.PLACE, re.compile(r"\bo dau\b|\bdia chi\b|\bnoi nao\b|\bwhere\b")),
]
_ENGLISH_WORDS = EN_FUNCTION_WORDS | frozenset(
    [
        "whom",
        "why",
        "has",
        "have",
        "or",
        "than",
        "between",
        "higher",
        "lower",
        "larger",
        "more",
        "less",
        "rate",
    ]
)

_NUMBER = re.compile(
    r"\d[\d.,]*\s*(%|phần trăm|tỷ|triệu|nghìn|ngàn|ha\b|km|USD|đồng|doanh nghiệp|lĩnh vực|trụ cột|nhóm|dự án)?",
    re.I,
)
_DATE = re.compile(
    r"\b(ngày|tháng|năm|giai đoạn|sáng|chiều)\s+\d|\b\d{1,2}[-/]\d{1,2}([-/]\d{2,4})?\b|\b(19|20)\d{2}\b",
    re.I,
)
_PERSON = re.compile(
    r"\b(ông|bà|anh|chị|Phó|Giám đốc|Chủ tịch|Trưởng|Thủ tướng|Bộ trưởng)\b(\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){1,}"
)
_DECISION = re.compile(
    r"\b(Quyết định|Nghị quyết|Nghị định|Thông tư|Công văn|Công điện)\s+số\s+[\w/.-]+", re.I
)
_LIST = re.compile(r"(,[^,]+){2,}|\bgồm\b|\bnhư\b")
_PLACE = re.compile(r"\b(tại|ở)\s+[A-ZĐÀ-Ỹ]|\b\d+[–-]\d+\s+[A-ZĐ]")


def language(question: str) -> str:
    """``en`` for English questions, else ``vi`` (accentless Vietnamese included)."""
    if has_diacritics(question):
        return "vi"
    words = re.findall(r"[a-z]+", question.lower())
    english = sum(w in _ENGLISH_WORDS for w in words)
    foreign = sum(not is_syllable(w) for w in words)  # "share", "what": no Vietnamese shape
    if not words:
        return "vi"
    return "en" if english / len(words) >= 0.2 or foreign / len(words) >= 0.4 else "vi"


def kind(question: str) -> Kind:
    folded = fold(question)
    return next((k for k, pattern in _CUES if pattern.search(folded)), Kind.OTHER)


def matches_kind(sentence: str, wanted: Kind) -> bool:
    """Whether a sentence holds the kind of fact asked for."""
    pattern = {
        Kind.NUMBER: _NUMBER,
        Kind.DATE: _DATE,
        Kind.PERSON: _PERSON,
        Kind.DECISION: _DECISION,
        Kind.LIST: _LIST,
        Kind.PLACE: _PLACE,
    }.get(wanted)
    return bool(pattern and pattern.search(sentence))
