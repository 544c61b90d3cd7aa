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
from assistant.answer.spans import LOWER, UPPER
from assistant.retrieval import SearchResult
from assistant.vietnamese import fold

# query → (passages, query vector)
Retrieve = Callable[[str], tuple[list[SearchResult], list[float]]]

_MORE = r"(?:cao|lon|nhieu|rong|dai|manh|nhanh|som)"
_LESS = r"(?:thap|nho|it|hep|ngan|cham|muon)"
_COMPARATIVE = re.compile(
    rf"\b(?:{_MORE}|{_LESS})\b(?:\s+\w+){{0,10}}\s+(?:hon|nhat)\b(?!\s*\d)|\bso voi\b|\bso sanh\b|\bchenh lech\b|\bcompar|"
    r"\b(?:more|higher|larger|bigger|greater|most|highest|largest|lower|smaller|fewer|less|least|lowest|smallest)\b"
)
_SELECTOR = re.compile(
    r"\b(?:noi|tinh|dia phuong|thanh pho|ben|khu|quoc gia|nuoc|trong so) nao\b|\bmoi (?:noi|tinh|dia phuong|ben)\b|"
    r"\blan luot\b|\bwhich (?:province|city|place|one|zone|park|country|of)\b|\beach\b|\brespectively\b"
)
_DIRECTION_LESS = re.compile(
    rf"\b{_LESS}\b(?:\s+\w+){{0,10}}\s+(?:hon|nhat)\b(?!\s*\d)|\b(?:lower|smaller|fewer|less|least|lowest|smallest)\b"
)
_DIRECTION_MORE = re.compile(
    rf"\b{_MORE}\b(?:\s+\w+){{0,10}}\s+(?:hon|nhat)\b(?!\s*\d)|\b(?:higher|larger|bigger|greater|more|most|highest|largest)\b"
)


@dataclass
class Plan:
    entities: list[Entity]
    more: bool  # True: the larger value wins; False: the smaller
    comparative: bool
    # "A cao hơn hay thấp hơn B?": the answer states how the first-named entity compares
    binary: bool = False


_NAME = rf"[{UPPER}][{LOWER}]*(?:\s+[{UPPER}][{LOWER}]*){{0,3}}"
_LISTED = re.compile(
    rf"({_NAME})((?:\s*,\s*{_NAME})*)\s*,?\s*(?:và|hay|hoặc|or|and)\s+(?:(?:tỉnh|thành phố|khu kinh tế|khu công nghiệp|KCN|KKT)\s+)?({_NAME})"
)
_FRAME_WORDS = frozenset({"Giữa", "Trong", "Between", "Among", "Which", "So", "Khu", "Tỉnh"})


def _listed_names(question: str) -> list[Entity]:
    """Capitalised names listed together ("Dung Quất và Chu Lai", "A, B hay C")."""
    for m in _LISTED.finditer(question):
        raw = [m.group(1), *re.split(r"\s*,\s*", m.group(2).strip(" ,")), m.group(3)]
        names = []
        for name in (r.strip() for r in raw if r.strip()):
            words = name.split()
            while words and words[0] in _FRAME_WORDS:
                words = words[1:]
            if words:
                names.append(" ".join(words))
        if len(names) >= 2:
            return [Entity(n, "name", (fold(n),)) for n in names]
    return []


def plan(analysis: Analysis) -> Plan | None:
    """A plan when the question compares (or asks each of) two or more named places, zones or
    years."""
    folded = " ".join(fold(analysis.question).split())
    comparative = bool(_COMPARATIVE.search(folded))
    if not (comparative or _SELECTOR.search(folded)):
        return None
    less = bool(_DIRECTION_LESS.search(folded))
    binary = less and bool(_DIRECTION_MORE.search(folded))
    if len(analysis.places) >= 2 and _listed_together(folded, analysis.places):
        return Plan(analysis.places, not less, comparative, binary)
    names = _listed_names(analysis.question)
    if len(names) >= 2:
        return Plan(names, not less, comparative, binary)
    if comparative and len(analysis.years) >= 2:
        return Plan(analysis.years, not less, comparative, binary)
    return None


