"""Classes of answer errors, each on constructed passages (no model, no index): a figure of
another measure, a year a figure is only compared with or a target year, counts asked as "số X",
and comparisons that ask each place for its own figure or name it as missing.

Every sentence is made as similar to the question as an embedder can make it (the same vector
for every text), so what decides is the engine's own checks, never the dense score.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answer import compare, extractive
from assistant.answer.analysis import analyse
from assistant.answer.constraints import context_years
from assistant.answer.entities import places_in
from assistant.answer.measure import covers
from assistant.answer.model import Answer
from assistant.answer.passage import sentences_of
from assistant.answer.spans import AType
from assistant.retrieval import SearchResult
from assistant.vietnamese import fold

UNIT = [1.0] + [0.0] * 7
MIN_CONFIDENCE = 0.35  # the configured default


def _same(texts: list[str]) -> list[list[float]]:
    return [UNIT for _ in texts]


def _hit(doc: str, title: str, text: str, published: str = "2025-01-15") -> SearchResult:
    return SearchResult(doc, f"{doc}#0", title, "Báo", published, f"{title}\n\n{text}", 1.0)


THAI_NGUYEN = _hit(
    "tn",
    "Thái Nguyên: các cụm công nghiệp thu hút 37 dự án",
    "Năm 2024, các cụm công nghiệp tỉnh Thái Nguyên thu hút 37 dự án với tổng vốn đăng ký "
    "3.180 tỷ đồng, tăng 30% so với năm trước.\n\n"
    "Tỷ lệ lấp đầy bình quân của các cụm công nghiệp đã hoạt động đạt 62,5%.\n\n"
    "Các doanh nghiệp trong cụm công nghiệp giải quyết việc làm cho 24.600 lao động.\n\n"
    "Giá thuê đất trong các cụm công nghiệp bình quân khoảng 65 USD/m²/chu kỳ thuê.",
)
PHU_THO = _hit(
    "pt",
    "Phú Thọ: các cụm công nghiệp thu hút 22 dự án",
    "Năm 2024, các cụm công nghiệp tỉnh Phú Thọ thu hút 22 dự án, tăng 10% so với năm trước.\n\n"
    "Tỷ lệ lấp đầy bình quân của các cụm công nghiệp đạt 71,3%.\n\n"
    "Các cụm công nghiệp tạo việc làm cho 18.200 lao động, trong đó lao động nữ chiếm 58%.",
)
NGHE_AN = _hit(
    "na",
    "Nghệ An: 12 cụm công nghiệp đi vào hoạt động",
    "Năm 2024, các cụm công nghiệp tỉnh Nghệ An thu hút 15 dự án, tăng 25% so với năm trước.\n\n"
    "Tỷ lệ lấp đầy bình quân của các cụm công nghiệp đạt 54,8%.\n\n"
    "Các doanh nghiệp trong cụm công nghiệp sử dụng 12.900 lao động.",
)
BAC_GIANG = _hit(
    "bg",
    "Bắc Giang: các khu công nghiệp thu hút 74 dự án",
    "Năm 2024, các khu công nghiệp tỉnh Bắc Giang thu hút 74 dự án cấp mới với tổng vốn đầu tư "
    "nước ngoài 1.210 triệu USD, tăng 18% so với năm 2023.\n\n"
    "Toàn tỉnh có 11 khu công nghiệp; tỷ lệ lấp đầy bình quân đạt 68,2%.\n\n"
    "Năm 2025, tỉnh đặt mục tiêu thu hút 1.500 triệu USD vốn FDI vào các khu công nghiệp.",
)
ALL = [THAI_NGUYEN, PHU_THO, NGHE_AN, BAC_GIANG]


def ask(question: str, hits: Sequence[SearchResult] = ALL, compare_: bool = False) -> Answer:
    retrieve = (lambda _q: (list(ALL), UNIT)) if compare_ else None
    return extractive.answer(
        question, question, list(hits), UNIT, _same, MIN_CONFIDENCE, retrieve=retrieve
    )


def test_what_a_figure_question_measures_is_read_from_its_words() -> None:
    cases = {
        "Lao động nữ chiếm bao nhiêu phần trăm trong các cụm công nghiệp Thái Nguyên?": (
            "lao",
            "dong",
            "nu",
        ),
        "ty le lao dong nu trong cac KCN Bac Giang la bao nhieu": ("lao", "dong", "nu"),
        "Giá vàng hôm nay tăng bao nhiêu?": ("gia", "vang"),
        "Tỷ lệ lạm phát của Việt Nam năm 2024 là bao nhiêu phần trăm?": ("lam", "phat"),
        "Số hộ nghèo của huyện tăng bao nhiêu phần trăm?": ("ho", "ngheo"),
    }
    for question, terms in cases.items():
        assert analyse(question).terms == terms, question
    # the measure table names these, with its synonyms: no phrase of the question's own words
    for named in (
        "Bắc Giang thu hút bao nhiêu vốn FDI?",
        "Giá trị xuất khẩu của tỉnh tăng bao nhiêu phần trăm?",
        "Tây Ninh đáp ứng bao nhiêu phần trăm nhu cầu nội địa?",
        "Tỷ lệ lấp đầy bình quân của các KCN ở Bắc Ninh là bao nhiêu?",
    ):
        assert analyse(named).measure and analyse(named).terms == (), named


def test_a_percent_of_another_measure_does_not_answer() -> None:
    women = "Lao động nữ chiếm bao nhiêu phần trăm trong các cụm công nghiệp Thái Nguyên?"
    assert not ask(women).found  # only occupancy and growth percentages for Thái Nguyên
    answered = ask("Lao động nữ chiếm bao nhiêu phần trăm trong các cụm công nghiệp Phú Thọ?")
    assert answered.found and answered.short_answer == "58%"
    occupancy = ask("Tỷ lệ lấp đầy các cụm công nghiệp Thái Nguyên là bao nhiêu?")
    assert occupancy.found and occupancy.short_answer == "62,5%"


RENT = _hit(
    "dn",
    "Đồng Nai: giá thuê đất khu công nghiệp tăng",
    "Giá thuê đất trong các khu công nghiệp Đồng Nai hôm nay bình quân khoảng 190 USD/m²/chu kỳ "
    "thuê, tăng khoảng 8% so với năm trước.",
)


def test_an_out_of_domain_figure_is_refused() -> None:
    assert not ask("Giá vàng hôm nay tăng bao nhiêu?", [RENT]).found
    assert not ask("Tỷ lệ lạm phát năm 2024 là bao nhiêu phần trăm?", [*ALL, RENT]).found
    rent = ask("Giá thuê đất ở Đồng Nai hôm nay tăng bao nhiêu phần trăm?", [RENT])
    assert rent.found and rent.short_answer == "8%"


def test_reference_and_target_years_do_not_date_a_figure() -> None:
    occupancy = next(s for s in sentences_of(BAC_GIANG) if "68,2%" in s.text)
    assert context_years(BAC_GIANG, occupancy) == {2024}  # not 2023 (so với), not 2025 (target)
    for year in ("2023", "2025"):
        refused = ask(f"Tỷ lệ lấp đầy các khu công nghiệp Bắc Giang năm {year} là bao nhiêu?")
        assert not refused.found, year
        assert "2024" in refused.answer and "68,2%" in refused.answer  # what the documents cover
    found = ask("Tỷ lệ lấp đầy các khu công nghiệp Bắc Giang năm 2024 là bao nhiêu?")
    assert found.found and found.short_answer == "68,2%"
    target = ask("Năm 2025, Bắc Giang đặt mục tiêu thu hút bao nhiêu vốn FDI?")
    assert target.found and target.short_answer == "1.500 triệu USD"


def test_number_of_a_noun_is_a_count_of_it() -> None:
    a = analyse("Số lao động trong các KCN Bắc Giang năm 2024 là bao nhiêu?")
    assert a.atype is AType.COUNT and a.noun == "lao dong"
    assert analyse("Sở Công Thương có bao nhiêu cán bộ?").noun == "can bo"
    money = analyse("Tổng số tiền hỗ trợ cho mỗi dự án không quá bao nhiêu?")
    assert money.atype is AType.NUMBER and money.noun is None  # an amount, not a count of "tiền"
    workers = ask("Số lao động trong các cụm công nghiệp Nghệ An là bao nhiêu?")
    assert workers.found and workers.short_answer == "12.900 lao động"


def test_comparison_asks_each_place_for_its_own_count() -> None:
    question = (
        "Trong ba tỉnh Thái Nguyên, Phú Thọ và Nghệ An, tỉnh nào có nhiều lao động làm việc "
        "trong các cụm công nghiệp nhất?"
    )
    analysis = analyse(question)
    plan = compare.plan(analysis)
    assert plan is not None and [e.name for e in plan.entities] == [
        "Thái Nguyên",
        "Phú Thọ",
        "Nghệ An",
    ]
    sub = compare.sub_question(analysis, plan.entities[0], plan.entities)
    assert sub == "Thái Nguyên có bao nhiêu lao động làm việc trong các cụm công nghiệp?"
    answer = ask(question, compare_=True)
    assert answer.found and answer.short_answer == "Thái Nguyên"
    for figure in ("24.600 lao động", "18.200 lao động", "12.900 lao động"):
        assert figure in answer.answer
    assert answer.answer.endswith("Thái Nguyên cao nhất.")
    assert len(answer.citations) == 3


def test_comparison_names_the_place_without_that_measure() -> None:
    answer = ask(
        "Giữa Phú Thọ và Nghệ An, tỉnh nào có tỷ lệ lao động nữ trong cụm công nghiệp cao hơn?",
        compare_=True,
    )
    assert "Phú Thọ: 58%" in answer.answer
    assert "54,8%" not in answer.answer  # Nghệ An's occupancy is not a share of women
    assert "Không có số liệu cho Nghệ An" in answer.answer
    assert answer.short_answer is None  # no winner without both figures


def test_state_budget_paid_is_its_own_measure() -> None:
    paid = analyse("Which economic zone paid the most to the state budget in 2024?")
    assert paid.measure == ("nop ngan sach",)
    assert "von" not in analyse("Tổng kinh phí của chương trình là bao nhiêu?").measure


def test_a_place_inside_a_longer_name_is_not_a_place() -> None:
    names = [p.name for p in places_in("Hung Phu in Thai Binh or My Loc Nam in Nam Dinh")]
    assert names == ["Thái Bình", "Nam Định"]  # not Thái Lan ("Thai"), not Hoa Kỳ ("My")
    assert [p.name for p in places_in("doanh nghiệp Mỹ và Thái Lan")] == ["Hoa Kỳ", "Thái Lan"]


def test_zones_named_with_their_provinces_are_compared_by_province() -> None:
    for question in (
        "Which industrial park is larger, Hung Phu in Thai Binh or My Loc Nam in Nam Dinh?",
        "Khu công nghiệp Hưng Phú ở Thái Bình hay Mỹ Lộc Nam ở Nam Định có diện tích lớn hơn?",
    ):
        analysis = analyse(question)
        plan = compare.plan(analysis)
        assert plan is not None and [e.name for e in plan.entities] == ["Thái Bình", "Nam Định"]
        first = compare.sub_question(analysis, plan.entities[0], plan.entities)
        assert "Thái Bình" in first and "Lộc Nam" not in first and "Loc Nam" not in first
    # two places that are not compared: a delegation from one visiting the other
    assert compare.plan(analyse("Doanh nghiệp Trung Quốc nào đến Đà Nẵng nhiều nhất?")) is None


def test_measure_phrase_meets_abbreviations_both_ways() -> None:
    asked = analyse("Tỷ lệ KCN có hệ thống xử lý nước thải tập trung là bao nhiêu?").terms
    assert asked == ("kcn",)
    assert covers(asked, fold("90% khu công nghiệp có hệ thống xử lý nước thải tập trung."))
    spelled = analyse("Tỷ lệ khu công nghiệp có nhà ở công nhân là bao nhiêu?").terms
    assert covers(spelled, fold("Có 35% KCN đã có nhà ở công nhân."))
    assert not covers(spelled, fold("Có 35% cụm công nghiệp đã có nhà ở công nhân."))


def test_luong_inside_a_compound_word_is_not_salary() -> None:
    """ "lương" alone is a salary; inside năng lượng, sản lượng, số lượng, chất lượng it is not."""
    from assistant.answer.analysis import analyse

    salary = ("thu nhap", "tien luong", "muc luong", "luong binh quan")
    for q in (
        "Mức giảm tiêu thụ năng lượng năm 2027 là bao nhiêu phần trăm?",
        "Sản lượng điện mặt trời tăng bao nhiêu phần trăm?",
        "Tỷ lệ doanh nghiệp đạt chất lượng là bao nhiêu phần trăm?",
        "Chi phí kiểm toán năng lượng được hỗ trợ tối đa bao nhiêu tiền?",
    ):
        assert analyse(q).measure != salary, q
    for q in ("Lương bình quân của công nhân là bao nhiêu?", "Muc luong toi thieu la bao nhieu?"):
        assert analyse(q).measure == salary, q


PROGRAMME = _hit(
    "ct",
    "Chương trình phát triển công nghiệp hỗ trợ tỉnh Bắc Ninh giai đoạn 2026 - 2030",
    "Các chỉ tiêu chủ yếu của Chương trình:\n\n"
    "Chỉ tiêu: Số doanh nghiệp tham gia chuỗi cung ứng; Đơn vị: doanh nghiệp; 2027: 120; 2030: 180",
)


def test_a_framing_period_is_named_by_the_document_and_the_year_by_the_figure() -> None:
    asked = "Theo Chương trình giai đoạn 2026 - 2030, số doanh nghiệp tham gia chuỗi cung ứng"
    got = ask(f"{asked} của Bắc Ninh năm 2027 là bao nhiêu?", [PROGRAMME])
    assert got.found and got.short_answer and "120" in got.short_answer
    # A year inside the period that no figure is dated with is still refused.
    assert not ask(f"{asked} của Bắc Ninh năm 2028 là bao nhiêu?", [PROGRAMME]).found
    # Another period is still another period.
    other = "Theo Chương trình giai đoạn 2021 - 2025, số doanh nghiệp tham gia chuỗi cung ứng"
    assert not ask(f"{other} của Bắc Ninh năm 2023 là bao nhiêu?", [PROGRAMME]).found


def test_a_comparison_keeps_its_measure_for_every_place() -> None:
    """ "<measure> tại A và B": the words before "tại A" are the measure, not A's zone."""
    for q, measure in (
        ("Giá thuê đất tại Bắc Ninh và Bắc Giang, nơi nào cao hơn?", "Giá thuê đất"),
        ("Số lao động tại Hải Dương và Bắc Ninh, nơi nào nhiều hơn?", "Số lao động"),
    ):
        analysis = analyse(q)
        plan = compare.plan(analysis)
        assert plan is not None and len(plan.entities) == 2, q
        for entity in plan.entities:
            sub = compare.sub_question(analysis, entity, plan.entities)
            assert measure in sub and entity.name in sub, sub
            other = next(e for e in plan.entities if e != entity)
            assert other.name not in sub, sub
