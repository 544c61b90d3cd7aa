"""``hoidap bench`` results: the goals table, Markdown, plots, the terminal table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

# -- putting it together ------------------------------------------------------------------
Row = tuple[str, str, Callable[[dict[str, Any]], float], str, float | None]

# (id, what, value from the results, goal text, limit: ≤ limit, or ≥ −limit when negative)
ROWS: list[Row] = [
    ("1", "t_e: median query embedding (ms)", lambda r: _t_e(r), "reference", None),
    (
        "2",
        "search p50 / t_e",
        lambda r: r["in_process"]["search"]["p50_ms"] / _t_e(r),
        "≤ 1.3",
        1.3,
    ),
    (
        "3",
        "ask p50 / t_e (extractive)",
        lambda r: r["in_process"]["ask"]["p50_ms"] / _t_e(r),
        "≤ 1.6",
        1.6,
    ),
    (
        "4a",
        "HTTP c=1 p50 − t_e (ms)",
        lambda r: r["server"]["load"]["1"]["p50_ms"] - _t_e(r),
        "≤ 5 ms",
        5.0,
    ),
    (
        "4b",
        "HTTP errors (c=1, 8, 32)",
        lambda r: sum(x["errors"] for x in r["server"]["load"].values()),
        "0",
        0,
    ),
    (
        "4c",
        "throughput × t_e at c=32",
        lambda r: r["server"]["load"]["32"]["throughput_rps"] * _t_e(r) / 1000,
        "≥ 0.8",
        -0.8,
    ),
    (
        "5",
        "raw embedding of all indexed texts / pipeline time",
        lambda r: r["indexing"]["ratio"],
        "≥ 0.9",
        -0.9,
    ),
    (
        "5b",
        "indexing with sentence vectors / raw chunk embedding (time)",
        lambda r: r["indexing"]["with_sentences_over_raw_chunks"],
        "≤ 2.2",
        2.2,
    ),
    ("6a", "no-op re-index, seed corpus (s)", lambda r: r["noop"]["seed_process_s"], "≤ 1 s", 1.0),
    (
        "6b",
        "no-op re-index, 1,000 documents (s)",
        lambda r: r["noop"]["docs_1000_process_s"],
        "≤ 3 s",
        3.0,
    ),
    (
        "7",
        "hybrid+filter query p50 at the largest size (ms)",
        lambda r: r["store_scaling"][max(r["store_scaling"], key=int)]["p50_ms"],
        "≤ 10 ms",
        10.0,
    ),
    ("8a", "cold `hoidap search` process (s)", lambda r: r["cold_search_s"], "≤ 2 s", 2.0),
    ("8b", "`serve` until /readyz 200 (s)", lambda r: r["server"]["ready_s"], "≤ 3 s", 3.0),
    (
        "9",
        "serve RSS growth over the soak run (MB)",
        lambda r: r["server"]["rss_mb"]["growth_over_soak"],
        "report; no growth",
        None,
    ),
]


def _t_e(r: dict[str, Any]) -> float:
    return float(r["in_process"]["t_e"]["p50_ms"])


def goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of the benchmark whose part was run: what was measured, the target, met or not."""
    out = []
    for gid, what, measure, target, limit in ROWS:
        try:
            value = float(measure(r))
        except KeyError:  # that part of the bench was not run (--parts)
            continue
        met = None if limit is None else (value >= -limit if limit < 0 else value <= limit)
        out.append({"id": gid, "what": what, "value": round(value, 3), "goal": target, "met": met})
    return out


def markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        "# Hỏi Đáp benchmark",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['platform']}; "
        f"{', '.join(f'{k} {v}' for k, v in m['versions'].items())}; {m['date']}; "
        f"load average {m.get('load_average', '?')} at the start; "
        f"parts: {', '.join(r.get('parts', []))}.",
        "",
        "| # | measure | value | goal | met |",
        "|---|---|---|---|---|",
    ]
    for g in r["goals"]:
        met = "—" if g["met"] is None else ("yes" if g["met"] else "**no**")
        lines.append(f"| {g['id']} | {g['what']} | {g['value']} | {g['goal']} | {met} |")
    lines += ["", "## Details", ""]
    if "in_process" in r:
        ip = r["in_process"]
        lines += [
            f"- in-process (cold caches): t_e {ip['t_e']}, search {ip['search']}, ask {ip['ask']}",
            f"- ask beyond embedding the question (thread CPU ms): "
            f"{ip.get('ask_cpu_beyond_embedding_ms')}; ask / t_e per round: "
            f"{ip.get('ask_over_t_e_per_round')}; load average (1 min) before and after: "
            f"{ip.get('load_average_1min')}",
            f"- sentences embedded per ask: {ip.get('sentences_embedded_per_ask')} "
            f"(dense candidates: {ip.get('dense_candidates')})",
            f"- ask with caches on, 30 % repeated questions: {ip['ask_30pct_repeats_cached']}",
        ]
    if "indexing" in r:
        lines.append(f"- indexing: {r['indexing']}")
    if "noop" in r:
        lines.append(f"- no-op re-index: {r['noop']}")
    if "server" in r:
        for c, run in r["server"]["load"].items():
            lines.append(f"- HTTP /v1/search c={c}: {run}")
        lines += [
            f"- soak (c=8, 30 % repeats): {r['server']['soak']}",
            f"- serve memory (MB): {r['server']['rss_mb']}",
        ]
    for size, st in r.get("store_scaling", {}).items():
        lines.append(f"- store at {int(size):,} chunks: {st}")
    if "sentence_layout" in r:
        lines += ["", "## Sentence vector layout", "", *layout_table(r["sentence_layout"])]
    return "\n".join(lines) + "\n"


def layout_table(r: dict[str, Any]) -> list[str]:
    """The two layouts for sentence vectors, and chunks alone for reference."""
    lines = [
        f"{r['chunks']:,} chunks, {r['sentences']:,} sentences (Qdrant Edge):",
        "",
        "| layout | upsert + optimize (s) | chunk query p50 (ms) | sentence lookup p50 (ms) "
        "| disk (MB) |",
        "|---|---|---|---|---|",
    ]
    for name, m in r["layouts"].items():
        lookup = "—" if m["lookup_p50_ms"] is None else m["lookup_p50_ms"]
        lines.append(
            f"| {name} | {m['write_s']} | {m['query_p50_ms']} | {lookup} | {m['disk_mb']} |"
        )
    return lines


def plots(r: dict[str, Any], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made: list[Path] = []
    if "server" not in r or "store_scaling" not in r:
        return made
    load = r["server"]["load"]
    cs = [int(c) for c in load]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(cs, [load[str(c)]["p50_ms"] for c in cs], marker="o", label="p50")
    ax.plot(cs, [load[str(c)]["p95_ms"] for c in cs], marker="o", label="p95")
    ax.axhline(r["in_process"]["t_e"]["p50_ms"], color="grey", linestyle="--", label="t_e")
    ax2 = ax.twinx()
    ax2.plot(
        cs, [load[str(c)]["throughput_rps"] for c in cs], marker="s", color="green", label="req/s"
    )
    ax.set(xscale="log", xlabel="concurrency", ylabel="latency (ms)", title="HTTP /v1/search")
    ax2.set_ylabel("throughput (req/s)")
    ax.legend(loc="upper left")
    fig.tight_layout()
    made.append(out / "http_load.png")
    fig.savefig(made[-1], dpi=110)
    plt.close(fig)

    sizes = sorted(r["store_scaling"], key=int)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(
        [int(s) for s in sizes],
        [r["store_scaling"][s]["p50_ms"] for s in sizes],
        marker="o",
        label="p50",
    )
    ax.plot(
        [int(s) for s in sizes],
        [r["store_scaling"][s]["p95_ms"] for s in sizes],
        marker="o",
        label="p95",
    )
    ax.set(xscale="log", xlabel="chunks", ylabel="ms", title="Hybrid + filter query (no embedding)")
    ax.legend()
    fig.tight_layout()
    made.append(out / "store_scaling.png")
    fig.savefig(made[-1], dpi=110)
    plt.close(fig)
    return made


def print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Hỏi Đáp bench ({result['seconds']} s)")
    for col in ("#", "measure", "value", "goal", "met"):
        table.add_column(col)
    for g in result["goals"]:
        met = "—" if g["met"] is None else ("yes" if g["met"] else "NO")
        table.add_row(g["id"], g["what"], str(g["value"]), g["goal"], met)
    Console().print(table)
