"""The admin page in real Chromium against a real server over its own copy of the corpus:
list, upload (file picker and drag and drop, several files, per-file result), replace, delete,
re-index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.service import Assistant
from bots.api import create_app
from indexing.library import Library
from tests.browser import DESKTOP, PHONE, browser, page_at, shot
from tests.conftest import SEED_CORPUS, copy_corpus, make_settings
from tests.live_server import serve

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

ADMIN = "admin-key-321"
STAFF = "staff-key-123"
ARTICLE = (SEED_CORPUS / "004_f9235ea3bae06684.txt").read_text("utf-8")


@pytest.fixture(scope="module")
def admin_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("admin")
    corpus = copy_corpus(tmp / "corpus")
    settings = make_settings(tmp, corpus, api_keys=STAFF, admin_keys=ADMIN)
    assistant = Assistant.open(settings)
    assert not Library(assistant).sync().failed
    try:
        with serve(create_app(settings, assistant)) as url:
            yield url, corpus
    finally:
        assistant.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


def login(pg: Any, key: str = ADMIN) -> None:
    pg.get_by_label("Khóa quản trị (lưu trong trình duyệt này)").fill(key)
    pg.get_by_role("button", name="Lưu khóa").click()


def rows(pg: Any) -> list[str]:
    return pg.locator("#docs tr").evaluate_all("rs => rs.map(r => r.dataset.doc)")


def wait_status(pg: Any, text: str) -> str:
    pg.wait_for_function(
        "t => document.getElementById('status').textContent.includes(t)", arg=text, timeout=60_000
    )
    return pg.locator("#status").inner_text()


def test_admin_upload_replace_delete_reindex(
    chromium: Any, admin_site: tuple[str, Path], tmp_path: Path
) -> None:
    url, corpus = admin_site
    good = tmp_path / "moi_bai_viet.txt"
    good.write_text(ARTICLE.replace("Khu công nghệ cao", "Khu CNC"), "utf-8")
    empty = tmp_path / "rong.txt"
    empty.write_text("", "utf-8")
    with page_at(chromium, url + "/admin", DESKTOP) as pg:
        login(pg)
        pg.locator("#docs tr").nth(4).wait_for()
        assert len(rows(pg)) == 5

        # Several files at once, each reported.
        pg.get_by_label("Chọn tệp").set_input_files([str(good), str(empty)])
        assert pg.locator("#picked li").count() == 2
        pg.get_by_role("button", name="Tải lên").click()
        wait_status(pg, "Đã xử lý 2 tệp, 1 lỗi")
        added = pg.locator("#results li[data-status=added]")
        failed = pg.locator("#results li[data-status=failed]")
        assert "moi_bai_viet.txt" in added.inner_text() and "đoạn" in added.inner_text()
        assert "rong.txt" in failed.inner_text() and "lỗi —" in failed.inner_text()
        pg.wait_for_function("() => document.querySelectorAll('#docs tr').length === 6")
        assert "moi_bai_viet" in rows(pg) and (corpus / "moi_bai_viet.txt").exists()
        shot(pg, "web-admin-1280.png")

        # Drag and drop.
        pg.evaluate(
            """text => {
            const dt = new DataTransfer();
            dt.items.add(new File([text], "keo_tha.txt", { type: "text/plain" }));
            document.getElementById("dropzone").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
        }""",
            ARTICLE,
        )
        assert pg.locator("#picked li").inner_text().startswith("keo_tha.txt")
        pg.get_by_role("button", name="Tải lên").click()
        wait_status(pg, "Đã xử lý 1 tệp.")
        assert "keo_tha" in rows(pg)

        # Replace keeps the id, whatever the new file is called.
        with pg.expect_file_chooser() as chooser:
            pg.get_by_role("button", name="Thay thế keo_tha").click()
        other = tmp_path / "ban_moi.txt"
        other.write_text(ARTICLE + "\nĐoạn bổ sung về khu công nghiệp mới.", "utf-8")
        chooser.value.set_files(str(other))
        pg.wait_for_selector("#results li[data-status=updated]")
        assert "keo_tha" in rows(pg) and "ban_moi" not in rows(pg)
        assert "Đoạn bổ sung" in (corpus / "keo_tha.txt").read_text("utf-8")

        # Delete asks first.
        pg.once("dialog", lambda d: d.accept())
        pg.get_by_role("button", name="Xóa keo_tha").click()
        wait_status(pg, "Đã xóa keo_tha")
        assert "keo_tha" not in rows(pg) and not (corpus / "keo_tha.txt").exists()

        # Re-index picks up a file dropped in the corpus folder by other means.
        (corpus / "tu_thu_muc.txt").write_text(ARTICLE, "utf-8")
        pg.get_by_role("button", name="Đồng bộ lại chỉ mục").click()
        text = wait_status(pg, "Đồng bộ xong")
        assert "1 đã thêm" in text
        # The list reloads after the status line: wait for it rather than race it.
        pg.locator("#docs tr", has_text="tu_thu_muc").wait_for()
        assert "tu_thu_muc" in rows(pg)

    with page_at(chromium, url + "/admin", PHONE) as pg:
        login(pg)
        pg.locator("#docs tr").nth(4).wait_for()
        assert pg.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        shot(pg, "web-admin-390.png")


def test_admin_page_explains_a_staff_key(chromium: Any, admin_site: tuple[str, Path]) -> None:
    url, _ = admin_site
    with page_at(chromium, url + "/admin", DESKTOP) as pg:
        login(pg, STAFF)
        alert = pg.get_by_role("alert")
        alert.wait_for()
        assert "không phải khóa quản trị" in alert.inner_text()
