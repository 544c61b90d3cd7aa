"""The default answerer: no LLM, quotes one to three sentences from the retrieved passages.

Each sentence of the retrieved chunks is scored by its lexical overlap with the question
(normalised, accent-folded tokens and concept tokens), whether it holds the kind of fact asked
for (a number for "bao nhiêu", a date for "khi nào"…), its passage's rank, and, for the best
candidates, its dense similarity to the question. Sentences are quoted verbatim, so every quote is
by construction inside the passage it cites.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer.followup import proper_names
from assistant.answer.model import Answer, Citation, refusal
from assistant.answer.question import Kind, kind, language, matches_kind
from assistant.lexical import overlap_features, sentences
from assistant.retrieval import SearchResult
from assistant.vietnamese import fold

_DENSE_CANDIDATES = 4  # default when the caller does not say (Settings.answer_dense_candidates)
_MAX_SENTENCES = 2


@dataclass
class Scored:
    text: str
    hit_rank: int
    hit: SearchResult
    lexical: float
    cue: float
    dense: float = 0.0
    penalty: float = 1.0

    @property
    def prescore(self) -> float:
        return 0.55 * self.lexical + 0.3 * self.cue + 0.15 / (1 + self.hit_rank)

    @property
    def score(self) -> float:
        base = 0.4 * self.dense + 0.35 * self.lexical + 0.2 * self.cue + 0.05 / (1 + self.hit_rank)
        return base * self.penalty


def _dense_scale(cosine: float) -> float:
    """e5 cosines sit in a narrow band (~0.7 unrelated, ~0.9 same meaning): spread it to 0..1."""
    return float(min(1.0, max(0.0, (cosine - 0.72) / 0.18)))


def score_sentences(
    question: str,
    hits: Sequence[SearchResult],
    query_vector: Sequence[float],
    embed_passages: Callable[[list[str]], list[list[float]]],
    dense_candidates: int = _DENSE_CANDIDATES,
) -> list[Scored]:
    """All sentences of the hits, best first."""
    wanted = kind(question)
    q_feats = overlap_features(question)
    # English names ("Ho Chi Minh City") are not spelled as in the Vietnamese text: no check.
    names = [fold(n) for n in proper_names(question)] if language(question) == "vi" else []
    out: list[Scored] = []
    for rank, hit in enumerate(hits):
        # A question about a named place or body the passage never mentions is not answered by it.
        passage = fold(f"{hit.title} {hit.text}")
        missing = sum(n not in passage for n in names)
        for raw in sentences(hit.text):
            text = raw.strip()
            if len(text.split()) < 4:
                continue
            overlap = len(q_feats & overlap_features(text)) / max(1, len(q_feats))
            cue = 1.0 if wanted is not Kind.OTHER and matches_kind(text, wanted) else 0.0
            in_sentence = sum(n in fold(text) for n in names)
            penalty = 0.6**missing * 0.8 ** (len(names) - missing - in_sentence)
            out.append(Scored(text, rank, hit, overlap, cue, penalty=penalty))
    out.sort(key=lambda s: s.prescore, reverse=True)
    best = out[: max(1, dense_candidates)]
    if best:
        vectors = np.asarray(embed_passages([s.text for s in best]), dtype=np.float32)
        sims = vectors @ np.asarray(query_vector, dtype=np.float32)
        for s, sim in zip(best, sims, strict=True):
            s.dense = _dense_scale(float(sim))
    best.sort(key=lambda s: s.score, reverse=True)
    return best


def answer(
    question: str,
    standalone: str,
    hits: Sequence[SearchResult],
    query_vector: Sequence[float],
    embed_passages: Callable[[list[str]], list[list[float]]],
    min_confidence: float,
    dense_candidates: int = _DENSE_CANDIDATES,
) -> Answer:
    """Quote the best sentences with citations, or refuse when nothing clears the threshold."""
    lang = language(question)
    scored = score_sentences(standalone, hits, query_vector, embed_passages, dense_candidates)
    if not scored or scored[0].score < min_confidence:
        return refusal(question, standalone, hits, lang, "extractive")
    top = scored[0]
    runners_up = [s for s in scored[1:] if s.score >= 0.93 * top.score and s.text != top.text]
    chosen = [top, *runners_up[: _MAX_SENTENCES - 1]]
    citations: list[Citation] = []
    parts: list[str] = []
    for s in chosen:
        existing = next((c for c in citations if c.chunk_id == s.hit.chunk_id), None)
        if existing is None:
            existing = Citation(
                n=len(citations) + 1,
                doc_id=s.hit.doc_id,
                chunk_id=s.hit.chunk_id,
                title=s.hit.title,
                outlet=s.hit.outlet,
                published=s.hit.published,
                quote=s.text,
                score=round(s.score, 4),
            )
            citations.append(existing)
        elif s.text not in existing.quote:
            existing.quote = f"{existing.quote} … {s.text}"
        parts.append(f"{s.text} [{existing.n}]")
    return Answer(question, standalone, " ".join(parts), True, "extractive", citations, [], lang)
