"""The eval report's charts, made to read at a glance.

- recall@k: zoomed to the data, one line style and marker per configuration (lines that
  coincide stay visible);
- per tag: only the metrics that differ between tags, n on every bar, "n/a" where a metric does
  not apply (a missing bar is never mistaken for a zero);
- failure classes: how each configuration's questions ended.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals.failures import CLASSES, PASS, class_counts

KS = (1, 3, 5, 10)
_STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"), ((0, (5, 1)), "v")]
TAG_METRICS = (
    "recall@1",
    "mrr@10",
    "answer_contains",
    "unanswerable_refused",
    "answerable_refused",
)


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def recall_at_k(report: dict[str, Any], path: Path) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    values: list[float] = []
    for n, (name, cfg) in enumerate(report["configs"].items()):
        ys = [cfg["overall"].get(f"recall@{k}") for k in KS]
        points = [(k, y) for k, y in zip(KS, ys, strict=True) if y is not None]
        values += [y for _, y in points]
        style, marker = _STYLES[n % len(_STYLES)]
        ax.plot(
            [k for k, _ in points],
            [y for _, y in points],
            linestyle=style,
            marker=marker,
            markersize=7 - n,  # smaller markers on top: coinciding points stay visible
            label=name,
        )
    low = min(values, default=0.0)
    pad = max(0.01, (1.0 - low) * 0.1)
    ax.set(
        xlabel="k (documents)",
        ylabel="recall@k (higher is better)",
        title="Recall@k by configuration",
        ylim=(max(0.0, low - pad), 1.0 + pad / 2),
        xticks=KS,
    )
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def varying_metrics(per_tag: dict[str, dict[str, Any]]) -> list[str]:
    """The tag metrics whose values differ between tags (a metric at 1.0 everywhere says
    nothing per tag)."""
    out = []
    for metric in TAG_METRICS:
        seen = {round(m[metric], 4) for m in per_tag.values() if m.get(metric) is not None}
        if len(seen) > 1:
            out.append(metric)
    return out


def per_tag(report: dict[str, Any], path: Path) -> Path:
    plt = _plt()
    first = next(iter(report["configs"]))
    tags = report["configs"][first]["per_tag"]
    metrics = varying_metrics(tags) or ["answer_contains"]
    width = 0.8 / len(metrics)
    fig, ax = plt.subplots(figsize=(max(8, len(tags) * 0.9), 4.5))
    for i, metric in enumerate(metrics):
        for x, (_tag, m) in enumerate(tags.items()):
            pos = x - 0.4 + width * (i + 0.5)
            value = m.get(metric)
            if value is None:
                ax.text(pos, 0.02, "n/a", ha="center", va="bottom", fontsize=7, rotation=90)
                continue
            ax.bar(pos, value, width=width, color=f"C{i}")
            if value == 0:  # a real zero is written, so it never reads as "not applicable"
                ax.text(pos, 0.01, "0", ha="center", va="bottom", fontsize=7, color=f"C{i}")
    for x, m in enumerate(tags.values()):
        ax.text(x, 1.06, f"n={m['questions']}", ha="center", fontsize=7)
    handles = [plt.Rectangle((0, 0), 1, 1, color=f"C{i}") for i in range(len(metrics))]
    ax.legend(
        handles,
        metrics,
        fontsize=8,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.07),
        ncol=len(metrics),
        frameon=False,
    )
    ax.set_xticks(range(len(tags)), list(tags), rotation=35, ha="right")
    ax.set(ylim=(0, 1.12))
    ax.set_title(f"Per tag ({first}); answerable_refused: lower is better", pad=34)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def failure_classes(report: dict[str, Any], path: Path) -> Path:
    plt = _plt()
    names = list(report["configs"])
    classes = [*CLASSES, PASS]
    counts = {n: class_counts(report["configs"][n]["questions"]) for n in names}
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(names) + 2))
    left = [0] * len(names)
    for i, cls in enumerate(classes):
        widths = [counts[n][cls] for n in names]
        colour = "#b8d8b8" if cls == PASS else f"C{i}"
        ax.barh(names, widths, left=left, color=colour, label=cls.replace("_", " "))
        for y, (w, lft) in enumerate(zip(widths, left, strict=True)):
            if w:
                ax.text(lft + w / 2, y, str(w), ha="center", va="center", fontsize=8)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set(xlabel="questions", title="How questions ended, by configuration")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def latency(report: dict[str, Any], results: dict[str, list[Any]], path: Path) -> Path:
    plt = _plt()
    first = next(iter(report["configs"]))
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist([r.search_ms for r in results[first]], bins=20, alpha=0.7, label="search")
    ax.hist([r.ask_ms for r in results[first]], bins=20, alpha=0.7, label="ask")
    load = report.get("machine", {}).get("load_before")
    note = f" · load {load:.2f} before" if load is not None else ""
    ax.set(xlabel="ms (lower is better)", ylabel="questions", title=f"Latency ({first}){note}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def all_plots(report: dict[str, Any], results: dict[str, list[Any]], out: Path) -> list[Path]:
    return [
        recall_at_k(report, out / "recall_at_k.png"),
        per_tag(report, out / "per_tag.png"),
        failure_classes(report, out / "failure_classes.png"),
        latency(report, results, out / "latency.png"),
    ]
