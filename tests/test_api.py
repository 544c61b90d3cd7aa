"""HTTP API over a real uvicorn server, real Qdrant Edge store and real embeddings."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from assistant.service import Assistant
from bots.api import create_app
from indexing.library import Library
from tests.conftest import copy_corpus, make_settings
from tests.live_server import serve

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

STAFF, ADMIN = "staff-key-123", "admin-key-456"
Q = "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?"


@pytest.fixture(scope="module")
def api(seed_assistant: Assistant) -> Iterator[str]:
    settings = make_settings(Path("/nonexistent"), api_keys=STAFF, admin_keys=ADMIN)
    with serve(create_app(settings, seed_assistant)) as url:
        yield url


def staff() -> dict[str, str]:
    return {"Authorization": f"Bearer {STAFF}"}


def test_health(api: str) -> None:
    assert httpx.get(api + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(api + "/readyz").json()
    assert ready["status"] == "ready" and ready["documents"] == 5 and ready["chunks"] > 5


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/search", {"query": "Long An"}),
        ("POST", "/v1/ask", {"question": "Long An?"}),
        ("GET", "/v1/documents", None),
        ("POST", "/v1/reindex", None),
    ],
)
def test_auth(api: str, method: str, path: str, body: dict | None) -> None:
    assert httpx.request(method, api + path, json=body).status_code == 401
    assert (
        httpx.request(method, api + path, json=body, headers={"X-API-Key": "wrong"}).status_code
        == 401
    )
    admin_route = path in ("/v1/documents", "/v1/reindex")
    as_staff = httpx.request(
        method, api + path, json=body, headers={"X-API-Key": STAFF}, timeout=60
    )
    assert as_staff.status_code == (403 if admin_route else 200)
    as_admin = httpx.request(
        method, api + path, json=body, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60
    )
    assert as_admin.status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/ask", {"question": ""}, "question"),
        ("/v1/ask", {"question": "x" * 2001}, "question"),
        ("/v1/ask", {"question": "ok", "k": 0}, "k"),
        ("/v1/search", {"query": "ok", "k": 51}, "k"),
        ("/v1/search", {"query": "ok", "filters": {"year": 2024}}, "filters.year"),
        ("/v1/search", {"query": "ok", "filters": {"since": "not-a-date"}}, "filters.since"),
        (
            "/v1/ask",
            {"question": "ok", "history": [{"role": "robot", "content": "x"}]},
            "history.0.role",
        ),
    ],
)
def test_validation_errors_are_clear_json(api: str, path: str, body: dict, field: str) -> None:
    res = httpx.post(api + path, json=body, headers=staff())
    assert res.status_code == 422
    assert field in [e["field"] for e in res.json()["errors"]]
    bad_json = httpx.post(
        api + path, content=b"{not json", headers={**staff(), "Content-Type": "application/json"}
    )
    assert bad_json.status_code == 422


def test_search_contract_and_filters(api: str) -> None:
    res = httpx.post(
        api + "/v1/search", json={"query": "khu cong nghe cao da nang", "k": 3}, headers=staff()
    ).json()
    assert res["query"] == "khu cong nghe cao da nang" and len(res["results"]) == 3
    assert res["results"][0]["doc_id"] == "000_a805e1590e173f4f"
    filtered = httpx.post(
        api + "/v1/search",
        json={
            "query": "công nghiệp hỗ trợ",
            "filters": {"outlets": ["Lao Động"], "until": "2024-01-01"},
        },
        headers=staff(),
    ).json()
    assert {r["doc_id"] for r in filtered["results"]} == {"000_a805e1590e173f4f"}


def test_ask_contract_and_followup(api: str) -> None:
    res = httpx.post(api + "/v1/ask", json={"question": Q}, headers=staff(), timeout=60).json()
    assert res["found"] and "70%" in res["answer"] and res["mode"] == "extractive"
    start, end = res["citations"][0]["highlight"]
    assert res["short_answer"] == "70%" == res["citations"][0]["quote"][start:end]
    assert {int(n) for n in re.findall(r"\[(\d+)\]", res["answer"])} == {
        c["n"] for c in res["citations"]
    }
    follow = httpx.post(
        api + "/v1/ask",
        json={
            "question": "Còn giám đốc NSSC là ai?",
            "history": [{"role": "user", "content": "Phó Giám đốc Sở KH-CN TP Đà Nẵng là ai?"}],
        },
        headers=staff(),
        timeout=60,
    ).json()
    assert (
        "Lê Toàn Thắng" in follow["answer"] and follow["standalone_question"] != follow["question"]
    )


def _sse(response: httpx.Response) -> list[tuple[str, object]]:
    events, name, data = [], "message", []
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
    return events


@pytest.mark.parametrize("how", ["flag", "accept"])
def test_ask_streams_server_sent_events(api: str, how: str) -> None:
    body = {"question": Q, "stream": how == "flag"}
    headers = {**staff(), **({"Accept": "text/event-stream"} if how == "accept" else {})}
    with httpx.stream("POST", api + "/v1/ask", json=body, headers=headers, timeout=60) as res:
        assert res.headers["content-type"].startswith("text/event-stream")
        events = _sse(res)
    names = [n for n, _ in events]
    assert names[0] == "sources" and names[-1] == "done" and "delta" in names
    final = events[-1][1]
    assert "".join(p for n, p in events if n == "delta") == final["answer"]  # type: ignore[index]
    assert events[0][1] == final["citations"]  # type: ignore[index]
    assert final["short_answer"] == "70%"  # type: ignore[index]


def test_openai_compatible_endpoint_with_official_client(api: str) -> None:
    client = OpenAI(base_url=api + "/v1", api_key=STAFF)
    completion = client.chat.completions.create(
        model="hoidap", messages=[{"role": "user", "content": Q}]
    )
    assert "70%" in completion.choices[0].message.content
    extra = completion.model_extra or {}
    assert extra["found"] is True and extra["sources"][0]["doc_id"] == "004_f9235ea3bae06684"
    stream = client.chat.completions.create(
        model="hoidap",
        stream=True,
        messages=[
            {"role": "user", "content": "Phó Giám đốc Sở KH-CN TP Đà Nẵng là ai?"},
            {"role": "assistant", "content": "Lê Sơn Phong [1]"},
            {"role": "user", "content": "Còn giám đốc NSSC là ai?"},
        ],
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "Lê Toàn Thắng" in text and chunks[-1].choices[0].finish_reason == "stop"
    with pytest.raises(Exception, match="401"):
        OpenAI(base_url=api + "/v1", api_key="wrong").chat.completions.create(
            model="hoidap", messages=[{"role": "user", "content": Q}]
        )


def test_metrics_and_page(api: str) -> None:
    httpx.post(
        api + "/v1/ask",
        json={"question": "who is the chairman of the Hanoi People's Committee?"},
        headers=staff(),
        timeout=60,
    )
    text = httpx.get(api + "/metrics").text
    assert 'hoidap_http_requests_total{method="POST",route="/v1/ask",status="200"}' in text
    assert 'hoidap_answers_total{found="false"}' in text and "hoidap_index_chunks" in text
    page = httpx.get(api + "/")
    assert page.status_code == 200 and "Hỏi Đáp" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert httpx.get(api + "/static/app.js").status_code == 200
    assert httpx.get(api + "/static/../../pyproject.toml").status_code == 404
    assert httpx.get(api + "/openapi.json").json()["info"]["title"] == "Hỏi Đáp API"


@pytest.fixture()
def admin_api(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    corpus = copy_corpus(tmp_path / "corpus")
    settings = make_settings(tmp_path, corpus, api_keys=STAFF, admin_keys=ADMIN, max_upload_mb=0.05)
    assistant = Assistant.open(settings)
    Library(assistant).sync()
    try:
        with serve(create_app(settings, assistant)) as url:
            yield url, corpus
    finally:
        assistant.close()


def test_documents_admin(admin_api: tuple[str, Path]) -> None:
    url, corpus = admin_api
    admin = {"X-API-Key": ADMIN}
    text = "Khu kinh tế Vân Phong thu hút dự án năng lượng tái tạo và cảng biển quốc tế. " * 4
    files = [
        ("files", ("../van_phong.txt", text.encode(), "text/plain")),
        ("files", ("anh.png", b"\x89PNG\r\n", "image/png")),
        ("files", ("rong.txt", b"", "text/plain")),
        ("files", ("lon.txt", b"a " * 40_000, "text/plain")),
    ]
    res = httpx.post(url + "/v1/documents", files=files, headers=admin, timeout=120).json()["files"]
    by_name = {r["filename"]: r for r in res}
    assert (
        by_name["../van_phong.txt"]["status"] == "added"
        and by_name["../van_phong.txt"]["doc_id"] == "van_phong"
    )
    assert (corpus / "van_phong.txt").exists() and not (corpus.parent / "van_phong.txt").exists()
    assert "unsupported" in by_name["anh.png"]["reason"] and not (corpus / "anh.png").exists()
    assert by_name["rong.txt"]["reason"] == "empty file"
    assert "upload limit" in by_name["lon.txt"]["reason"]

    hits = httpx.post(
        url + "/v1/search", json={"query": "Vân Phong năng lượng tái tạo"}, headers=admin
    ).json()
    assert hits["results"][0]["doc_id"] == "van_phong"
    again = httpx.post(
        url + "/v1/documents",
        files=[("files", ("van_phong.txt", b"Noi dung khac hoan toan ve khu kinh te. " * 5))],
        headers=admin,
    ).json()
    assert again["files"][0]["status"] == "failed" and "replace=true" in again["files"][0]["reason"]
    replaced = httpx.post(
        url + "/v1/documents?replace=true",
        files=[
            (
                "files",
                (
                    "van_phong.txt",
                    "Khu kinh tế Vân Phong mới cập nhật quy hoạch cảng biển. ".encode() * 5,
                ),
            )
        ],
        headers=admin,
        timeout=60,
    ).json()
    assert replaced["files"][0]["status"] == "updated"

    docs = httpx.get(url + "/v1/documents", headers=admin).json()
    assert "van_phong" in [d["doc_id"] for d in docs] and len(docs) == 6
    assert httpx.delete(url + "/v1/documents/van_phong", headers=admin).json() == {
        "deleted": "van_phong"
    }
    assert not (corpus / "van_phong.txt").exists()
    assert httpx.delete(url + "/v1/documents/van_phong", headers=admin).status_code == 404
    assert (
        httpx.delete(url + "/v1/documents/van_phong", headers={"X-API-Key": STAFF}).status_code
        == 403
    )

    (corpus / "004_f9235ea3bae06684.txt").unlink()
    report = httpx.post(url + "/v1/reindex", headers=admin, timeout=60).json()
    assert report["removed"] == 1 and report["unchanged"] == 4


def test_serve_refuses_public_address_without_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bots.cli import main

    monkeypatch.setenv("HOIDAP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HOIDAP_API_KEYS", raising=False)
    monkeypatch.delenv("HOIDAP_ADMIN_KEYS", raising=False)
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "refusing to serve on 0.0.0.0 without API keys" in capsys.readouterr().err
