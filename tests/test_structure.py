"""Administrative documents: header, units, what is not content, and chunks along the units."""

from pathlib import Path

import pytest

from assistant.doctypes import canonical_doc_type, doc_number_keys, doc_type_for_code
from evals.metrics import section_matches
from indexing.chunking import split
from indexing.cleaning import clean
from indexing.loaders import load_file
from indexing.official_chunks import drafts
from indexing.structure import OfficialDoc, Unit, parse

ROOT = Path(__file__).resolve().parent.parent
OFFICIAL = ROOT / "evals" / "corpora" / "official"
SOURCES = ROOT / "evals" / "corpora" / "official_src"
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))


def words(text: str) -> int:
    """Stand-in token counter (about what the embedder counts for Vietnamese)."""
    return int(len(text.split()) * 2.2) + 2


def source(name: str) -> str:
    """A fixture's text: the committed .txt (TCVN3/VNI ones through the loader) or its source."""
    path = OFFICIAL / f"{name}.txt"
    if not path.exists():
        return (SOURCES / f"{name}.txt").read_text("utf-8")
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError:
        return load_file(path).text


def doc(name: str) -> OfficialDoc:
    parsed = parse(source(name))
    assert parsed is not None, name
    return parsed


def test_decision_header() -> None:
    h = doc("qd_1318_bacninh_cnht").header
    assert (h.issuer, h.doc_number, h.doc_type) == (
        "ỦY BAN NHÂN DÂN TỈNH BẮC NINH",
        "1318/QĐ-UBND",
        "Quyết định",
    )
    assert (h.place, h.signed, h.signer) == ("Bắc Ninh", "2025-03-04", "Nguyễn Hữu Thành")
    assert h.subject == (
        "Phê duyệt Chương trình phát triển công nghiệp hỗ trợ tỉnh Bắc Ninh giai đoạn 2026 - 2030"
    )
    assert h.title == f"Quyết định 1318/QĐ-UBND: {h.subject}"


def test_resolution_header_and_session_line_not_content() -> None:
    parsed = doc("nq_15_longan_hatang_kcn")
    h = parsed.header
    assert (h.issuer, h.doc_number, h.doc_type, h.signed) == (
        "HỘI ĐỒNG NHÂN DÂN TỈNH LONG AN",
        "15/2025/NQ-HĐND",
        "Nghị quyết",
        "2025-07-10",
    )
    body = "\n".join(parsed.body.all_lines())
    assert "KHÓA X, KỲ HỌP THỨ 25" not in body and "QUYẾT NGHỊ:" not in body
    assert body.startswith("Căn cứ Luật Tổ chức chính quyền địa phương")


def test_notice_under_a_parent_body_and_one_line_subject() -> None:
    h = doc("tb_45_bqlkcn_bacgiang").header
    assert h.issuer == "BAN QUẢN LÝ CÁC KHU CÔNG NGHIỆP, UBND TỈNH BẮC GIANG"
    assert (h.doc_type, h.doc_number) == ("Thông báo", "45/TB-BQL")
    assert (
        h.subject and h.subject.startswith("Kết luận của Trưởng ban") and "Ngày 03" not in h.subject
    )


def test_official_letter_and_flattened_header_table() -> None:
    text = (
        "SỞ CÔNG THƯƠNG TỈNH BẮC NINH | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Số: 215/SCT-QLCN | Độc lập - Tự do - Hạnh phúc\n"
        "V/v đăng ký tham gia Hội chợ công nghiệp hỗ trợ | Bắc Ninh, ngày 02 tháng 8 năm 2026\n"
        "Kính gửi: Các doanh nghiệp công nghiệp hỗ trợ trên địa bàn tỉnh.\n"
        "Sở Công Thương đề nghị các doanh nghiệp đăng ký gian hàng trước ngày 20 tháng 8.\n"
        "Nơi nhận:\n- Như trên;\n- Lưu: VT.\nGIÁM ĐỐC\n(Đã ký)\nTrần Văn Bình\n"
    )
    parsed = parse(text)
    assert parsed is not None
    h = parsed.header
    assert (h.issuer, h.doc_number, h.doc_type) == (
        "SỞ CÔNG THƯƠNG TỈNH BẮC NINH",
        "215/SCT-QLCN",
        "Công văn",
    )
    assert h.subject == "đăng ký tham gia Hội chợ công nghiệp hỗ trợ" and h.signed == "2026-08-02"
    assert parsed.body.all_lines()[-1].startswith("Sở Công Thương đề nghị")


