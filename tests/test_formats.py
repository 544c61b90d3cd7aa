"""Each document format through the loader: tables, OCR, legacy encodings, .doc, limits."""

from __future__ import annotations

import dataclasses
import random
import re
import time
import unicodedata

import pytest

from indexing.formats import legacy
from indexing.loaders import LoadError, ParseLimits, load_bytes
from tests import docfactory as f
from tests.conftest import SEED_CORPUS

LIMITS = ParseLimits()
ROW = "Chỉ tiêu: Lao động qua đào tạo nghề; Đơn vị: người; 2027: 8.500; 2030: 12.000"


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_docx_keeps_tables_in_body_order_as_header_keyed_rows() -> None:
    loaded = load_bytes("qd.docx", f.docx_decision(title="Quyết định 1318"), limits=LIMITS)
    got = lines(loaded.text)
    assert ROW in got
    # Between Điều 1 and Điều 2, where the table sits in the document.
    assert got.index(f.DECISION[-1]) < got.index(ROW) < got.index(f.CLOSING[0])
    # Layout tables (header and signature blocks) are read cell by cell, not keyed.
    assert got[:6] == [
        "ỦY BAN NHÂN DÂN",
        "TỈNH HÀ NAM",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 1318/QĐ-UBND",
        "Hà Nam, ngày 4 tháng 3 năm 2025",
    ]
    assert got[-3:] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Văn Minh"]
    assert loaded.meta["tables"] == 3 and loaded.meta["title"] == "Quyết định 1318"


def test_pdf_text_layer_keeps_tables_and_splits_side_by_side_blocks() -> None:
    loaded = load_bytes("qd.pdf", f.pdf_decision(), limits=LIMITS)
    got = lines(loaded.text)
    assert ROW in got
    assert got.index("Chỉ tiêu | Đơn vị | 2027 | 2030") < got.index(ROW)
    assert "ỦY BAN NHÂN DÂN" in got and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in got
    assert (
        got.index("QUYẾT ĐỊNH")
        < got.index(f.DECISION[-1])  # wrapped at the right margin, joined again
        < got.index(ROW)
        < got.index(f.CLOSING[0])
    )
    assert f.CLOSING[1] in got and "ỦY BAN NHÂN DÂN TỈNH HÀ NAM" in got
    assert loaded.meta == {"pages": 1}


def test_scanned_pdf_is_read_by_ocr_and_marked() -> None:
    loaded = load_bytes("scan.pdf", f.scanned_pdf(), limits=LIMITS)
    assert loaded.meta["ocr"] is True and loaded.meta["ocr_pages"] == [1]
    text = unicodedata.normalize("NFC", loaded.text)
    assert f.CLOSING[0] in lines(text)  # a paragraph wrapped on paper is one line again
    assert f.DECISION[-1] in lines(text)
    assert ROW in lines(text)  # the table rebuilt from the word boxes, keyed by its header


def test_ocr_table_cells_go_to_the_nearest_header_column() -> None:
    from indexing.formats.ocr_layout import page_lines

    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"

    def word(line: int, left: int, text: str) -> str:
        return f"5\t1\t1\t1\t{line}\t1\t{left}\t{line * 60}\t{len(text) * 20}\t40\t95\t{text}"

    rows = [
        word(1, 100, "Điều"),
        word(1, 200, "1."),
        word(1, 250, "Chỉ"),
        word(1, 330, "tiêu"),
        word(1, 420, "sau:"),
        word(2, 100, "Chỉ"),
        word(2, 180, "tiêu"),
        word(2, 900, "Đơn"),
        word(2, 980, "vị"),
        word(2, 1300, "2030"),
        word(3, 100, "Vốn"),
        word(3, 180, "đầu"),
        word(3, 260, "tư"),
        word(3, 1300, "1.200"),  # no unit
        word(4, 100, "Lao"),
        word(4, 180, "động"),
        word(4, 900, "người"),
        word(4, 1300, "800"),
    ]
    assert page_lines("\n".join([head, *rows])) == [
        "Điều 1. Chỉ tiêu sau:",
        "Chỉ tiêu | Đơn vị | 2030",
        "Chỉ tiêu: Vốn đầu tư; 2030: 1.200",
        "Chỉ tiêu: Lao động; Đơn vị: người; 2030: 800",
    ]


def test_only_pages_without_a_text_layer_are_ocred() -> None:
    events: list[tuple] = []
    loaded = load_bytes("mixed.pdf", f.pdf_text_then_scan(), limits=LIMITS, progress=events.append)
    assert loaded.meta["ocr_pages"] == [2] and loaded.meta["pages"] == 2
    assert ROW in loaded.text  # page 1 from its text layer, table intact
    assert "Kinh phí thực hiện Chương trình" in loaded.text  # page 2 by OCR
    assert events == [("ocr_pages", 1), ("ocr_page", 1, 1)]


