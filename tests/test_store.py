"""Both backends behind the one interface: Qdrant Edge and qdrant-client (local mode for a server)."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from assistant.lexical import document_vector, query_vector
from assistant.store import ChunkPoint, SearchFilters, Store
from assistant.store.edge import EdgeStore
from tests.stores import BACKENDS, open_backend

DIM = 4


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = open_backend(request.param, tmp_path, DIM)
    yield s
    s.close()


def _chunk(
    doc: str, pos: int, text: str, vec: list[float], version: str, **payload: object
) -> ChunkPoint:
    cid = f"{doc}#{pos}-{version}"
    return ChunkPoint(
        cid,
        vec,
        document_vector(text),
        {"chunk_id": cid, "doc_id": doc, "doc_hash": version, "text": text, **payload},
    )


def _fill(store: Store) -> None:
    store.upsert_chunks(
        [
            _chunk(
                "a",
                0,
                "khu công nghệ cao Đà Nẵng",
                [1, 0, 0, 0],
                "v1",
                outlet="Lao Động",
                published_day=20230220,
            ),
            _chunk(
                "b",
                0,
                "công nghiệp hỗ trợ Long An",
                [0, 1, 0, 0],
                "v1",
                outlet="Báo X",
                published_day=20250101,
            ),
        ]
    )
    store.put_document({"doc_id": "a", "doc_hash": "v1", "title": "A"})
    store.put_document({"doc_id": "b", "doc_hash": "v1", "title": "B"})


def _ids(store: Store, **kw: object) -> list[str]:
    args = {
        "dense": [1.0, 0.1, 0, 0],
        "sparse": query_vector("công nghiệp hỗ trợ"),
        "limit": 5,
        "filters": SearchFilters(),
        "mode": "rrf",
        "prefetch_limit": 10,
        "rrf_k": 60,
        "weights": (1.0, 1.0),
    }
    args.update(kw)
    return [h.payload["doc_id"] for h in store.query(**args)]  # type: ignore[arg-type]


def test_modes_and_filters(store: Store) -> None:
    _fill(store)
    assert _ids(store, mode="dense")[0] == "a"
    assert _ids(store, mode="sparse")[0] == "b"
    assert set(_ids(store, mode="rrf")) == {"a", "b"}
    assert set(_ids(store, mode="dbsf")) == {"a", "b"}
    assert _ids(store, filters=SearchFilters(doc_ids=("b",))) == ["b"]
    assert _ids(store, filters=SearchFilters(outlets=("Lao Động",))) == ["a"]
    assert _ids(store, filters=SearchFilters(since=date(2024, 1, 1))) == ["b"]
    assert _ids(store, filters=SearchFilters(until=date(2024, 1, 1))) == ["a"]
    assert store.count_chunks() == 2


def test_documents_versions_and_deletes(store: Store) -> None:
    _fill(store)
    assert set(store.documents()) == {"a", "b"}
    store.upsert_chunks([_chunk("a", 0, "phiên bản mới", [1, 0, 0, 0], "v2")])
    assert store.chunk_versions()["a"] == {"v1", "v2"}
    store.delete_chunks("a", except_hash="v2")
    assert store.chunk_versions()["a"] == {"v2"}
    store.delete_document("a")
    store.delete_chunks("a")
    assert set(store.documents()) == {"b"} and "a" not in store.chunk_versions()
    store.set_meta({"embedder": "x"})
    assert store.get_meta() == {"embedder": "x"}
    assert store.count_chunks() == 1  # meta and doc records are not chunks


def test_rebuild_switches_atomically(store: Store) -> None:
    _fill(store)
    fresh = store.begin_rebuild()
    fresh.upsert_chunks([_chunk("c", 0, "tài liệu mới", [0, 0, 1, 0], "v1")])
    fresh.put_document({"doc_id": "c", "doc_hash": "v1"})
    assert set(store.documents()) == {"a", "b"}  # the live index is untouched until the switch
    store.commit_rebuild(fresh)
    assert set(store.documents()) == {"c"}
    again = store.begin_rebuild()
    store.abort_rebuild(again)
    assert set(store.documents()) == {"c"}


def test_edge_reopens_and_survives_leftover_rebuild_folder(tmp_path: Path) -> None:
    s = EdgeStore.open(tmp_path / "index", DIM)
    _fill(s)
    orphan = s.begin_rebuild()  # as if a rebuild process died before switching
    orphan.flush()
    s.close()
    orphan._shard.close()
    s2 = EdgeStore.open(tmp_path / "index", DIM)
    assert set(s2.documents()) == {"a", "b"}
    assert [d.name for d in (tmp_path / "index").glob("shard-*")] == [s2.shard_dir.name]
    s2.close()
