"""The read routes behind the web page over a real server: one document with offsets, facets,
filters that ignore case and accents (search and answers), /v1/models with the official openai
client, and the original URL indexed as metadata."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai import NotFoundError, OpenAI

from assistant.document_view import assemble, sections
from assistant.facets import resolve_filters, resolve_outlets
from assistant.service import Assistant
from assistant.store import SearchFilters
from bots.api import create_app
from indexing.cleaning import clean
from indexing.library import Library
from indexing.loaders import load_bytes
from indexing.metadata import extract
from tests.conftest import make_settings
from tests.live_server import serve

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

STAFF, ADMIN = "web-staff-1", "web-admin-1"
Q = "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?"


@pytest.fixture(scope="module")
def api(seed_assistant: Assistant) -> Iterator[str]:
    settings = make_settings(Path("/nonexistent"), api_keys=STAFF, admin_keys=ADMIN)
    with serve(create_app(settings, seed_assistant)) as url:
        yield url


def get(url: str, key: str | None = STAFF) -> httpx.Response:
    return httpx.get(url, headers={"X-API-Key": key} if key else {}, timeout=60)


def post(url: str, body: dict, key: str = STAFF) -> httpx.Response:
    return httpx.post(url, json=body, headers={"X-API-Key": key}, timeout=60)


def test_document_view_has_text_metadata_and_chunk_offsets(
    api: str, seed_assistant: Assistant
) -> None:
    doc_id = "004_f9235ea3bae06684"
    assert get(f"{api}/v1/documents/{doc_id}", key=None).status_code == 401
    assert get(f"{api}/v1/documents/nope").status_code == 404
    view = get(f"{api}/v1/documents/{doc_id}").json()
    assert view["doc_id"] == doc_id and view["title"].startswith("Long An")
    assert None not in view.values()  # unknown metadata is left out, not null
    chunks = {
        c["chunk_id"]: c["text"]
        for c in seed_assistant.store.scroll_payloads("chunk", ["doc_id", "chunk_id", "text"])
        if c["doc_id"] == doc_id
    }
    assert [c["chunk_id"] for c in view["chunks"]] == sorted(
        chunks, key=lambda c: int(c.split("#")[1].split("-")[0])
    )
    for span in view["chunks"]:
        assert view["text"][span["start"] : span["end"]] == chunks[span["chunk_id"]]
    # A cited quote is found inside the span of its chunk: what the page's viewer relies on.
    answer = post(api + "/v1/ask", {"question": Q}).json()
    cite = answer["citations"][0]
    span = next(c for c in view["chunks"] if c["chunk_id"] == cite["chunk_id"])
    assert cite["quote"] in view["text"][span["start"] : span["end"]]


def test_assemble_removes_the_splitter_overlap_and_groups_sections() -> None:
    chunks = [
        {"chunk_id": "d#0", "position": 0, "text": "Câu một về Long An. Câu hai về khu công nghiệp.", "section": "Điều 1"},
        {"chunk_id": "d#1", "position": 1, "text": "Câu hai về khu công nghiệp. Câu ba về 70%.", "section": "Điều 1"},
        {"chunk_id": "d#2", "position": 2, "text": "Điều 2. Một đoạn mới.", "section": "Điều 2"},
    ]  # fmt: skip
    text, spans = assemble(list(reversed(chunks)))
    assert text == (
        "Câu một về Long An. Câu hai về khu công nghiệp. Câu ba về 70%.\nĐiều 2. Một đoạn mới."
    )
    for c, s in zip(chunks, spans, strict=True):
        assert text[s["start"] : s["end"]] == c["text"]
    assert sections(spans) == [
        {"title": "Điều 1", "start": 0, "end": spans[1]["end"]},
        {"title": "Điều 2", "start": spans[2]["start"], "end": len(text)},
    ]


def test_facets_count_the_index(api: str) -> None:
    assert get(api + "/v1/facets", key=None).status_code == 401
    facets = get(api + "/v1/facets").json()
    assert facets["documents"] == 5
    outlets = {f["value"]: f["count"] for f in facets["outlets"]}
    assert outlets["Lao Động"] == 1 and "Báo Gia Lai/TTXVN" in outlets
    assert facets["doc_types"] == []  # the seed records carry no type
    assert facets["published"] == {"min": "2023-02-20", "max": "2026-01-13", "count": 3}


@pytest.mark.parametrize("typed", ["lao dong", "LAO ĐỘNG", "Lao  Động"])
def test_outlet_filter_ignores_case_and_accents(api: str, typed: str) -> None:
    body = {"query": "khu công nghệ cao", "filters": {"outlets": [typed]}}
    results = post(api + "/v1/search", body).json()["results"]
    assert results and {r["outlet"] for r in results} == {"Lao Động"}
    answer = post(api + "/v1/ask", {"question": Q, "filters": {"outlets": [typed]}}).json()
    assert {c["outlet"] for c in answer["citations"]} <= {"Lao Động"}
    assert "70%" not in answer["answer"]  # the Long An article is from another outlet


def test_ask_takes_the_search_filters(api: str) -> None:
    doc = {"filters": {"doc_ids": ["004_f9235ea3bae06684"]}}
    answer = post(api + "/v1/ask", {"question": Q, **doc}).json()
    assert answer["found"] and {c["doc_id"] for c in answer["citations"]} == {
        "004_f9235ea3bae06684"
    }
    late = post(api + "/v1/ask", {"question": Q, "filters": {"since": "2027-01-01"}}).json()
    assert not late["found"] and late["citations"] == []
    bad = post(api + "/v1/ask", {"question": Q, "filters": {"since": "01/01/2024"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "filters.since"
    streamed = httpx.post(
        api + "/v1/ask",
        json={"question": Q, "stream": True, **doc},
        headers={"X-API-Key": STAFF},
        timeout=60,
    )
    assert "event: done" in streamed.text and "004_f9235ea3bae06684" in streamed.text


def test_resolve_outlets_and_doc_types() -> None:
    known = ["Lao Động", "Báo Gia Lai/TTXVN", "Tuổi Trẻ"]
    assert resolve_outlets(["lao dong", "ttxvn"], known) == ("Lao Động", "Báo Gia Lai/TTXVN")
    assert resolve_outlets(["tre"], known) == ("Tuổi Trẻ",)  # whole words only
    assert resolve_outlets(["dong"], known) == ("Lao Động",)
    assert resolve_outlets(["ao"], known) == ("ao",)  # never inside a word; kept, finds nothing
    records = [
        {"doc_id": "a", "doc_type": "Quyết định"},
        {"doc_id": "b", "doc_type": "Bài báo"},
        {"doc_id": "c"},
    ]
    f = resolve_filters(SearchFilters(doc_types=("quyet dinh",)), records)
    assert f.doc_ids == ("a",) and f.doc_types == ()
    none = resolve_filters(SearchFilters(doc_ids=("b",), doc_types=("Quyết định",)), records)
    assert none.doc_ids == (".none",)


def test_models_with_the_official_openai_client(api: str) -> None:
    client = OpenAI(base_url=api + "/v1", api_key=STAFF)
    assert [m.id for m in client.models.list()] == ["hoidap", "hoidap-search"]
    assert client.models.retrieve("hoidap-search").owned_by == "hoidap"
    with pytest.raises(NotFoundError):
        client.models.retrieve("gpt-4")
    assert get(api + "/v1/models", key=None).status_code == 401

    reply = client.chat.completions.create(
        model="hoidap", messages=[{"role": "user", "content": Q}]
    )
    assert "70%" in (reply.choices[0].message.content or "")
    stream = client.chat.completions.create(
        model="hoidap", stream=True, messages=[{"role": "user", "content": Q}]
    )
    chunks = list(stream)
    assert len(chunks) > 2 and chunks[-1].choices[0].finish_reason == "stop"
    assert "70%" in "".join(c.choices[0].delta.content or "" for c in chunks)

    # hoidap-search replies with the best passages, numbered, and lists them as sources.
    found = client.chat.completions.create(
        model="hoidap-search", messages=[{"role": "user", "content": "KCN Long An"}]
    )
    text = found.choices[0].message.content or ""
    sources = (found.model_extra or {})["sources"]
    assert text.startswith("[1] ") and len(sources) == 5 and sources[0]["quote"] in text
    streamed = client.chat.completions.create(
        model="hoidap-search", stream=True, messages=[{"role": "user", "content": "KCN Long An"}]
    )
    assert "".join(c.choices[0].delta.content or "" for c in streamed).startswith("[1] ")


HTML = """<html><head><title>Khu công nghiệp mới ở Bình Dương</title>
<link rel="canonical" href="https://tin.example.vn/kcn-binh-duong.html">
<meta property="og:url" content="https://tin.example.vn/kcn-binh-duong.html"></head>
<body><article><h1>Khu công nghiệp mới ở Bình Dương</h1>
<p>Tỉnh Bình Dương vừa khởi công một khu công nghiệp mới rộng 500 ha dành cho công nghiệp hỗ trợ
và các doanh nghiệp công nghệ cao, với tổng vốn đầu tư dự kiến 5.000 tỷ đồng.</p>
<p>Theo kế hoạch, khu công nghiệp sẽ đón nhà đầu tư đầu tiên vào năm 2027 và tạo việc làm cho
khoảng 20.000 lao động địa phương trong giai đoạn đầu.</p></article></body></html>"""


def test_original_url_is_indexed_and_served(tmp_path: Path) -> None:
    loaded = load_bytes("a.html", HTML.encode(), 10**6)
    meta = extract("a", clean(loaded.text), loaded.meta, None)
    assert meta.url == "https://tin.example.vn/kcn-binh-duong.html"
    manifest = extract("a", clean(loaded.text), loaded.meta, {"url": "https://other.vn/x"})
    assert manifest.url == "https://other.vn/x"  # the manifest wins
    assert extract("a", clean(loaded.text), {"url": "javascript:alert(1)"}, None).url is None

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "kcn_binh_duong.html").write_text(HTML, "utf-8")
    (corpus / "ghi_chu.txt").write_text(
        "Ghi chú về khu kinh tế.\n" + "Khu kinh tế ven biển thu hút đầu tư mới. " * 8, "utf-8"
    )
    (corpus / "manifest.toml").write_text('["ghi_chu"]\nurl = "https://so.example.vn/ghi-chu"\n')
    settings = make_settings(tmp_path, corpus)
    assistant = Assistant.open(settings)
    try:
        assert not Library(assistant).sync().failed
        with serve(create_app(settings, assistant)) as url:
            view = httpx.get(url + "/v1/documents/kcn_binh_duong").json()
            assert view["url"] == "https://tin.example.vn/kcn-binh-duong.html"
            assert "500 ha" in view["text"]
            note = httpx.get(url + "/v1/documents/ghi_chu").json()
            assert note["url"] == "https://so.example.vn/ghi-chu" and "published" not in note
    finally:
        assistant.close()


def test_document_view_and_facets_on_the_server_backend(
    tmp_path: Path, seed_assistant: Assistant
) -> None:
    from qdrant_client import QdrantClient

    from assistant.store.server import QdrantServerStore
    from tests.conftest import SEED_CORPUS

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("000_a805e1590e173f4f.txt", "004_f9235ea3bae06684.txt"):
        (corpus / name).write_bytes((SEED_CORPUS / name).read_bytes())
    settings = make_settings(tmp_path, corpus)
    store = QdrantServerStore(QdrantClient(path=str(tmp_path / "qdrant")), settings.collection, 384)
    assistant = Assistant(settings, store, embedder=seed_assistant.embedder())
    try:
        assert not Library(assistant).sync().failed
        for doc_id in ("000_a805e1590e173f4f", "004_f9235ea3bae06684"):
            assert assistant.document(doc_id) == seed_assistant.document(doc_id)
        assert assistant.document("001_7c190867db3e7793") is None
        assert assistant.facets()["documents"] == 2
        hits = assistant.search("khu công nghệ cao", filters=SearchFilters(outlets=("lao dong",)))
        assert hits and {h.outlet for h in hits} == {"Lao Động"}
    finally:
        store.close()
