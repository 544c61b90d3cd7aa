"""Scale-out backend: a Qdrant server or cluster through ``qdrant-client``.

The collection name from settings is an alias pointing at a concrete collection, so a rebuild
fills a new collection and swaps the alias in one call. Tests use qdrant-client's local mode
(same client API) in place of a server.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from qdrant_client import QdrantClient, models

from assistant.lexical import SparseVec
from assistant.store.base import (
    CHUNK_KINDS,
    DENSE,
    SENTENCE,
    SPARSE,
    ChunkPoint,
    FusionMode,
    Hit,
    SearchFilters,
    Store,
    StoredSentence,
    StoreError,
    day_number,
    point_id,
)

_META_ID = point_id("meta:index")
_PAGE = 1024


def _match(key: str, value: str) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))


def _filter(filters: SearchFilters) -> models.Filter:
    must: list[Any] = [_match("kind", "chunk")]
    if filters.doc_ids:
        must.append(
            models.FieldCondition(key="doc_id", match=models.MatchAny(any=list(filters.doc_ids)))
        )
    if filters.outlets:
        must.append(
            models.FieldCondition(key="outlet", match=models.MatchAny(any=list(filters.outlets)))
        )
    if filters.doc_types:
        must.append(
            models.FieldCondition(
                key="doc_type", match=models.MatchAny(any=filters.doc_type_values())
            )
        )
    if filters.doc_numbers:
        must.append(
            models.FieldCondition(
                key="doc_number_keys", match=models.MatchAny(any=filters.doc_number_values())
            )
        )
    if filters.since or filters.until:
        must.append(
            models.FieldCondition(
                key="published_day",
                range=models.Range(
                    gte=day_number(filters.since.isoformat()) if filters.since else None,
                    lte=day_number(filters.until.isoformat()) if filters.until else None,
                ),
            )
        )
    return models.Filter(must=must)


def _sparse(vec: SparseVec) -> models.SparseVector:
    return models.SparseVector(indices=vec.indices, values=vec.values)


class QdrantServerStore(Store):
    """A collection on a Qdrant server (or qdrant-client local mode), addressed by alias."""

    def __init__(
        self,
        client: QdrantClient,
        alias: str,
        dim: int,
        shard_number: int = 1,
        replication_factor: int = 1,
        write_consistency_factor: int = 1,
        collection: str | None = None,
    ) -> None:
        self._client = client
        self.alias = alias
        self._dim = dim
        self._shape = (shard_number, replication_factor, write_consistency_factor)
        # The local mode is not thread-safe, and a server client gains nothing from parallel
        # writes here: one lock keeps both correct.
        self._lock = threading.RLock()
        self.collection = collection or self._resolve_or_create()
        self._sentences = self._has_vector(SENTENCE)

    def _has_vector(self, name: str) -> bool:
        with self._lock:
            vectors = self._client.get_collection(self.collection).config.params.vectors
        return isinstance(vectors, dict) and name in vectors

    @classmethod
    def connect(
        cls,
        url: str,
        api_key: str | None,
        alias: str,
        dim: int,
        shard_number: int = 1,
        replication_factor: int = 1,
        write_consistency_factor: int = 1,
    ) -> QdrantServerStore:
        try:
            client = QdrantClient(url=url, api_key=api_key, timeout=30)
            client.get_collections()
        except Exception as exc:
            raise StoreError(f"Cannot reach the Qdrant server at {url}: {exc}") from exc
        return cls(client, alias, dim, shard_number, replication_factor, write_consistency_factor)

    def _resolve_or_create(self) -> str:
        with self._lock:
            for a in self._client.get_aliases().aliases:
                if a.alias_name == self.alias:
                    return a.collection_name
            name = self._create_collection()
            self._client.update_collection_aliases(
                change_aliases_operations=[
                    models.CreateAliasOperation(
                        create_alias=models.CreateAlias(collection_name=name, alias_name=self.alias)
                    )
                ]
            )
            return name

    def _create_collection(self) -> str:
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 10**6}"
        shards, replicas, consistency = self._shape
        self._client.create_collection(
            name,
            vectors_config={
                DENSE: models.VectorParams(size=self._dim, distance=models.Distance.COSINE),
                # Sentence vectors are only read back by chunk, never searched: no HNSW graph.
                SENTENCE: models.VectorParams(
                    size=self._dim,
                    distance=models.Distance.COSINE,
                    hnsw_config=models.HnswConfigDiff(m=0),
                ),
            },
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            shard_number=shards,
            replication_factor=replicas,
            write_consistency_factor=consistency,
        )
        for key, schema in (
            ("kind", models.PayloadSchemaType.KEYWORD),
            ("doc_id", models.PayloadSchemaType.KEYWORD),
            ("chunk_id", models.PayloadSchemaType.KEYWORD),
            ("outlet", models.PayloadSchemaType.KEYWORD),
            ("published_day", models.PayloadSchemaType.INTEGER),
            ("doc_type", models.PayloadSchemaType.KEYWORD),
            ("doc_number_keys", models.PayloadSchemaType.KEYWORD),
        ):
            self._client.create_payload_index(name, key, field_schema=schema)
        return name

    # -- writing --------------------------------------------------------------------------
    def _upsert(self, points: list[models.PointStruct]) -> None:
        with self._lock:
            self._client.upsert(self.collection, points=points, wait=True)

    def upsert_chunks(self, chunks: list[ChunkPoint]) -> None:
        if not chunks:
            return
        if any(c.sentences for c in chunks) and not self._sentences:
            raise StoreError(
                f"The collection {self.collection} was made before sentence vectors were "
                "stored: run `hoidap index --rebuild` once."
            )
        points = [
            models.PointStruct(
                id=point_id(c.point_key),
                vector={DENSE: list(c.dense), SPARSE: _sparse(c.sparse)},
                payload={"kind": "chunk", **c.payload},
            )
            for c in chunks
        ]
        points += [
            models.PointStruct(id=point_id(key), vector={SENTENCE: vector}, payload=payload)
            for c in chunks
            for key, vector, payload in c.sentence_points()
        ]
        self._upsert(points)  # one request: a chunk and its sentences land together

    def delete_chunks(self, doc_id: str, except_hash: str | None = None) -> None:
        must_not: list[Any] | None = [_match("doc_hash", except_hash)] if except_hash else None
        flt = models.Filter(
            must=[
                models.FieldCondition(key="kind", match=models.MatchAny(any=CHUNK_KINDS)),
                _match("doc_id", doc_id),
            ],
            must_not=must_not,
        )
        with self._lock:
            self._client.delete(
                self.collection, points_selector=models.FilterSelector(filter=flt), wait=True
            )

    def put_document(self, record: dict[str, Any]) -> None:
        pid = point_id("doc:" + record["doc_id"])
        self._upsert([models.PointStruct(id=pid, vector={}, payload={"kind": "doc", **record})])

    def delete_document(self, doc_id: str) -> None:
        with self._lock:
            self._client.delete(
                self.collection,
                points_selector=models.PointIdsList(points=[point_id("doc:" + doc_id)]),
                wait=True,
            )

    def set_meta(self, meta: dict[str, Any]) -> None:
        self._upsert([models.PointStruct(id=_META_ID, vector={}, payload={"kind": "meta", **meta})])

    # -- reading --------------------------------------------------------------------------
    def scroll_payloads(self, kind: str, fields: list[str] | None = None) -> list[dict[str, Any]]:
        flt = models.Filter(must=[_match("kind", kind)])
        out: list[dict[str, Any]] = []
        offset = None
        with self._lock:
            while True:
                records, offset = self._client.scroll(
                    self.collection,
                    scroll_filter=flt,
                    limit=_PAGE,
                    offset=offset,
                    with_payload=fields or True,
                )
                out.extend(r.payload or {} for r in records)
                if offset is None:
                    return out

    def doc_chunk_payloads(self, doc_id: str, fields: list[str]) -> list[dict[str, Any]]:
        flt = models.Filter(must=[_match("kind", "chunk"), _match("doc_id", doc_id)])
        out: list[dict[str, Any]] = []
        offset = None
        with self._lock:
            while True:
                records, offset = self._client.scroll(
                    self.collection,
                    scroll_filter=flt,
                    limit=_PAGE,
                    offset=offset,
                    with_payload=fields,
                )
                out.extend(r.payload or {} for r in records)
                if offset is None:
                    return out

    def get_meta(self) -> dict[str, Any]:
        with self._lock:
            records = self._client.retrieve(self.collection, [_META_ID], with_payload=True)
        if not records:
            return {}
        return {k: v for k, v in (records[0].payload or {}).items() if k != "kind"}

    def count_chunks(self) -> int:
        with self._lock:
            return self._client.count(
                self.collection,
                count_filter=models.Filter(must=[_match("kind", "chunk")]),
                exact=True,
            ).count

    def count_sentences(self) -> int:
        with self._lock:
            return self._client.count(
                self.collection,
                count_filter=models.Filter(must=[_match("kind", "sentence")]),
                exact=True,
            ).count

    @property
    def has_sentence_vectors(self) -> bool:
        return self._sentences

    def sentence_vectors(self, chunks: dict[str, str]) -> list[StoredSentence]:
        if not chunks or not self._sentences:
            return []
        flt = models.Filter(
            must=[
                _match("kind", "sentence"),
                models.FieldCondition(key="chunk_id", match=models.MatchAny(any=list(chunks))),
            ]
        )
        out: list[StoredSentence] = []
        offset = None
        with self._lock:
            while True:
                records, offset = self._client.scroll(
                    self.collection,
                    scroll_filter=flt,
                    limit=_PAGE,
                    offset=offset,
                    with_payload=True,
                    with_vectors=[SENTENCE],
                )
                for r in records:
                    vector = r.vector.get(SENTENCE) if isinstance(r.vector, dict) else None
                    stored = StoredSentence.live(r.payload or {}, vector, chunks)
                    if stored is not None:
                        out.append(stored)
                if offset is None:
                    return sorted(out, key=lambda s: (s.chunk_id, s.index))

    def query(
        self,
        dense: list[float] | None,
        sparse: SparseVec | None,
        limit: int,
        filters: SearchFilters,
        mode: FusionMode,
        prefetch_limit: int,
        rrf_k: int,
        weights: tuple[float, float],
    ) -> list[Hit]:
        flt = _filter(filters)
        has_sparse = bool(sparse and sparse.indices)
        kwargs: dict[str, Any]
        if mode == "dense" or (mode != "sparse" and not has_sparse):
            kwargs = {"query": dense, "using": DENSE}
        elif mode == "sparse":
            if not has_sparse:
                return []
            assert sparse is not None
            kwargs = {"query": _sparse(sparse), "using": SPARSE}
        else:
            assert sparse is not None
            fusion: Any = (
                models.RrfQuery(rrf=models.Rrf(k=rrf_k, weights=list(weights)))
                if mode == "rrf"
                else models.FusionQuery(fusion=models.Fusion.DBSF)
            )
            kwargs = {
                "prefetch": [
                    models.Prefetch(query=dense, using=DENSE, limit=prefetch_limit, filter=flt),
                    models.Prefetch(
                        query=_sparse(sparse), using=SPARSE, limit=prefetch_limit, filter=flt
                    ),
                ],
                "query": fusion,
            }
        with self._lock:
            points = self._client.query_points(
                self.collection, query_filter=flt, limit=limit, with_payload=True, **kwargs
            ).points
        return [
            Hit(
                chunk_id=(p.payload or {}).get("chunk_id", ""),
                score=p.score,
                payload=p.payload or {},
            )
            for p in points
        ]

    # -- lifecycle ------------------------------------------------------------------------
    def flush(self) -> None:
        """Writes use ``wait=True``: nothing to flush."""

    def close(self) -> None:
        with self._lock:
            self._client.close()

    def begin_rebuild(self) -> QdrantServerStore:
        with self._lock:
            name = self._create_collection()
        fresh = QdrantServerStore(
            self._client, self.alias, self._dim, *self._shape, collection=name
        )
        fresh._lock = self._lock
        return fresh

    def commit_rebuild(self, fresh: Store) -> None:
        assert isinstance(fresh, QdrantServerStore)
        old = self.collection
        with self._lock:
            self._client.update_collection_aliases(
                change_aliases_operations=[
                    models.DeleteAliasOperation(
                        delete_alias=models.DeleteAlias(alias_name=self.alias)
                    ),
                    models.CreateAliasOperation(
                        create_alias=models.CreateAlias(
                            collection_name=fresh.collection, alias_name=self.alias
                        )
                    ),
                ]
            )
            self.collection = fresh.collection
            self._sentences = fresh._sentences
            self._client.delete_collection(old)

    def abort_rebuild(self, fresh: Store) -> None:
        assert isinstance(fresh, QdrantServerStore)
        with self._lock:
            self._client.delete_collection(fresh.collection)

    @property
    def description(self) -> str:
        return f"Qdrant collection {self.collection} (alias {self.alias})"
