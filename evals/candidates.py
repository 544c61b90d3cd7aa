"""Logged questions become eval-set candidates that a maintainer reviews before merging.

Each candidate is an eval line (see evals/README.md) marked ``"source": "feedback"`` and
``"reviewed": false``: the cited documents are only a guess (``relevant_doc_ids``, to be
confirmed) and the gold answer is unknown (``answer: null``), so ``hoidap eval`` refuses to score
the line until a person has checked it, written the answer (or kept null for a question the
documents cannot answer) and set ``"reviewed": true``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from assistant.interactions import Interaction
from assistant.vietnamese import fold


def kind_of(item: Interaction) -> str | None:
    """Which logged questions are worth a maintainer's look, and why."""
    if item.rating == -1:
        return "down_voted"
    if not item.found:
        return "refused"
    if item.rating == 1:
        return "up_voted"
    return None


def candidate_lines(items: Iterable[Interaction]) -> Iterator[dict[str, Any]]:
    """One candidate per distinct (accent-folded) question; the latest asking wins."""
    latest: dict[str, tuple[Interaction, str]] = {}
    for item in items:
        kind = kind_of(item)
        if kind is not None:
            latest[" ".join(fold(item.question).split())] = (item, kind)
    for item, kind in latest.values():
        tags = ["feedback", kind]
        if item.reason:
            tags.append(f"reason:{item.reason}")
        yield {
            "id": f"fb-{item.id[:8]}",
            "question": item.question,
            "relevant_doc_ids": item.cited_doc_ids,
            "answer": None,
            "tags": tags,
            "source": "feedback",
            "reviewed": False,
            "feedback": {
                "asked": item.created_at.isoformat(),
                "channel": item.channel,
                "found": item.found,
                "answer_given": item.answer,
                "short_answer": item.short_answer,
                "rating": item.rating,
                "reason": item.reason,
                "comments": item.comments,
            },
        }


def export(items: Iterable[Interaction], out: Path) -> int:
    """Write the candidates as JSONL; returns how many were written."""
    lines = [json.dumps(c, ensure_ascii=False) for c in candidate_lines(items)]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(line + "\n" for line in lines), "utf-8")
    return len(lines)
