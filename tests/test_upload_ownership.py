"""Issue 16, uploads touch exactly one file, and the small HTTP items: a real uvicorn server,
real store and embeddings. Each test is named after the defect it guards against."""

import json
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.service import Assistant
from bots.api import create_app
from indexing.library import Library
from tests.conftest import make_settings
from tests.live_server import serve

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

STAFF, ADMIN = "own-staff-key-3K1", "own-admin-key-8V6"
ADMIN_H = {"X-API-Key": ADMIN}


def article(topic: str, n: int = 6) -> str:
    return f"{topic}\n" + f"{topic} tại khu công nghiệp thu hút thêm nhà đầu tư trong năm. " * n


@pytest.fixture(scope="module")
def env(
    tmp_path_factory: pytest.TempPathFactory, seed_assistant: Assistant
) -> Iterator[tuple[str, Path, Assistant]]:
    """One corpus for the module; each test works on its own documents."""
    tmp_path = tmp_path_factory.mktemp("own")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bao-cao.2024.txt").write_text(article("Báo cáo năm 2024 về Long An"), "utf-8")
    (corpus / "kcn.txt").write_text(article("Khu công nghiệp Hiệp Phước"), "utf-8")
    (corpus / "kcn.2025.txt").write_text(article("Khu công nghiệp Vân Phong 2025"), "utf-8")
    (corpus / "mo-rong.txt").write_text(article("Khu công nghiệp Hiệp Phước mở rộng"), "utf-8")
    (corpus / "manifest.toml").write_text(
        '["kcn.2025"]\ntitle = "KCN năm 2025"\npublished = "2025-03-01"\n', "utf-8"
    )
    settings = make_settings(
        tmp_path, corpus, api_keys=STAFF, admin_keys=ADMIN, api_rate_per_minute=0
    )
    assistant = Assistant(
        settings, Assistant.open(settings).store, embedder=seed_assistant.embedder()
    )
    assert not Library(assistant).sync().failed
    try:
        with serve(create_app(settings, assistant)) as url:
            yield url, corpus, assistant
    finally:
        assistant.close()


def upload(url: str, name: str, text: str | bytes, replace: bool = False) -> dict:
    data = text.encode() if isinstance(text, str) else text
    res = httpx.post(
        url + "/v1/documents" + ("?replace=true" if replace else ""),
        files=[("files", (name, data, "text/plain"))],
        headers=ADMIN_H,
        timeout=120,
    )
    assert res.status_code == 200, res.text
    return res.json()["files"][0]


def indexed(assistant: Assistant) -> dict[str, dict]:
    return assistant.store.documents()


def agree(assistant: Assistant) -> bool:
    """The corpus folder and the index agree: a sync finds nothing to change."""
    report = Library(assistant).sync()
    return report.count("added") == report.count("updated") == report.count("removed") == 0


def test_upload_does_not_delete_a_document_sharing_its_name_prefix(
    env: tuple[str, Path, Assistant],
) -> None:
    url, corpus, assistant = env
    assert upload(url, "bao-cao.txt", article("Báo cáo mới"))["status"] == "added"
    assert upload(url, "bao-cao.txt", article("Báo cáo sửa"), replace=True)["status"] == "updated"
    assert (corpus / "bao-cao.2024.txt").exists() and (corpus / "bao-cao.txt").exists()
    assert {"bao-cao", "bao-cao.2024"} <= set(indexed(assistant))
    again = upload(url, "bao-cao.2024.txt", article("Báo cáo 2024 sửa"), replace=True)
    assert again["status"] == "updated" and (corpus / "bao-cao.txt").exists()
    assert agree(assistant)


def test_manifest_and_hidden_uploads_are_refused(env: tuple[str, Path, Assistant]) -> None:
    url, corpus, assistant = env
    manifest = (corpus / "manifest.toml").read_bytes()
    for name in ("manifest.txt", "Manifest.md", ".hidden.txt", "../.env.txt"):
        outcome = upload(url, name, article("Tài liệu"), replace=True)
        assert outcome["status"] == "failed", name
        assert "reserved" in outcome["reason"] or "hidden" in outcome["reason"]
    assert (corpus / "manifest.toml").read_bytes() == manifest
    assert not (corpus / "manifest.txt").exists() and not (corpus / "hidden.txt").exists()
    assert indexed(assistant)["kcn.2025"]["title"] == "KCN năm 2025"
    assert agree(assistant)


