"""The news dev set (evals/sets/news_*.jsonl over evals/corpora/news) and typed scoring.

The set tests keep the set from rotting: every gold string must literally occur in the cleaned
text of its relevant document, so an article edit that breaks a question fails here.
"""

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from evals import dataset, typed
from evals.command import run
from indexing.cleaning import clean
from indexing.loaders import load_file
from indexing.pipeline import corpus_files
from tests.conftest import ROOT, SEED_CORPUS, make_settings

NEWS = ROOT / "evals" / "corpora" / "news"
TUNE = ROOT / "evals" / "sets" / "news_tune.jsonl"
TEST = ROOT / "evals" / "sets" / "news_test.jsonl"
LONG_AN = "004_f9235ea3bae06684"


def _texts() -> dict[str, str]:
    """Cleaned body of every eval-corpus document, as the indexer sees it."""
    files, clashes = corpus_files(NEWS)
    assert not clashes
    return {doc: clean(load_file(path, 10**7).text).body for doc, path in files.items()}


def _write(tmp_path: Path, lines: list[dict[str, object]]) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", "utf-8")
    return path


def test_typed_fields_are_validated_by_line(tmp_path: Path) -> None:
    base = {"relevant_doc_ids": [LONG_AN], "answer": "70%", "tags": []}
    none = {"relevant_doc_ids": [], "answer": None, "tags": []}
    lines = [
        {"id": "ok", "question": "q", **base, "answer_type": "percent", "short_answer": "70%"},
        {"id": "t", "question": "q", **base, "answer_type": "money2"},
        {"id": "s", "question": "q", **none, "answer_type": "money", "short_answer": "1 tỷ"},
        {
            "id": "p",
            "question": "q",
            **base,
            "answer_type": "comparison",
            "parts": [{"entity": "Long An", "answer": "70%", "doc_id": "other"}],
        },
        {
            "id": "w",
            "question": "q",
            **base,
            "parts": [{"entity": "Long An", "answer": "70%", "doc_id": LONG_AN}],
            "winner": "Tây Ninh",
        },
        {"id": "c", "question": "q", **base, "answer_type": "comparison"},
        {"id": "i", "question": "q", **base, "items": "Long An"},
        {"id": "g", "question": "q", **base, "short_answer": "75%"},
        {
            "id": "h",
            "question": "q",
            **base,
            "parts": [{"entity": "Long An", "answer": "80%", "doc_id": LONG_AN}],
        },
        {"id": "j", "question": "q", **base, "items": ["Long An", "Cà Mau"]},
    ]
    loaded = dataset.load(_write(tmp_path, lines))
    dataset.check_against_corpus(loaded, {LONG_AN: "Long An đáp ứng 70% nhu cầu"}.get)
    assert [i.id for i in loaded.items] == ["ok"]
    assert loaded.items[0].answer_type == "percent" and loaded.items[0].short_answer == "70%"
    joined = "\n".join(loaded.problems)
    for expected in (
        "line 2: answer_type 'money2' is not one of",
        "line 3: an unanswerable question has no short_answer",
        "line 4: part 'Long An': an answer needs a doc_id among relevant_doc_ids",
        "line 5: winner 'Tây Ninh' is not one of the parts' entities",
        "line 6: an answerable comparison needs parts",
        "line 7: items must be a list",
        "line 8: short_answer '75%' not found",
        "line 9: part 'Long An': '80%' not found",
        "line 10: item 'Cà Mau' not found",
    ):
        assert expected in joined


def test_eval_corpus_holds_the_seeds_unchanged() -> None:
    for seed in SEED_CORPUS.glob("*.txt"):
        assert (NEWS / seed.name).read_bytes() == seed.read_bytes(), seed.name
    seed_manifest = tomllib.loads((SEED_CORPUS / "manifest.toml").read_text("utf-8"))
    news_manifest = tomllib.loads((NEWS / "manifest.toml").read_text("utf-8"))
    assert all(news_manifest[k] == v for k, v in seed_manifest.items())
    assert set(news_manifest) <= set(_texts())
    assert len(_texts()) - len(list(SEED_CORPUS.glob("*.txt"))) >= 20