def _listed_together(folded: str, entities: list[Entity]) -> bool:
    """Whether two of the places are named side by side ("A và B", "A, B, C", "A or B"): a
    question about a visit to Đà Nẵng by a Chinese delegation names two places but compares none."""
    spans = sorted(
        {
            (m.start(), m.end(), i)
            for i, e in enumerate(entities)
            for f in e.folded
            for m in re.finditer(rf"(?<!\w){re.escape(f)}(?!\w)", folded)
        }
    )
    gap = re.compile(r"\s*(?:,|va|hay|hoac|voi|or|and|vs\.?|versus)?\s*(?:tinh |thanh pho |tp )?")
    # "Hung Phu in Thai Binh or My Loc Nam in Nam Dinh": each place names its own zone.
    paired = re.compile(
        r"\s*,?\s*(?:va|hay|hoac|or|and|vs\.?|versus)\s+(?:[\w-]+\s+){1,5}"
        r"(?:in|o|tai|thuoc|of)\s+(?:tinh |thanh pho |tp |province )?"
    )
    return any(
        a[2] != b[2]
        and b[0] >= a[1]
        and (gap.fullmatch(folded[a[1] : b[0]]) or paired.fullmatch(folded[a[1] : b[0]]))
        for a, b in zip(spans, spans[1:], strict=False)
    )


_FRAMING = [
    r"\bgiua\b",
    r"\btrong (?:hai|ba|bon|nam|cac) (?:dia phuong|tinh|thanh pho|khu kinh te|khu cong nghiep|khu|noi)\b",
    r"\b(?:between|among)\b",
    r"\b(?:noi|tinh|dia phuong|thanh pho|ben|khu kinh te|khu cong nghiep|khu|quoc gia|nuoc) nao\b",
    r"\bwhich (?:province|city|place|one|zone|park|industrial park|economic zone|country)\b|\bwhich\b",
    rf"\b(?:{_MORE}|{_LESS}) (?:hon|nhat)\b",
    r"\b(?:higher|larger|bigger|greater|lower|smaller|fewer|less|most|least|highest|largest|lowest|smallest)\b",
    r"\b(?:va|hay|hoac|or|and|so voi|than)\b",
]


