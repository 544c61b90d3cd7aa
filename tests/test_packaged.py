"""The eval data a normal install ships (evals/packaged.py). tests/run.sh installs the package
non-editable and runs `hoidap eval` and `hoidap bench --quick` on it; these are the fast checks."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from evals import packaged

ROOT = Path(__file__).resolve().parent.parent


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_the_packaged_seed_corpus_is_the_corpus_folder() -> None:
    """evals/corpora/seed ships corpus/ inside the package: same names, same bytes (so the
    baseline's corpus hash holds for both)."""
    assert _files(packaged.SEED_CORPUS) == _files(ROOT / "corpus")


def test_packaged_paths_come_from_the_package_not_the_cwd() -> None:
    assert packaged.SEED_SET == ROOT / "evals" / "sets" / "seed.jsonl"  # this checkout
    assert packaged.SEED_SET.is_file() and packaged.SEED_BASELINE.is_file()
    assert "seed" in packaged.names("sets") and "news" in packaged.names("corpora")
    assert "official_src" not in packaged.names("corpora")


def test_bare_names_resolve_to_packaged_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert packaged.resolve(Path("seed"), "sets") == packaged.SEED_SET
    assert packaged.resolve(Path("seed.jsonl"), "sets") == packaged.SEED_SET
    assert packaged.resolve(Path("seed"), "corpora") == packaged.SEED_CORPUS
    assert packaged.resolve(Path("seed"), "baselines") == packaged.SEED_BASELINE
    # An existing path wins; a path with folders, or an unknown name, is left for the caller.
    (tmp_path / "seed").mkdir()
    assert packaged.resolve(Path("seed"), "corpora") == Path("seed")
    assert packaged.resolve(Path("evals/sets/seed.jsonl"), "sets") == Path("evals/sets/seed.jsonl")
    assert packaged.resolve(Path("nope"), "sets") == Path("nope")


def test_package_data_covers_every_eval_data_file() -> None:
    """Each data file under evals/sets, baselines and corpora matches a package-data glob, so
    the wheel carries it (tests/test_install.py proves the globs work)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["evals"]
    evals = ROOT / "evals"
    for kind in ("sets", "baselines", "corpora"):
        for path in (evals / kind).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                name = path.relative_to(evals).as_posix()
                assert any(
                    fnmatch.fnmatch(name, g) and name.count("/") == g.count("/") for g in globs
                ), name
