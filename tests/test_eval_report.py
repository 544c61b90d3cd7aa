"""The eval report says what broke and why: failure classes, per-question changes, plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals import failures, plots, report


def _q(qid: str, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": qid,
        "tags": ["accented"],
        "answerable": True,
        "found": True,
        "contains_gold": True,
        "cited": 1,
        "cited_relevant": 1,
        "answer": "Long An đặt mục tiêu 70% [1]",
        "question": f"question {qid}?",
        "expected": "70%",
        "relevant": ["004"],
        "cited_doc_ids": ["004"],
        "section_ok": None,
        "search_ms": 10.0,
        "ask_ms": 20.0,
        "metrics": {},
    }
    return {**base, **over}


QUESTIONS = [
    _q("ok"),
    _q("refused", found=False, cited=0, cited_relevant=0, cited_doc_ids=[]),
    _q("wrongdoc", cited_relevant=0, cited_doc_ids=["002"], answer="Bình Dương 60% [1]"),
    _q("wrongsent", contains_gold=False, answer="Ngày 20-2, UBND phê duyệt [1]"),
    _q("section", section_ok=False),
    _q("unans", answerable=False, expected=None, relevant=[], tags=["unanswerable"]),
    _q("unans_ok", answerable=False, found=False, expected=None, relevant=[], cited=0),
]


def test_every_failure_class_is_told_apart() -> None:
    assert failures.outcomes(QUESTIONS) == {
        "ok": "pass",
        "refused": "false_refusal",
        "wrongdoc": "wrong_document",
        "wrongsent": "wrong_sentence",
        "section": "wrong_section",
        "unans": "answered_unanswerable",
        "unans_ok": "pass",
    }


def test_changes_between_runs() -> None:
    before = {"a": "pass", "b": "wrong_sentence", "c": "false_refusal", "d": "pass", "x": "pass"}
    after = {"a": "wrong_document", "b": "pass", "c": "wrong_sentence", "d": "pass", "y": "pass"}
    diff = failures.changes(before, after)
    assert diff["fixed"] == ["b"] and diff["broke"] == ["a"] and diff["changed_class"] == ["c"]
    assert diff["only_before"] == ["x"] and diff["only_after"] == ["y"]
    text = failures.describe(diff, before, after)
    assert text.splitlines()[0].startswith("fixed 1, broke 1, changed failure class 1")
    assert "BROKE  a: now wrong_document" in text


def _report() -> dict[str, Any]:
    per_tag = {
        "accented": {"questions": 5, "answer_contains": 0.4, "recall@1": 1.0},
        "unanswerable": {"questions": 2, "answer_contains": None, "unanswerable_refused": 0.5},
    }
    overall = {"recall@1": 0.9, "recall@3": 0.95, "recall@5": 1.0, "recall@10": 1.0}
    return {
        "set": "evals/sets/x.jsonl",
        "questions": len(QUESTIONS),
        "corpus_hash": "abc",
        "created": "2026-11-23T12:00:00",
        "versions": {"hoidap": "0.1.0"},
        "machine": {"platform": "Linux", "cpus": 2, "load_before": 0.5, "load_after": 0.7},
        "configs": {
            "hybrid": {"overall": overall, "per_tag": per_tag, "questions": QUESTIONS},
            "dense": {"overall": overall, "per_tag": per_tag, "questions": QUESTIONS[:1]},
        },
        "changes": {"hybrid → dense": "fixed 0, broke 0, changed failure class 0"},
        "baseline_drops": [],
    }


def test_report_md_lists_every_failure_with_class_and_defines_metrics() -> None:
    md = report.markdown(_report())
    assert "## Failed questions (hybrid): 5" in md
    for qid, cls in [
        ("refused", "false_refusal"),
        ("wrongdoc", "wrong_document"),
        ("wrongsent", "wrong_sentence"),
        ("section", "wrong_section"),
        ("unans", "answered_unanswerable"),
    ]:
        row = next(line for line in md.splitlines() if line.startswith(f"| {qid} |"))
        assert row.endswith(f"| {cls} |")
    assert "Ngày 20-2, UBND phê duyệt" in md and "not answerable" in md
    assert "| answerable_refused | ↓ |" in md and "| answer_contains | ↑ |" in md
    assert "load average 0.5 before, 0.7 after" in md
    assert "gate passed" in md and "hybrid → dense" in md


def test_per_tag_plot_shows_only_varying_metrics_and_plots_are_written(tmp_path: Path) -> None:
    rep = _report()
    tags = rep["configs"]["hybrid"]["per_tag"]
    # recall@1 is 1.0 wherever it applies: plotting it per tag says nothing.
    assert plots.varying_metrics(tags) == []
    tags["accented"]["answerable_refused"] = 0.2
    tags["unanswerable"]["answerable_refused"] = 0.0
    assert plots.varying_metrics(tags) == ["answerable_refused"]
    made = [
        plots.recall_at_k(rep, tmp_path / "r.png"),
        plots.per_tag(rep, tmp_path / "t.png"),
        plots.failure_classes(rep, tmp_path / "f.png"),
    ]
    assert all(p.stat().st_size > 5000 for p in made)


def test_official_sets_are_reported_per_format_in_the_report_and_the_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rep = _report()
    per_tag = {
        "accented": {"questions": 5, "answer_contains": 0.4},
        "table": {"questions": 3, "doc_found": 1.0, "table_cell_answered": 0.667},
        "scan": {"questions": 4, "doc_found": 0.75, "section_correct": 0.5},
        "pdf": {"questions": 2, "unanswerable_refused": 1.0},  # only unanswerable questions
        "txt": {"questions": 6, "doc_found": 1.0, "section_correct": 0.833},
    }
    rep["configs"]["hybrid"]["per_tag"] = per_tag
    assert [t for t, _ in report.official_rows(rep["configs"]["hybrid"])] == [
        "txt",
        "pdf",
        "scan",
        "table",
    ]
    md = report.markdown(rep)
    assert "## Official documents per tag (hybrid)" in md
    assert "| scan | 4 | 0.750 | 0.500 | — | — | — | — |" in md
    report.terminal_table(rep)
    out = capsys.readouterr().out
    assert "Official documents per format (hybrid)" in out
    per_format = out.split("Official documents per format (hybrid)")[1]
    assert "scan" in per_format and "0.750" in per_format and "table " not in per_format
    rep["configs"]["hybrid"]["per_tag"] = {"accented": per_tag["accented"], "pdf": per_tag["pdf"]}
    assert report.official_rows(rep["configs"]["hybrid"]) == []  # not an official-document set