def _units(unit: Unit) -> list[Unit]:
    return [unit, *(u for c in unit.children for u in _units(c))]


def test_decision_units_khoan_and_diem() -> None:
    body = doc("qd_1318_bacninh_cnht").body
    articles = [u for u in body.children if u.kind == "dieu"]
    assert [u.number for u in articles] == ["1", "2", "3", "4"]
    khoan = articles[0].children
    assert [(k.kind, k.number) for k in khoan] == [
        ("arabic", "1"),
        ("arabic", "2"),
        ("arabic", "3"),
    ]
    assert [d.number for d in khoan[1].children] == ["a", "b", "c", "d", "đ"]
    assert khoan[0].children[1].lines[0] == "b) Mục tiêu cụ thể:"
    # The targets table rows stay inside the điểm that introduces them.
    assert any(line.startswith("Chỉ tiêu: Tỷ lệ đáp ứng") for line in khoan[0].children[1].lines)


def test_plan_numbering_and_sections() -> None:
    parsed = doc("kh_56_bacninh_cnht_2026")
    romans = [u for u in parsed.body.children if u.kind == "roman"]
    assert [u.number for u in romans] == ["I", "II", "III", "IV", "V"]
    sections = [d.section for d in drafts(parsed, words, 60, 8)]
    assert "Mục III.2" in sections and "Mục II" in sections
    assert sections[0] is None  # the "Thực hiện …" preamble


def test_annex_with_its_own_articles() -> None:
    parsed = doc("qd_2105_danang_quyche_lienket")
    sections = [d.section for d in drafts(parsed, words, 256, 32)]
    assert sections[1:4] == ["Điều 1", "Điều 2", "Điều 3"]  # the decision's own articles
    assert "Quy chế, Điều 6" in sections and "Quy chế, Điều 1" in sections
    assert parsed.header.signer == "Lê Trung Hiếu"


@pytest.mark.parametrize("name", [p.stem for p in OFFICIAL.glob("*.txt")])
def test_receivers_and_signature_are_not_content(name: str) -> None:
    parsed = doc(name)
    chunks = "\n".join(d.text for d in drafts(parsed, words, 256, 32))
    for absent in ("Nơi nhận", "Lưu: VT", "(Đã ký)", "CHỦ TỊCH\n", "CỘNG HÒA XÃ HỘI", "Số: "):
        assert absent not in chunks
    assert parsed.header.signer and parsed.header.signer not in chunks
    assert "Nơi nhận:" in parsed.removed


def _groups(unit: Unit) -> list[Unit]:
    """The units chunks may not straddle: the first units below Phần/Chương/Mục/annexes."""
    if unit.kind in ("root", "annex", "phan", "chuong", "muc"):
        return [g for c in unit.children for g in _groups(c)]
    return [unit]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("max_tokens", [48, 96, 256])
@pytest.mark.parametrize(
    "name", [p.stem for p in OFFICIAL.glob("*.txt")] + ["qd_742_bacgiang_cnht"]
)
def test_chunks_never_straddle_two_articles_and_are_verbatim(name: str, max_tokens: int) -> None:
    parsed = doc(name)
    whole = _flat(source(name))
    groups = [_flat("\n".join(u.all_lines())) for u in _groups(parsed.body)]
    preamble = _flat("\n".join(parsed.body.lines))
    for d in drafts(parsed, words, max_tokens, 8):
        text = _flat(d.text)
        assert text in whole  # verbatim (sentence splits may turn a space into a line break)
        owners = [g for g in groups if text in g]
        assert len(owners) == 1 or (d.section is None and text in preamble), (d.section, text)
        assert sum(line.startswith("Điều ") for line in d.text.split("\n")) <= 1


