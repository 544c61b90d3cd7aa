"""Offline API docs, favicon, and accessibility of both pages in real Chromium: axe-core (npm
package, installed by tests/run.sh), tap targets of at least 44 px, lang, dark theme."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.service import Assistant
from bots.api import create_app
from tests.browser import DESKTOP, PHONE, browser, page_at
from tests.conftest import ROOT, make_settings
from tests.live_server import serve

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

KEY = "a11y-key-456"
ADMIN = "a11y-admin-654"
AXE = ROOT / "tests/.node/node_modules/axe-core/axe.min.js"


@pytest.fixture(scope="module")
def site(seed_assistant: Assistant) -> Iterator[str]:
    settings = make_settings(Path("/nonexistent"), api_keys=KEY, admin_keys=ADMIN)
    with serve(create_app(settings, seed_assistant)) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


def offline(pg: Any) -> list[str]:
    """Block every request that is not to the local server; return what was blocked."""
    blocked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("http://127.0.0.1:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    return blocked


def test_docs_work_with_the_network_off(chromium: Any, site: str) -> None:
    with page_at(chromium, "about:blank", DESKTOP) as pg:
        blocked = offline(pg)
        pg.goto(site + "/docs")
        pg.locator(".swagger-ui .info .title").wait_for(timeout=30_000)
        assert "Hỏi Đáp API" in pg.locator(".swagger-ui .info .title").inner_text()
        assert pg.locator(".opblock-summary-path", has_text="/v1/documents/{doc_id}").count() >= 1
        pg.goto(site + "/redoc")
        pg.locator("h1", has_text="Hỏi Đáp API").wait_for(timeout=30_000)
        assert not blocked, blocked
    icon = httpx.get(site + "/favicon.ico")
    assert icon.status_code == 200 and icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def axe(pg: Any) -> list[dict[str, Any]]:
    assert AXE.exists(), "axe-core missing: tests/run.sh installs it with npm"
    pg.add_script_tag(content=AXE.read_text("utf-8"))
    result = pg.evaluate("async () => (await axe.run(document)).violations")
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    # Keep the offending elements in the assertion message: they say what to fix.
    return [
        {"id": v["id"], "nodes": [n.get("html", "")[:160] for n in v["nodes"]]} for v in serious
    ]


SMALL_TARGETS = """() => [...document.querySelectorAll('button, a, input, select, textarea, summary')]
  .filter((e) => e.offsetParent !== null && !e.closest('[aria-hidden=true]'))
  .filter((e) => !(e.type === 'radio' || e.type === 'checkbox'))
  .map((e) => [e.id || e.className || e.textContent.trim().slice(0, 30), e.getBoundingClientRect()])
  .filter(([, r]) => r.height < 44 || r.width < 44)
  .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""

TOGGLE_TARGETS = """() => [...document.querySelectorAll('input[type=radio], input[type=checkbox]')]
  .filter((e) => e.offsetParent !== null)  // shown ones (a closed form's are not targets)
  .map((e) => e.closest('label').getBoundingClientRect().height)"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_staff_page_is_accessible(chromium: Any, site: str, scheme: str) -> None:
    with page_at(chromium, site, PHONE, color_scheme=scheme, bypass_csp=True) as pg:
        assert pg.locator("html").get_attribute("lang") == "vi"
        pg.get_by_text("Khóa API", exact=True).click()
        pg.get_by_label("Khóa API (lưu trong trình duyệt này)").fill(KEY)
        pg.get_by_role("button", name="Lưu khóa").click()
        pg.get_by_text("Bộ lọc").click()
        pg.get_by_label("Câu hỏi", exact=True).fill(
            "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?"
        )
        pg.get_by_role("button", name="Gửi").click()
        pg.wait_for_function("() => document.querySelector('.turn')?.dataset.state === 'done'")
        background = pg.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(18, 22, 29)") == (scheme == "dark")
        assert axe(pg) == []
        assert pg.evaluate(SMALL_TARGETS) == []
        assert all(h >= 44 for h in pg.evaluate(TOGGLE_TARGETS))
        pg.get_by_role("button", name="Xem nguồn 1").click()
        pg.locator("#viewer").wait_for()
        assert axe(pg) == []
        assert pg.evaluate(SMALL_TARGETS) == []


def test_admin_page_is_accessible(chromium: Any, site: str) -> None:
    with page_at(chromium, site + "/admin", PHONE, bypass_csp=True) as pg:
        assert pg.locator("html").get_attribute("lang") == "vi"
        pg.get_by_label("Khóa quản trị (lưu trong trình duyệt này)").fill(ADMIN)
        pg.get_by_role("button", name="Lưu khóa").click()
        pg.locator("#docs tr").first.wait_for()
        assert axe(pg) == []
        assert pg.evaluate(SMALL_TARGETS) == []
