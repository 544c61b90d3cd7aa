"""Why a question failed, and what changed between two runs ("fixed 6, broke 2")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

# Failure classes, in the order a maintainer should look at them.
CLASSES: dict[str, str] = {
    "answered_unanswerable": "answered a question the documents cannot answer",
    "false_refusal": "refused a question the documents answer",
    "wrong_document": "answered from a document that is not relevant",
    "wrong_sentence": "right document, but the gold answer is not in the quoted sentence",
    "wrong_section": "right answer, but the citation names the wrong Điều/Mục",
}
PASS = "pass"


def classify(result: Any) -> str:
    """The failure class of one question's result (``pass`` when nothing failed).

    Works on a ``runner.QuestionResult`` or its dict form (as stored in report.json)."""
    r = result if isinstance(result, Mapping) else vars(result)
    if not r["answerable"]:
        return "answered_unanswerable" if r["found"] else PASS
    if not r["found"]:
        return "false_refusal"
    if r.get("cited") and not r.get("cited_relevant"):
        return "wrong_document"
    if not r["contains_gold"]:
        return "wrong_sentence"
    if r.get("section_ok") is False:
        return "wrong_section"
    return PASS


def outcomes(results: Iterable[Any]) -> dict[str, str]:
    """Question id → class, for a whole run (what a baseline keeps per question)."""
    out = {}
    for r in results:
        d = r if isinstance(r, Mapping) else vars(r)
        out[str(d["id"])] = classify(d)
    return out


def class_counts(results: Iterable[Any]) -> dict[str, int]:
    counts = Counter(outcomes(results).values())
    return {c: counts.get(c, 0) for c in (*CLASSES, PASS)}


def changes(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, Any]:
    """Per-question changes between two runs over the questions both have."""
    common = [q for q in after if q in before]
    fixed = [q for q in common if before[q] != PASS and after[q] == PASS]
    broke = [q for q in common if before[q] == PASS and after[q] != PASS]
    moved = [q for q in common if PASS not in (before[q], after[q]) and before[q] != after[q]]
    return {
        "fixed": fixed,
        "broke": broke,
        "changed_class": moved,
        "compared": len(common),
        "only_before": sorted(set(before) - set(after)),
        "only_after": sorted(set(after) - set(before)),
    }


def describe(change: Mapping[str, Any], before: Mapping[str, str], after: Mapping[str, str]) -> str:
    """One line and then one line per changed question, for the terminal and CI logs."""
    lines = [
        f"fixed {len(change['fixed'])}, broke {len(change['broke'])}, "
        f"changed failure class {len(change['changed_class'])} "
        f"(of {change['compared']} questions in both)"
    ]
    for q in change["fixed"]:
        lines.append(f"  fixed  {q}: was {before[q]}")
    for q in change["broke"]:
        lines.append(f"  BROKE  {q}: now {after[q]}")
    for q in change["changed_class"]:
        lines.append(f"  moved  {q}: {before[q]} → {after[q]}")
    return "\n".join(lines)
