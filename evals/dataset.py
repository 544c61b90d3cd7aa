"""Eval sets: JSONL, one question a line, validated with every problem reported by line number."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.vietnamese import normalize

REQUIRED = ("id", "question", "relevant_doc_ids", "answer", "tags")


@dataclass
class Item:
    """One eval question."""

    id: str
    question: str
    relevant_doc_ids: list[str]
    answer: str | None
    tags: list[str]
    followup_of: str | None = None
    line: int = 0
    # Official documents: the unit the citation must name ("Điều 3", "Mục II", "Quy chế, Điều 4").
    expected_section: str | None = None

    @property
    def answerable(self) -> bool:
        return self.answer is not None


@dataclass
class EvalSet:
    items: list[Item]
    problems: list[str] = field(default_factory=list)

    def by_id(self) -> dict[str, Item]:
        return {i.id: i for i in self.items}


def load(path: Path) -> EvalSet:
    """Parse the file; malformed lines are reported (``line N: …``) and left out."""
    items: list[Item] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, raw in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj: dict[str, Any] = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: not JSON ({exc.msg})")
            continue
        missing = [k for k in REQUIRED if k not in obj]
        if missing:
            problems.append(f"line {n}: missing {', '.join(missing)}")
            continue
        if not isinstance(obj["question"], str) or not obj["question"].strip():
            problems.append(f"line {n}: question must be a non-empty string")
            continue
        if not isinstance(obj["relevant_doc_ids"], list) or not isinstance(obj["tags"], list):
            problems.append(f"line {n}: relevant_doc_ids and tags must be lists")
            continue
        if obj["answer"] is not None and not obj["relevant_doc_ids"]:
            problems.append(f"line {n}: an answer needs at least one relevant document")
            continue
        if obj["id"] in seen:
            problems.append(f"line {n}: duplicate id {obj['id']}")
            continue
        seen.add(obj["id"])
        items.append(
            Item(
                str(obj["id"]),
                obj["question"],
                [str(d) for d in obj["relevant_doc_ids"]],
                obj["answer"],
                [str(t) for t in obj["tags"]],
                obj.get("followup_of"),
                n,
                obj.get("expected_section") or None,
            )
        )
    ids = {i.id for i in items}
    for item in list(items):
        if item.followup_of and item.followup_of not in ids:
            problems.append(
                f"line {item.line}: followup_of {item.followup_of} is not an id in the set"
            )
            items.remove(item)
    return EvalSet(items, problems)


def check_against_corpus(evalset: EvalSet, document_text: Callable[[str], str | None]) -> None:
    """Report unknown documents and gold answers not found verbatim in the first relevant one."""
    for item in list(evalset.items):
        texts = {d: document_text(d) for d in item.relevant_doc_ids}
        unknown = [d for d, t in texts.items() if t is None]
        if unknown:
            evalset.problems.append(f"line {item.line}: unknown document {', '.join(unknown)}")
            evalset.items.remove(item)
            continue
        if item.answer is not None:
            first = texts[item.relevant_doc_ids[0]] or ""
            if normalize(item.answer) not in normalize(first):
                evalset.problems.append(
                    f"line {item.line}: answer {item.answer!r} "
                    f"not found in {item.relevant_doc_ids[0]}"
                )
                evalset.items.remove(item)