def test_delete_removes_only_the_documents_own_file(env: tuple[str, Path, Assistant]) -> None:
    url, corpus, assistant = env
    res = httpx.delete(url + "/v1/documents/kcn", headers=ADMIN_H)
    assert res.status_code == 200
    assert not (corpus / "kcn.txt").exists() and (corpus / "kcn.2025.txt").exists()
    assert "kcn" not in indexed(assistant) and "kcn.2025" in indexed(assistant)
    assert agree(assistant)


def test_uploaded_file_gets_the_corpus_file_mode(env: tuple[str, Path, Assistant]) -> None:
    url, corpus, _ = env
    umask = os.umask(0)
    os.umask(umask)
    upload(url, "moi.txt", article("Tài liệu mới"))
    assert (corpus / "moi.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_replace_with_another_extension_removes_only_the_replaced_file(
    env: tuple[str, Path, Assistant],
) -> None:
    url, corpus, assistant = env
    outcome = upload(
        url, "mo-rong.md", article("Khu công nghiệp mở rộng giai đoạn 2"), replace=True
    )
    assert outcome["status"] == "updated"
    assert not (corpus / "mo-rong.txt").exists() and (corpus / "mo-rong.md").exists()
    assert indexed(assistant)["mo-rong"]["source"] == "mo-rong.md"
    assert agree(assistant)


