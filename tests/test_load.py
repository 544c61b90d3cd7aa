"""A bounded load run over loopback: 60 s at concurrency 32, a mix of search/ask/documents from a
load generator in a second process, while an admin uploads documents and a checker keeps asking
a known question. 0 errors, answers stay correct, p95 reported."""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from assistant.service import Assistant
from bots.api import create_app
from indexing.library import Library
from tests.conftest import DEV_SET, copy_corpus, make_settings
from tests.live_server import serve

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

KEY, ADMIN = "load-staff", "load-admin"
Q70 = "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?"


def test_sixty_seconds_at_concurrency_32(tmp_path: Path, seed_assistant: Assistant) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    settings = make_settings(
        tmp_path, corpus, api_keys=KEY, admin_keys=ADMIN, api_rate_per_minute=0
    )
    assistant = Assistant(
        settings, Assistant.open(settings).store, embedder=seed_assistant.embedder()
    )
    Library(assistant).sync()
    questions = tmp_path / "q.txt"
    questions.write_text(
        "\n".join(json.loads(line)["question"] for line in DEV_SET.read_text("utf-8").splitlines()),
        "utf-8",
    )
    wrong: list[str] = []
    uploads: list[int] = []
    try:
        with serve(create_app(settings, assistant)) as url:
            stop = time.monotonic() + 55

            def check_answers() -> None:
                with httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=60) as client:
                    while time.monotonic() < stop:
                        res = client.post("/v1/ask", json={"question": Q70})
                        if res.status_code != 200 or "70%" not in res.json()["answer"]:
                            wrong.append(f"{res.status_code} {res.text[:200]}")
                        time.sleep(0.5)

            def upload() -> None:
                with httpx.Client(
                    base_url=url, headers={"X-API-Key": ADMIN}, timeout=120
                ) as client:
                    for i in range(4):
                        text = (
                            f"Khu kinh tế số {i} thu hút dự án cảng biển, logistics và năng lượng tái tạo. "
                            * 20
                        )
                        res = client.post(
                            "/v1/documents", files=[("files", (f"load_{i}.txt", text.encode()))]
                        )
                        uploads.append(res.status_code)
                        time.sleep(5)

            threads = [threading.Thread(target=check_answers), threading.Thread(target=upload)]
            for t in threads:
                t.start()
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "evals.loadgen",
                    url,
                    "--questions",
                    str(questions),
                    "--concurrency",
                    "32",
                    "--requests",
                    "100000",
                    "--duration",
                    "60",
                    "--mix",
                    "search:6,ask:3,documents:1",
                    "--repeat",
                    "0.3",
                    "--key",
                    ADMIN,
                ],
                capture_output=True,
                text=True,
                timeout=180,
            )
            for t in threads:
                t.join(120)
    finally:
        assistant.close()
    result = json.loads(proc.stdout)
    print(f"\nload run: {result}")  # the figures go in the closing note
    assert result["requests"] > 500 and result["errors"] == 0, result
    assert result["p95_ms"] is not None
    assert uploads == [200] * 4
    assert wrong == []