def test_a_text_layer_without_unicode_map_is_read_by_ocr() -> None:
    loaded = load_bytes("cid.pdf", f.pdf_without_unicode_map(), limits=LIMITS)
    assert loaded.meta["ocr_pages"] == [1] and "(cid:" not in loaded.text
    got = lines(loaded.text)
    assert "Số: 1318/QĐ-UBND" in got and f.CLOSING[0] in got and f.CLOSING[1] in got
    assert ROW in got  # a ruled table: its borders are removed before OCR, then rebuilt


@pytest.mark.parametrize("sandbox", [True, False])
def test_missing_tesseract_is_reported_with_how_to_install(sandbox: bool) -> None:
    limits = dataclasses.replace(LIMITS, tesseract_cmd="/nonexistent/tesseract", sandbox=sandbox)
    with pytest.raises(
        LoadError,
        match=r"Tesseract .* not installed.*apt-get install -y tesseract-ocr tesseract-ocr-vie",
    ):
        load_bytes("scan.pdf", f.scanned_pdf(["Điều 1."]), limits=limits)


def test_scans_with_ocr_off_are_reported() -> None:
    with pytest.raises(LoadError, match="pages 1 have no text layer.*OCR is off"):
        load_bytes(
            "scan.pdf", f.scanned_pdf(["Điều 1."]), limits=dataclasses.replace(LIMITS, ocr=False)
        )


def test_doc_through_antiword() -> None:
    loaded = load_bytes("qd.doc", f.doc_decision(), limits=LIMITS)
    got = lines(loaded.text)
    assert ROW in got and got.index(f.DECISION[-1]) < got.index(ROW) < got.index(f.CLOSING[0])
    assert got[0] == "ỦY BAN NHÂN DÂN" and "Trần Văn Minh" in got
    assert loaded.meta["converter"] == "antiword"


def test_word_files_are_read_by_their_content_not_their_name() -> None:
    """Portals serve web pages, DOCX and RTF as .doc; a renamed .doc turns up as .docx."""
    as_docx = load_bytes("qd.docx", f.doc_decision(), limits=LIMITS)
    assert as_docx.meta["converter"] == "antiword" and ROW in as_docx.text
    as_doc = load_bytes("qd.doc", f.docx_decision(), limits=LIMITS)
    assert as_doc.meta["tables"] == 3 and ROW in as_doc.text
    page = (
        f"<html><body><article><p>{f.CLOSING[0]}</p><p>{f.CLOSING[1]}</p></article></body></html>"
    )
    assert f.CLOSING[1] in load_bytes("web.doc", page.encode(), limits=LIMITS).text
    with pytest.raises(LoadError, match="an RTF file under a Word name"):
        load_bytes("qd.doc", b"{\\rtf1\\ansi Quy\\'ea t \\'f0\\'ecnh}", limits=LIMITS)


def test_missing_doc_converter_is_reported() -> None:
    limits = dataclasses.replace(LIMITS, antiword_cmd="/nonexistent/antiword")
    with pytest.raises(LoadError, match=r"antiword .* not installed.*apt-get install -y antiword"):
        load_bytes("qd.doc", f.doc_decision(), limits=limits)


# -- legacy encodings ---------------------------------------------------------------------------
def _seed_texts() -> list[str]:
    return [f.decision_text()] + [
        unicodedata.normalize("NFC", p.read_text("utf-8"))
        for p in sorted(SEED_CORPUS.glob("*.txt"))
    ]


def test_vni_round_trips_whole_documents_exactly() -> None:
    for text in _seed_texts():
        loaded = load_bytes("vni.txt", f.legacy_bytes(text, "vni"), limits=LIMITS)
        assert loaded.meta["encoding"] == "vni"
        assert loaded.text == text