def test_upload_refuses_a_clash_with_an_unindexed_file(env: tuple[str, Path, Assistant]) -> None:
    url, corpus, _ = env
    (corpus / "scan.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    outcome = upload(url, "scan.txt", article("Bản quét"))
    assert outcome["status"] == "failed" and "same document id" in outcome["reason"]
    assert (corpus / "scan.pdf").exists() and not (corpus / "scan.txt").exists()


def test_failed_upload_leaves_no_file_and_no_journal(env: tuple[str, Path, Assistant]) -> None:
    url, corpus, assistant = env
    before = sorted(p.name for p in corpus.iterdir())
    assert upload(url, "rac.txt", b"\x00\x01\x02" * 100)["status"] == "failed"
    assert sorted(p.name for p in corpus.iterdir()) == before
    assert Library(assistant).corpus_pending() == []


# -- background jobs ---------------------------------------------------------------------------
def test_large_upload_is_indexed_in_the_background_with_progress(
    tmp_path: Path, seed_assistant: Assistant
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = make_settings(
        tmp_path, corpus, api_keys=STAFF, admin_keys=ADMIN, upload_background_mb=0.004
    )
    assistant = Assistant(
        settings, Assistant.open(settings).store, embedder=seed_assistant.embedder()
    )
    try:
        with serve(create_app(settings, assistant)) as url:
            big = [
                ("files", (f"lon-{i}.txt", article(f"Khu kinh tế số {i}", 40).encode()))
                for i in range(3)
            ]
            with assistant.write_lock:  # as if a long write were going on: the job must wait
                first = httpx.post(url + "/v1/documents", files=big, headers=ADMIN_H, timeout=30)
                assert first.status_code == 202  # answered at once, not after the lock
                job = first.json()
                assert job["status_url"] == f"/v1/jobs/{job['job_id']}"
                second = httpx.post(
                    url + "/v1/documents",
                    files=[("files", ("nho.txt", article("Cảng Cái Mép").encode()))],
                    headers=ADMIN_H,
                    timeout=30,
                )
                assert second.status_code == 202  # small, but queued behind the first job
                assert second.json()["status"] == "queued" and second.json()["ahead"] == 1
                view = httpx.get(url + job["status_url"], headers=ADMIN_H).json()
                assert view["progress"] == {"done": 0, "total": 3}
                assert view["status"] in ("queued", "running")
            assert (
                httpx.get(url + job["status_url"], headers={"X-API-Key": STAFF}).status_code == 403
            )
            assert httpx.get(url + "/v1/jobs/nope", headers=ADMIN_H).status_code == 404
            deadline = time.monotonic() + 300
            while view["status"] in ("queued", "running") and time.monotonic() < deadline:
                time.sleep(0.2)
                view = httpx.get(url + job["status_url"], headers=ADMIN_H).json()
            assert view["status"] == "done" and view["progress"] == {"done": 3, "total": 3}
            assert [f["status"] for f in view["files"]] == ["added"] * 3
            later = httpx.get(url + second.json()["status_url"], headers=ADMIN_H).json()
            while later["status"] != "done" and time.monotonic() < deadline:
                time.sleep(0.2)
                later = httpx.get(url + second.json()["status_url"], headers=ADMIN_H).json()
            assert later["files"][0]["doc_id"] == "nho"
            listed = httpx.get(url + "/v1/jobs", headers=ADMIN_H).json()
            assert {j["id"] for j in listed} == {job["job_id"], second.json()["job_id"]}
            assert set(indexed(assistant)) == {"lon-0", "lon-1", "lon-2", "nho"}
    finally:
        assistant.close()


# -- small items -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def strict_api(
    seed_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("strict")
    settings = make_settings(tmp, api_keys=STAFF, admin_keys=ADMIN, api_rate_per_minute=0)
    with serve(create_app(settings, seed_assistant)) as url:
        yield url


def test_upload_with_no_file_is_refused(strict_api: str) -> None:
    empty = httpx.post(
        strict_api + "/v1/documents",
        files={"other": ("a.txt", b"x")},
        headers=ADMIN_H,
    )
    assert empty.status_code == 422 and "files" in empty.text


def test_wrong_content_type_gets_415(strict_api: str) -> None:
    url = strict_api
    as_json = httpx.post(url + "/v1/documents", json={"files": []}, headers=ADMIN_H)
    assert as_json.status_code == 415 and "multipart" in as_json.json()["detail"]
    for path, body in (("/v1/search", {"query": "Long An"}), ("/v1/ask", {"question": "Long An?"})):
        for kind in ("text/plain", "application/x-www-form-urlencoded"):
            res = httpx.post(
                url + path,
                content=json.dumps(body),
                headers={**ADMIN_H, "Content-Type": kind},
            )
            assert res.status_code == 415, (path, kind)
    ok = httpx.post(url + "/v1/search", json={"query": "Long An"}, headers=ADMIN_H, timeout=60)
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field", "says"),
    [
        ("/v1/search", {"query": "   "}, "query", "only spaces"),
        ("/v1/search", {"query": "\t\n"}, "query", "only spaces"),
        ("/v1/ask", {"question": "  "}, "question", "only spaces"),
        (
            "/v1/search",
            {"query": "Long An", "filters": {"since": "2025-01-01", "until": "2024-01-01"}},
            "filters",
            "is after until",
        ),
    ],
)
def test_blank_query_and_since_after_until_get_422(
    strict_api: str, path: str, body: dict, field: str, says: str
) -> None:
    res = httpx.post(strict_api + path, json=body, headers=ADMIN_H)
    assert res.status_code == 422
    errors = res.json()["errors"]
    assert errors[0]["field"] == field and says in errors[0]["message"]


def test_failed_key_guesses_are_rate_limited_per_client_address(
    seed_assistant: Assistant, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, api_keys=STAFF, admin_keys=ADMIN, auth_failures_per_minute=3)
    with serve(create_app(settings, seed_assistant)) as url:
        body = {"query": "Long An"}
        codes = [
            httpx.post(
                url + "/v1/search", json=body, headers={"X-API-Key": f"guess-{i}"}
            ).status_code
            for i in range(5)
        ]
        assert codes == [401, 401, 401, 429, 429]
        blocked = httpx.post(url + "/v1/search", json=body, headers={"X-API-Key": STAFF})
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
        # A missing key is not a guess: it does not count (but is still refused).
        assert httpx.get(url + "/healthz").status_code == 200


def test_random_keys_do_not_bypass_the_per_client_limit(
    seed_assistant: Assistant, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, api_rate_per_minute=3)  # open API: per client address
    with serve(create_app(settings, seed_assistant)) as url:
        codes = [
            httpx.post(
                url + "/v1/search",
                json={"query": "Long An"},
                headers={"X-API-Key": secrets.token_hex(8)},
                timeout=60,
            ).status_code
            for _ in range(5)
        ]
        assert codes == [200, 200, 200, 429, 429]
