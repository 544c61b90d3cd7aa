"""The official eval corpus in every format it arrives in: text PDF, scanned PDF, .doc, TCVN3
and VNI text, read by the real loaders (pdfplumber, Tesseract, antiword, the legacy-font
converter) and parsed into their administrative structure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evals import build_official_formats as build
from evals.metrics import section_matches
from indexing.formats.ocr_layout import join_wrapped, page_lines
from indexing.loaders import load_file
from indexing.official_chunks import drafts
from indexing.structure import parse, unit_of

OFFICIAL = build.OUT

# file → (what the loader records, number, issuer, signer)
FIXTURES = {
    "qd_905_haiduong_kcn_sinhthai.pdf": (
        {"pages": 2},
        "905/QĐ-UBND",
        "ỦY BAN NHÂN DÂN TỈNH HẢI DƯƠNG",
        "Nguyễn Minh Hùng",
    ),
    "kh_73_haiduong_kcn_sinhthai_2026.pdf": (
        {"ocr": True, "ocr_pages": [1, 2]},
        "73/KH-UBND",
        "ỦY BAN NHÂN DÂN TỈNH HẢI DƯƠNG",
        "Nguyễn Minh Hùng",
    ),
    "qd_1127_hungyen_kcn_sinhthai.doc": (
        {"converter": "antiword"},
        "1127/QĐ-UBND",
        "ỦY BAN NHÂN DÂN TỈNH HƯNG YÊN",
        "Trần Quốc Toản",
    ),
    "kh_88_thainguyen_nhanluc_kcn.txt": (
        {"encoding": "tcvn3"},
        "88/KH-UBND",
        "ỦY BAN NHÂN DÂN TỈNH THÁI NGUYÊN",
        "Đặng Xuân Trường",
    ),
    "kh_64_vinhphuc_nhanluc_kcn.txt": (
        {"encoding": "vni"},
        "64/KH-UBND",
        "ỦY BAN NHÂN DÂN TỈNH VĨNH PHÚC",
        "Vũ Việt Văn",
    ),
}


def words(text: str) -> int:
    return int(len(text.split()) * 2.2) + 2


@pytest.fixture(scope="module")
def loaded() -> dict[str, object]:
    return {name: load_file(OFFICIAL / name) for name in FIXTURES}


@pytest.mark.parametrize("name", list(FIXTURES))
def test_each_format_is_read_with_its_conversion_noted_and_its_structure(
    name: str, loaded: dict
) -> None:
    meta, number, issuer, signer = FIXTURES[name]
    got = loaded[name]
    for key, value in meta.items():
        assert got.meta.get(key) == value, (name, got.meta)
    parsed = parse(got.text)
    assert parsed is not None, name
    h = parsed.header
    assert (h.doc_number, h.issuer, h.signer) == (number, issuer, signer)
    assert h.subject and h.subject.split()[0] in {"Phê", "Thực", "Đào"}
    chunks = drafts(parsed, words, 256, 32)
    text = "\n".join(d.text for d in chunks)
    for absent in ("Nơi nhận", "Lưu: VT", "(Đã ký)", "CỘNG HÒA XÃ HỘI", signer):
        assert absent not in text, (name, absent)
    sections = {d.section for d in chunks}
    expected = {"Điều 1", "Điều 2", "Điều 3"} if "/QĐ-" in number else {"Mục I", "Mục IV"}
    assert all(any(section_matches(e, s) for s in sections if s) for e in expected), sections


def test_tables_in_text_pdf_doc_and_scan_keep_their_header(loaded: dict) -> None:
    pdf = loaded["qd_905_haiduong_kcn_sinhthai.pdf"].text
    assert (
        "Chỉ tiêu: Tỷ lệ nước thải công nghiệp được tái sử dụng; Đơn vị: %; 2027: 20; 2030: 35"
        in pdf
    )
    doc = loaded["qd_1127_hungyen_kcn_sinhthai.doc"].text
    assert (
        "Chỉ tiêu: Tỷ lệ nước thải công nghiệp được tái sử dụng; Đơn vị: %; 2027: 15; 2030: 30"
        in doc
    )
    scan = loaded["kh_73_haiduong_kcn_sinhthai_2026.pdf"].text
    assert "Chỉ tiêu: Trạm quan trắc tự động; Đơn vị: trạm; 2025: 6; 2026: 9" in scan
    assert "Chỉ tiêu: Nước thải được tái sử dụng; Đơn vị: %; 2025: 12; 2026: 16" in scan


def test_scan_keeps_plan_sections_in_order_and_the_subject_apart(loaded: dict) -> None:
    parsed = parse(loaded["kh_73_haiduong_kcn_sinhthai_2026.pdf"].text)
    assert parsed is not None
    romans = [u.number for u in parsed.body.children if u.kind == "roman"]
    assert romans == ["I", "II", "III", "IV", "V"]
    assert parsed.header.subject == (
        "Thực hiện Đề án chuyển đổi khu công nghiệp sinh thái tỉnh Hải Dương năm 2026"
    )


def test_legacy_text_fixtures_round_trip_exactly() -> None:
    for fmt in ("tcvn3", "vni"):
        for source in (build.SRC / fmt).glob("*.txt"):
            committed = (OFFICIAL / source.name).read_bytes()
            assert build.build(fmt, source) == committed
            text = load_file(OFFICIAL / source.name).text
            # TCVN3 has no capital toned letters: compare case-folded; VNI exactly.
            want = source.read_text("utf-8").replace("\r\n", "\n").strip()
            got = text.replace("\r\n", "\n").strip()
            assert (got if fmt == "vni" else got.lower()) == (
                want if fmt == "vni" else want.lower()
            )


def test_text_pdf_and_scan_fixtures_are_rebuilt_byte_for_byte() -> None:
    for fmt in ("pdf", "scan"):
        for source in (build.SRC / fmt).glob("*.txt"):
            assert build.build(fmt, source) == (OFFICIAL / f"{source.stem}.pdf").read_bytes()


def test_plan_heading_whose_dot_ocr_lost_is_a_unit_and_numbers_follow_on() -> None:
    assert unit_of("II NHIỆM VỤ CỤ THỂ") == ("roman", "II")
    assert unit_of("II Nhiệm vụ cụ thể") is None  # not a heading in capitals
    text = "\n".join(
        [
            "ỦY BAN NHÂN DÂN",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "TỈNH NAM ĐỊNH",
            "Độc lập - Tự do - Hạnh phúc",
            "Số: 12/KH-UBND",
            "Nam Định, ngày 2 tháng 3 năm 2026",
            "KẾ HOẠCH",
            "Thực hiện chương trình năm 2026",
            "I. MỤC TIÊU",
            "Đào tạo 300 lao động.",
            "II. NHIỆM VỤ",
            "Mở 5 lớp học.",
            "II KINH PHÍ",
            "Kinh phí là 4 tỷ đồng.",
            "Nơi nhận:",
            "- Lưu: VT.",
        ]
    )
    parsed = parse(text)
    assert parsed is not None
    assert parsed.header.issuer == "ỦY BAN NHÂN DÂN TỈNH NAM ĐỊNH"  # columns read across
    chunks = {d.section: d.text for d in drafts(parsed, words, 256, 32)}
    assert "Kinh phí là 4 tỷ đồng." in chunks["Mục III"]


def _tsv(words: list[tuple[int, int, int, int, str, float]]) -> str:
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        f"5\t1\t1\t1\t{line}\t{i}\t{left}\t{top}\t{w}\t{h}\t{conf}\t{text}"
        for i, (line, left, top, w, h, text, conf) in enumerate(
            (top // 100, left, top, w, h, text, conf) for left, top, w, h, text, conf in words
        )
    ]
    return "\n".join([head, *rows])


def test_ocr_drops_dust_read_as_marks_but_keeps_dashes_and_percent() -> None:
    tsv = _tsv(
        [
            (100, 100, 20, 40, "Đơn", 95.0),
            (125, 100, 20, 40, "vị:", 95.0),
            (150, 100, 3, 1, "—", 44.0),  # a speck
            (160, 100, 5, 20, "_——", 24.0),  # a smudge, low and short
            (180, 100, 44, 38, "%", 34.0),  # a real percent sign, read with low confidence
            (100, 200, 13, 5, "-", 92.0),  # a list dash
            (120, 200, 30, 40, "Lưu", 95.0),
        ]
    )
    assert page_lines(tsv) == ["Đơn vị: %", "- Lưu"]


def test_ocr_keeps_paragraphs_apart_where_an_empty_line_separates_them() -> None:
    lines = ["Thực hiện Đề án năm 2026", "Thực hiện Quyết định số 905/QĐ-UBND như sau:"]
    assert join_wrapped(lines, [True, False]) == [" ".join(lines)]
    assert join_wrapped(lines, [True, False], [False, True]) == lines


@pytest.mark.slow
def test_hoidap_index_reads_every_format_of_the_official_corpus(tmp_path: Path) -> None:
    """The README's commands on the eval corpus: every file indexed, each record says how."""
    env = {**os.environ, "HOIDAP_DATA_DIR": str(tmp_path / "data")}
    cli = [sys.executable, "-m", "bots.cli"]
    run = subprocess.run(
        [*cli, "index", "--corpus", str(OFFICIAL)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert "failed 0" in run.stdout, run.stdout
    docs = subprocess.run(
        [*cli, "docs", "--json", "--corpus", str(OFFICIAL)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert docs.returncode == 0, docs.stderr
    records = {d["doc_id"]: d for d in json.loads(docs.stdout)}
    assert len(records) == len(list(OFFICIAL.iterdir()))
    for name, (meta, number, _, _) in FIXTURES.items():
        record = records[Path(name).stem]
        assert record["doc_number"] == number
        for key, value in meta.items():
            assert record[key] == value, (name, record)


@pytest.mark.parametrize("pitch", [100, 200])  # single and double line spacing
def test_ocr_paragraphs_follow_the_empty_line_whatever_the_line_spacing(pitch: int) -> None:
    height = 40
    tops = [100, 100 + pitch, 100 + 2 * pitch, 100 + 4 * pitch]  # an empty line before the last
    texts = [
        "Kế hoạch thực hiện",
        "Đề án năm 2026",
        "Thực hiện Quyết định",
        "Thực hiện Quyết định số",
    ]
    tsv = _tsv([(100, top, 900, height, text, 95.0) for top, text in zip(tops, texts, strict=True)])
    assert page_lines(tsv) == [
        "Kế hoạch thực hiện Đề án năm 2026 Thực hiện Quyết định",
        "Thực hiện Quyết định số",
    ]
