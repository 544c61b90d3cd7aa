"""The default answerer: no LLM, quotes one or two sentences from the retrieved passages.

Steps, each in its own module: analyse the question (``analysis``: expected type, measure,
predicate, entities), score the passages' sentences (``candidates``: overlap, typed span, dense
similarity, rank), keep those whose local context matches the question's places and years
(``constraints``), and compose the answer with its exact span, or a refusal that names what the
documents cover instead (``compose``). Comparisons across named places go through ``compare``,
"which places meet a condition" questions across documents through ``listing``.
Quotes are slices of the passage text, so every quote is verbatim in the passage it cites.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answer import compare, listing
from assistant.answer.analysis import Analysis, analyse
from assistant.answer.candidates import Candidate, EmbedFn, score_candidates
from assistant.answer.compose import found_answer, near_miss_refusal
from assistant.answer.model import Answer, refusal
from assistant.answer.question import language
from assistant.retrieval import SearchResult

DENSE_CANDIDATES = 8
_MAX_SENTENCES = 2


def choose(
    analysis: Analysis, scored: Sequence[Candidate], min_confidence: float
) -> tuple[list[Candidate], list[Candidate]]:
    """(sentences to quote, near misses): the quoted ones meet every constraint and the
    confidence; near misses are confident but about another place, name or year."""
    ok = [c for c in scored if not c.missing and c.score >= min_confidence]
    misses = [c for c in scored if c.missing and c.score >= min_confidence]
    if not ok:
        return [], misses
    top = ok[0]
    ratio = 0.95 if top.span is not None and analysis.typed else 0.9
    runners = [
        c
        for c in ok[1:]
        if c.score >= ratio * top.score
        and c.text != top.text
        and (c.span is not None or not analysis.typed)
    ]
    return [top, *runners[: _MAX_SENTENCES - 1]], misses


def answer(
    question: str,
    standalone: str,
    hits: Sequence[SearchResult],
    query_vector: Sequence[float],
    embed_passages: EmbedFn,
    min_confidence: float,
    retrieve: compare.Retrieve | None = None,
    dense_candidates: int = DENSE_CANDIDATES,
) -> Answer:
    """Quote the best sentences with citations, compare named places, or refuse helpfully.

    ``retrieve`` (query → passages and query vector) lets comparisons retrieve per place."""
    # A follow-up carried with its predecessor as context ("Bà ấy … (previous question)") keeps
    # its own expected type; a rewritten one ("Còn Bình Dương?" → full question) is analysed whole.
    asked = question if standalone.startswith(f"{question} (") else None
    analysis = analyse(standalone, asked)
    analysis.lang = language(question)  # the question as typed sets the answer's language
    if retrieve is not None and (plan := compare.plan(analysis)) is not None:
        return compare.answer(
            question,
            standalone,
            plan,
            hits,
            retrieve,
            embed_passages,
            min_confidence,
            dense_candidates,
        )
    if retrieve is not None and listing.applies(analysis):
        listed = listing.answer(
            question, standalone, hits, retrieve, embed_passages, min_confidence, dense_candidates
        )
        if listed is not None:
            return listed
    scored = score_candidates(analysis, hits, query_vector, embed_passages, dense_candidates)
    chosen, misses = choose(analysis, scored, min_confidence)
    if chosen:
        return found_answer(question, standalone, analysis, chosen)
    if misses:
        return near_miss_refusal(question, standalone, analysis, misses, hits)
    return refusal(question, standalone, hits, analysis.lang, "extractive")
