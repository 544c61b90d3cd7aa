"""What the answerer knows about official documents: lead-ins and restated trích yếu are not
answers, a question naming a document number or kind prefers that document, the issuing body
says which province a notice is about, and legal dates without a calendar date are dates."""

from __future__ import annotations

from assistant.answer.candidates import is_lead_in
from assistant.answer.doc_match import kinds_of, named_kinds, named_numbers, other_document
from assistant.answer.passage import Sentence, context_of
from assistant.answer.spans import AType, find_spans
from assistant.retrieval import SearchResult


def hit(
    title: str, doc_type: str | None, number: str | None = None, outlet: str = ""
) -> SearchResult:
    return SearchResult(
        "d", "c", title, outlet, None, "text", 1.0, doc_type=doc_type, doc_number=number
    )


DECISION = hit(
    "Quyết định 905/QĐ-UBND: Phê duyệt Đề án chuyển đổi các khu công nghiệp tỉnh Hải Dương "
    "theo mô hình khu công nghiệp sinh thái giai đoạn 2026 - 2030",
    "Quyết định",
    "905/QĐ-UBND",
)
PLAN = hit(
    "Kế hoạch 73/KH-UBND: Thực hiện Đề án chuyển đổi khu công nghiệp sinh thái tỉnh Hải "
    "Dương năm 2026",
    "Kế hoạch",
    "73/KH-UBND",
)
NEWS = hit("Hải Dương chuyển đổi khu công nghiệp sinh thái giai đoạn 2026 - 2030", None)


def test_lead_ins_and_restated_subjects_of_official_documents() -> None:
    lead = (
        "Phê duyệt Đề án chuyển đổi các khu công nghiệp tỉnh Hải Dương theo mô hình khu công "
        "nghiệp sinh thái giai đoạn 2026 - 2030 (sau đây gọi là Đề án) với các nội dung sau:"
    )
    assert is_lead_in(lead, DECISION)
    assert is_lead_in("b) Các chỉ tiêu cụ thể của Đề án:", DECISION)
    scope = (
        "Đề án chuyển đổi các khu công nghiệp tỉnh Hải Dương theo mô hình khu công nghiệp "
        "sinh thái giai đoạn 2026 - 2030."
    )
    assert is_lead_in(scope, DECISION)
    fact = (
        "Tổng kinh phí thực hiện Đề án là 210 tỷ đồng, trong đó ngân sách tỉnh 42 tỷ đồng, còn "
        "lại là vốn của doanh nghiệp và nguồn tài trợ quốc tế."
    )
    assert not is_lead_in(fact, DECISION)
    assert not is_lead_in(scope, NEWS)  # a news lead restating its headline may hold the fact


def test_questions_naming_a_document_number_or_kind() -> None:
    q = "Ban Quản lý phải báo cáo kết quả thực hiện Đề án khu công nghiệp sinh thái trước ngày nào?"
    assert named_kinds(q) == {"Đề án"}  # "báo cáo" is a verb here, not a kind
    assert kinds_of(DECISION) == {"Quyết định", "Đề án"}  # it approves the Đề án
    assert kinds_of(PLAN) == {"Kế hoạch"}
    assert not other_document(q, DECISION) and other_document(q, PLAN)
    assert not other_document(q, NEWS)
    assert named_numbers("Theo Nghị quyết 15/2025/NQ-HĐND, …") == {"15/2025/nq-hdnd"}
    by_number = "Theo Kế hoạch 73/KH-UBND, Hải Dương tổ chức bao nhiêu lớp tập huấn?"
    assert other_document(by_number, DECISION) and not other_document(by_number, PLAN)
    assert not other_document("Hải Dương hỗ trợ bao nhiêu?", PLAN)


def test_issuing_body_places_an_official_document() -> None:
    sentence = Sentence("Rút ngắn thời gian xuống còn 10 ngày làm việc.", 0, 10, "", "", 0)
    notice = hit(
        "Thông báo 45/TB-BQL: Kết luận của Trưởng ban",
        "Thông báo",
        "45/TB-BQL",
        outlet="Ban Quản lý các khu công nghiệp, UBND tỉnh Bắc Giang",
    )
    assert "Bắc Giang" in context_of(notice, sentence)
    newspaper = hit("Rút ngắn thủ tục đầu tư", None, outlet="Báo Bắc Giang")
    assert "Bắc Giang" not in context_of(newspaper, sentence)


def test_dates_a_legal_text_states_without_a_calendar_date() -> None:
    text = "Quyết định này có hiệu lực thi hành kể từ ngày ký."
    assert [s.text for s in find_spans(text, AType.DATE)] == ["kể từ ngày ký"]
    month = "Tổ chức Hội chợ công nghiệp hỗ trợ vào tháng 9 năm 2026 tại thành phố Bắc Ninh."
    assert [s.text for s in find_spans(month, AType.PERIOD)] == ["tháng 9 năm 2026"]
    assert [s.text for s in find_spans("giai đoạn 2026 - 2030", AType.PERIOD)]


def test_how_much_of_a_cost_asks_for_money() -> None:
    from assistant.answer.analysis import analyse

    asked = "Năm 2026 Hải Dương hỗ trợ tối đa bao nhiêu chi phí kiểm toán năng lượng?"
    assert analyse(asked).atype is AType.MONEY
    assert analyse("Có bao nhiêu doanh nghiệp được hỗ trợ chi phí tư vấn?").atype is AType.COUNT
    assert analyse("Long An hỗ trợ bao nhiêu phần trăm chi phí xử lý?").atype is AType.PERCENT
