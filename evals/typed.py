"""Scoring by answer type: figures, list items, comparison winners and short answers.

Every check reads only what the assistant returned (answer text, ``found``, ``short_answer``)
and the gold fields of the question; see evals/README.md for the definitions.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Protocol

from assistant.vietnamese import fold, normalize
from evals.dataset import Item

# Sentence ends for the winner check; "1.925" and "76,4" do not split (no space after the mark).
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
_MARKER = re.compile(r"\[\d+\]")
_SPACES = re.compile(r"\s+")
# A concluding comparative, on accent-folded text: "hơn"/"nhất" (not "hơn 30 doanh nghiệp"),
# "than", "higher", "largest", "more", "most" (not "more than 30").
_COMPARATIVE = re.compile(
    r"\b(?:hon|than)\b(?!\s*\d)|\bnhat\b|\bmost\b|\bmore\b(?!\s+than\s+\d)"
    r"|\b(?:high|larg|great|bigg|low|small)(?:er|est)\b"
)
ABSENT = object()  # the Answer has no ``short_answer`` attribute at all


def figure_key(text: str) -> str:
    """Form used to test that a figure is in an answer: normalised, case-folded, whitespace
    collapsed, and no space before ``%`` ("70 %" and "70%" are the same figure)."""
    squashed = _SPACES.sub(" ", normalize(text).casefold()).strip()
    return squashed.replace(" %", "%")


def has_figure(answer: str, gold: str) -> bool:
    return figure_key(gold) in figure_key(answer)


def names(answer: str, entity: str) -> bool:
    """The answer names the entity, with or without diacritics ("Bac Ninh" names "Bắc Ninh")."""
    return fold(entity) in fold(answer)


def stated_winner(answer: str, entities: Sequence[str]) -> str | None:
    """The entity named first in the conclusion: the last sentence of the answer that names any
    of them and holds a comparative. "A … 76,4% [1]; B … 68,2% [2]. A cao hơn B." states A;
    quoting both figures without a conclusion states nothing."""
    sentences = [s for s in _SENTENCE_END.split(_MARKER.sub(" ", answer)) if s.strip()]
    for sentence in reversed(sentences):
        folded = fold(sentence)
        if not _COMPARATIVE.search(folded):
            continue
        found = [(folded.find(fold(e)), -len(e), e) for e in entities if fold(e) in folded]
        if found:
            return min(found)[2]
    return None


def comparison_correct(item: Item, answer: str, found: bool) -> bool | None:
    """Every entity's own figure is in the answer, an entity without data is named, and the
    stated winner (if the question has one) is right. None for other questions (a list question
    with parts is scored by ``list_complete``)."""
    if item.answer is None or not item.parts or item.answer_type not in (None, "comparison"):
        return None
    known = [p for p in item.parts if p.answer is not None]
    complete = len(known) == len(item.parts)
    if complete and not found:  # every figure exists, so a refusal is wrong
        return False
    if not all(has_figure(answer, p.answer or "") for p in known):
        return False
    if not all(names(answer, p.entity) for p in item.parts if p.answer is None):
        return False
    return item.winner is None or stated_winner(answer, [p.entity for p in item.parts]) == (
        item.winner
    )


def list_complete(item: Item, answer: str, found: bool) -> bool | None:
    """Every expected item (and every part's figure) is in a non-refused answer."""
    if item.answer is None or not item.items:
        return None
    figures = [p.answer for p in item.parts if p.answer is not None]
    return (
        found
        and all(names(answer, i) for i in item.items)
        and all(has_figure(answer, f) for f in figures)
    )


def correct(item: Item, answer: str, found: bool) -> bool:
    """One verdict per question: unanswerable → refused; comparison → ``comparison_correct``;
    list with items → ``list_complete``; otherwise found and the gold answer is in the answer."""
    if item.answer is None:
        return not found
    compared = comparison_correct(item, answer, found)
    if compared is not None:
        return compared
    listed = list_complete(item, answer, found)
    if listed is not None:
        return listed
    return found and has_figure(answer, item.answer)


def score(item: Item, answer: str, found: bool, predicted_short: object) -> dict[str, Any]:
    """Per-question typed fields for QuestionResult; ``predicted_short`` is ABSENT when the
    assistant's Answer has no ``short_answer`` attribute (short-answer metrics are then None)."""
    exact = contains = None
    if item.short_answer is not None and predicted_short is not ABSENT:
        guess = predicted_short if isinstance(predicted_short, str) else ""
        exact = bool(guess) and figure_key(guess) == figure_key(item.short_answer)
        contains = bool(guess) and figure_key(item.short_answer) in figure_key(guess)
    return {
        "answer_type": item.answer_type,
        "short_answer": None if predicted_short is ABSENT else predicted_short,
        "correct": correct(item, answer, found),
        "comparison_correct": comparison_correct(item, answer, found),
        "list_complete": list_complete(item, answer, found),
        "short_answer_exact": exact,
        "short_answer_contains": contains,
    }


class Scored(Protocol):
    answerable: bool
    found: bool
    answer_type: str | None
    correct: bool
    comparison_correct: bool | None
    list_complete: bool | None
    short_answer_exact: bool | None
    short_answer_contains: bool | None


def _rate(values: Sequence[bool | None]) -> float | None:
    kept = [float(v) for v in values if v is not None]
    return round(statistics.fmean(kept), 4) if kept else None


def summarize_typed(results: Sequence[Scored]) -> dict[str, Any]:
    """Typed metrics over a group of results (overall, or one answer type)."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    return {
        "accuracy": _rate([r.correct for r in results]),
        "answer_correct": _rate([r.correct for r in answerable]),
        "comparison_correct": _rate([r.comparison_correct for r in results]),
        "list_complete": _rate([r.list_complete for r in results]),
        "short_answer_exact": _rate([r.short_answer_exact for r in results]),
        "short_answer_contains": _rate([r.short_answer_contains for r in results]),
        "answerable_refused": _rate([not r.found for r in answerable]),
        "unanswerable_refused": _rate([not r.found for r in unanswerable]),
        "answerable": len(answerable),
        "questions": len(results),
    }


def per_type(results: Sequence[Scored]) -> dict[str, dict[str, Any]]:
    """Typed metrics per answer type (questions without ``answer_type`` are left out)."""
    groups: dict[str, list[Scored]] = defaultdict(list)
    for r in results:
        if r.answer_type:
            groups[r.answer_type].append(r)
    return {kind: summarize_typed(rs) for kind, rs in sorted(groups.items())}
