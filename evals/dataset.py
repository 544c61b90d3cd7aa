"""Eval sets: JSONL, one question a line, validated with every problem reported by line number."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.vietnamese import normalize

REQUIRED = ("id", "question", "relevant_doc_ids", "answer", "tags")
# What a question asks for (``answer_type``); accuracy is reported per type.
ANSWER_TYPES = (
    "money",
    "percent",
    "area",
    "count",
    "date",
    "person",
    "organisation",
    "document_number",
    "list",
    "comparison",
    "descriptive",
)


@dataclass
class Part:
    """One entity of a comparison or list question: its own figure, or None when no document
    has it (the answer must then name the entity as missing)."""

    entity: str
    answer: str | None
    doc_id: str | None


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
    answer_type: str | None = None
    short_answer: str | None = None
    parts: list[Part] = field(default_factory=list)
    winner: str | None = None
    items: list[str] = field(default_factory=list)
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
        if obj.get("source") == "feedback" and obj.get("reviewed") is not True:
            # Candidates exported from the interaction log guess their documents and have no
            # gold answer: scoring them before a person checks them would grade noise.
            problems.append(
                f"line {n}: unreviewed feedback candidate {obj['id']}: confirm relevant_doc_ids "
                'and answer (null = not answerable), then set "reviewed": true'
            )
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
        typed = _typed_fields(obj)
        if isinstance(typed, str):
            problems.append(f"line {n}: {typed}")
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
                expected_section=obj.get("expected_section") or None,
                **typed,
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


def _typed_fields(obj: dict[str, Any]) -> dict[str, Any] | str:
    """The optional typed fields, checked; a string says what is wrong."""
    kind = obj.get("answer_type")
    if kind is not None and kind not in ANSWER_TYPES:
        return f"answer_type {kind!r} is not one of {', '.join(ANSWER_TYPES)}"
    short = obj.get("short_answer")
    if short is not None and (not isinstance(short, str) or not short.strip()):
        return "short_answer must be a non-empty string or null"
    answerable = obj["answer"] is not None
    if not answerable and (short or obj.get("items") or obj.get("winner") is not None):
        return "an unanswerable question has no short_answer, items or winner"
    parts: list[Part] = []
    raw_parts = obj.get("parts", [])
    if not isinstance(raw_parts, list):
        return "parts must be a list"
    for raw in raw_parts:
        if not isinstance(raw, dict) or not isinstance(raw.get("entity"), str) or not raw["entity"]:
            return "each part needs an entity name"
        figure, doc = raw.get("answer"), raw.get("doc_id")
        if figure is not None and (
            not isinstance(figure, str) or doc not in obj["relevant_doc_ids"]
        ):
            return f"part {raw['entity']!r}: an answer needs a doc_id among relevant_doc_ids"
        parts.append(Part(raw["entity"], figure, doc if figure is not None else None))
    winner = obj.get("winner")
    if winner is not None and winner not in {p.entity for p in parts}:
        return f"winner {winner!r} is not one of the parts' entities"
    if kind == "comparison" and answerable and not parts:
        return "an answerable comparison needs parts"
    listed = obj.get("items", [])
    if not isinstance(listed, list) or not all(isinstance(i, str) and i for i in listed):
        return "items must be a list of non-empty strings"
    return {
        "answer_type": kind,
        "short_answer": short,
        "parts": parts,
        "winner": winner,
        "items": listed,
    }


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
                continue
        missing = _missing_gold(item, texts)
        if missing:
            evalset.problems.append(f"line {item.line}: {missing}")
            evalset.items.remove(item)


def _missing_gold(item: Item, texts: dict[str, str | None]) -> str | None:
    """The first gold string of the typed fields that no relevant document holds, if any."""
    everywhere = " \n".join(normalize(t or "") for t in texts.values())
    if item.short_answer and normalize(item.short_answer) not in everywhere:
        return f"short_answer {item.short_answer!r} not found in the relevant documents"
    for part in item.parts:
        if part.answer is not None and normalize(part.answer) not in normalize(
            texts.get(part.doc_id or "") or ""
        ):
            return f"part {part.entity!r}: {part.answer!r} not found in {part.doc_id}"
    for listed in item.items:
        if normalize(listed) not in everywhere:
            return f"item {listed!r} not found in the relevant documents"
    return None
