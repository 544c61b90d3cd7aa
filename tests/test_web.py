"""The staff page in real headless Chromium (Debian's package, driven by Playwright), against a
real uvicorn server over the seed index: streaming, sources, source viewer, refusals, filters,
grouped search. Screenshots land in test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.answer.llm import LLMAnswerer
from assistant.config import Settings
from assistant.service import Assistant
from assistant.vietnamese import fold
from bots.api import create_app
from tests.browser import DESKTOP, PHONE, browser, page_at, shot
from tests.conftest import make_settings
from tests.fake_openai import FakeOpenAI
from tests.live_server import serve

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

KEY = "page-key-789"
Q_LONG_AN = "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?"
Q_NONE = "Cơ quan thuế tỉnh Gia Lai đã truy thu được bao nhiêu tỷ đồng nợ thuế?"
DMY = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")


@pytest.fixture(scope="module")
def page_url(seed_assistant: Assistant) -> Iterator[str]:
    settings = make_settings(Path("/nonexistent"), api_keys=KEY)
    with serve(create_app(settings, seed_assistant)) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


def open_page(chromium: Any, url: str, viewport: dict[str, int] = PHONE) -> Any:
    return page_at(chromium, url, viewport)


def login(pg: Any) -> None:
    pg.get_by_text("Khóa API", exact=True).click()
    pg.get_by_label("Khóa API (lưu trong trình duyệt này)").fill(KEY)
    pg.get_by_role("button", name="Lưu khóa").click()
    pg.get_by_text("Khóa API", exact=True).click()  # fold the key box away again


def ask(pg: Any, question: str) -> Any:
    pg.get_by_label("Câu hỏi", exact=True).fill(question)
    pg.get_by_role("button", name="Gửi").click()
    turn = pg.locator(".turn").last
    pg.wait_for_function(
        "() => ['done', 'failed', 'stopped'].includes([...document.querySelectorAll('.turn')].pop()?.dataset.state)",
        timeout=60_000,
    )
    return turn


def test_answer_sources_viewer_and_follow_up(chromium: Any, page_url: str) -> None:
    for name, viewport in (("1280", DESKTOP), ("390", PHONE)):
        with open_page(chromium, page_url, viewport) as pg:
            login(pg)
            turn = ask(pg, Q_LONG_AN)
            assert turn.get_attribute("data-state") == "done"
            assert "70%" in turn.locator(".answer").inner_text()
            assert turn.locator(".refusal").count() == 0
            # The fact asked for stands out: the short answer in bold above the sentence.
            assert "70%" in turn.locator(".short-answer").inner_text()
            assert "70%" in " ".join(turn.locator("mark.fact").all_inner_texts())
            # Sources: one entry per document, each listing its quoted passages; no "không rõ".
            docs = turn.locator(".source .src-title").all_inner_texts()
            assert docs and len(docs) == len(set(docs))
            text = turn.locator(".sources-box").inner_text()
            assert "không rõ" not in text and not re.search(r"\d{4}-\d{2}-\d{2}", text)
            assert DMY.search(text) or "·" not in text
            passages = turn.locator(".passage")
            assert passages.count() >= 1 and "70%" in passages.first.inner_text()
            shot(pg, f"web-answer-{name}.png")

            # Clicking the citation opens the document at the quoted passage, highlighted.
            turn.get_by_role("button", name="Xem nguồn 1").click()
            viewer = pg.locator("#viewer")
            viewer.wait_for(state="visible")
            passage = viewer.locator("mark.located")
            assert passage.count() == 1 and "70%" in passage.inner_text()
            assert "Long An" in pg.locator("#viewer-title").inner_text()
            assert passage.evaluate(
                "m => { const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
            )
            box = viewer.bounding_box()
            if viewport is PHONE:  # a full-screen sheet on a phone, a side panel on a desktop
                assert box["width"] >= PHONE["width"] - 1
            else:
                assert box["width"] < DESKTOP["width"] * 0.6 and box["x"] > 500
            shot(pg, f"web-source-{name}.png")
            pg.keyboard.press("Escape")
            viewer.wait_for(state="hidden")

    with open_page(chromium, page_url, DESKTOP) as pg:
        login(pg)
        ask(pg, "Phó Giám đốc Sở KH-CN TP Đà Nẵng là ai?")
        turn = ask(pg, "Còn giám đốc NSSC là ai?")
        assert "Lê Toàn Thắng" in turn.inner_text()


def test_refusal_looks_different_and_suggestions_open(chromium: Any, page_url: str) -> None:
    for name, viewport in (("1280", DESKTOP), ("390", PHONE)):
        with open_page(chromium, page_url, viewport) as pg:
            login(pg)
            turn = ask(pg, Q_NONE)
            refusal = turn.locator(".refusal")
            assert refusal.is_visible() and "Không có trong tài liệu" in refusal.inner_text()
            assert turn.locator(".cite").count() == 0 and turn.locator(".sources").count() == 0
            assert refusal.evaluate("e => getComputedStyle(e).borderStyle") == "dashed"
            links = turn.locator("a.suggestion")
            assert links.count() >= 1
            assert "Tài liệu gần nhất" in turn.inner_text()
            shot(pg, f"web-refusal-{name}.png")
            title = links.first.inner_text()
            links.first.click()
            pg.locator("#viewer").wait_for(state="visible")
            assert pg.locator("#viewer-title").inner_text() == title
            assert len(pg.locator("#viewer-text").inner_text()) > 500


def test_english_question_gets_english_labels(chromium: Any, page_url: str) -> None:
    with open_page(chromium, page_url, DESKTOP) as pg:
        login(pg)
        turn = ask(pg, "who is the chairman of the Hanoi People's Committee?")
        assert "Not in the documents" in turn.inner_text()
        assert "Closest documents" in turn.inner_text() and "Tài liệu" not in turn.inner_text()
        assert turn.get_attribute("lang") == "en"


def test_fact_highlight_and_short_answer_rendering(chromium: Any, page_url: str) -> None:
    """The contract of the answer engine (short_answer, citation highlight offsets) rendered by the
    page's own renderFinal; the real answers above cover the path without those fields."""
    with open_page(chromium, page_url, DESKTOP) as pg:
        result = pg.evaluate(
            """() => {
            const quote = "Long An đặt mục tiêu đáp ứng 70% nhu cầu nội địa.";
            const start = quote.indexOf("70%");
            const data = { question: "q", standalone_question: "q", found: true, mode: "extractive",
              answer: quote + " [1]", short_answer: "70%", suggestions: [],
              citations: [{ n: 1, doc_id: "d", chunk_id: "d#0", title: "T", outlet: null, published: "2025-10-28",
                            quote, score: 1, highlight: [start, start + 3] },
                          { n: 2, doc_id: "d", chunk_id: "d#1", title: "T", outlet: null, published: "2025-10-28",
                            quote, score: 1, highlight: [5, 999] }] };
            const turn = HD.el("article", { class: "turn" }, HD.el("p", { class: "status" }), HD.el("div", { class: "answer-box" }));
            document.body.append(turn);
            renderFinal(turn, "q", data, "vi");
            return { short: turn.querySelector(".short-answer strong")?.textContent,
                     top: turn.querySelector(".answer-box").firstElementChild.className,
                     facts: [...turn.querySelectorAll(".sources mark.fact")].map((m) => m.textContent),
                     inAnswer: [...turn.querySelectorAll(".answer mark.fact")].map((m) => m.textContent),
                     sources: turn.querySelectorAll(".source").length,
                     passages: turn.querySelectorAll(".passage").length,
                     meta: turn.querySelector(".source .meta").textContent };
        }"""
        )
    assert result["short"] == "70%" and result["top"] == "short-answer"
    assert result["facts"] == ["70%"]  # the out-of-range span is ignored; same quote kept once
    assert result["inAnswer"] == ["70%"]  # and the fact is marked in the answer sentence itself
    assert result["sources"] == 1 and result["passages"] == 1
    assert result["meta"] == "28/10/2025"  # unknown outlet left out, date as dd/mm/yyyy


