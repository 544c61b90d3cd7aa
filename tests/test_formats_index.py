"""Every document format end to end: corpus folder → `hoidap index` pipeline → real store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.service import Assistant
from indexing.library import Library
from tests import docfactory as f
from tests.conftest import SEED_CORPUS, make_settings

pytestmark = pytest.mark.slow  # real model, real index, servers or subprocesses

# doc id → (province, bytes)
FILES = {
    "qd-ha-tinh.docx": ("Hà Tĩnh", lambda: f.docx_decision(province="Hà Tĩnh")),
    "qd-nam-dinh.pdf": ("Nam Định", lambda: f.pdf_decision(province="Nam Định")),
    "qd-ninh-binh-scan.pdf": ("Ninh Bình", lambda: f.scanned_pdf(f.scan_lines("Ninh Bình"))),
    "qd-thai-binh.txt": (
        "Thái Bình",
        lambda: f.legacy_bytes(f.decision_text("Thái Bình"), "tcvn3"),
    ),
    "qd-hung-yen.txt": ("Hưng Yên", lambda: f.legacy_bytes(f.decision_text("Hưng Yên"), "vni")),
    "qd-ha-nam.doc": ("Hà Nam", f.doc_decision),
}
BAD = {
    "bomb.docx": (lambda: f.docx_bomb(inflated_mb=60), "too large or too complex: DOCX unpacks"),
    "broken.pdf": (lambda: b"%PDF-1.4 garbage", "unreadable PDF"),
    "scan-blank.pdf": (f.pdf_without_text, "PDF has no text"),
}


def test_every_format_indexes_and_bad_files_are_reported_by_name(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, (_, build) in FILES.items():
        (corpus / name).write_bytes(build())
    for name, (build, _) in BAD.items():
        (corpus / name).write_bytes(build())
    seed = "004_f9235ea3bae06684.txt"
    (corpus / seed).write_bytes((SEED_CORPUS / seed).read_bytes())
    settings = make_settings(tmp_path, corpus, max_unzipped_mb=20)

    assistant = Assistant.open(settings)
    try:
        report = Library(assistant).sync()
        failures = {o.doc_id: o.reason or "" for o in report.failed}
        assert set(failures) == {Path(n).stem for n in BAD}
        for name, (_, reason) in BAD.items():
            assert reason in failures[Path(name).stem]
        assert report.count("added") == len(FILES) + 1  # nothing else is lost

        docs = {d["doc_id"]: d for d in assistant.documents()}
        assert docs["qd-ninh-binh-scan"]["ocr"] is True
        assert docs["qd-ninh-binh-scan"]["ocr_pages"] == [1]
        assert docs["qd-thai-binh"]["encoding"] == "tcvn3"
        assert docs["qd-hung-yen"]["encoding"] == "vni"
        assert docs["qd-ha-nam"]["converter"] == "antiword"
        assert docs["qd-ha-tinh"]["tables"] == 3 and docs["qd-nam-dinh"]["pages"] == 1

        for name, (province, _) in FILES.items():
            doc_id = Path(name).stem
            workers_2030 = f.PROVINCES[province][4][1]
            hits = assistant.search(f"lao động qua đào tạo nghề tỉnh {province}", k=10)
            mine = [h for h in hits if h.doc_id == doc_id]
            assert mine and any(f"tỉnh {province}" in h.text for h in mine), (name, hits[:2])
            # A table row keeps its header in the passage (rebuilt from word boxes for the scan).
            assert any(f.target_row(province, 3) in h.text for h in mine), (name, mine)
            assert any(workers_2030 in h.text for h in mine)
    finally:
        assistant.close()

    # The CLI on the same index: unchanged files skipped, bad ones reported again by name.
    env = {**os.environ, "HOIDAP_MAX_UNZIPPED_MB": "20"}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bots.cli",
            "index",
            "--corpus",
            str(corpus),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert f"unchanged {len(FILES) + 1}, removed 0, failed {len(BAD)}" in run.stdout
    assert "skipped bomb: too large or too complex" in run.stderr
    assert "skipped broken: unreadable PDF" in run.stderr
