"""Where sentence vectors live, measured: one collection (sentence points with their own named
vector, the layout Hỏi Đáp uses) against a second shard holding only sentences, and chunks alone
for reference. Vectors are derived from the seed index's real ones (noise added), at the shape
of real chunks: ``per_chunk`` sentences each."""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import qdrant_edge as qe

from assistant.lexical import SparseVec, document_vector, query_vector
from assistant.service import Assistant
from assistant.store import ChunkPoint, SearchFilters, SentencePoint, StoredSentence
from assistant.store.base import SENTENCE, point_id
from assistant.store.edge import EdgeStore
from evals.bench_common import questions

_BATCH = 500  # chunks per upsert


def _disk_mb(path: Path) -> float:
    """Blocks actually used (Qdrant preallocates WAL and storage files sparsely)."""
    used = sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file())
    return round(used / 1e6, 1)


def _points(
    rng: np.random.Generator,
    base: np.ndarray,
    sentence_base: np.ndarray,
    sparse_base: list[SparseVec],
    start: int,
    n: int,
    per_chunk: int,
) -> list[ChunkPoint]:
    def noisy(src: np.ndarray, picks: np.ndarray) -> np.ndarray:
        v = src[picks] + rng.normal(scale=0.02, size=(len(picks), src.shape[1]))
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)

    picks = rng.integers(0, len(base), n)
    vecs = noisy(base, picks)
    svecs = noisy(sentence_base, rng.integers(0, len(sentence_base), n * per_chunk))
    out = []
    for j in range(n):
        i = start + j
        cid = f"c{i}"
        sentences = tuple(
            SentencePoint(
                k, f"câu {k} của đoạn {i}.", k * 80, k * 80 + 60, svecs[j * per_chunk + k].tolist()
            )
            for k in range(per_chunk)
        )
        payload = {"chunk_id": cid, "doc_id": f"d{i // 10}", "doc_hash": "h", "text": f"đoạn {i}"}
        out.append(ChunkPoint(cid, vecs[j].tolist(), sparse_base[picks[j]], payload, sentences))
    return out


class _SecondShard:
    """The alternative: sentences in a shard of their own beside the chunk shard."""

    def __init__(self, path: Path, dim: int) -> None:
        self.path = path
        config = qe.EdgeConfig(
            vectors={SENTENCE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)}
        )
        self.shard = qe.EdgeShard.create(str(path), config)
        self.shard.update(
            qe.UpdateOperation.create_field_index("chunk_id", qe.PayloadSchemaType.Keyword)
        )

    def upsert(self, chunks: list[ChunkPoint]) -> None:
        points = [
            qe.Point(point_id(key), {SENTENCE: vector}, payload)
            for c in chunks
            for key, vector, payload in c.sentence_points()
        ]
        self.shard.update(qe.UpdateOperation.upsert_points(points))

    def lookup(self, chunks: dict[str, str]) -> int:
        """The same work as ``EdgeStore.sentence_vectors``: filter, read, keep live ones."""
        flt = qe.Filter(must=[qe.FieldCondition(key="chunk_id", match=qe.MatchAny(list(chunks)))])
        records, _ = self.shard.scroll(
            qe.ScrollRequest(limit=1024, filter=flt, with_payload=True, with_vector=[SENTENCE])
        )
        found = [
            StoredSentence.live(
                r.payload or {},
                r.vector.get(SENTENCE) if isinstance(r.vector, dict) else None,
                chunks,
            )
            for r in records
        ]
        return sum(s is not None for s in found)


def _lookup(main: EdgeStore, second: _SecondShard | None, ids: list[str]) -> int:
    if second is not None:
        return second.lookup(dict.fromkeys(ids, "h"))
    return len(main.sentence_vectors(dict.fromkeys(ids, "h")))


def sentence_layout(
    assistant: Assistant, work: Path, chunks: int, per_chunk: int = 6
) -> dict[str, Any]:
    """Write time, chunk query and sentence lookup latency, and disk use of each layout."""
    store = assistant.store
    texts = [c["text"] for c in store.scroll_payloads("chunk", ["text"])]
    embedder = assistant.embedder()
    base = np.asarray(embedder.get_text_embedding_batch(texts), dtype=np.float32)
    sentence_texts = [p["text"] for p in store.scroll_payloads("sentence", ["text"])][:64]
    sentence_base = np.asarray(embedder.get_text_embedding_batch(sentence_texts), np.float32)
    sparse_base = [document_vector(t) for t in texts]
    qs = questions()[:40]
    q_dense = [embedder.get_query_embedding(q) for q in qs]
    q_sparse = [query_vector(q) for q in qs]
    rng = np.random.default_rng(11)
    lookups = [[f"c{i}" for i in rng.integers(0, chunks, 5)] for _ in range(len(qs))]
    layouts: dict[str, Any] = {}
    for name in ("chunks only", "one shard, named vector (used)", "second shard"):
        folder = work / f"layout-{len(layouts)}"
        main = EdgeStore.open(folder / "index", base.shape[1])
        second = _SecondShard(folder / "sentences", base.shape[1]) if "second" in name else None
        point_rng = np.random.default_rng(5)  # the same points for every layout
        write_s = 0.0
        for start in range(0, chunks, _BATCH):
            batch = _points(
                point_rng,
                base,
                sentence_base,
                sparse_base,
                start,
                min(_BATCH, chunks - start),
                per_chunk,
            )
            started = time.perf_counter()
            if name == "chunks only" or second is not None:
                main.upsert_chunks(
                    [ChunkPoint(c.chunk_id, c.dense, c.sparse, c.payload) for c in batch]
                )
                if second is not None:
                    second.upsert(batch)
            else:
                main.upsert_chunks(batch)
            write_s += time.perf_counter() - started
        started = time.perf_counter()
        main._shard.optimize()
        main.flush()
        if second is not None:
            second.shard.optimize()
            second.shard.flush()
        write_s += time.perf_counter() - started

        query: list[float] = []
        lookup: list[float] = []
        for timed in (False, True):  # a warm-up pass first: the optimizer may still be busy
            for d, s, ids in zip(q_dense, q_sparse, lookups, strict=True):
                started = time.perf_counter()
                main.query(d, s, 5, SearchFilters(), "dbsf", 40, 60, (1.0, 1.0))
                middle = time.perf_counter()
                found = _lookup(main, second, ids) if name != "chunks only" else None
                ended = time.perf_counter()
                if found is not None:
                    assert found == len(set(ids)) * per_chunk, (name, found)
                if timed:
                    query.append((middle - started) * 1000)
                    if found is not None:
                        lookup.append((ended - middle) * 1000)
        main.close()
        if second is not None:
            second.shard.close()
        layouts[name] = {
            "write_s": round(write_s, 2),
            "query_p50_ms": round(statistics.median(query), 2),
            "lookup_p50_ms": round(statistics.median(lookup), 2) if lookup else None,
            "disk_mb": _disk_mb(folder),
        }
        shutil.rmtree(folder, ignore_errors=True)
    return {"chunks": chunks, "sentences": chunks * per_chunk, "layouts": layouts}
