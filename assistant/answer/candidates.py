"""Candidate sentences scored for a question.

A sentence scores by (1) IDF-weighted lexical overlap with the question (IDF over the candidate
sentences, so words every sentence shares count little), with a share of its predecessor's overlap
when the fact sits in the next sentence; (2) whether it holds a span of the expected answer type
(for typed questions this is a gate: a lead sentence restating the question loses to the one with
the figure); (3) dense similarity for the best few; (4) its passage's rank. The constraint check
(place, name, year) is recorded, not applied: the composer uses failures as near misses.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from assistant.answer.analysis import Analysis
from assistant.answer.constraints import missing_constraints
from assistant.answer.doc_match import other_document
from assistant.answer.measure import covers
from assistant.answer.passage import Sentence, sentences_of
from assistant.answer.spans import AType, Span, find_spans
from assistant.answer.vocab import measure_words
from assistant.lexical import overlap_features
from assistant.retrieval import SearchResult
from assistant.vietnamese import fold

EmbedFn = Callable[[list[str]], list[list[float]]]
_NO_SPAN_FACTOR = 0.45  # a typed question's candidate without a span of the type
_NO_MEASURE_FACTOR = 0.3  # a figure of the right unit but not of the measure asked for
_MIN_OVERLAP = 0.1  # a Vietnamese question sharing (almost) no words with the sentence
_LEAD_IN_FACTOR = 0.6  # an official document's lead-in ("… như sau:") or scope restating its title
_RESTATES = 0.6  # share of a sentence's syllables found in its document's title
_OTHER_DOCUMENT_FACTOR = 0.85  # the question names another document number or kind


@dataclass
class Candidate:
    sentence: Sentence
    hit: SearchResult
    rank: int
    lexical: float
    span: Span | None
    proximity: float  # 0..1, how near the span stands to the predicate words
    missing: list[str] = field(default_factory=list)
    dense: float | None = None
    typed: bool = False
    english: bool = False  # English question over Vietnamese text: overlap says little
    measure_ok: bool = True  # the measure asked for ("giá thuê") is named near the figure
    lead_in: bool = False  # announces the clauses that follow, or restates the document's title
    other_document: bool = False  # the question names another number or kind of document

    @property
    def text(self) -> str:
        return self.sentence.text

    @property
    def prescore(self) -> float:
        base = (
            0.7 * self.lexical
            + 0.2 * self._type_score
            + (0.3 if self.english else 0.1) / (1 + self.rank)
        )
        return base * self._gate

    @property
    def _type_score(self) -> float:
        return 0.5 + 0.5 * self.proximity if self.span else 0.0

    @property
    def _gate(self) -> float:
        gate = _NO_SPAN_FACTOR if self.typed and self.span is None else 1.0
        if not self.english and self.lexical < _MIN_OVERLAP:
            gate *= 0.5
        if self.lead_in:
            gate *= _LEAD_IN_FACTOR
        if self.other_document:
            gate *= _OTHER_DOCUMENT_FACTOR
        return gate * (1.0 if self.measure_ok else _NO_MEASURE_FACTOR)

    @property
    def score(self) -> float:
        dense = self.dense if self.dense is not None else 0.0
        lexical_weight = 0.1 if self.english else 0.4
        base = (
            (0.8 - lexical_weight) * dense
            + lexical_weight * self.lexical
            + 0.15 * self._type_score
            + 0.05 / (1 + self.rank)
        )
        if not self.typed and self.span is None:
            base += 0.15 * 0.5  # descriptive questions: no span is expected, none is missing
        return base * self._gate


@lru_cache(maxsize=8192)
def _features(text: str) -> frozenset[str]:
    """Overlap features of a text; kept per text like ``split_passage``, as the same passages'
    sentences are scored again for every question that retrieves them."""
    feats = overlap_features(text)
    syl = re.findall(r"[^\W_]+", " ".join(fold(text).split()))
    feats |= {f"b:{a}_{b}" for a, b in zip(syl, syl[1:], strict=False)}
    return frozenset(feats)


def _syllables(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", fold(text)))


def is_lead_in(sentence: str, hit: SearchResult) -> bool:
    """In an official document, a sentence that announces what follows ("… với các nội dung chủ
    yếu sau:") or restates the trích yếu ("Nghị quyết này quy định chính sách hỗ trợ … giai đoạn
    2026 - 2030"): it matches any question about the document and answers none."""
    if hit.doc_type is None:
        return False
    if sentence.rstrip().endswith(":"):
        return True
    own = _syllables(sentence)
    return bool(own and hit.title) and len(own & _syllables(hit.title)) >= _RESTATES * len(own)


def _dense_scale(cosine: float) -> float:
    """e5 cosines sit in a narrow band (~0.7 unrelated, ~0.9 same meaning): spread it to 0..1."""
    return float(min(1.0, max(0.0, (cosine - 0.72) / 0.18)))


def _proximity(
    sentence: str, span: Span, predicate: Sequence[str], others: Set[str] = frozenset()
) -> float:
    """1.0 when a predicate word touches the span, falling with the distance in characters.

    Figures follow what they measure ("doanh thu … đạt 185.600 tỷ đồng"), so a word after the
    span counts double; another measure word in between ("nộp ngân sách 24.200 tỷ đồng") means
    the figure is that measure's."""
    if not predicate:
        return 0.5
    folded = fold(sentence)
    if others:  # a measure named right after the figure is its own ("1.925 triệu USD vốn FDI")
        after = re.split(r"[,;.()]| va | and ", folded[span.end : span.end + 28])[0]
        if any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", after) for w in predicate):
            return 1.0
        if any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", after) for w in others):
            return 0.0
    best = None
    for word in predicate[:8]:
        for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", folded):
            if span.start <= m.start() < span.end:
                continue
            if m.end() <= span.start:
                d = span.start - m.end()
                between = folded[m.end() : span.start]
                if any(re.search(rf"(?<!\w){re.escape(o)}(?!\w)", between) for o in others):
                    d += 80
            else:
                d = 2 * (m.start() - span.end) + 10
            best = d if best is None else min(best, d)
    return 0.0 if best is None else 1.0 / (1.0 + max(0, best) / 25.0)


def holds_role(sentence: str, span: Span, role: str) -> bool:
    """The person span stands next to the asked title, without a "Phó" the question lacks."""
    folded = fold(sentence)
    for m in re.finditer(rf"(?<!\w){re.escape(role)}(?!\w)", folded):
        near = m.start() - span.end <= 40 if m.start() >= span.end else span.start - m.end() <= 60
        deputy = folded[max(0, m.start() - 4) : m.start()] == "pho " and not role.startswith("pho")
        if near and not deputy:
            return True
    return False


def best_span(sentence: str, analysis: Analysis) -> tuple[Span | None, float]:
    spans = find_spans(sentence, analysis.atype, analysis.noun)
    if analysis.atype is AType.ORG and analysis.noun:  # "Công ty nào": a company, not a ministry
        spans = [s for s in spans if fold(s.text).startswith(analysis.noun)]
    if analysis.atype is AType.YEAR:  # "đến năm nào": the year asked is not one of the question's
        asked = {e.name for e in analysis.years}
        spans = [s for s in spans if not any(y in s.text for y in asked)] or spans
    if not spans:
        return None, 0.0
    words = list(analysis.measure) or analysis.predicate
    others = measure_words() - set(analysis.measure) if analysis.measure else set()
    scored = [(_proximity(sentence, s, words, others), s) for s in spans]
    prox, span = max(scored, key=lambda p: p[0])
    return span, prox


def score_candidates(
    analysis: Analysis,
    hits: Sequence[SearchResult],
    query_vector: Sequence[float],
    embed_passages: EmbedFn,
    dense_candidates: int,
) -> list[Candidate]:
    """Every sentence of the hits, best first (dense similarity for the best few)."""
    rows: list[tuple[int, SearchResult, Sentence, frozenset[str]]] = []
    for rank, hit in enumerate(hits):
        for sentence in sentences_of(hit):
            rows.append((rank, hit, sentence, _features(sentence.text)))
    if not rows:
        return []
    df = Counter(f for *_, feats in rows for f in feats)
    n = len(rows)
    q_feats = _features(analysis.question)
    if analysis.lang == "en":  # the Vietnamese words of what is asked meet the Vietnamese text
        glosses = [*analysis.measure, analysis.noun or "", *(p.name for p in analysis.places)]
        q_feats |= _features(" ".join(glosses))

    def idf(f: str) -> float:
        return math.log(1 + (n + 1) / (df.get(f, 0) + 0.5))

    q_weight = sum(idf(f) for f in q_feats) or 1.0
    # Only when some passage is of the document the question names: else nothing is preferred.
    other = {h.chunk_id: other_document(analysis.question, h) for h in hits}
    if all(other.values()):
        other = dict.fromkeys(other, False)
    out: list[Candidate] = []
    previous: dict[str, tuple[int, float]] = {}
    for rank, hit, sentence, feats in rows:
        own = sum(idf(f) for f in q_feats & feats) / q_weight
        prev = previous.get(hit.chunk_id)
        carried = 0.6 * prev[1] if prev and prev[0] == sentence.index - 1 else 0.0
        previous[hit.chunk_id] = (sentence.index, own)
        span, prox = best_span(sentence.text, analysis)
        near = fold(f"{sentence.text} {sentence.paragraph}")
        measure_ok = not analysis.measure or any(
            re.search(rf"(?<!\w){re.escape(m)}(?!\w)", near) for m in analysis.measure
        )
        if analysis.terms and not covers(analysis.terms, fold(sentence.heading) + "\n" + near):
            measure_ok = False
        if analysis.role and span is not None:
            measure_ok = holds_role(sentence.text, span, analysis.role)
        out.append(
            Candidate(
                sentence,
                hit,
                rank,
                max(own, carried),
                span,
                prox,
                missing_constraints(analysis, hit, sentence),
                typed=analysis.typed,
                english=analysis.lang == "en",
                measure_ok=measure_ok,
                lead_in=is_lead_in(sentence.text, hit),
                other_document=other[hit.chunk_id],
            )
        )
    out.sort(key=lambda c: c.prescore, reverse=True)
    # The best that meet the question's constraints, and a few near misses that do not.
    best = [c for c in out if not c.missing][:dense_candidates]
    best += [c for c in out if c.missing][: max(2, dense_candidates // 3)]
    if best:
        vectors = np.asarray(embed_passages([c.text for c in best]), dtype=np.float32)
        sims = vectors @ np.asarray(query_vector, dtype=np.float32)
        for c, sim in zip(best, sims, strict=True):
            c.dense = _dense_scale(float(sim))
    best.sort(key=lambda c: c.score, reverse=True)
    return best
