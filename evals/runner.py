"""Runs an eval set against the assistant and computes every metric from what it returned.

The harness knows nothing about particular questions: each one is asked exactly as a user would
(follow-ups with the earlier question and the assistant's own answer as history), and metrics are
computed from the results alone.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.service import Assistant
from assistant.store.base import FusionMode
from assistant.vietnamese import normalize
from evals.dataset import EvalSet, Item
from evals.metrics import doc_ranking, ndcg_at, recall_at, reciprocal_rank, section_matches
from evals.typed import ABSENT, score, summarize_typed

KS = (1, 3, 5, 10)
# Configuration name → retrieval mode; "hybrid" is whatever fusion the settings choose.
CONFIGS: dict[str, FusionMode | None] = {
    "hybrid": None,
    "dense": "dense",
    "sparse": "sparse",
    "rrf": "rrf",
    "dbsf": "dbsf",
}
HEADLINE = (
    "recall@1",
    "recall@5",
    "mrr@10",
    "ndcg@10",
    "answer_contains",
    "unanswerable_refused",
    "citation_faithfulness",
)

# Typed metrics added to every summary (overall and per tag); per answer type: typed.per_type.
TYPED = (
    "accuracy",
    "answer_correct",
    "comparison_correct",
    "list_complete",
    "short_answer_exact",
    "short_answer_contains",
)


@dataclass
class QuestionResult:
    id: str
    tags: list[str]
    answerable: bool
    standalone: str
    ranking: list[str]
    chunk_hit_rank: int | None
    gold_chunks: int
    answer: str
    found: bool
    contains_gold: bool
    cited: int
    cited_relevant: int
    faithful: int
    search_ms: float
    ask_ms: float
    metrics: dict[str, float] = field(default_factory=dict)
    # What the report's failure list shows: the question, what was expected, what came back.
    question: str = ""
    expected: str | None = None
    relevant: list[str] = field(default_factory=list)
    cited_doc_ids: list[str] = field(default_factory=list)
    section_ok: bool | None = None  # None: the set gives no expected section for it
    # Typed scoring (evals/typed.py): verdict per question, per answer type.
    answer_type: str | None = None
    short_answer: str | None = None
    correct: bool = False
    comparison_correct: bool | None = None
    list_complete: bool | None = None
    short_answer_exact: bool | None = None
    short_answer_contains: bool | None = None
    cited_sections: list[str | None] = field(default_factory=list)


def _gold_chunks(item: Item, chunk_text: dict[str, str]) -> set[str]:
    """Chunks of a relevant document that contain the gold answer string."""
    if not item.answer:
        return set()
    gold = normalize(item.answer)
    relevant = set(item.relevant_doc_ids)
    return {
        cid
        for cid, t in chunk_text.items()
        if cid.split("#")[0] in relevant and gold in normalize(t)
    }


def run_config(
    assistant: Assistant,
    evalset: EvalSet,
    mode: FusionMode | None,
    chunk_text: dict[str, str],
    progress: Callable[[], object] | None = None,  # called after each question
) -> list[QuestionResult]:
    by_id = evalset.by_id()
    answers: dict[str, str] = {}
    standalones: dict[str, str] = {}
    out: list[QuestionResult] = []
    for item in evalset.items:
        history: list[dict[str, str]] = []
        if item.followup_of:
            prev = by_id[item.followup_of]
            history = [
                {"role": "user", "content": standalones.get(prev.id, prev.question)},
                {"role": "assistant", "content": answers.get(prev.id, "")},
            ]
        # Timings are cold (no cached embeddings): what a new question costs.
        standalone = assistant.condense(item.question, history)
        assistant.clear_caches()
        started = time.perf_counter()
        hits = assistant.search(standalone, k=10, mode=mode)
        search_ms = (time.perf_counter() - started) * 1000
        assistant.clear_caches()
        started = time.perf_counter()
        answer = assistant.ask(item.question, history=history, mode=mode)
        ask_ms = (time.perf_counter() - started) * 1000
        answers[item.id], standalones[item.id] = answer.answer, answer.standalone_question

        ranking = doc_ranking([h.doc_id for h in hits])
        gold = _gold_chunks(item, chunk_text)
        chunk_rank = next((i for i, h in enumerate(hits) if h.chunk_id in gold), None)
        relevant = set(item.relevant_doc_ids)
        faithful = sum(
            all(
                normalize(q) in normalize(chunk_text.get(c.chunk_id, ""))
                for q in c.quote.split(" … ")
            )
            for c in answer.citations
        )
        result = QuestionResult(
            id=item.id,
            tags=item.tags,
            answerable=item.answerable,
            standalone=answer.standalone_question,
            ranking=ranking,
            chunk_hit_rank=chunk_rank,
            gold_chunks=len(gold),
            answer=answer.answer,
            found=answer.found,
            contains_gold=bool(item.answer and normalize(item.answer) in normalize(answer.answer)),
            cited=len(answer.citations),
            cited_relevant=sum(c.doc_id in relevant for c in answer.citations),
            faithful=faithful,
            search_ms=search_ms,
            ask_ms=ask_ms,
            question=item.question,
            expected=item.answer,
            relevant=item.relevant_doc_ids,
            cited_doc_ids=[c.doc_id for c in answer.citations],
            **score(item, answer.answer, answer.found, getattr(answer, "short_answer", ABSENT)),
        )
        if relevant:
            for k in KS:
                result.metrics[f"recall@{k}"] = recall_at(ranking, relevant, k)
            result.metrics["mrr@10"] = reciprocal_rank(ranking, relevant, 10)
            result.metrics["ndcg@10"] = ndcg_at(ranking, relevant, 10)
        if gold:
            result.metrics["chunk_recall@5"] = float(chunk_rank is not None and chunk_rank < 5)
        _official_metrics(item, answer, hits, result)
        out.append(result)
        if progress:
            progress()
    return out


def _official_metrics(item: Item, answer: Any, hits: list[Any], result: QuestionResult) -> None:
    """For official-document sets: is the first citation from the right document, does it name
    the expected unit (Điều/Mục), and is a table-cell question answered with its row? And, for
    search alone: is the first passage from the right document and unit (``section@1``)?"""
    result.cited_sections = [c.section for c in answer.citations]
    if item.expected_section is None or not item.answerable:
        return
    top = hits[0] if hits else None
    result.metrics["section@1"] = float(
        top is not None
        and top.doc_id in item.relevant_doc_ids
        and section_matches(item.expected_section, top.section)
    )
    first = answer.citations[0] if answer.found and answer.citations else None
    right_doc = first is not None and first.doc_id in item.relevant_doc_ids
    result.metrics["doc_found"] = float(right_doc)
    result.metrics["section_correct"] = float(
        first is not None and right_doc and section_matches(item.expected_section, first.section)
    )
    result.section_ok = bool(result.metrics["section_correct"])  # the failure list's class
    if "table" in item.tags:
        result.metrics["table_cell_answered"] = float(result.contains_gold)


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def summarize(results: list[QuestionResult]) -> dict[str, Any]:
    """Aggregate metrics over a list of per-question results."""
    names = sorted({m for r in results for m in r.metrics})
    summary: dict[str, Any] = {
        n: _mean([r.metrics[n] for r in results if n in r.metrics]) for n in names
    }
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    summary["answer_contains"] = _mean([float(r.contains_gold) for r in answerable])
    summary["answerable_refused"] = _mean([float(not r.found) for r in answerable])
    summary["unanswerable_refused"] = _mean([float(not r.found) for r in unanswerable])
    cited = sum(r.cited for r in results)
    summary["citation_precision"] = (
        round(
            sum(r.cited_relevant for r in answerable) / max(1, sum(r.cited for r in answerable)), 4
        )
        if answerable
        else None
    )
    summary["citation_faithfulness"] = (
        round(sum(r.faithful for r in results) / cited, 4) if cited else None
    )
    summary["search_ms_p50"] = _pct([r.search_ms for r in results], 0.5)
    summary["search_ms_p95"] = _pct([r.search_ms for r in results], 0.95)
    summary["ask_ms_p50"] = _pct([r.ask_ms for r in results], 0.5)
    summary["ask_ms_p95"] = _pct([r.ask_ms for r in results], 0.95)
    typed = summarize_typed(results)
    for name in TYPED:
        summary[name] = typed[name]
    summary["questions"] = len(results)
    return summary


def per_tag(results: list[QuestionResult]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        for tag in r.tags:
            groups[tag].append(r)
    return {tag: summarize(rs) for tag, rs in sorted(groups.items())}


def compare_to_baseline(
    current: dict[str, Any], baseline: dict[str, Any], max_drop: float
) -> list[str]:
    """Headline metrics that dropped by more than ``max_drop`` (per configuration)."""
    drops = []
    for config, metrics in baseline.get("configs", {}).items():
        now = current.get("configs", {}).get(config)
        if now is None:
            continue
        for name in HEADLINE:
            before, after = metrics["overall"].get(name), now["overall"].get(name)
            if before is not None and after is not None and before - after > max_drop:
                drops.append(
                    f"{config} {name}: {before:.4f} → {after:.4f} "
                    f"(drop {before - after:.4f} > {max_drop})"
                )
    return drops
