"""In-process measurements of ``hoidap bench``: latencies, indexing, no-op re-index, store size."""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.lexical import SparseVec, document_vector, query_vector
from assistant.service import Assistant
from assistant.store import ChunkPoint, SearchFilters
from assistant.store.edge import EdgeStore
from evals.bench_common import NEWS, _ms, _rss_mb, _stats, questions
from evals.packaged import SEED_CORPUS as SEED
from indexing.library import Library
from indexing.vectors import budget_batches


# -- 1-3, 5: in-process ---------------------------------------------------------------------------
def in_process(assistant: Assistant, qs: list[str], rounds: int = 2) -> dict[str, Any]:
    """Query embedding (t_e), search and ask, cold caches, interleaved question by question
    (a load change on a shared machine then hits all three alike), ``rounds`` times over."""
    embedder = assistant.embedder()
    embedder.get_query_embedding("khởi động")  # warm the engine
    assistant.ask("khởi động")
    load = [round(os.getloadavg()[0], 2)]
    t_e, search, ask = [], [], []
    per_round = []
    # Sentences embedded at question time (0 when every sentence vector comes from the index).
    embedded = [0]
    real_embed = assistant._embed_passages

    def counting(texts: list[str]) -> list[list[float]]:
        embedded[0] += len(texts)
        return real_embed(texts)

    assistant._embed_passages = counting  # type: ignore[method-assign]  # counts embeddings for this run only
    try:
        for _ in range(rounds):
            r_te: list[float] = []
            r_ask: list[float] = []
            for q in qs:
                r_te.append(_ms(partial(embedder.get_query_embedding, q)))
                assistant.clear_caches()
                search.append(_ms(partial(assistant.search, q)))
                assistant.clear_caches()
                r_ask.append(_ms(partial(assistant.ask, q)))
            t_e += r_te
            ask += r_ask
            per_round.append(round(statistics.median(r_ask) / statistics.median(r_te), 3))
    finally:
        del assistant._embed_passages
    load.append(round(os.getloadavg()[0], 2))
    # What ask costs beyond embedding the question, in this thread's CPU time (a load-robust
    # view of the same ratio: ask / t_e ≈ 1 + this / t_e on an idle machine).
    beyond = []
    for q in qs:
        assistant.clear_caches()
        assistant.retriever.embed_query(q)  # the question's vector is cached: not timed
        started = time.thread_time()
        assistant.ask(q)
        beyond.append((time.thread_time() - started) * 1000)
    # Realistic mix with caches on: 30 % of questions repeat an earlier one.
    assistant.clear_caches()
    rng = random.Random(3)
    mixed: list[float] = []
    asked: list[str] = []
    for i in range(200):
        q = rng.choice(asked) if asked and rng.random() < 0.3 else f"{qs[i % len(qs)]} ({i})"
        asked.append(q)
        mixed.append(_ms(partial(assistant.ask, q)))
    return {
        "t_e": _stats(t_e),
        "search": _stats(search),
        "ask": _stats(ask),
        "ask_over_t_e_per_round": per_round,
        "ask_cpu_beyond_embedding_ms": _stats(beyond),
        "load_average_1min": load,
        "sentences_embedded_per_ask": round(embedded[0] / (len(qs) * rounds), 2),
        "dense_candidates": assistant.dense_candidates(),
        "ask_30pct_repeats_cached": _stats(mixed),
    }


def indexing(settings: Settings, work: Path, rounds: int = 2) -> dict[str, Any]:
    """The full pipeline (chunks and their sentence vectors) against raw embedding: of the same
    chunk texts alone (goal 5b) and of every text the pipeline embeds (goal 5, our overhead).

    The corpus is the 26-article dev corpus: distinct documents, so the pipeline's reuse of a
    sentence embedded earlier in the run only finds what real articles share. Raw chunk
    embedding is timed before, between and after ``rounds`` full pipeline runs and each
    pipeline run is set against the mean of the raw runs on either side: the load of a shared
    machine drifts during a run."""
    corpus = NEWS
    scoped = settings.model_copy(update={"data_dir": work / "idx-data", "corpus_dir": corpus})
    assistant = Assistant.open(scoped)
    load = [round(os.getloadavg()[0], 2)]
    try:
        embedder = assistant.embedder()
        size = scoped.embed_batch_size

        def raw(texts: list[str], batches: list[list[str]] | None = None) -> float:
            started = time.perf_counter()
            for batch in batches or [texts[i : i + size] for i in range(0, len(texts), size)]:
                embedder.get_text_embedding_batch(batch)
            return time.perf_counter() - started

        embedder.get_text_embedding_batch(["khởi động"])
        from indexing.pipeline import Indexer

        indexer = Indexer(scoped, assistant.store, assistant.embedder)
        chunk_texts = [p.embed_texts for p in _prepared(indexer, corpus)]
        flat = [t for texts in chunk_texts for t in texts]
        raw_chunks = [raw(flat)]
        runs, reports = [], []
        for i in range(rounds):
            started = time.perf_counter()
            reports.append(Library(assistant).sync(corpus, rebuild=i > 0))
            runs.append(time.perf_counter() - started)
            raw_chunks.append(raw(flat))
        report = reports[-1]
        store = assistant.store
        # The sentence texts the pipeline embedded (each once), batched as the pipeline does.
        alone = {c["text"].strip() for c in store.scroll_payloads("chunk", ["text"])}
        sentence_texts = list(
            dict.fromkeys(
                p["text"] for p in store.scroll_payloads("sentence") if p["text"] not in alone
            )
        )
        budget = size * scoped.chunk_max_tokens
        raw_sentences_s = raw(
            sentence_texts, budget_batches(sentence_texts, indexer.count_tokens, budget)
        )
    finally:
        assistant.close()
    load.append(round(os.getloadavg()[0], 2))
    ratios = [run / ((raw_chunks[i] + raw_chunks[i + 1]) / 2) for i, run in enumerate(runs)]
    full_s = statistics.median(runs)
    raw_chunks_s = statistics.median(raw_chunks)
    chunks = report.embedded_chunks
    return {
        "corpus": f"evals/corpora/{corpus.name}",
        "chunks": chunks,
        "sentences_embedded": report.embedded_sentences,
        "sentences_reused": report.reused_sentences,
        "pipeline_s": [round(r, 2) for r in runs],
        "raw_chunk_embedding_s": [round(r, 2) for r in raw_chunks],
        "raw_sentence_embedding_s": round(raw_sentences_s, 2),
        "pipeline_chunks_per_s": round(chunks / full_s, 2),
        "load_average_1min": load,
        # goal 5b: indexing with sentence vectors ÷ raw chunk embedding of the same corpus
        "with_sentences_over_raw_chunks": round(statistics.median(ratios), 3),
        "with_sentences_over_raw_chunks_each": [round(r, 3) for r in ratios],
        # goal 5: raw embedding of every text the pipeline embeds ÷ pipeline time
        "ratio": round((raw_chunks_s + raw_sentences_s) / full_s, 3),
    }


def _prepared(indexer: Any, corpus: Path) -> list[Any]:
    """The corpus's documents cleaned and chunked as the pipeline does (nothing embedded)."""
    from indexing.metadata import read_manifest
    from indexing.pipeline import corpus_files

    files, _ = corpus_files(corpus)
    manifest = read_manifest(corpus)
    return [
        indexer.prepare(doc_id, path.name, path.read_bytes(), manifest.get(doc_id))
        for doc_id, path in files.items()
    ]


# -- 6: no-op re-index ----------------------------------------------------------------------------
def _hoidap(*args: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bots.cli", *args],
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