@pytest.mark.parametrize("path", [TUNE, TEST], ids=["tune", "test"])
def test_news_set_loads_and_every_gold_string_is_in_its_document(path: Path) -> None:
    loaded = dataset.load(path)
    assert loaded.problems == []
    texts = _texts()
    for item in loaded.items:
        assert item.answer_type in dataset.ANSWER_TYPES, item.id
        assert all(d in texts for d in item.relevant_doc_ids), item.id
        relevant = [texts[d] for d in item.relevant_doc_ids]
        if item.answer is not None:
            assert item.answer in relevant[0], item.id
        if item.short_answer is not None:  # literally, not only after normalisation
            assert any(item.short_answer in t for t in relevant), item.id
        for part in item.parts:
            if part.answer is not None:
                assert part.answer in texts[part.doc_id or ""], (item.id, part.entity)
        for listed in item.items:
            assert any(listed in t for t in relevant), (item.id, listed)
    dataset.check_against_corpus(loaded, texts.get)  # the harness agrees
    assert loaded.problems == []


def test_news_splits_are_large_stratified_and_disjoint() -> None:
    tune, test = dataset.load(TUNE).items, dataset.load(TEST).items
    both = tune + test
    assert len(both) >= 150
    assert sum(not i.answerable for i in both) >= 40
    assert sum(i.answer_type in ("comparison", "list") for i in both) >= 20
    assert 0.4 <= len(tune) / len(both) <= 0.6
    tune_types, test_types = (
        Counter(i.answer_type for i in tune),
        Counter(i.answer_type for i in test),
    )
    assert set(tune_types) == set(test_types) == set(dataset.ANSWER_TYPES)
    assert {i.question for i in tune}.isdisjoint({i.question for i in test})
    assert not {i.id for i in tune} & {i.id for i in test}
    for items in (tune, test):
        tags = Counter(t for i in items for t in i.tags)
        assert min(tags["accented"], tags["accentless"], tags["english"], tags["followup"]) > 0
        assert sum(not i.answerable for i in items) >= 20


def _item(**fields: object) -> dataset.Item:
    return dataset.Item(id="x", question="q", relevant_doc_ids=["d"], tags=[], **fields)  # type: ignore[arg-type]


def test_comparison_needs_every_figure_and_the_right_winner() -> None:
    item = _item(
        answer="76,4%",
        answer_type="comparison",
        parts=[dataset.Part("Bắc Ninh", "76,4%", "d"), dataset.Part("Bắc Giang", "68,2%", "d")],
        winner="Bắc Ninh",
    )
    good = "Bắc Ninh: tỷ lệ lấp đầy 76,4 % [1]. Bắc Giang: 68,2% [2]. Bắc Ninh cao hơn Bắc Giang."
    assert typed.comparison_correct(item, good, True) is True
    assert typed.correct(item, good, True)
    english = "Bac Giang 68,2% [2]; Bac Ninh 76,4% [1]. Bac Ninh is higher."
    assert typed.comparison_correct(item, english, True) is True
    wrong_winner = "Bắc Ninh 76,4% [1], Bắc Giang 68,2% [2]. Bắc Giang cao hơn Bắc Ninh."
    assert typed.comparison_correct(item, wrong_winner, True) is False
    no_conclusion = "Bắc Giang đạt 68,2% [2]. Bắc Ninh có hơn 342.000 lao động, đạt 76,4% [1]."
    assert typed.stated_winner(no_conclusion, ["Bắc Ninh", "Bắc Giang"]) is None
    assert typed.comparison_correct(item, no_conclusion, True) is False
    one_figure = "Bắc Ninh đạt 76,4% [1]. Bắc Ninh cao hơn."
    assert typed.comparison_correct(item, one_figure, True) is False
    assert typed.comparison_correct(item, good, False) is False  # a refusal is wrong here
    missing = _item(
        answer="70%",
        answer_type="comparison",
        parts=[dataset.Part("Long An", "70%", "d"), dataset.Part("Bình Dương", None, None)],
    )
    honest = "Tài liệu không có số liệu này cho Bình Dương; có cho Long An: 70 % [1]."
    assert typed.comparison_correct(missing, honest, False) is True
    assert typed.comparison_correct(missing, "Long An: 70% [1].", True) is False
    assert typed.comparison_correct(_item(answer="70%"), good, True) is None


