"""A normal (non-editable) install works: `hoidap eval` and `hoidap bench --quick` run on the dev
set and corpus the package ships, from a folder where the source tree cannot be imported.

The package is built from the files the Dockerfile copies and installed without its
dependencies (the test venv has them) into a folder of its own, put first on PYTHONPATH."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds the package; the eval and bench embed with the real model

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "assistant", "indexing", "bots", "evals")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(site folder, working folder, environment) of a fresh non-editable install."""
    tmp = tmp_path_factory.mktemp("install")
    src, site, work = tmp / "src", tmp / "site", tmp / "work"
    src.mkdir()
    work.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, src / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
        + ["--target", str(site), str(src)],
        check=True,
        timeout=300,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOIDAP_")}
    env |= {"PYTHONPATH": str(site), "HOIDAP_DATA_DIR": str(work / "data")}
    return site, work, env


def _hoidap(installed: tuple[Path, Path, dict[str, str]], *args: str) -> str:
    site, work, env = installed
    proc = subprocess.run(
        [sys.executable, str(site / "bin" / "hoidap"), *args],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_the_install_is_what_runs(installed: tuple[Path, Path, dict[str, str]]) -> None:
    site, work, env = installed
    code = "import assistant, bots, evals, indexing; print(evals.__file__); print(bots.__file__)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in out), out
    assert not (site / "corpus").exists()  # only the packages are installed
    assert (site / "evals" / "corpora" / "seed" / "manifest.toml").is_file()
    assert (site / "bots" / "web" / "static" / "index.html").is_file()


def test_eval_gate_runs_on_the_packaged_set_and_corpus(
    installed: tuple[Path, Path, dict[str, str]],
) -> None:
    _, work, _ = installed
    log = _hoidap(
        installed,
        "eval",
        *("--set", "seed", "--corpus", "seed", "--baseline", "seed", "--max-drop", "0.02"),
        *("--out", str(work / "eval")),
    )
    assert "gate passed" in log
    report = json.loads((work / "eval" / "report.json").read_text("utf-8"))
    assert report["questions"] == 64 and report["set"].endswith("evals/sets/seed.jsonl")


def test_bench_quick_runs_on_the_packaged_set_and_corpus(
    installed: tuple[Path, Path, dict[str, str]],
) -> None:
    """The in-process latencies (the packaged dev set's questions over the packaged corpus) and
    a cold `hoidap search` subprocess. The other parts read the same packaged corpus and add
    many minutes on two cores; `hoidap bench --quick` runs them all."""
    _, work, _ = installed
    _hoidap(installed, "bench", "--quick", "--parts", "latency,cold", "--out", str(work / "b"))
    result = json.loads((work / "b" / "bench.json").read_text("utf-8"))
    assert result["in_process"]["search"]["n"] == 64  # one search per dev-set question
    assert result["cold_search_s"] > 0