def sub_question(analysis: Analysis, entity: Entity, compared: list[Entity]) -> str:
    """The question asked about one entity: the others and the comparison framing removed
    (blanked on the accent-folded form, which keeps the offsets of the text)."""
    text = analysis.question
    folded = fold(text)
    if len(folded) != len(text):
        folded = text.lower()
    keep = [True] * len(text)
    patterns = [rf"(?:nam\s+)?(?<!\w){re.escape(f)}(?!\w)" for e in compared for f in e.folded]
    # "… Hung Phu in Thai Binh or My Loc Nam in Nam Dinh": another place's own zone goes with it.
    # The zone is a name (capitalised), so "Giá thuê đất tại Bắc Ninh và …" keeps its measure.
    word = r"(?:(?!(?:or|and|va|hay|hoac)\b)[\w-]+\s+)"
    zones = [
        rf"(?<!\w)(?P<zone>{word}{{1,5}})(?:in|o|tai|thuoc|of)\s+(?:tinh\s+|province\s+)?"
        rf"{re.escape(f)}(?!\w)"
        for e in compared
        if e != entity
        for f in e.folded
    ]
    for pattern in [*patterns, *zones, *_FRAMING]:
        for m in re.finditer(pattern, folded):
            if "zone" in m.groupdict() and not all(
                w[0].isupper() or w[0].isdigit()
                for w in text[m.start("zone") : m.end("zone")].split()
            ):
                continue
            keep[m.start() : m.end()] = [False] * (m.end() - m.start())
    for e in compared:
        for x in e.exact:
            for m in re.finditer(re.escape(x), text):
                keep[m.start() : m.end()] = [False] * (m.end() - m.start())
    rest = "".join(c if k else " " for c, k in zip(text, keep, strict=True))
    rest = re.sub(r"\s*[,:;]\s*(?=[,:;?]|$)", " ", rest)
    rest = re.sub(r"^[\s,]+", "", " ".join(rest.split())).strip(" ,?")
    vi = analysis.lang == "vi"
    asks = re.search(r"bao nhi[eê]u|how (?:many|much)|\bmấy\b", rest, re.I)
    # "có nhiều lao động … nhất" asks each place "có bao nhiêu lao động …": a count, not a rank.
    many = re.search(r"(?<!\w)(?:nhiều|ít|nhieu|it)\s+(?=[^\W\d_])", rest, re.I)
    if vi and not asks and many:
        rest = rest[: many.start()] + "bao nhiêu " + rest[many.end() :]
        rest = " ".join(re.sub(r"(?<!\w)(?:nhất|hơn|nhat|hon)(?!\w)", " ", rest).split())
        asks = many
    name = f"năm {entity.name}" if entity.kind == "year" and vi else entity.name
    if vi:
        return f"{name} {rest}{'' if asks else ' là bao nhiêu'}?"
    return f"{rest} in {name}?"


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
    unit = re.sub(
        r"\b(?:nghin|ngan|trieu|ty|thousand|million|billion|trillion)\b|\d|[.,]", "", rest
    )
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
        sub = analyse(sub_question(base, entity, the_plan.entities))
        if base.typed and not sub.typed:  # "which is larger": the base question knew the type
            sub.atype, sub.measure, sub.noun = base.atype, base.measure, base.noun
            sub.terms = sub.terms or base.terms
        compared = {e.name for e in the_plan.entities}
        sub.places = [p for p in base.places if p.name not in compared]
        # a zone named with another compared place ("Hưng Phú ở Thái Bình") left with it
        sub.names = [n for n in base.names if n.name not in compared and n.found_in(sub.question)]
        sub.years = [y for y in base.years if y.name not in compared]
        {"place": sub.places, "name": sub.names, "year": sub.years}[entity.kind].append(entity)
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
    if missing:  # before the conclusion, which names the winner last
        names = ", ".join(e.name for e in missing)
        text += f" Không có số liệu cho {names}." if vi else f" No figure for {names}."
    short = None
    values = [(e, value(c.span.text)) for e, c in found if c.span is not None]
    comparable = [(e, v) for e, v in values if v is not None]
    if the_plan.comparative and len(comparable) >= 2 and len({v[1] for _, v in comparable}) == 1:
        pick = max if the_plan.more else min
        winner, (win_value, _) = pick(comparable, key=lambda p: p[1][0])
        if the_plan.binary and len(comparable) == 2:
            first, other = sorted(comparable, key=lambda p: the_plan.entities.index(p[0]))
            if first[1][0] != other[1][0]:
                up = first[1][0] > other[1][0]
                word = (
                    ("cao hơn" if up else "thấp hơn") if vi else ("is higher" if up else "is lower")
                )
                link = "so với" if vi else "than"  # "2024 cao hơn so với 2023", not "hơn 2023"
                text += f" {first[0].name} {word} {link} {other[0].name}."
                short = first[0].name
        elif sum(v[0] == win_value for _, v in comparable) == 1:
            short = winner.name
            word = (
                ("cao hơn" if the_plan.more else "thấp hơn")
                if vi
                else ("is higher" if the_plan.more else "is lower")
            )
            if len(comparable) > 2:
                word = (
                    ("cao nhất" if the_plan.more else "thấp nhất")
                    if vi
                    else ("is the highest" if the_plan.more else "is the lowest")
                )
            text += f" {winner.name} {word}."
    return Answer(question, standalone, text, True, "extractive", cites.items, [], lang, short)
