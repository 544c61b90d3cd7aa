"""Eval outputs: report.json, report.md, PNG plots, and the terminal table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.runner import HEADLINE, KS

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
OFFICIAL = ("doc_found", "section_correct", "table_cell_answered", "answer_contains", "section@1")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) and value <= 1.0 else f"{value}"


def markdown(report: dict[str, Any]) -> str:
    configs = report["configs"]
    names = list(configs)
    lines = [
        f"# Eval report: {report['set']}",
        "",
        f"{report['questions']} questions · corpus hash `{report['corpus_hash']}` · "
        f"{report['created']} · hoidap {report['versions']['hoidap']}",
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
    official = [(t, m) for t, m in configs[first]["per_tag"].items() if "doc_found" in m]
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
            "- no headline metric dropped beyond the allowed margin"
        ]
    return "\n".join(lines) + "\n"


def plots(report: dict[str, Any], results: dict[str, list[Any]], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, cfg in report["configs"].items():
        ax.plot(KS, [cfg["overall"].get(f"recall@{k}") or 0 for k in KS], marker="o", label=name)
    ax.set(
        xlabel="k (documents)",
        ylabel="recall@k",
        title="Recall@k by configuration",
        ylim=(0, 1.02),
        xticks=KS,
    )
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    made.append(out / "recall_at_k.png")
    fig.savefig(made[-1], dpi=110)
    plt.close(fig)

    first = next(iter(report["configs"]))
    tags = report["configs"][first]["per_tag"]
    fig, ax = plt.subplots(figsize=(8, 4))
    xs = range(len(tags))
    r5 = [m.get("recall@5") or 0 for m in tags.values()]
    ans = [m.get("answer_contains") or 0 for m in tags.values()]
    refused = [m.get("unanswerable_refused") or 0 for m in tags.values()]
    ax.bar([x - 0.27 for x in xs], r5, width=0.27, label="recall@5")
    ax.bar(list(xs), ans, width=0.27, label="answer contains gold")
    ax.bar([x + 0.27 for x in xs], refused, width=0.27, label="unanswerable refused")
    ax.set_xticks(list(xs), list(tags), rotation=35, ha="right")
    ax.set(ylim=(0, 1.05), title=f"Per tag ({first})")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    made.append(out / "per_tag.png")
    fig.savefig(made[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist([r.search_ms for r in results[first]], bins=20, alpha=0.7, label="search")
    ax.hist([r.ask_ms for r in results[first]], bins=20, alpha=0.7, label="ask")
    ax.set(xlabel="ms", ylabel="questions", title=f"Latency ({first})")
    ax.legend()
    fig.tight_layout()
    made.append(out / "latency.png")
    fig.savefig(made[-1], dpi=110)
    plt.close(fig)
    return made


def write(report: dict[str, Any], results: dict[str, list[Any]], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    (out / "report.md").write_text(markdown(report), "utf-8")
    return [out / "report.json", out / "report.md", *plots(report, results, out)]


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
    Console(stderr=False).print(table)
