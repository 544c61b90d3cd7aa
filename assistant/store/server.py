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
    INDEXED,
    SENTENCE,
    SPARSE,
    ChunkPoint,
    Hit,
    Match,
    Search,
    Store,
    StoreError,
    point_id,
    read_pages,
)

_META_ID = point_id("meta:index")
_PAGE = 1024


def _match(key: str, value: str | list[str]) -> models.FieldCondition:
    match: Any = (
        models.MatchAny(any=value) if isinstance(value, list) else models.MatchValue(value=value)
    )
    return models.FieldCondition(key=key, match=match)


def _filter(match: Match, days: tuple[int | None, int | None] | None = None) -> models.Filter:
    must: list[Any] = [_match(k, v) for k, v in match.items()]
    if days:
        first, last = days
        must.append(
            models.FieldCondition(key="published_day", range=models.Range(gte=first, lte=last))
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
        schemas = {
            "keyword": models.PayloadSchemaType.KEYWORD,
            "integer": models.PayloadSchemaType.INTEGER,
        }
        for key, kind in INDEXED.items():
            self._client.create_payload_index(name, key, field_schema=schemas[kind])
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
    def _scan(
        self, match: Match, fields: list[str] | None = None, vector: str | None = None
    ) -> list[tuple[dict[str, Any], Any]]:
        flt = _filter(match)
        with self._lock:
            return read_pages(
                lambda offset: self._client.scroll(
                    self.collection,
                    scroll_filter=flt,
                    limit=_PAGE,
                    offset=offset,
                    with_payload=fields or True,
                    with_vectors=[vector] if vector else False,
                ),
                vector,
            )

    def _count(self, match: Match) -> int:
        with self._lock:
            return self._client.count(
                self.collection, count_filter=_filter(match), exact=True
            ).count

    def get_meta(self) -> dict[str, Any]:
        with self._lock:
            records = self._client.retrieve(self.collection, [_META_ID], with_payload=True)
        if not records:
            return {}
        return {k: v for k, v in (records[0].payload or {}).items() if k != "kind"}

    @property
    def has_sentence_vectors(self) -> bool:
        return self._sentences

    def _search(self, search: Search) -> list[Hit]:
        flt = _filter(search.match, search.days)
        kwargs: dict[str, Any]
        sparse = _sparse(search.sparse) if search.sparse is not None else None
        if search.fusion is None and sparse is None:
            kwargs = {"query": search.dense, "using": DENSE}
        elif search.fusion is None:
            kwargs = {"query": sparse, "using": SPARSE}
        else:
            fusion: Any = (
                models.RrfQuery(rrf=models.Rrf(k=search.rrf_k, weights=list(search.weights)))
                if search.fusion == "rrf"
                else models.FusionQuery(fusion=models.Fusion.DBSF)
            )
            limit = search.prefetch_limit
            kwargs = {
                "prefetch": [
                    models.Prefetch(query=search.dense, using=DENSE, limit=limit, filter=flt),
                    models.Prefetch(query=sparse, using=SPARSE, limit=limit, filter=flt),
                ],
                "query": fusion,
            }
        with self._lock:
            points = self._client.query_points(
                self.collection, query_filter=flt, limit=search.limit, with_payload=True, **kwargs
            ).points
        return [Hit.of(p.payload, p.score) for p in points]

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