def test_filters_from_facets_apply_to_answers(chromium: Any, page_url: str) -> None:
    with open_page(chromium, page_url, PHONE) as pg:
        login(pg)
        assert not pg.locator("#outlet").is_visible()  # folded away on a phone
        pg.get_by_text("Bộ lọc").click()
        outlet = pg.get_by_label("Nguồn báo")
        pg.wait_for_function("() => document.querySelectorAll('#outlet option').length > 1")
        options = outlet.locator("option").all_inner_texts()
        assert "Lao Động (1)" in options
        assert "20/02/2023" in pg.locator("#daterange").inner_text()
        outlet.select_option("Lao Động")
        turn = ask(pg, "Khu công nghệ cao Đà Nẵng liên kết với những khu kinh tế nào?")
        outlets = {t for t in turn.locator(".source .meta").all_inner_texts()}
        assert outlets and all(t.startswith("Lao Động") for t in outlets)
        # A date range that excludes every document: the answer is an honest refusal.
        pg.get_by_label("Từ ngày").fill("01/01/2027")
        turn = ask(pg, Q_LONG_AN)
        assert turn.locator(".refusal").is_visible()
        pg.get_by_label("Từ ngày").fill("31/02/2024")
        ask_error(pg)


def ask_error(pg: Any) -> None:
    pg.get_by_label("Câu hỏi", exact=True).fill(Q_LONG_AN)
    pg.get_by_role("button", name="Gửi").click()
    alert = pg.get_by_role("alert")
    alert.wait_for()
    assert "dd/mm/yyyy" in alert.inner_text()


