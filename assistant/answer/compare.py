"""Comparison and per-entity questions across named places ("Giữa A và B, tỉnh nào … cao hơn?",
"Trong ba địa phương A, B, C …", "Which has more …, A or B?").

Each place is asked on its own (retrieved through the service's retriever), answered with its own
citation under the same constraint check as any answer, then the figures are compared when they
share a unit. A place without data is named as missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answer.analysis import Analysis, analyse
from assistant.answer.candidates import Candidate, EmbedFn, score_candidates
from assistant.answer.compose import Citations
from assistant.answer.entities import Entity
from assistant.answer.model import Answer, refusal
from assistant.answer.spans import AType
from assistant.retrieval import SearchResult
from assistant.vietnamese import fold

# query → (passages, query vector)
Retrieve = Callable[[str], tuple[list[SearchResult], list[float]]]

_MORE = r"(?:cao|lon|nhieu|rong|dai|manh|nhanh|som)"
_LESS = r"(?:thap|nho|it|hep|ngan|cham|muon)"
_COMPARATIVE = re.compile(
    rf"\b(?:{_MORE}|{_LESS}) (?:hon|nhat)\b|\bso voi\b|\bso sanh\b|\bchenh lech\b|\bcompar|"
    r"\b(?:more|higher|larger|bigger|greater|most|highest|largest|lower|smaller|fewer|less|least|lowest|smallest)\b"
)
_SELECTOR = re.compile(
    r"\b(?:noi|tinh|dia phuong|thanh pho|ben|khu|quoc gia|nuoc|trong so) nao\b|\bmoi (?:noi|tinh|dia phuong|ben)\b|"
    r"\blan luot\b|\bwhich (?:province|city|place|one|zone|park|country|of)\b|\beach\b|\brespectively\b"
)
_DIRECTION_LESS = re.compile(
    rf"\b{_LESS} (?:hon|nhat)\b|\b(?:lower|smaller|fewer|less|least|lowest|smallest)\b"
)


@dataclass
class Plan:
    entities: list[Entity]
    more: bool  # True: the larger value wins; False: the smaller
    comparative: bool


def plan(analysis: Analysis) -> Plan | None:
    """A plan when the question compares (or asks each of) two or more named places."""
    entities = analysis.places if len(analysis.places) >= 2 else []
    if not entities:
        return None
    folded = " ".join(fold(analysis.question).split())
    comparative = bool(_COMPARATIVE.search(folded))
    if not (comparative or _SELECTOR.search(folded)) or not _listed_together(folded, entities):
        return None
    return Plan(entities, not _DIRECTION_LESS.search(folded), comparative)


def _listed_together(folded: str, entities: list[Entity]) -> bool:
    """Whether two of the places are named side by side ("A và B", "A, B, C", "A or B"): a
    question about a visit to Đà Nẵng by a Chinese delegation names two places but compares none."""
    spans = sorted(
        (m.start(), m.end())
        for e in entities
        for f in e.folded
        for m in re.finditer(rf"(?<!\w){re.escape(f)}(?!\w)", folded)
    )
    return any(
        re.fullmatch(r"\s*(?:,|va|hay|hoac|voi|or|and|vs\.?|versus)?\s*(?:tinh |thanh pho |tp )?", folded[a_end:b_start])
        for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False)
    )


def sub_question(analysis: Analysis, entity: Entity) -> str:
    """The question asked about one place: the other places and the comparison framing removed."""
    text = analysis.question
    for e in analysis.places:
        for form in (e.name, *e.exact):
            text = re.sub(re.escape(form), " ", text, flags=re.I)
    folded_forms = [f for e in analysis.places for f in e.folded]
    words = text.split()
    kept = [w for w in words if fold(w) not in {f for f in folded_forms if " " not in f}]
    text = " ".join(kept)
    text = re.sub(
        r"\b(?:giữa|trong (?:hai|ba|bốn|năm|các) (?:địa phương|tỉnh|thành phố|khu|nơi)|between|among|or|và|and)\b",
        " ",
        text,
        flags=re.I,
    )
    text = re.sub(
        r"\b(?:nơi|tỉnh|địa phương|thành phố|bên|khu|quốc gia|nước) nào\b|\bwhich (?:province|city|place|one|zone|park|country)\b|\bwhich\b",
        " ",
        text,
        flags=re.I,
    )
    text = re.sub(r"\bnhiều (\w+(?: \w+)?) hơn\b", r"bao nhiêu \1", text, flags=re.I)
    text = re.sub(r"\bmore (\w+)\b", r"how many \1", text, flags=re.I)
    text = re.sub(
        r"\b(?:cao|lớn|nhiều|rộng|dài|thấp|nhỏ|ít|hẹp|ngắn) (?:hơn|nhất)\b|\b(?:higher|larger|bigger|greater|lower|smaller|fewer|less|most|least|highest|largest|lowest|smallest)\b",
        " ",
        text,
        flags=re.I,
    )
    text = re.sub(r"\s*[,:;]\s*(?=[,:;?]|$)", " ", text)
    text = " ".join(text.replace(" ,", ",").split()).strip(" ,?")
    lang_vi = analysis.lang == "vi"
    asks = re.search(r"bao nhi[eê]u|how (?:many|much)|\bmấy\b", text, re.I)
    if lang_vi:
        return f"{entity.name} {text}{'' if asks else ' là bao nhiêu'}?"
    return f"{text}{'' if asks else ''} in {entity.name}?"


_SCALES = {
    "nghin": 1e3,
    "ngan": 1e3,
    "trieu": 1e6,
    "ty": 1e9,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
}


def value(span_text: str) -> tuple[float, str] | None:
    """(number, unit) of a figure: "6.850 tỷ đồng" → (6.85e12, "dong"); "70%" → (70, "%")."""
    folded = fold(span_text)
    m = re.search(r"\d+(?:[.,]\d+)*", folded)
    if not m:
        return None
    raw = m.group(0)
    if "." in raw and "," in raw:
        dec = max(raw.rfind("."), raw.rfind(","))
        raw = re.sub(r"[.,]", "", raw[:dec]) + "." + raw[dec + 1 :]
    elif "." in raw:
        groups = raw.split(".")
        raw = raw.replace(".", "") if all(len(g) == 3 for g in groups[1:]) else raw
    elif "," in raw:
        groups = raw.split(",")
        raw = raw.replace(",", "") if len(groups) > 2 else raw.replace(",", ".")
    try:
        number = float(raw)
    except ValueError:
        return None
    rest = folded[m.end() :]
    for word in re.findall(r"[a-z%²]+", rest):
        if word in _SCALES:
            number *= _SCALES[word]
    unit = re.sub(r"\b(?:nghin|ngan|trieu|ty|thousand|million|billion|trillion)\b|\d|[.,]", "", rest)
    return number, " ".join(unit.split())


def _best(cands: Sequence[Candidate], typed: bool, min_confidence: float) -> Candidate | None:
    for c in cands:
        if not c.missing and c.score >= min_confidence and (c.span is not None or not typed):
            return c
    return None


def answer(
    question: str,
    standalone: str,
    the_plan: Plan,
    hits: Sequence[SearchResult],
    retrieve: Retrieve,
    embed_passages: EmbedFn,
    min_confidence: float,
    dense_candidates: int,
) -> Answer:
    base = analyse(standalone)
    lang = analyse(question).lang
    vi = lang == "vi"
    cites = Citations()
    found: list[tuple[Entity, Candidate]] = []
    missing: list[Entity] = []
    for entity in the_plan.entities:
        sub = analyse(sub_question(base, entity))
        sub.places = [entity]
        sub.years = base.years
        sub.lang = lang
        passages, vector = retrieve(sub.question)
        scored = score_candidates(sub, passages, vector, embed_passages, dense_candidates)
        best = _best(scored, sub.typed, min_confidence)
        if best is None:
            missing.append(entity)
        else:
            found.append((entity, best))
    if not found:
        return refusal(question, standalone, hits, lang, "extractive")
    parts = []
    for entity, c in found:
        n = cites.add(c)
        fact = c.span.text if c.span is not None else c.text
        parts.append(f"{entity.name}: {fact} [{n}]")
    text = "; ".join(parts) + "."
    short = None
    values = [(e, value(c.span.text)) for e, c in found if c.span is not None]
    comparable = [(e, v) for e, v in values if v is not None]
    if the_plan.comparative and len(comparable) >= 2 and len({v[1] for _, v in comparable}) == 1:
        pick = max if the_plan.more else min
        winner, (win_value, _) = pick(comparable, key=lambda p: p[1][0])
        if sum(v[0] == win_value for _, v in comparable) == 1:
            short = winner.name
            word = ("cao hơn" if the_plan.more else "thấp hơn") if vi else (
                "is higher" if the_plan.more else "is lower"
            )
            if len(comparable) > 2:
                word = ("cao nhất" if the_plan.more else "thấp nhất") if vi else (
                    "is the highest" if the_plan.more else "is the lowest"
                )
            text += f" {winner.name} {word}."
    if missing:
        names = ", ".join(e.name for e in missing)
        text += f" Không có số liệu cho {names}." if vi else f" No figure for {names}."
    return Answer(
        question, standalone, text, True, "extractive", cites.items, [], lang, short
    )
