"""Turn a follow-up question into a standalone one, by rule (no LLM needed).

Handles the common Vietnamese elliptical forms — "Còn Bình Dương thì sao?", "Thế còn năm 2024?",
"Vậy còn …" — by carrying the previous question and substituting the new entity for the one of the
same sort (a year for a year, a proper name for a proper name); and short questions that point back
("Bà ấy…", "Thỏa thuận đó…", "What about…") by adding the previous question as context.

Only the previous *question* is ever copied: the last sentence ending in "?" of the previous user
turn, at most ``limit`` characters, so a long pasted turn cannot blow up the rewrite (and the
search and answer work that follow it).
"""

from __future__ import annotations

import re

from assistant.answer.history import tail
from assistant.config import QUESTION_MAX_CHARS
from assistant.vietnamese import fold

QUESTION_LIMIT = QUESTION_MAX_CHARS  # the default; the service passes the setting

_ELLIPTIC = re.compile(
    r"^\s*(?:(?:thế|vậy|the|vay)\s+)?(?:còn|con|what about|and|how about)\s+(?P<entity>.+?)"
    r"\s*(?:thì\s+sao|thi\s+sao|thế\s+nào|the\s+nao|ra\s+sao|nữa|nua|then)?\s*\??\s*$",
    re.I,
)
_YEAR = re.compile(r"\b(?:năm\s+)?(19|20)\d{2}\b", re.I)
_QUESTION_WORD = re.compile(
    r"\b(ai|gì|gi|nào|nao|đâu|dau|bao nhiêu|bao nhieu|mấy|may|khi nào"
    r"|who|what|which|when|where|how)\b",
    re.I,
)
_POINTING = re.compile(
    r"\b(đó|ấy|này|kia|trên|that|those|these|it|its|they|their|he|she|him|her)\b", re.I
)


def proper_names(text: str) -> list[str]:
    """Proper names: runs of two or more capitalised words (Long An, Bình Dương, TP Đà Nẵng) or
    abbreviations like TP.HCM; a lone capital opening the sentence is not a name."""
    names, run = [], []
    for word in re.findall(r"[\w.+-]+", text):
        if word[:1].isupper() and fold(word) not in _NOT_NAMES:
            run.append(word)
            continue
        if len(run) >= 2 or (run and "." in run[0]):
            names.append(" ".join(run))
        run = []
    if len(run) >= 2 or (run and "." in run[0]):
        names.append(" ".join(run))
    return names


_NOT_NAMES = frozenset({"ubnd", "con", "the", "vay"})


def _user_turns(history: list[dict[str, str]]) -> list[str]:
    return [
        t["content"]
        for t in history
        if isinstance(t, dict)
        and t.get("role") == "user"
        and isinstance(t.get("content"), str)
        and t["content"].strip()
    ]


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")


def previous_question(turn: str, limit: int = QUESTION_LIMIT) -> str:
    """What an earlier user turn asked: its last sentence ending in "?" (else the whole turn),
    cut to its last ``limit`` characters."""
    asked = [s.strip() for s in _SENTENCE_BREAK.split(turn) if s.strip().endswith("?")]
    return tail((asked[-1] if asked else turn).strip(), limit)


def condense(
    question: str, history: list[dict[str, str]] | None, limit: int = QUESTION_LIMIT
) -> str:
    """The standalone form of ``question`` given earlier turns (unchanged when it stands alone).

    It is never longer than ``question`` plus ``limit`` characters of the previous question."""
    previous = _user_turns(history or [])
    if not previous:
        return question
    last = previous_question(previous[-1], limit)
    if m := _ELLIPTIC.match(question):
        entity = m.group("entity").strip(" ?")
        if _QUESTION_WORD.search(entity):  # "Còn giám đốc NSSC là ai?" is a whole question
            return entity
        if _YEAR.fullmatch(entity) or _YEAR.fullmatch(f"năm {entity}"):
            year = _YEAR.search(entity)
            if year and _YEAR.search(last):
                return _YEAR.sub(lambda _: f"năm {year.group(0)[-4:]}", last, count=1)
        subject = next(iter(proper_names(last)), None)
        if subject:
            return last.replace(subject, entity, 1)
        return f"{last} {entity}"
    if len(question.split()) <= 12 and _POINTING.search(question):
        return f"{question} ({last})"
    return question
