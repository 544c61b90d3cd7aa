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

from assistant.interactions.log import Interaction
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
            "id": f"fb-{item.id}",
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


def export(items: Iterable[Interaction], out: Path) -> tuple[int, int]:
    """Add the new candidates to ``out`` (JSONL); returns (kept, added).

    Lines already in the file are kept exactly as they are, reviewed or not, so exporting again
    after a maintainer's review never undoes it; a question already there is not added again."""
    kept: list[str] = []
    known_ids: set[str] = set()
    known_questions: set[str] = set()
    if out.exists():
        for line in out.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            kept.append(line)
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue  # kept as is; `hoidap eval` reports it by line number
            known_ids.add(str(obj.get("id")))
            known_questions.add(" ".join(fold(str(obj.get("question", ""))).split()))
    added = [
        json.dumps(c, ensure_ascii=False)
        for c in candidate_lines(items)
        if c["id"] not in known_ids and " ".join(fold(c["question"]).split()) not in known_questions
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text("".join(line + "\n" for line in kept + added), "utf-8")
    tmp.replace(out)
    return len(kept), len(added)
