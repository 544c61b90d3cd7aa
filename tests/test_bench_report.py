"""The bench's goal rows are computed from its measurements (no timing here: speed itself is
measured by ``hoidap bench``, never by unit tests)."""

from __future__ import annotations

from typing import Any

from evals.bench_report import goals, markdown


def _result(ask_ms: float, indexing_ratio: float) -> dict[str, Any]:
    stats = {"p50_ms": 10.0, "p95_ms": 12.0, "n": 64}
    return {
        "machine": {
            "cpu": "test",
            "cores": 2,
            "python": "3.11",
            "platform": "linux",
            "versions": {},
            "date": "2026-11-23 17:00",
            "load_average": [0.5, 0.7, 0.9],
        },
        "parts": ["latency", "indexing"],
        "in_process": {
            "t_e": stats,
            "search": {**stats, "p50_ms": 11.0},
            "ask": {**stats, "p50_ms": ask_ms},
            "ask_30pct_repeats_cached": stats,
        },
        "indexing": {"ratio": 0.95, "with_sentences_over_raw_chunks": indexing_ratio},
    }


def _rows(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["id"]: g for g in goals(result)}


def test_ask_and_indexing_rows_carry_their_goals() -> None:
    rows = _rows(_result(ask_ms=15.0, indexing_ratio=1.9))
    assert rows["3"]["value"] == 1.5 and rows["3"]["goal"] == "≤ 1.6" and rows["3"]["met"]
    assert rows["5b"]["value"] == 1.9 and rows["5b"]["goal"] == "≤ 2.2" and rows["5b"]["met"]
    missed = _rows(_result(ask_ms=17.0, indexing_ratio=2.61))
    assert missed["3"]["met"] is False and missed["5b"]["met"] is False


def test_rows_of_parts_not_run_are_left_out_and_the_load_is_reported() -> None:
    result = _result(ask_ms=15.0, indexing_ratio=1.9)
    del result["indexing"]
    assert "5b" not in _rows(result) and "3" in _rows(result)
    result["goals"] = goals(result)
    assert "load average [0.5, 0.7, 0.9]" in markdown(result)