def test_long_article_split_at_khoan_with_heading_as_context() -> None:
    parsed = doc("nq_15_longan_hatang_kcn")
    article2 = [d for d in drafts(parsed, words, 90, 8) if (d.section or "").startswith("Điều 2")]
    assert len(article2) >= 3
    assert article2[0].text.startswith("Điều 2. Nội dung và mức hỗ trợ")
    for d in article2[1:]:
        assert d.section and d.section.startswith("Điều 2, khoản")
        assert d.text.split("\n")[0][:2] in {"1.", "2.", "3.", "4.", "a)", "b)"}
        assert "Điều 2. Nội dung và mức hỗ trợ" in d.context  # carried, not quoted
        assert "Điều 2." not in d.text


def test_seeds_are_not_official_and_chunk_as_before() -> None:
    for path in SEEDS:
        text = path.read_text("utf-8")
        assert parse(text) is None, path.name
        body = clean(text).body
        assert split(path.stem, body, words, 256, 32, None) == split(
            path.stem, body, words, 256, 32
        )
    news = (
        "Bắc Ninh phê duyệt chương trình công nghiệp hỗ trợ\n"
        "Ngày 4-3, UBND tỉnh Bắc Ninh ban hành Quyết định số 1318/QĐ-UBND phê duyệt chương trình.\n"
        "Điều 1. của quyết định nêu rõ mục tiêu đến năm 2030.\n"
        "Theo Điều 2. Sở Công Thương là cơ quan thường trực.\n"
    )
    assert parse(news) is None


def test_doc_types_and_numbers_as_users_type_them() -> None:
    assert canonical_doc_type("QĐ") == canonical_doc_type("quyet dinh") == "Quyết định"
    assert canonical_doc_type("NGHỊ QUYẾT") == "Nghị quyết" and canonical_doc_type("xyz") is None
    assert doc_type_for_code("56/KH-UBND") == "Kế hoạch"
    assert doc_type_for_code("15/2025/NQ-HĐND") == "Nghị quyết"
    assert doc_number_keys("1318/QĐ-UBND") == ["1318/qd-ubnd", "1318"]
    assert doc_number_keys("Số 1318 / qđ-ubnd") == ["1318/qd-ubnd", "1318"]


def test_section_matching() -> None:
    assert section_matches("Điều 3", "Điều 3, khoản 2")
    assert section_matches("Mục II", "Mục II.1–2")
    assert section_matches("Quy chế, Điều 4", "Quy chế, Điều 4, khoản 2")
    assert not section_matches("Điều 3", "Điều 31")
    assert not section_matches("Mục II", "Mục III")
    assert not section_matches("Quy chế, Điều 4", "Điều 4")
    assert not section_matches("Điều 1", None)


def test_a_document_with_no_body_is_reported_not_indexed_empty(tmp_path: Path) -> None:
    from assistant.config import Settings
    from indexing.loaders import LoadError
    from indexing.pipeline import Indexer

    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Số: 1/QĐ-UBND\nBắc Ninh, ngày 1 tháng 1 năm 2025\nQUYẾT ĐỊNH\nVề việc thử nghiệm\n"
        "Nơi nhận:\n- Lưu: VT.\nCHỦ TỊCH\nNguyễn Văn A\n"
    )
    parsed = parse(text)
    assert parsed is not None and parsed.body.all_lines() == []
    assert parsed.header.signer == "Nguyễn Văn A" and parsed.header.subject == "Về việc thử nghiệm"
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    indexer = Indexer(settings, store=None, embedder=lambda: None)  # type: ignore[arg-type]
    with pytest.raises(LoadError, match="no body text"):
        indexer.prepare("empty", "empty.txt", text.encode(), None)
