"""Eval outputs: report.json, report.md, PNG plots, and the terminal table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.failures import CLASSES, PASS, class_counts, classify
from evals.plots import all_plots
from evals.runner import HEADLINE

TABLE_METRICS = (
    "recall@1",
    "recall@3",
    "recall@5",
    "recall@10",
    "mrr@10",
    "ndcg@10",
    "chunk_recall@5",
    "answer_contains",
    "answerable_refused",
    "unanswerable_refused",
    "citation_precision",
    "citation_faithfulness",
    "accuracy",
    "comparison_correct",
    "list_complete",
    "short_answer_exact",
    "doc_found",
    "section_correct",
    "table_cell_answered",
    "section@1",
    "search_ms_p50",
    "search_ms_p95",
    "ask_ms_p50",
    "ask_ms_p95",
)


PER_TAG = ("recall@1", "recall@5", "mrr@10", "answer_contains", "unanswerable_refused")
PER_TYPE = (
    "accuracy",
    "answer_correct",
    "answerable_refused",
    "unanswerable_refused",
    "comparison_correct",
    "list_complete",
    "short_answer_exact",
    "short_answer_contains",
)
OFFICIAL = (
    "doc_found",
    "section_correct",
    "table_cell_answered",
    "answer_contains",
    "unanswerable_refused",
    "section@1",
)
_SHORT = {
    "doc_found": "doc",
    "section_correct": "section",
    "table_cell_answered": "cell",
    "answer_contains": "contains",
    "unanswerable_refused": "refused",
}
# Tags naming the format a question's document arrived in (issue 13: "report per format").
FORMAT_TAGS = ("txt", "md", "html", "docx", "pdf", "scan", "doc", "tcvn3", "vni")


def official_rows(config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Per-tag rows of an official-document set, the format tags first: every tag with
    official metrics, and every format tag (its unanswerable questions included)."""
    per_tag = config.get("per_tag") or {}
    if not any("doc_found" in m for m in per_tag.values()):
        return []
    formats = [(t, per_tag[t]) for t in FORMAT_TAGS if t in per_tag]
    others = [(t, m) for t, m in per_tag.items() if "doc_found" in m and t not in FORMAT_TAGS]
    return formats + others


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) and value <= 1.0 else f"{value}"


# What each metric means and which way is better (shown in report.md).
DEFINITIONS: dict[str, tuple[str, str]] = {
    "recall@k": ("↑", "share of answerable questions with a relevant document in the top k"),
    "mrr@10": ("↑", "mean of 1/rank of the first relevant document (0 past rank 10)"),
    "ndcg@10": ("↑", "rank-discounted gain of relevant documents in the top 10"),
    "chunk_recall@5": ("↑", "a passage holding the gold answer is among the top 5 passages"),
    "answer_contains": ("↑", "the gold answer string appears in the answer (answerable only)"),
    "answerable_refused": ("↓", "answerable questions the assistant refused"),
    "unanswerable_refused": ("↑", "unanswerable questions the assistant refused"),
    "citation_precision": ("↑", "citations that point to a relevant document"),
    "citation_faithfulness": ("↑", "quotes found verbatim in the passage they cite"),
    "search_ms / ask_ms": ("↓", "cold latency (no cached embeddings), p50 and p95"),
}


