"""The staff page in real headless Chromium (Debian's package, driven by Playwright)."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.service import Assistant
from bots.api import create_app
from tests.conftest import ROOT, make_settings
from tests.live_server import serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
KEY = "page-key-789"


@pytest.fixture(scope="module")
def page_url(seed_assistant: Assistant) -> Iterator[str]:
    settings = make_settings(Path("/nonexistent"), api_keys=KEY)
    with serve(create_app(settings, seed_assistant)) as url:
        yield url


@pytest.fixture()
def page(page_url: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium must be installed (tests/run.sh does it)"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(page_url)
        pg.get_by_text("Khóa API", exact=True).click()
        pg.get_by_label("Khóa API (lưu trong trình duyệt này)").fill(KEY)
        pg.get_by_role("button", name="Lưu khóa").click()
        yield pg
        assert not errors, errors
        browser.close()


def test_ask_click_citation_and_follow_up(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Câu hỏi", exact=True).fill(
        "long an dat muc tieu cong nghiep ho tro dap ung bao nhieu phan tram nhu cau noi dia"
    )
    page.get_by_role("button", name="Gửi").click()
    cite = page.get_by_role("button", name="Xem nguồn 1").first
    cite.wait_for(timeout=30_000)
    assert "70%" in page.locator(".answer").first.inner_text()
    quote = page.locator(".quote").first
    assert not quote.is_visible()
    cite.click()
    assert quote.is_visible() and "70%" in quote.inner_text()
    assert "Long An" in page.locator(".sources").first.inner_text()

    page.get_by_label("Câu hỏi", exact=True).fill("Phó Giám đốc Sở KH-CN TP Đà Nẵng là ai?")
    page.keyboard.press("Enter")  # keyboard submits too
    page.locator(".turn").nth(1).wait_for(timeout=30_000)
    page.get_by_label("Câu hỏi", exact=True).fill("Còn giám đốc NSSC là ai?")
    page.get_by_role("button", name="Gửi").click()
    page.locator(".turn").nth(2).wait_for(timeout=30_000)
    assert "Lê Toàn Thắng" in page.locator(".turn").nth(2).inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-ask.png"), full_page=True)


def test_search_mode_highlights_and_filters(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Chỉ tìm đoạn văn").check()
    page.get_by_label("Nguồn báo").fill("Lao Động")
    page.get_by_label("Câu hỏi", exact=True).fill("khu cong nghe cao da nang")
    page.get_by_role("button", name="Gửi").click()
    page.locator(".result").first.wait_for(timeout=30_000)
    titles = page.locator(".result h3").all_inner_texts()
    assert titles and all(t.startswith("Đà Nẵng: Khu công nghệ cao") for t in titles)
    marks = {m.lower() for m in page.locator(".result mark").all_inner_texts()}
    assert {"khu", "công", "nghệ", "cao"} <= marks  # accent-insensitive highlighting
    page.screenshot(path=str(ARTIFACTS / "web-search.png"), full_page=True)


def test_wrong_key_is_explained(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Khóa API (lưu trong trình duyệt này)").fill("wrong")
    page.get_by_role("button", name="Lưu khóa").click()
    page.get_by_label("Câu hỏi", exact=True).fill("Long An?")
    page.get_by_role("button", name="Gửi").click()
    alert = page.get_by_role("alert")
    alert.wait_for(timeout=10_000)
    assert "Cần khóa API" in alert.inner_text()
