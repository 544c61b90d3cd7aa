"""Embedded backend: Qdrant Edge, the Qdrant engine in process (the default).

Layout under ``<data_dir>/index``: one folder per shard and ``CURRENT`` naming the live one, so a
rebuild fills a new folder and switches with an atomic rename of ``CURRENT``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from assistant.lexical import SparseVec
from assistant.store.base import (
    CHUNK_KINDS,
    DENSE,
    INDEXED,
    SENTENCE,
    SPARSE,
    ChunkPoint,
    Hit,
    Match,
    Search,
    Store,
    StoreError,
    StoreLockedError,
    point_id,
    read_pages,
)

_META_ID = point_id("meta:index")
_PAGE = 1024
_NO_HNSW = qe.HnswIndexConfig(m=0, ef_construct=100, full_scan_threshold=10_000)
_OLD_LAYOUT = (
    "The index at {} was made before sentence vectors were stored: "
    "run `hoidap index --rebuild` once."
)


def _match(key: str, value: str | list[str]) -> qe.FieldCondition:
    match = qe.MatchAny(value) if isinstance(value, list) else qe.MatchValue(value)
    return qe.FieldCondition(key=key, match=match)


def _filter(match: Match, days: tuple[int | None, int | None] | None = None) -> qe.Filter:
    must: list[Any] = [_match(k, v) for k, v in match.items()]
    if days:
        must.append(
            qe.FieldCondition(key="published_day", range=qe.RangeFloat(gte=days[0], lte=days[1]))
        )
    return qe.Filter(must=must)


def _sparse(vec: SparseVec) -> qe.SparseVector:
    return qe.SparseVector(vec.indices, vec.values)


class EdgeStore(Store):
    """One Qdrant Edge shard folder."""

    def __init__(self, root: Path, shard_dir: Path, shard: qe.EdgeShard, dim: int) -> None:
        self.root = root
        self.shard_dir = shard_dir
        self._shard = shard
        self._dim = dim
        self._sentences = _has_vector(shard_dir, SENTENCE)

    # -- opening --------------------------------------------------------------------------
    @classmethod
    def open(cls, root: Path, dim: int) -> EdgeStore:
        """Open the live shard under ``root``, creating an empty one the first time."""
        root.mkdir(parents=True, exist_ok=True)
        current = root / "CURRENT"
        if current.exists():
            shard_dir = root / current.read_text().strip()
            if not shard_dir.is_dir():
                raise StoreError(f"{current} names {shard_dir.name}, which is missing")
            shard = cls._load(shard_dir, root)
        else:
            shard_dir = cls._new_dir(root)
            shard = cls._create(shard_dir, dim)
            _atomic_write(current, shard_dir.name)
        store = cls(root, shard_dir, shard, dim)
        store.sweep()
        _atomic_write(root / "OWNER", json.dumps({"pid": os.getpid(), "since": time.time()}))
        return store

    @staticmethod
    def _new_dir(root: Path) -> Path:
        return root / f"shard-{time.strftime('%Y%m%d-%H%M%S')}-{os.urandom(3).hex()}"

    @staticmethod
    def _create(shard_dir: Path, dim: int) -> qe.EdgeShard:
        config = qe.EdgeConfig(
            vectors={
                DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine),
                # Sentence vectors are only read back by id, never searched: no HNSW graph.
                SENTENCE: qe.EdgeVectorParams(
                    size=dim, distance=qe.Distance.Cosine, hnsw_config=_NO_HNSW
                ),
            },
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )
        shard = qe.EdgeShard.create(str(shard_dir), config)
        schemas = {"keyword": qe.PayloadSchemaType.Keyword, "integer": qe.PayloadSchemaType.Integer}
        for key, kind in INDEXED.items():
            shard.update(qe.UpdateOperation.create_field_index(key, schemas[kind]))
        return shard

    @staticmethod
    def _load(shard_dir: Path, root: Path) -> qe.EdgeShard:
        try:
            return qe.EdgeShard.load(str(shard_dir))
        except Exception as exc:  # the binding raises a bare Exception
            if "WouldBlock" in str(exc):
                owner = _read_owner(root)
                raise StoreLockedError(
                    f"The index at {root} is in use by another Hỏi Đáp process{owner}. "
                    "Only one process can open the embedded index: stop that process, or send "
                    "your request to its HTTP API (hoidap serve) instead."
                ) from exc
            raise StoreError(f"Cannot open the index at {shard_dir}: {exc}") from exc

    # -- writing --------------------------------------------------------------------------
    def upsert_chunks(self, chunks: list[ChunkPoint]) -> None:
        if not chunks:
            return
        points = [
            qe.Point(
                point_id(c.point_key),
                {DENSE: list(c.dense), SPARSE: _sparse(c.sparse)},
                {"kind": "chunk", **c.payload},
            )
            for c in chunks
        ]
        if any(c.sentences for c in chunks) and not self._sentences:
            raise StoreError(_OLD_LAYOUT.format(self.shard_dir))
        points += [
            qe.Point(point_id(key), {SENTENCE: vector}, payload)
            for c in chunks
            for key, vector, payload in c.sentence_points()
        ]
        # One update: a chunk and its sentences reach the WAL together.
        self._shard.update(qe.UpdateOperation.upsert_points(points))

    def delete_chunks(self, doc_id: str, except_hash: str | None = None) -> None:
        flt = qe.Filter(
            must=[
                qe.FieldCondition(key="kind", match=qe.MatchAny(CHUNK_KINDS)),
                _match("doc_id", doc_id),
            ],
            must_not=[_match("doc_hash", except_hash)] if except_hash else None,
        )
        self._shard.update(qe.UpdateOperation.delete_points_by_filter(flt))

    def put_document(self, record: dict[str, Any]) -> None:
        pid = point_id("doc:" + record["doc_id"])
        self._shard.update(
            qe.UpdateOperation.upsert_points([qe.Point(pid, {}, {"kind": "doc", **record})])
        )

    def delete_document(self, doc_id: str) -> None:
        self._shard.update(qe.UpdateOperation.delete_points([point_id("doc:" + doc_id)]))

    def set_meta(self, meta: dict[str, Any]) -> None:
        self._shard.update(
            qe.UpdateOperation.upsert_points([qe.Point(_META_ID, {}, {"kind": "meta", **meta})])
        )

    # -- reading --------------------------------------------------------------------------
    def _scan(
        self, match: Match, fields: list[str] | None = None, vector: str | None = None
    ) -> list[tuple[dict[str, Any], Any]]:
        flt = _filter(match)
        with_vector = [vector] if vector else None
        return read_pages(
            lambda offset: self._shard.scroll(
                qe.ScrollRequest(
                    offset=offset,
                    limit=_PAGE,
                    filter=flt,
                    with_payload=fields or True,
                    with_vector=with_vector,
                )
            ),
            vector,
        )

    def _count(self, match: Match) -> int:
        return self._shard.count(qe.CountRequest(filter=_filter(match)))

    def get_meta(self) -> dict[str, Any]:
        records = self._shard.retrieve([_META_ID], True, False)
        if not records:
            return {}
        return {k: v for k, v in (records[0].payload or {}).items() if k != "kind"}

    @property
    def has_sentence_vectors(self) -> bool:
        return self._sentences

    def _search(self, search: Search) -> list[Hit]:
        flt = _filter(search.match, search.days)
        dense = qe.Query.Nearest(search.dense, using=DENSE) if search.dense is not None else None
        sparse = (
            qe.Query.Nearest(_sparse(search.sparse), using=SPARSE)
            if search.sparse is not None
            else None
        )
        if search.fusion is None:
            single = dense if sparse is None else sparse
            request = qe.QueryRequest(
                limit=search.limit, query=single, filter=flt, with_payload=True
            )
        else:
            fusion: Any = (
                qe.Fusion.Rrf(k=search.rrf_k, weights=list(search.weights))
                if search.fusion == "rrf"
                else qe.Fusion.Dbsf()
            )
            request = qe.QueryRequest(
                limit=search.limit,
                prefetches=[
                    qe.Prefetch(limit=search.prefetch_limit, query=dense, filter=flt),
                    qe.Prefetch(limit=search.prefetch_limit, query=sparse, filter=flt),
                ],
                query=fusion,
                filter=flt,
                with_payload=True,
            )
        return [Hit.of(p.payload, p.score) for p in self._shard.query(request)]

    # -- lifecycle ------------------------------------------------------------------------
    def flush(self) -> None:
        self._shard.flush()

    def close(self) -> None:
        try:
            self._shard.flush()
        finally:
            self._shard.close()
            owner = self.root / "OWNER"
            if _read_owner_pid(self.root) == os.getpid():
                owner.unlink(missing_ok=True)

    def begin_rebuild(self) -> EdgeStore:
        shard_dir = self._new_dir(self.root)
        return EdgeStore(self.root, shard_dir, self._create(shard_dir, self._dim), self._dim)

    def commit_rebuild(self, fresh: Store) -> None:
        assert isinstance(fresh, EdgeStore)
        fresh.flush()
        old_dir = self.shard_dir
        _atomic_write(self.root / "CURRENT", fresh.shard_dir.name)
        self._shard.close()
        self._shard, self.shard_dir = fresh._shard, fresh.shard_dir
        self._sentences = fresh._sentences
        shutil.rmtree(old_dir, ignore_errors=True)
        self.sweep()

    def abort_rebuild(self, fresh: Store) -> None:
        assert isinstance(fresh, EdgeStore)
        fresh._shard.close()
        shutil.rmtree(fresh.shard_dir, ignore_errors=True)

    def sweep(self) -> None:
        """Remove shard folders left by interrupted rebuilds (never the live one)."""
        for d in self.root.glob("shard-*"):
            if d.is_dir() and d != self.shard_dir:
                shutil.rmtree(d, ignore_errors=True)

    @property
    def description(self) -> str:
        return f"Qdrant Edge at {self.shard_dir}"


def _has_vector(shard_dir: Path, name: str) -> bool:
    """Whether the shard was created with a named dense vector (read from its own config)."""
    try:
        config = json.loads((shard_dir / "edge_config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return name in (config.get("vectors") or {})


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read_owner_pid(root: Path) -> int | None:
    try:
        return int(json.loads((root / "OWNER").read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _read_owner(root: Path) -> str:
    pid = _read_owner_pid(root)
    return f" (PID {pid})" if pid else ""