def test_search_grouped_by_document_with_whole_word_highlights(
    chromium: Any, page_url: str
) -> None:
    with open_page(chromium, page_url, DESKTOP) as pg:
        login(pg)
        pg.get_by_label("Chỉ tìm đoạn văn").check()
        pg.get_by_label("Câu hỏi", exact=True).fill("Da Nang")
        pg.get_by_role("button", name="Gửi").click()
        pg.locator(".result").first.wait_for(timeout=30_000)
        titles = pg.locator(".result h3").all_inner_texts()
        assert titles and len(titles) == len(set(titles))  # one entry per document
        scores = [
            float(v) for v in pg.locator(".result meter").evaluate_all("ms => ms.map(m => m.value)")
        ]
        assert scores[0] == 1 and scores == sorted(scores, reverse=True)
        marks = pg.locator(".result mark").all_inner_texts()
        assert marks and all(fold(m) == "da nang" for m in marks), marks  # never "năng", "nâng"
        shot(pg, "web-search-1280.png")

        pg.get_by_label("Câu hỏi", exact=True).fill("khu cong nghe cao da nang")
        pg.get_by_role("button", name="Gửi").click()
        pg.locator(".turn").nth(1).wait_for()
        marks = pg.locator(".turn").nth(1).locator("mark").all_inner_texts()
        assert any(fold(m) == "khu cong nghe cao" for m in marks), marks
        assert all(len(m.split()) >= 2 for m in marks), marks  # no lone "khu", "cao", "công"
        pg.locator(".turn").nth(1).get_by_role("button", name="Xem trong tài liệu").first.click()
        pg.locator("#viewer mark.located").wait_for()


