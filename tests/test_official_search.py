"""Official documents end to end: units in search results and citations, and the document type
and number filters, on the CLI, both store backends and the HTTP API (real embeddings)."""

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from qdrant_client import QdrantClient

from assistant.service import Assistant
from assistant.store import SearchFilters
from assistant.store.server import QdrantServerStore
from bots.api import create_app
from indexing.library import Library
from tests.conftest import make_settings
from tests.live_server import serve

pytestmark = pytest.mark.slow  # real model, real index, servers or subprocesses

OFFICIAL = Path(__file__).resolve().parent.parent / "evals" / "corpora" / "official"
DOCS = ("qd_1318_bacninh_cnht", "nq_15_longan_hatang_kcn", "nq_08_tayninh_hatang_kcn")
HOIDAP = shutil.which("hoidap") or "hoidap"
Q_LONG_AN = "Long An hỗ trợ bao nhiêu phần trăm tổng mức đầu tư hệ thống xử lý nước thải tập trung?"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("official") / "corpus"
    folder.mkdir()
    for name in DOCS:
        shutil.copy(OFFICIAL / f"{name}.txt", folder)
    return folder


def _cli(corpus: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOIDAP_DATA_DIR": str(corpus.parent / "data"),
        "HOIDAP_CORPUS_DIR": str(corpus),
    }
    return subprocess.run(
        [HOIDAP, *args], capture_output=True, text=True, env=env, timeout=600, cwd=corpus.parent
    )


@pytest.fixture(scope="module")
def indexed(corpus: Path) -> Path:
    done = _cli(corpus, "index", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == len(DOCS)
    return corpus


@pytest.fixture()
def assistant(indexed: Path) -> Iterator[Assistant]:
    opened = Assistant.open(make_settings(indexed.parent, indexed))
    yield opened
    opened.close()


def test_cli_search_and_ask_name_the_unit(indexed: Path) -> None:
    out = _cli(indexed, "search", "mức hỗ trợ xử lý nước thải khu công nghiệp", "--json", "-k", "3")
    results = json.loads(out.stdout)["results"]
    top = results[0]
    assert top["doc_type"] == "Nghị quyết" and top["section"].startswith("Điều 2")
    assert top["doc_number"] in ("15/2025/NQ-HĐND", "08/2025/NQ-HĐND")

    asked = json.loads(_cli(indexed, "ask", Q_LONG_AN, "--json").stdout)
    first = asked["citations"][0]
    assert asked["found"] and "30%" in asked["answer"]
    assert (first["doc_type"], first["doc_number"]) == ("Nghị quyết", "15/2025/NQ-HĐND")
    assert first["section"].startswith("Điều 2, khoản 1") or first["section"] == "Điều 2"

    human = _cli(indexed, "ask", Q_LONG_AN).stdout
    assert "[1] Nghị quyết 15/2025/NQ-HĐND, Điều 2" in human
    listed = _cli(indexed, "search", "kinh phí thực hiện", "-k", "1", "--doc-number", "1318").stdout
    assert listed.startswith("1. [") and "Quyết định 1318/QĐ-UBND, Điều 1" in listed


def test_cli_filters_by_type_and_number(indexed: Path) -> None:
    query = "tổng kinh phí thực hiện"
    by_type = json.loads(_cli(indexed, "search", query, "--json", "--doc-type", "QĐ").stdout)
    assert {r["doc_id"] for r in by_type["results"]} == {"qd_1318_bacninh_cnht"}
    by_number = json.loads(
        _cli(indexed, "search", query, "--json", "--doc-number", "08/2025/nq-hdnd").stdout
    )
    assert {r["doc_number"] for r in by_number["results"]} == {"08/2025/NQ-HĐND"}
    asked = json.loads(
        _cli(indexed, "ask", Q_LONG_AN, "--json", "--doc-number", "08/2025/NQ-HĐND").stdout
    )
    assert {c["doc_id"] for c in asked["citations"]} <= {"nq_08_tayninh_hatang_kcn"}
    bad = _cli(indexed, "search", query, "--doc-type", "sắc lệnh")
    assert (
        bad.returncode == 2 and "unknown document type" in bad.stderr and "Quyết định" in bad.stderr
    )


def _filtered(assistant: Assistant) -> None:
    query = "mức hỗ trợ lãi suất vốn vay đầu tư hạ tầng"
    only_nq = assistant.search(query, k=10, filters=SearchFilters(doc_types=("nghi quyet",)))
    assert only_nq and {r.doc_type for r in only_nq} == {"Nghị quyết"}
    tay_ninh = assistant.search(
        query, k=10, filters=SearchFilters(doc_numbers=("08/2025/NQ-HĐND",))
    )
    assert tay_ninh and {r.doc_id for r in tay_ninh} == {"nq_08_tayninh_hatang_kcn"}
    both = SearchFilters(doc_types=("Quyết định",), doc_numbers=("08/2025/NQ-HĐND",))
    assert assistant.search(query, filters=both) == []
    assert assistant.search(query, filters=SearchFilters(doc_types=("Kế hoạch",))) == []


def test_filters_on_the_embedded_store(assistant: Assistant) -> None:
    _filtered(assistant)
    records = assistant.documents()
    assert {r["doc_number"] for r in records} == {
        "1318/QĐ-UBND",
        "15/2025/NQ-HĐND",
        "08/2025/NQ-HĐND",
    }
    assert all(r["published"] == r["signed"] for r in records)


def test_filters_on_the_server_backend(tmp_path: Path, indexed: Path, assistant: Assistant) -> None:
    settings = make_settings(tmp_path, indexed)
    store = QdrantServerStore(QdrantClient(path=str(tmp_path / "qdrant")), settings.collection, 384)
    server = Assistant(settings, store, embedder=assistant.embedder())
    try:
        assert Library(server).sync().count("added") == len(DOCS)
        _filtered(server)
        hit = server.search(Q_LONG_AN, k=1)[0]
        assert (hit.doc_number, hit.section) == (
            assistant.search(Q_LONG_AN, k=1)[0].doc_number,
            assistant.search(Q_LONG_AN, k=1)[0].section,
        )
    finally:
        server.close()


def test_http_filters_and_units(assistant: Assistant) -> None:
    settings = make_settings(Path("/nonexistent"), api_keys="k")
    headers = {"Authorization": "Bearer k"}
    with serve(create_app(settings, assistant)) as url:
        res = httpx.post(
            url + "/v1/search",
            json={
                "query": "hỗ trợ lãi suất",
                "filters": {"doc_types": ["NQ"], "doc_numbers": ["15"]},
            },
            headers=headers,
        ).json()
        assert res["results"] and {r["doc_number"] for r in res["results"]} == {"15/2025/NQ-HĐND"}
        assert all(r["section"] for r in res["results"])
        asked = httpx.post(
            url + "/v1/ask",
            json={"question": Q_LONG_AN, "filters": {"doc_types": ["Nghị quyết"]}},
            headers=headers,
            timeout=60,
        ).json()
        assert asked["citations"][0]["doc_number"] == "15/2025/NQ-HĐND"
        assert asked["citations"][0]["section"].startswith("Điều 2")
        bad = httpx.post(
            url + "/v1/search",
            json={"query": "x", "filters": {"doc_types": ["sắc lệnh"]}},
            headers=headers,
        )
        assert bad.status_code == 422 and "filters.doc_types.0" in [
            e["field"] for e in bad.json()["errors"]
        ]
