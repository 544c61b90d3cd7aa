"""Retrieval metrics at document level (shared by tests and the eval harness)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def doc_ranking(doc_ids: Sequence[str]) -> list[str]:
    """Ranked chunk doc ids → ranked distinct documents."""
    seen: list[str] = []
    for d in doc_ids:
        if d not in seen:
            seen.append(d)
    return seen


def first_rank(ranking: Sequence[str], relevant: set[str]) -> int | None:
    """0-based rank of the first relevant document, or None."""
    return next((i for i, d in enumerate(ranking) if d in relevant), None)


def recall_at(ranking: Sequence[str], relevant: set[str], k: int) -> float:
    return len(set(ranking[:k]) & relevant) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranking: Sequence[str], relevant: set[str], k: int = 10) -> float:
    rank = first_rank(ranking[:k], relevant)
    return 0.0 if rank is None else 1.0 / (rank + 1)


def ndcg_at(ranking: Sequence[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(ranking[:k]) if d in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def section_matches(expected: str, actual: str | None) -> bool:
    """Does a cited unit name the expected one? Every part of ``expected`` must open a part of
    ``actual``: ``Điều 3`` matches ``Điều 3, khoản 2``; ``Mục II`` matches ``Mục II.1–2``;
    ``Điều 3`` does not match ``Điều 31``, nor ``Mục II`` ``Mục III``."""
    if not actual:
        return False
    parts = [p.strip() for p in actual.split(",")]
    return all(
        any(p == want or (p.startswith(want) and not p[len(want)].isalnum()) for p in parts)
        for want in (w.strip() for w in expected.split(","))
    )
