"""Questions that ask which places meet a condition across documents ("Những tỉnh nào có tỷ lệ
lấp đầy trên 85%?", "Which provinces …"): every confident candidate holding the measure is
attributed to the place of its context, filtered by the condition, one citation per place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer.analysis import Analysis, analyse
from assistant.answer.candidates import Candidate, EmbedFn, score_candidates
from assistant.answer.compare import Retrieve, value
from assistant.answer.compose import Citations
from assistant.answer.entities import places_in
from assistant.answer.model import Answer
from assistant.answer.passage import context_of
from assistant.answer.spans import AType
from assistant.retrieval import SearchResult
from assistant.vietnamese import fold

_WHICH_PLACES = re.compile(
    r"\b(?:nhung|cac) (?:tinh|dia phuong|thanh pho|noi)(?: \w+)? nao\b|"
    r"\bwhich (?:provinces|cities|localities|places)\b"
)
_ABOVE = re.compile(r"\b(?:tren|hon|vuot|over|above|more than|at least|tu)\s+([\d.,]+)")
_BELOW = re.compile(r"\b(?:duoi|chua den|under|below|less than)\s+([\d.,]+)")


def applies(analysis: Analysis) -> bool:
    return not analysis.places and bool(
        _WHICH_PLACES.search(" ".join(fold(analysis.question).split()))
    )


def _measure_type(folded: str) -> AType | None:
    if "%" in folded or re.search(r"\bty le\b|\bphan tram\b|\brate\b", folded):
        return AType.PERCENT
    if re.search(r"\b(?:von|ty dong|trieu usd|usd|dong|investment|capital)\b", folded):
        return AType.MONEY
    if re.search(r"\b(?:ha|dien tich|hectares|area)\b", folded):
        return AType.AREA
    return None


def answer(
    question: str,
    standalone: str,
    hits: Sequence[SearchResult],
    retrieve: Retrieve,
    embed_passages: EmbedFn,
    min_confidence: float,
    dense_candidates: int,
) -> Answer | None:
    """The places meeting the condition, each with its figure and citation; None when the
    question is not of this kind or nothing qualifies (the ordinary answerer takes over)."""
    base = analyse(standalone)
    folded = " ".join(fold(standalone).split())
    measure = _measure_type(folded)
    if measure is None:
        return None
    base.atype = measure
    _, vector = retrieve(standalone)
    scored = score_candidates(base, hits, vector, embed_passages, dense_candidates * 2)
    above = _ABOVE.search(folded)
    below = _BELOW.search(folded)
    best: dict[str, Candidate] = {}
    for c in scored:
        if c.span is None or c.missing or not c.measure_ok or c.score < min_confidence:
            continue
        figure = value(c.span.text)
        if figure is None:
            continue
        if above and not figure[0] > _number(above.group(1)):
            continue
        if below and not figure[0] < _number(below.group(1)):
            continue
        places = places_in(c.text) or places_in(context_of(c.hit, c.sentence))
        if len(places) == 1 and places[0].name not in best:
            best[places[0].name] = c
    if not best:
        return None
    cites = Citations()
    parts = [
        f"{place}: {c.span.text if c.span else c.text} [{cites.add(c)}]"
        for place, c in best.items()
    ]
    return Answer(
        question, standalone, "; ".join(parts) + ".", True, "extractive", cites.items, [], base.lang
    )


def _number(raw: str) -> float:
    figure = value(raw)
    return figure[0] if figure else 0.0