def _failure_rows(questions: list[dict[str, Any]]) -> list[str]:
    rows = []
    for q in questions:
        cls = classify(q)
        if cls == PASS:
            continue
        expected = (
            f"{', '.join(q.get('relevant') or []) or '—'} · "
            f"{q.get('expected') if q.get('expected') is not None else 'not answerable'}"
        )
        got = "refused" if not q["found"] else q["answer"]
        got = " ".join(got.split())
        if len(got) > 220:
            got = got[:219] + "…"
        cited = ", ".join(dict.fromkeys(q.get("cited_doc_ids") or [])) or "—"
        question = q.get("question") or q["id"]
        rows.append(
            f"| {q['id']} | {_cell(question)} | {_cell(expected)} | {_cell(got)} | {cited} "
            f"| {cls} |"
        )
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: dict[str, Any]) -> str:
    configs = report["configs"]
    names = list(configs)
    machine = report.get("machine", {})
    lines = [
        f"# Eval report: {report['set']}",
        "",
        f"{report['questions']} questions · corpus hash `{report['corpus_hash']}` · "
        f"{report['created']} · hoidap {report['versions']['hoidap']}",
    ]
    if machine:
        lines += [
            "",
            f"Machine: {machine.get('platform')}, {machine.get('cpus')} CPUs · load average "
            f"{machine.get('load_before')} before, {machine.get('load_after')} after "
            "(latencies are only comparable between runs at similar load)",
        ]
    lines += [
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for metric in TABLE_METRICS:
        lines.append(
            f"| {metric} | "
            + " | ".join(_fmt(configs[n]["overall"].get(metric)) for n in names)
            + " |"
        )
    lines += ["", "## How questions ended", "", "| class | " + " | ".join(names) + " |"]
    lines.append("|---|" + "---|" * len(names))
    counts = {n: class_counts(configs[n]["questions"]) for n in names}
    for cls in [*CLASSES, PASS]:
        lines.append(f"| {cls} | " + " | ".join(str(counts[n][cls]) for n in names) + " |")
    for name in names:
        rows = _failure_rows(configs[name]["questions"])
        lines += ["", f"## Failed questions ({name}): {len(rows)}", ""]
        if rows:
            lines += [
                "| id | question | expected (documents · answer) | came back | cited | class |",
                "|---|---|---|---|---|---|",
                *rows,
            ]
        else:
            lines.append("None.")
    first = names[0]
    lines += [
        "",
        f"## Per tag ({first})",
        "",
        "| tag | n | recall@1 | recall@5 | mrr@10 | answer_contains | unanswerable_refused |",
        "|---|---|---|---|---|---|---|",
    ]
    for tag, m in configs[first]["per_tag"].items():
        lines.append(
            f"| {tag} | {m['questions']} | " + " | ".join(_fmt(m.get(k)) for k in PER_TAG) + " |"
        )
    lines += _per_type(first, configs[first].get("per_type") or {})
    if report.get("changes"):
        lines += ["", "## Per-question changes", ""]
        for title, text in report["changes"].items():
            lines += [f"### {title}", "", "```", text, "```", ""]
    official = official_rows(configs[first])
    if official:
        lines += [
            "",
            f"## Official documents per tag ({first})",
            "",
            "| tag | n | " + " | ".join(OFFICIAL) + " |",
            "|---|---|" + "---|" * len(OFFICIAL),
        ]
        for tag, m in official:
            cells = [m.get(k) for k in OFFICIAL]
            lines.append(f"| {tag} | {m['questions']} | " + " | ".join(map(_fmt, cells)) + " |")
    if report.get("problems"):
        lines += ["", "## Problems in the eval set", ""] + [f"- {p}" for p in report["problems"]]
    if report.get("baseline_drops") is not None:
        lines += ["", "## Against the baseline", ""]
        lines += [f"- DROP {d}" for d in report["baseline_drops"]] or [
            "- gate passed: no headline metric dropped beyond the allowed margin"
        ]
    lines += ["", "## Metric definitions", "", "| metric | better | meaning |", "|---|---|---|"]
    lines += [f"| {m} | {arrow} | {text} |" for m, (arrow, text) in DEFINITIONS.items()]
    lines += [
        "",
        "Failure classes: "
        + "; ".join(f"**{c}**: {text}" for c, text in CLASSES.items())
        + ". Values shown as — do not apply (no question of that kind).",
    ]
    return "\n".join(lines) + "\n"


def _per_type(config: str, types: dict[str, dict[str, Any]]) -> list[str]:
    """Accuracy per answer type (only for sets whose questions carry ``answer_type``)."""
    if not types:
        return []
    lines = [
        "",
        f"## Per answer type ({config})",
        "",
        "| type | n | answerable | " + " | ".join(PER_TYPE) + " |",
        "|---|---|---|" + "---|" * len(PER_TYPE),
    ]
    for kind, m in types.items():
        lines.append(
            f"| {kind} | {m['questions']} | {m['answerable']} | "
            + " | ".join(_fmt(m.get(k)) for k in PER_TYPE)
            + " |"
        )
    return lines


def write(report: dict[str, Any], results: dict[str, list[Any]], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    (out / "report.md").write_text(markdown(report), "utf-8")
    return [out / "report.json", out / "report.md", *all_plots(report, results, out)]


def terminal_table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Hỏi Đáp eval — {report['set']} ({report['questions']} questions)")
    table.add_column("metric")
    for name in report["configs"]:
        table.add_column(name, justify="right")
    for metric in TABLE_METRICS:
        style = "bold" if metric in HEADLINE else None
        table.add_row(
            metric,
            *(_fmt(c["overall"].get(metric)) for c in report["configs"].values()),
            style=style,
        )
    console = Console(stderr=False)
    console.print(table)
    first = next(iter(report["configs"]))
    rows = [(t, m) for t, m in official_rows(report["configs"][first]) if t in FORMAT_TAGS]
    if rows:
        per_format = Table(
            title=f"Official documents per format ({first})",
            caption="doc: doc_found · section: section_correct · cell: table_cell_answered · "
            "refused: unanswerable_refused",
        )
        per_format.add_column("format")
        per_format.add_column("n", justify="right")
        for metric in OFFICIAL:
            per_format.add_column(_SHORT.get(metric, metric), justify="right")
        for tag, m in rows:
            per_format.add_row(tag, str(m["questions"]), *(_fmt(m.get(k)) for k in OFFICIAL))
        console.print(per_format)
