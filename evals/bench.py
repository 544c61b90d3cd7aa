"""``hoidap bench``: speed and memory against the hardware limit, as ratios measured in one run.

Every measurement is bounded in count and time. The reference is ``t_e``, the median time to
embed one query on this machine; the goals are ratios to it, so they hold on slow and fast
machines alike (see issue goals in evals/bench/RESULTS.md). The parts live in
``bench_measure`` (in process), ``bench_layout`` (sentence vector layouts), ``bench_server``
(a second process) and ``bench_report`` (goals, Markdown, plots).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.service import Assistant
from evals.bench_common import machine, questions
from evals.bench_layout import sentence_layout
from evals.bench_measure import in_process, indexing, noop_reindex, store_scaling
from evals.bench_report import goals, markdown, plots, print_table
from evals.bench_server import cold_search, server_runs
from evals.packaged import SEED_CORPUS as SEED
from indexing.library import Library

__all__ = ["PARTS", "print_table", "run"]


PARTS = ("latency", "scaling", "layout", "indexing", "noop", "cold", "server")


def run(
    settings: Settings, out: Path, quick: bool = False, parts: tuple[str, ...] = PARTS
) -> dict[str, Any]:
    """The measurements named in ``parts`` (all by default); writes bench.json, bench.md and
    plots to ``out``."""
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown bench parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="hoidap-bench-"))
    started = time.perf_counter()
    result: dict[str, Any] = {"machine": machine(), "parts": list(parts)}
    try:
        seed_settings = settings.model_copy(
            update={"data_dir": work / "seed-data", "corpus_dir": SEED}
        )
        assistant = Assistant.open(seed_settings)
        try:
            Library(assistant).sync(SEED)
            if "latency" in parts:
                print("bench: in-process latencies", file=sys.stderr)
                result["in_process"] = in_process(assistant, questions(), rounds=1 if quick else 2)
            if "scaling" in parts:
                print("bench: store scaling", file=sys.stderr)
                sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
                result["store_scaling"] = store_scaling(assistant, work, sizes)
            if "layout" in parts:
                print("bench: sentence vector layouts", file=sys.stderr)
                chunks = 2_000 if quick else 10_000
                result["sentence_layout"] = sentence_layout(assistant, work, chunks)
        finally:
            assistant.close()
        if "indexing" in parts:
            print("bench: indexing", file=sys.stderr)
            result["indexing"] = indexing(settings, work, rounds=1 if quick else 2)
        if "noop" in parts:
            print("bench: no-op re-index", file=sys.stderr)
            result["noop"] = noop_reindex(settings, work, work / "seed-data")
        if "cold" in parts:
            print("bench: cold start", file=sys.stderr)
            result["cold_search_s"] = cold_search(work / "seed-data")
        if "server" in parts:
            print("bench: HTTP load (second process)", file=sys.stderr)
            result["server"] = server_runs(work / "seed-data", work, quick)
        result["goals"] = goals(result)
        result["seconds"] = round(time.perf_counter() - started, 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (out / "bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")
    (out / "bench.md").write_text(markdown(result), "utf-8")
    plots(result, out)
    return result