def test_highlight_is_whole_words_only(chromium: Any, page_url: str) -> None:
    with open_page(chromium, page_url, DESKTOP) as pg:
        got = pg.evaluate(
            """() => {
            const t = "Đà Nẵng nâng cao năng lực; Da Nang; KCN Long An đạt 70%; khu cao tầng";
            const spans = (q) => HD.termSpans(t, q).map(([s, e]) => t.slice(s, e));
            return { plain: spans("Da Nang"), marked: spans("Đà Nẵng"), acr: spans("kcn 70%"),
                     one: spans("cao") };
        }"""
        )
    assert got["plain"] == ["Đà Nẵng", "Da Nang"]
    assert got["marked"] == ["Đà Nẵng", "Da Nang"]  # an unaccented text form still matches
    assert got["acr"] == ["KCN", "70"]
    assert got["one"] == ["cao", "cao"]  # a one-word query marks the whole word, never "cáo"


def test_streaming_shows_text_before_done_and_stops(
    chromium: Any, seed_assistant: Assistant
) -> None:
    fake = FakeOpenAI()
    # The LLM path streams each sentence once it passed its checks: three sentences, so text is
    # on screen while later ones are still being written.
    fake.reply = (
        "Theo kế hoạch, Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng 70% nhu cầu nội địa [1]. "
        "Tỉnh Long An xác định mục tiêu phát triển công nghiệp hỗ trợ đến năm 2025 tập trung vào "
        "cơ khí, nguyên liệu nhựa, điện tử, thiết bị điện [1]. "
        "Long An muốn tạo sức hút để các nhà đầu tư trong và ngoài nước lựa chọn Long An [1]."
    )
    fake.word_delay_s = 0.25
    llm_settings = Settings(
        _env_file=None, llm_base_url=fake.url, llm_model="fake", llm_timeout_s=30
    )  # type: ignore[call-arg]
    slow = Assistant(
        seed_assistant.settings, seed_assistant.store, embedder=seed_assistant.embedder()
    )
    slow.llm = LLMAnswerer.from_settings(llm_settings)
    try:
        with (
            serve(create_app(make_settings(Path("/nonexistent"), api_keys=KEY), slow)) as url,
            open_page(chromium, url, DESKTOP) as pg,
        ):
            login(pg)
            pg.get_by_label("Câu hỏi", exact=True).fill(Q_LONG_AN)
            pg.get_by_role("button", name="Gửi").click()
            turn = pg.locator(".turn").last
            pg.wait_for_function(
                "() => document.querySelector('.turn .answer.streaming')?.textContent.length > 0",
                timeout=30_000,
            )
            # The first text is on screen while the answer is still being written.
            assert turn.get_attribute("data-state") == "streaming"
            assert pg.get_by_role("button", name="Dừng").is_visible()
            assert "Đang soạn" in turn.locator(".status").inner_text()
            pg.wait_for_function(
                "() => document.querySelector('.turn').dataset.state === 'done'", timeout=30_000
            )
            assert "70%" in turn.locator(".answer").inner_text()
            assert not pg.get_by_role("button", name="Dừng").is_visible()

            # Stop: the request is aborted, the partial text stays, the page says it stopped.
            pg.get_by_label("Câu hỏi", exact=True).fill(Q_LONG_AN)
            pg.get_by_role("button", name="Gửi").click()
            second = pg.locator(".turn").nth(1)
            pg.wait_for_function(
                "() => document.querySelectorAll('.turn')[1]?.querySelector('.answer.streaming')?.textContent.length > 0",
                timeout=30_000,
            )
            pg.get_by_role("button", name="Dừng").click()
            pg.wait_for_function(
                "() => document.querySelectorAll('.turn')[1].dataset.state === 'stopped'"
            )
            assert "Đã dừng" in second.locator(".status").inner_text()
            partial = second.locator(".answer").inner_text()
            # Checked sentences stay; the ones the model had not finished never arrive.
            assert partial and "lựa chọn Long An" not in partial
    finally:
        fake.close()


def test_phone_width_has_no_sideways_scroll(chromium: Any, page_url: str) -> None:
    with open_page(chromium, page_url, PHONE) as pg:
        login(pg)
        ask(pg, Q_LONG_AN)
        width = pg.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], width
        top = pg.locator(".turn .answer").bounding_box()["y"]
        assert top < PHONE["height"], "the answer is above the fold on a phone"