def test_lists_short_answers_and_refusals() -> None:
    listed = _item(answer="Hậu Giang", answer_type="list", items=["Hậu Giang", "Sóc Trăng"])
    assert typed.correct(listed, "Hậu Giang, Vĩnh Long và Sóc Trăng [1].", True)
    assert not typed.correct(listed, "Hậu Giang và Vĩnh Long [1].", True)
    assert not typed.correct(listed, "Hậu Giang, Sóc Trăng", False)
    money = _item(answer="1.925 triệu USD", answer_type="money", short_answer="1.925 triệu USD")
    scored = typed.score(money, "… thu hút 1.925 triệu USD vốn FDI [1].", True, "1.925 triệu USD")
    assert scored["correct"] and scored["short_answer_exact"] and scored["short_answer_contains"]
    near = typed.score(money, "… 1.925 triệu USD [1].", True, "hơn 1.925 triệu USD")
    assert near["short_answer_exact"] is False and near["short_answer_contains"] is True
    assert typed.score(money, "x", True, None)["short_answer_exact"] is False
    absent = typed.score(money, "x", True, typed.ABSENT)
    assert absent["short_answer_exact"] is None and absent["short_answer"] is None
    refused_wrongly = typed.score(money, "Không tìm thấy. 1.925 triệu USD", False, None)
    assert refused_wrongly["correct"] is False
    unanswerable = _item(answer=None, answer_type="percent")
    assert typed.correct(unanswerable, "Không tìm thấy thông tin này trong tài liệu.", False)
    assert not typed.correct(unanswerable, "Long An 70% [1].", True)


@pytest.mark.slow  # a real eval run with the model
def test_eval_report_has_accuracy_per_answer_type(tmp_path: Path) -> None:
    """A small typed set over the seed corpus, run for real: per-type table and metrics."""
    lines = [
        {
            "id": "p1",
            "question": "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?",
            "relevant_doc_ids": [LONG_AN],
            "answer": "70%",
            "short_answer": "70%",
            "answer_type": "percent",
            "tags": ["accented"],
        },
        {
            "id": "u1",
            "question": "Giá vàng hôm nay tăng bao nhiêu?",
            "relevant_doc_ids": [],
            "answer": None,
            "answer_type": "money",
            "tags": ["unanswerable"],
        },
    ]
    out = tmp_path / "report"
    code = run(
        make_settings(tmp_path),
        _write(tmp_path, lines),
        SEED_CORPUS,
        out,
        ["hybrid"],
        None,
        0.02,
        None,
        False,
    )
    assert code == 0
    report = json.loads((out / "report.json").read_text("utf-8"))
    hybrid = report["configs"]["hybrid"]
    assert set(hybrid["per_type"]) == {"percent", "money"}
    assert hybrid["per_type"]["percent"]["answerable"] == 1
    assert hybrid["per_type"]["money"]["unanswerable_refused"] in (0.0, 1.0)
    assert hybrid["overall"]["accuracy"] is not None
    first = hybrid["questions"][0]
    assert first["answer_type"] == "percent" and isinstance(first["correct"], bool)
    assert "## Per answer type (hybrid)" in (out / "report.md").read_text("utf-8")
