"""The README's generated parts (settings table, command reference, seed baseline figures) match
the code: CI fails when they drift. Fix a failure with `python -m bots.readme_sync`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bots import readme_sync
from bots.cli import build_parser

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_matches_the_code() -> None:
    text = README.read_text("utf-8")
    assert readme_sync.render(text) == text, "README drifted: run `python -m bots.readme_sync`"


def test_every_setting_and_command_is_in_the_readme() -> None:
    text = README.read_text("utf-8")
    for name in (
        "HOIDAP_TOP_K",
        "HOIDAP_API_KEYS",
        "TELEGRAM_BOT_TOKEN",
        "HOIDAP_LLM_HISTORY_TURNS",
    ):
        assert f"`{name}`" in text
    for command in ("index", "search", "ask", "chat", "serve", "eval", "bench", "log purge"):
        assert f"| `hoidap {command}` |" in text
    assert "`--quick` smaller sizes and shorter runs" in text


def test_a_drifted_readme_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = README.read_text("utf-8").replace("| `HOIDAP_TOP_K` | 5 |", "| `HOIDAP_TOP_K` | 7 |")
    copy = tmp_path / "README.md"
    copy.write_text(stale, "utf-8")
    assert readme_sync.main(["--check", "--readme", str(copy)]) == 1
    assert "-| `HOIDAP_TOP_K` | 7 |" in capsys.readouterr().out
    assert readme_sync.main(["--readme", str(copy)]) == 0  # rewrites it
    assert readme_sync.main(["--check", "--readme", str(copy)]) == 0
    assert copy.read_text("utf-8") == README.read_text("utf-8")


def test_a_new_option_changes_the_reference() -> None:
    def extended() -> argparse.ArgumentParser:
        parser = build_parser()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                action.choices["docs"].add_argument("--since", help="only documents after this")
        return parser

    assert "`--since SINCE` only documents after this" in readme_sync.cli_reference(extended)
    assert "only documents after this" not in readme_sync.cli_reference()


def test_figures_follow_the_committed_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = json.loads(readme_sync.BASELINE.read_text("utf-8"))
    baseline["configs"]["hybrid"]["overall"]["answer_contains"] = 50 / 57
    moved = tmp_path / "evals" / "baselines" / "seed.json"
    moved.parent.mkdir(parents=True)
    moved.write_text(json.dumps(baseline), "utf-8")
    monkeypatch.setattr(readme_sync, "ROOT", tmp_path)  # the figures name it from the root
    rows = readme_sync.seed_figures(moved).splitlines()
    hybrid = next(r for r in rows if r.startswith("| hybrid |"))
    assert "| 50/57 (0.88) |" in hybrid


def test_a_missing_block_is_an_error() -> None:
    with pytest.raises(ValueError, match="lacks the generated block"):
        readme_sync.render("# no markers here\n")
