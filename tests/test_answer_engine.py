"""Answer engine v2: typed answers, the answer span, constraint checks with helpful refusals,
comparisons across places, verbatim quotes. Real index, real embeddings; the small corpus in
tests/fixtures/engine (three provinces with similar figures, two encyclopaedic articles) is ours."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answer.analysis import analyse
from assistant.answer.compare import value
from assistant.answer.constraints import check_citations
from assistant.answer.model import Answer
from assistant.answer.passage import split_passage
from assistant.answer.spans import AType, find_spans
from assistant.service import Assistant
from assistant.vietnamese import normalize
from indexing.library import Library
from tests.conftest import make_settings

ENGINE_CORPUS = Path(__file__).parent / "fixtures" / "engine"
MARK = re.compile(r"\[(\d+)\]")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    tmp = tmp_path_factory.mktemp("engine")
    assistant = Assistant.open(make_settings(tmp, ENGINE_CORPUS))
    assert not Library(assistant).sync().failed
    yield assistant
    assistant.close()


def consistent(answer: Answer) -> None:
    """Markers and citations agree; highlights point at the short answer inside the quote."""
    assert {int(n) for n in MARK.findall(answer.answer)} == {c.n for c in answer.citations}
    for c in answer.citations:
        if c.highlight is not None:
            start, end = c.highlight
            assert 0 <= start < end <= len(c.quote)


@pytest.mark.parametrize(
    ("question", "atype", "noun"),
    [
        ("Năm 2024, các khu công nghiệp Bắc Ninh thu hút bao nhiêu vốn FDI?", AType.MONEY, None),
        ("von dau tu trong nuoc vao cac KCN Bac Giang la bao nhieu", AType.MONEY, None),
        ("How much FDI did Bac Giang attract?", AType.MONEY, None),
        ("Tỷ lệ lấp đầy KCN Tân Thuận là bao nhiêu?", AType.PERCENT, None),
        ("ty le lap day kcn bac giang", AType.PERCENT, None),
        ("What is the occupancy rate of Bac Ninh's industrial parks?", AType.PERCENT, None),
        ("Khu công nghiệp có diện tích bao nhiêu ha?", AType.AREA, None),
        ("Đà Nẵng có bao nhiêu doanh nghiệp Hàn Quốc tham gia?", AType.COUNT, "doanh nghiep"),
        ("da nang co bao nhieu doanh nghiep han quoc tham gia", AType.COUNT, "doanh nghiep"),
        ("How many Korean companies took part?", AType.COUNT, "doanh nghiep"),
        ("Cầu Long Biên được khánh thành năm nào?", AType.YEAR, None),
        ("Hội nghị diễn ra ngày nào?", AType.DATE, None),
        ("When was the conference held?", AType.DATE, None),
        ("Ai là Trưởng ban Ban Quản lý các KCN tỉnh Bắc Giang?", AType.PERSON, None),
        ("who is the deputy head of the board?", AType.PERSON, None),
        ("Công ty nào là nhà đầu tư dự án?", AType.ORG, "cong ty"),
        ("Chương trình được phê duyệt theo quyết định nào?", AType.DOCNUM, None),
        ("Những tỉnh nào ký thỏa thuận?", AType.LIST, None),
        ("Sông Hồng bắt nguồn từ đâu?", AType.OTHER, None),
    ],
)
def test_question_types(question: str, atype: AType, noun: str | None) -> None:
    analysis = analyse(question)
    assert analysis.atype is atype
    if noun:
        assert analysis.noun and analysis.noun.startswith(noun)


def test_question_constraints_and_measure() -> None:
    a = analyse("Giá thuê đất tại KCN VSIP Bình Dương năm 2024 là bao nhiêu?")
    assert [p.name for p in a.places] == ["Bình Dương"]
    assert [n.name for n in a.names] == ["VSIP"] and [y.name for y in a.years] == ["2024"]
    assert "gia thue" in a.measure
    assert [p.name for p in analyse("ty le lap day kcn binh duong").places] == ["Bình Dương"]
    assert [p.name for p in analyse("How many Chinese firms came to Da Nang?").places] == [
        "Trung Quốc",
        "Đà Nẵng",
    ]


def test_typed_spans() -> None:
    s = "Ngày 13-1, số 3 đoàn gồm hơn 30 doanh nghiệp, vốn 6.850 tỷ đồng, lấp đầy 76,4% trên 120 ha."
    assert [x.text for x in find_spans(s, AType.COUNT, "doanh nghiep")] == ["hơn 30 doanh nghiệp"]
    assert [x.text for x in find_spans(s, AType.MONEY)] == ["6.850 tỷ đồng"]
    assert [x.text for x in find_spans(s, AType.PERCENT)] == ["76,4%"]
    assert [x.text for x in find_spans(s, AType.AREA)] == ["trên 120 ha"]
    assert "Ngày 13-1" in [x.text for x in find_spans(s, AType.DATE)]
    # A date or a label ("số 3") is not a count.
    assert find_spans("Ngày 13-1 có hội nghị số 3.", AType.COUNT, "doanh nghiep") == []
    rent = find_spans("Giá thuê khoảng 165 USD/m²/chu kỳ thuê.", AType.MONEY)
    assert rent[0].text == "khoảng 165 USD/m²/chu kỳ thuê"
    decision = "theo Quyết định số 2869/QĐ-UBND ngày 5-7-2019"
    assert find_spans(decision, AType.DOCNUM)[0].text == "Quyết định số 2869/QĐ-UBND"
    person = "Bà Lê Bích Loan, Phó trưởng Ban quản lý cho biết"
    assert find_spans(person, AType.PERSON)[0].text == "Bà Lê Bích Loan"
    assert value("6.850 tỷ đồng") == (6.85e12, "dong") and value("76,4%") == (76.4, "%")


def test_short_answer_and_highlight(seed_assistant: Assistant) -> None:
    answer = seed_assistant.ask(
        "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?"
    )
    assert answer.found and answer.short_answer == "70%"
    first = answer.citations[0]
    assert first.highlight is not None
    assert first.quote[first.highlight[0] : first.highlight[1]] == "70%"
    contract = answer.contract()
    assert contract["short_answer"] == "70%" and contract["citations"][0]["highlight"]
    count = seed_assistant.ask(
        "su kien ket noi khoi nghiep da nang thu hut bao nhieu doanh nghiep trung quoc"
    )
    assert count.short_answer == "hơn 30 doanh nghiệp"
    descriptive = seed_assistant.ask(
        "Phía doanh nghiệp Trung Quốc chia sẻ về xu hướng tiếp thị nào?"
    )
    assert descriptive.found and descriptive.short_answer is None
    assert all(c.highlight is None for c in descriptive.citations)


def test_refusal_names_what_the_documents_cover(seed_assistant: Assistant) -> None:
    """Another province: found false, the near miss is cited (vi and en)."""
    answer = seed_assistant.ask(
        "Bình Dương đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?"
    )
    assert not answer.found and answer.short_answer is None
    assert answer.answer.startswith("Tài liệu không có số liệu này cho Bình Dương")
    assert "Long An: 70%" in answer.answer and answer.citations
    consistent(answer)
    english = seed_assistant.ask(
        "What share of domestic demand should Binh Duong's supporting industry meet?"
    )
    assert not english.found and english.answer.startswith("The documents have no figure")
    korean = seed_assistant.ask(
        "Đà Nẵng có bao nhiêu doanh nghiệp Hàn Quốc tham gia buổi giao lưu ngày 13-1?"
    )
    assert not korean.found and "Hàn Quốc" in korean.answer


def test_refusal_for_another_year(seed_assistant: Assistant) -> None:
    history = [
        {
            "role": "user",
            "content": "Việt Nam dự kiến bố trí bao nhiêu ngân sách hỗ trợ các dự án tiềm năng năm 2026?",
        }
    ]
    answer = seed_assistant.ask("Còn năm 2027 thì sao?", history=history)
    assert not answer.found and "2027" in answer.answer and "2026" in answer.answer
    assert "5.000 tỷ đồng" in answer.answer
    consistent(answer)


def test_engine_typed_answers_and_refusals(engine: Assistant) -> None:
    jobs = engine.ask("Các khu công nghiệp Bắc Ninh tạo việc làm cho bao nhiêu lao động?")
    assert jobs.found and jobs.short_answer == "310.000 lao động"
    # Two figures in one sentence: the one whose measure is asked for.
    domestic = engine.ask("Các khu công nghiệp Bắc Ninh thu hút bao nhiêu vốn đầu tư trong nước?")
    assert domestic.short_answer == "4.300 tỷ đồng"
    assert engine.ask("Bắc Ninh thu hút bao nhiêu vốn FDI?").short_answer == "1.925 triệu USD"
    fdi = engine.ask("How much FDI did Bac Giang's industrial parks attract in 2024?")
    assert fdi.found and "1.210 triệu USD" in fdi.answer
    # The figure for another province, year or title is not an answer.
    other = engine.ask("Tỷ lệ lấp đầy các khu công nghiệp Hải Dương là bao nhiêu?")
    assert not other.found and "Hải Dương" in other.answer
    assert all(not c.doc_id.startswith("kcn_hai_duong") for c in other.citations)
    year = engine.ask("Tỷ lệ lấp đầy khu công nghiệp Bắc Ninh năm 2023 là bao nhiêu?")
    assert not year.found and "2023" in year.answer
    deputy = engine.ask("Ai là Phó Giám đốc Sở Kế hoạch và Đầu tư tỉnh Hải Dương?")
    assert deputy.found and deputy.short_answer == "Trần Thị Lan"
    head = engine.ask("Ai là Giám đốc Sở Kế hoạch và Đầu tư tỉnh Hải Dương?")
    assert not head.found
    rent = engine.ask("Giá thuê đất khu công nghiệp Hải Dương là bao nhiêu?")
    assert not rent.found  # "985 triệu USD" is FDI, not a rent


def test_comparison_across_places(engine: Assistant) -> None:
    answer = engine.ask(
        "Giữa Bắc Ninh và Bắc Giang, tỉnh nào có tỷ lệ lấp đầy khu công nghiệp cao hơn?"
    )
    assert answer.found and answer.short_answer == "Bắc Ninh"
    assert "76,4%" in answer.answer and "68,2%" in answer.answer
    assert answer.answer.endswith("Bắc Ninh cao hơn.")
    assert {c.doc_id for c in answer.citations} == {"kcn_bac_ninh", "kcn_bac_giang"}
    consistent(answer)
    three = engine.ask(
        "Trong ba tỉnh Bắc Ninh, Bắc Giang và Hải Dương, tỉnh nào thu hút nhiều vốn FDI nhất năm 2024?"
    )
    assert all(f in three.answer for f in ("1.925 triệu USD", "1.210 triệu USD", "985 triệu USD"))
    assert three.short_answer == "Bắc Ninh"
    missing = engine.ask(
        "Giữa Bắc Ninh và Hải Dương, tỉnh nào có giá thuê đất khu công nghiệp cao hơn?"
    )
    assert missing.found and "165 USD/m²" in missing.answer
    assert "Không có số liệu cho Hải Dương" in missing.answer
    english = engine.ask("Which province has a higher occupancy rate, Bac Ninh or Bac Giang?")
    assert english.short_answer == "Bắc Ninh" and "is higher" in english.answer


def test_which_places_meet_a_condition(engine: Assistant) -> None:
    """A list across documents: each place with its own figure and citation, filtered."""
    both = engine.ask("Những tỉnh nào có tỷ lệ lấp đầy khu công nghiệp trên 60%?")
    assert both.found and "Bắc Ninh: 76,4%" in both.answer and "Bắc Giang: 68,2%" in both.answer
    assert len({c.doc_id for c in both.citations}) == 2
    consistent(both)
    one = engine.ask("Những tỉnh nào có tỷ lệ lấp đầy khu công nghiệp trên 70%?")
    assert "Bắc Ninh" in one.answer and "Bắc Giang" not in one.answer


ENCYCLOPAEDIC = [
    ("Sông Hồng bắt nguồn từ đâu?", "Vân Nam"),
    ("Sông Hồng đổ ra đâu?", "vịnh Bắc Bộ"),
    ("Vì sao sông Hồng có tên gọi như vậy?", "phù sa"),
    ("Cầu Long Biên được khánh thành năm nào?", "1902"),
    ("Vịnh Hạ Long thuộc tỉnh nào?", "Quảng Ninh"),
    ("Vịnh Hạ Long được UNESCO công nhận là gì?", "Di sản thiên nhiên thế giới"),
    ("Hang Sửng Sốt nằm trên đảo nào?", "Bồ Hòn"),
    ("Tên gọi Hạ Long có nghĩa là gì?", "rồng đáp xuống"),
    ("Đoạn sông Hồng chảy trên lãnh thổ Việt Nam dài bao nhiêu?", "556 km"),
    ("vinh ha long co bao nhieu hon dao", "2.000 hòn đảo"),
    ("Who designed the Long Bien bridge?", "người Pháp"),
]


def test_encyclopaedic_plain_questions(engine: Assistant) -> None:
    """Plain "là gì / ở đâu / thuộc …" questions over encyclopaedic text get the right sentence."""
    hits = [gold for q, gold in ENCYCLOPAEDIC if normalize(gold) in normalize(engine.ask(q).answer)]
    assert len(hits) >= len(ENCYCLOPAEDIC) - 1, hits


def test_check_citations_for_llm_answers(seed_assistant: Assistant) -> None:
    q = "Bình Dương đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?"
    long_an = seed_assistant.ask(q.replace("Bình Dương", "Long An"))
    hits = seed_assistant.search(q)
    assert check_citations(q, long_an.citations, hits) == {1: ["Bình Dương"]}
    same = q.replace("Bình Dương", "Long An")
    assert check_citations(same, long_an.citations, hits) == {1: []}


def test_every_quotable_sentence_is_verbatim(seed_assistant: Assistant, engine: Assistant) -> None:
    """Over both corpora: every sentence the answerer can quote is a slice of its chunk's text,
    and no sentence starts with a title line glued to it."""
    for assistant in (seed_assistant, engine):
        for chunk in assistant.store.scroll_payloads("chunk", ["text", "title"]):
            text = chunk["text"]
            for s in split_passage(text):
                assert text[s.start : s.end] == s.text
                assert "\n" not in s.text
                title = chunk.get("title") or ""
                if title and s.text.startswith(title) and s.text != title:
                    assert s.text[len(title)] in " :,;.–-", s.text  # never "TitleBody"


def test_foreign_words_keep_their_accents() -> None:
    assert normalize("Pokémon tại Québec, café ở Bogotá") == "Pokémon tại Québec, café ở Bogotá"
    assert normalize("hoà thuỷ khoẻ") == "hòa thủy khỏe"


def test_table_rows_answer_with_the_cell_of_the_asked_column() -> None:
    """Rows as the loaders write them: the unit is its own column, the year is the cell's key."""
    from assistant.answer.spans import AType, find_spans

    row = "Chỉ tiêu: Diện tích cụm công nghiệp hỗ trợ; Đơn vị: ha; 2027: 75; 2030: 150"
    assert [s.text for s in find_spans(row, AType.AREA)] == ["2027: 75", "2030: 150"]
    assert find_spans(row, AType.MONEY) == []  # hectares never answer a money question
    people = "Chỉ tiêu: Lao động được đào tạo; Đơn vị: người; Năm 2026: 3.000"
    assert [s.text for s in find_spans(people, AType.COUNT, "lao động")] == ["Năm 2026: 3.000"]
    money = "Chỉ tiêu: Vốn đầu tư; Đơn vị: tỷ đồng; 2030: 6.850"
    assert [s.type for s in find_spans(money, AType.MONEY)] == [AType.MONEY]