def test_tcvn3_round_trips_whole_documents() -> None:
    """TCVN3 has no capital toned letters: they come back in all-capital words and at the start
    of a sentence. Mid-sentence ("Văn phòng Ủy ban") the file itself only holds the small one."""
    for text in _seed_texts():
        loaded = load_bytes("tcvn3.txt", f.legacy_bytes(text, "tcvn3"), limits=LIMITS)
        assert loaded.meta["encoding"] == "tcvn3"
        assert len(loaded.text) == len(text) and loaded.text.lower() == text.lower()
        lost = [(a, b) for a, b in zip(text, loaded.text, strict=True) if a != b]
        assert all(
            a.isupper() and a not in legacy.TO_TCVN3.values() and b == a.lower() for a, b in lost
        )
        assert len(lost) <= 3, lost
    decision = load_bytes("qd.txt", f.legacy_bytes(f.decision_text(), "tcvn3"), limits=LIMITS).text
    assert decision == f.decision_text().replace("Văn phòng Ủy ban", "Văn phòng ủy ban")
    assert "QUYẾT ĐỊNH" in decision and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in decision


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_mojibake_saved_as_utf8_is_converted(encoding: str) -> None:
    text = f.decision_text()
    garbled = legacy.encode(text, encoding)  # what Windows-1252 showed, saved again as UTF-8
    mixed = "Ghi chú: bản chuyển đổi từ hệ thống cũ.\n" + garbled
    loaded = load_bytes("old.txt", mixed.encode("utf-8"), limits=LIMITS)
    assert loaded.meta == {"encoding": encoding, "encoding_fixed": "mojibake"}
    assert loaded.text.startswith("Ghi chú: bản chuyển đổi từ hệ thống cũ.\n")  # Unicode line kept
    assert ROW in loaded.text and "c«ng" not in loaded.text and "coâng" not in loaded.text
    page = (
        f"<html><body><article><p>{garbled.replace(chr(10), '</p><p>')}</p></article></body></html>"
    )
    assert (
        load_bytes("old.html", page.encode("utf-8"), limits=LIMITS).meta.get("encoding") == encoding
    )


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_docx_and_pdf_typed_in_legacy_fonts_are_converted(encoding: str) -> None:
    """Word files typed with .VnTime/VNI-Times fonts hold the legacy characters as text, and
    so do PDFs printed from them. (fpdf2 treats U+00AD, TCVN3's ư, as a soft hyphen and does
    not draw it, so the PDF case is VNI only.)"""
    paragraphs = [legacy.encode(p, encoding) for p in (*f.DECISION, *f.CLOSING)]
    docx = load_bytes("old.docx", f.docx_with(paragraphs), limits=LIMITS)
    assert docx.meta["encoding"] == encoding and f.CLOSING[0] in lines(docx.text)
    if encoding == "vni":
        pdf = load_bytes("old.pdf", f.pdf_lines(paragraphs), limits=LIMITS)
        assert pdf.meta["encoding"] == encoding and f.CLOSING[1] in lines(pdf.text)


def test_random_high_bytes_are_not_taken_for_tcvn3() -> None:
    for seed in range(20):
        rng = random.Random(seed)
        data = bytes(rng.choice(range(128, 256)) if rng.random() < 0.8 else 32 for _ in range(4000))
        try:
            loaded = load_bytes("noise.txt", data, limits=LIMITS)
        except LoadError as exc:
            assert not re.search("TCVN|VNI", str(exc))
            continue
        assert "encoding" not in loaded.meta
        assert legacy.detect(data.decode("latin-1")) is None


def test_unicode_vietnamese_and_western_text_are_left_alone() -> None:
    for text in _seed_texts():
        assert legacy.detect(text) is None
    french = "Le développement économique de la région est très rapide à Paris et en Provence. " * 5
    assert legacy.detect(french) is None


# -- limits ---------------------------------------------------------------------------------------
def test_zip_bomb_is_refused_before_parsing() -> None:
    bomb = f.docx_bomb(inflated_mb=60)
    assert len(bomb) < 300_000  # small on disk
    limits = dataclasses.replace(LIMITS, max_unzipped_bytes=20_000_000)
    with pytest.raises(
        LoadError, match=r"too large or too complex: DOCX unpacks to 6[01] MB, over the 20 MB limit"
    ):
        load_bytes("bomb.docx", bomb, limits=limits)


def test_zip_entry_count_limit() -> None:
    limits = dataclasses.replace(LIMITS, max_zip_entries=5)
    with pytest.raises(LoadError, match="too large or too complex: DOCX holds .* parts"):
        load_bytes("a.docx", f.docx_with(["Khu công nghiệp."]), limits=limits)


def test_parser_out_of_memory_is_too_large_and_the_next_file_still_loads() -> None:
    """A bomb the zip check lets through (limit raised) meets the worker's memory limit."""
    limits = dataclasses.replace(LIMITS, max_unzipped_bytes=10**10, memory_mb=600)
    with pytest.raises(LoadError, match="too large or too complex: .*600 MB"):
        load_bytes("bomb.docx", f.docx_bomb(inflated_mb=700), limits=limits)
    assert ROW in load_bytes("qd.docx", f.docx_decision(), limits=limits).text


def test_pdf_page_limit() -> None:
    limits = dataclasses.replace(LIMITS, max_pdf_pages=10)
    with pytest.raises(
        LoadError, match="too large or too complex: the PDF has 12 pages, over the limit of 10"
    ):
        load_bytes("long.pdf", f.pdf_blank_pages(12), limits=limits)


def test_parse_time_limit_kills_the_worker() -> None:
    slow = f.docx_many_paragraphs(300_000)
    limits = dataclasses.replace(LIMITS, timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(LoadError, match=r"too large or too complex: parsing took over 0.5 s"):
        load_bytes("slow.docx", slow, limits=limits)
    assert time.monotonic() - started < 10
    # Without the limit it parses, so the time-out above is the limit at work.
    assert "Khu công nghiệp" in load_bytes("slow.docx", slow, limits=LIMITS).text[:100]
