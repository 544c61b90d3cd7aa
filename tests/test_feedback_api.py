"""The maintainers' loop over a real HTTP server: answers are logged, feedback is taken (API and
staff page in Chromium), gaps are listed for admins, and /metrics counts it all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from assistant.service import Assistant
from bots.api import create_app
from tests.browser import DESKTOP, browser, page_at, shot
from tests.conftest import make_settings
from tests.live_server import serve

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

STAFF, ADMIN = "loop-staff-key-51", "loop-admin-key-77"
Q = "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?"
UNANSWERABLE = "Cơ quan thuế tỉnh Gia Lai đã truy thu được bao nhiêu tỷ đồng nợ thuế?"


@pytest.fixture(scope="module")
def api(seed_assistant: Assistant) -> Iterator[str]:
    settings = make_settings(Path("/nonexistent"), api_keys=STAFF, admin_keys=ADMIN)
    with serve(create_app(settings, seed_assistant)) as url:
        yield url


def post(url: str, body: dict, key: str = STAFF) -> httpx.Response:
    return httpx.post(url, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=120)


def _rows(assistant: Assistant, sql: str) -> list[tuple]:
    log = assistant.interaction_log()
    assert log is not None
    with log.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql)).all()]


def test_answers_are_logged_and_feedback_is_idempotent(api: str, seed_assistant: Assistant) -> None:
    answer = post(f"{api}/v1/ask", {"question": Q}).json()
    iid = answer["interaction_id"]
    assert answer["found"] and iid
    row = _rows(
        seed_assistant,
        f"SELECT channel, question, found, cited_doc_ids FROM interactions WHERE id = '{iid}'",
    )
    assert row and row[0][0] == "http" and row[0][1] == Q and row[0][2]
    assert "004_f9235ea3bae06684" in str(row[0][3])

    for _ in range(2):
        got = post(f"{api}/v1/feedback", {"interaction_id": iid, "rating": "down"})
        assert got.status_code == 200, got.text
    got = post(
        f"{api}/v1/feedback",
        {"interaction_id": iid, "rating": "down", "reason": "wrong_figure", "comment": "2025?"},
    ).json()
    assert got == {
        "interaction_id": iid,
        "rating": "down",
        "reason": "wrong_figure",
        "comment": "2025?",
    }
    votes = _rows(seed_assistant, f"SELECT rating FROM feedback WHERE interaction_id = '{iid}'")
    assert votes == [(-1,)]  # one user, one vote, however often it is sent
    dump = json.dumps(_rows(seed_assistant, "SELECT * FROM interactions"), default=str)
    dump += json.dumps(_rows(seed_assistant, "SELECT * FROM feedback"), default=str)
    assert STAFF not in dump and ADMIN not in dump


def test_feedback_errors_and_keys(api: str) -> None:
    assert (
        post(f"{api}/v1/feedback", {"interaction_id": "x", "rating": "up"}, key="bad").status_code
        == 401
    )
    missing = post(f"{api}/v1/feedback", {"interaction_id": "no-such-answer", "rating": "up"})
    assert missing.status_code == 404 and "no logged answer" in missing.text
    iid = post(f"{api}/v1/ask", {"question": Q}).json()["interaction_id"]
    bad = post(f"{api}/v1/feedback", {"interaction_id": iid, "rating": "down", "reason": "rude"})
    assert bad.status_code in (400, 422)
    assert post(f"{api}/v1/feedback", {"interaction_id": iid, "rating": 5}).status_code in (
        400,
        422,
    )


def _streamed_ask(api: str) -> str:
    """The whole SSE body of a streamed ``/v1/ask`` for ``Q``."""
    with httpx.stream(
        "POST",
        f"{api}/v1/ask",
        json={"question": Q, "stream": True},
        headers={"X-API-Key": STAFF},
        timeout=120,
    ) as res:
        return "".join(res.iter_text())


def test_stream_and_openai_answers_carry_their_interaction_id(api: str) -> None:
    body = _streamed_ask(api)
    done = body.split("event: done", 1)[1].split("data: ", 1)[1].split("\n", 1)[0]
    assert json.loads(done)["interaction_id"]
    chat = post(
        f"{api}/v1/chat/completions",
        {"model": "hoidap", "messages": [{"role": "user", "content": Q}]},
    ).json()
    assert chat["interaction_id"] and chat["choices"][0]["message"]["content"]


def test_gaps_for_admins_and_metrics(api: str) -> None:
    for _ in range(2):
        refused = post(f"{api}/v1/ask", {"question": UNANSWERABLE}).json()
        assert not refused["found"]
    assert httpx.get(f"{api}/v1/gaps", headers={"X-API-Key": STAFF}).status_code == 403
    gaps = httpx.get(f"{api}/v1/gaps", headers={"X-API-Key": ADMIN}, timeout=120).json()
    visa = next(g for g in gaps if g["topic"] == UNANSWERABLE)
    assert visa["count"] >= 2 and visa["refused"] >= 2
    metrics = httpx.get(f"{api}/metrics").text
    assert 'hoidap_feedback{rating="down"}' in metrics
    assert 'hoidap_refusal_rate{channel="http"}' in metrics
    assert "hoidap_interaction_log_rows" in metrics


def test_staff_page_feedback_and_admin_gaps_tab(api: str, seed_assistant: Assistant) -> None:
    with browser() as b:
        with page_at(b, api + "/", DESKTOP) as pg:
            pg.evaluate(f"localStorage.setItem('hoidap.apiKey', '{STAFF}')")
            pg.reload()
            pg.fill("#question", Q)
            pg.click("#submit")
            bar = pg.locator(".turn .feedback").first
            bar.wait_for(timeout=120_000)
            bar.get_by_role("button", name="Chưa đúng").click()
            bar.get_by_label("Sai nguồn").check()
            bar.get_by_label("Góp ý thêm (không bắt buộc)").fill("nguồn khác")
            bar.get_by_role("button", name="Gửi góp ý").click()
            # The reason form closes once the server has taken the reason and comment.
            bar.locator(".feedback-more").wait_for(state="hidden")
            assert "Cảm ơn" in bar.locator(".feedback-status").inner_text()
            shot(pg, "web-feedback.png")
        rows = _rows(
            seed_assistant,
            "SELECT rating, reason, comment FROM feedback WHERE comment = 'nguồn khác'",
        )
        assert rows == [(-1, "wrong_source", "nguồn khác")]
        post(f"{api}/v1/ask", {"question": UNANSWERABLE})
        with page_at(b, api + "/admin", DESKTOP) as pg:
            pg.evaluate(f"localStorage.setItem('hoidap.adminKey', '{ADMIN}')")
            pg.reload()
            row = pg.locator("#gaps tr", has_text=UNANSWERABLE)
            row.wait_for(timeout=120_000)
            assert "bị từ chối" in row.inner_text()
            shot(pg, "admin-gaps.png")


def test_a_failing_stream_ends_with_an_error_event(
    api: str, seed_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Headers are sent before the answer is computed: a failure must still reach the client."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("store went away")

    monkeypatch.setattr(seed_assistant, "search", broken)
    body = _streamed_ask(api)
    assert "event: error" in body and "could not be completed" in body
    with httpx.stream(
        "POST",
        f"{api}/v1/chat/completions",
        json={"model": "hoidap", "stream": True, "messages": [{"role": "user", "content": Q}]},
        headers={"X-API-Key": STAFF},
        timeout=120,
    ) as res:
        body = "".join(res.iter_text())
    assert '"error"' in body and body.rstrip().endswith("data: [DONE]")
