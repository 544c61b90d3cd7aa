"""Uploads over real HTTP: a zip bomb or a file too slow to parse costs that file only."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from assistant.service import Assistant
from bots.api import create_app
from indexing.library import Library
from tests import docfactory as f
from tests.conftest import SEED_CORPUS, make_settings
from tests.live_server import serve

pytestmark = pytest.mark.slow  # real model, real index, servers or subprocesses

ADMIN = "admin-secret-formats"


def _peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(x for x in status.splitlines() if x.startswith("VmHWM")).split()[1]) / 1024


def test_bomb_and_slow_uploads_are_refused_and_the_server_keeps_serving(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seed = "004_f9235ea3bae06684.txt"
    shutil.copy(SEED_CORPUS / seed, corpus / seed)
    settings = make_settings(
        tmp_path,
        corpus,
        admin_keys=ADMIN,
        parse_timeout_s=4,
        max_unzipped_mb=100,
        upload_background_mb=1000,  # answered within the request (jobs are tested elsewhere)
    )
    assistant = Assistant.open(settings)
    Library(assistant).sync()
    admin = {"X-API-Key": ADMIN}
    try:
        with serve(create_app(settings, assistant)) as url:
            good = httpx.post(
                url + "/v1/documents",
                files=[("files", ("qd-ha-nam.docx", f.docx_decision()))],
                headers=admin,
                timeout=120,
            ).json()["files"][0]
            assert good["status"] == "added", good
            before = _peak_rss_mb()
            bad = [
                ("files", ("bomb.docx", f.docx_bomb(inflated_mb=1500))),  # 1.5 GB inflated
                ("files", ("slow.docx", f.docx_many_paragraphs(1_000_000))),
            ]
            res = httpx.post(url + "/v1/documents", files=bad, headers=admin, timeout=120)
            assert res.status_code == 200, res.text
            by_name = {r["filename"]: r for r in res.json()["files"]}
            assert "too large or too complex: DOCX unpacks to 1,5" in by_name["bomb.docx"]["reason"]
            assert "too large or too complex" in by_name["slow.docx"]["reason"]
            # The parse ran in a child process: this process (the server) did not grow with it.
            assert _peak_rss_mb() - before < 150
            assert not (corpus / "bomb.docx").exists() and not (corpus / "slow.docx").exists()
            assert httpx.get(url + "/readyz").status_code == 200
            hits = httpx.post(
                url + "/v1/search",
                json={"query": "lao động qua đào tạo nghề Hà Nam 2030"},
                headers=admin,
            ).json()["results"]
            assert hits[0]["doc_id"] == "qd-ha-nam" and f.target_row("Hà Nam", 3) in hits[0]["text"]
    finally:
        assistant.close()
