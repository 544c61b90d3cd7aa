"""Builds test documents of every supported (and some broken) kind, in memory."""

from __future__ import annotations

import io
from dataclasses import dataclass


def pdf_with_text(text: str) -> bytes:
    """A one-page PDF whose text layer holds ``text`` (ASCII only: the base-14 font)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def pdf_without_text() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_encrypted(text: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with_text(text))))
    writer.encrypt("secret-password")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def docx_with(paragraphs: list[str], title: str | None = None) -> bytes:
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# -- official documents (fictional) ------------------------------------------------------------
FONT_DIR = "/usr/share/fonts/truetype/dejavu"  # Debian's fonts-dejavu-core

# Provinces with similar programmes and different figures (confusable pairs):
# decision number, signer, targets (localisation %, enterprises, trained workers) for 2027/2030.
PROVINCES = {
    "Hà Nam": ("1318", "Trần Văn Minh", ("45", "60"), ("120", "200"), ("8.500", "12.000")),
    "Hà Tĩnh": ("2207", "Lê Thị Hoa", ("40", "55"), ("90", "150"), ("6.000", "9.500")),
    "Nam Định": ("845", "Phạm Quốc Bảo", ("38", "52"), ("110", "180"), ("7.200", "10.400")),
    "Ninh Bình": ("1502", "Đỗ Văn Hùng", ("35", "50"), ("80", "140"), ("5.400", "8.800")),
    "Thái Bình": ("973", "Vũ Thị Lan", ("42", "58"), ("100", "170"), ("6.800", "11.200")),
    "Hưng Yên": ("1766", "Ngô Đức Thắng", ("50", "65"), ("150", "260"), ("9.100", "14.500")),
}


@dataclass(frozen=True)
class Decision:
    """A fictional Quyết định of a province's supporting-industry programme, in parts."""

    header: list[tuple[str, str]]
    decision: list[str]
    targets: list[list[str]]
    closing: list[str]
    signature: list[tuple[str, str]]


def decision(province: str = "Hà Nam") -> Decision:
    number, signer, share, firms, workers = PROVINCES[province]
    upper = province.upper()
    return Decision(
        header=[
            (
                f"ỦY BAN NHÂN DÂN\nTỈNH {upper}",
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
            ),
            (f"Số: {number}/QĐ-UBND", f"{province}, ngày 4 tháng 3 năm 2025"),
        ],
        decision=[
            "QUYẾT ĐỊNH",
            f"Về việc ban hành Chương trình phát triển công nghiệp hỗ trợ tỉnh {province} đến năm 2030",
            f"ỦY BAN NHÂN DÂN TỈNH {upper}",
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
            "Theo đề nghị của Giám đốc Sở Công Thương.",
            "QUYẾT ĐỊNH:",
            f"Điều 1. Ban hành kèm theo Quyết định này Chương trình phát triển công nghiệp hỗ trợ tỉnh {province} đến năm 2030 với các chỉ tiêu sau:",
        ],
        targets=[
            ["Chỉ tiêu", "Đơn vị", "2027", "2030"],
            ["Tỷ lệ nội địa hóa sản phẩm cơ khí", "%", *share],
            ["Số doanh nghiệp công nghiệp hỗ trợ", "doanh nghiệp", *firms],
            ["Lao động qua đào tạo nghề", "người", *workers],
        ],
        closing=[
            "Điều 2. Giao Sở Công Thương chủ trì, phối hợp với các sở, ngành liên quan tổ chức thực hiện Chương trình; định kỳ hằng năm báo cáo kết quả thực hiện.",
            "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Sở Công Thương và các đơn vị liên quan chịu trách nhiệm thi hành Quyết định này.",
        ],
        signature=[
            ("Nơi nhận:\n- Như Điều 3;\n- Lưu: VT.", f"KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n{signer}")
        ],
    )


_HA_NAM = decision()
HEADER, DECISION, TARGETS = _HA_NAM.header, _HA_NAM.decision, _HA_NAM.targets
CLOSING, SIGNATURE = _HA_NAM.closing, _HA_NAM.signature


def target_row(province: str, row: int) -> str:
    """A target row as the loaders write it (header-keyed)."""
    t = decision(province).targets
    return "; ".join(f"{h}: {v}" for h, v in zip(t[0], t[row], strict=True))


def decision_text(province: str = "Hà Nam") -> str:
    """The fictional decision as plain text (what the legacy-encoding fixtures hold)."""
    d = decision(province)
    rows = [target_row(province, i) for i in range(1, len(d.targets))]
    head = [c for row in d.header for cell in row for c in cell.split("\n")]
    tail = [c for row in d.signature for cell in row for c in cell.split("\n")]
    return "\n".join([*head, *d.decision, *rows, *d.closing, *tail]) + "\n"


def _docx_table(document: object, rows: list, style: str | None = None) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))  # type: ignore[attr-defined]
    if style:
        table.style = style
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            lines = value.split("\n")
            cell.text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)


def docx_decision(title: str | None = None, province: str = "Hà Nam") -> bytes:
    """The decision as Word writes it: header and signature blocks in layout tables, the
    targets in a real table between Điều 1 and Điều 2."""
    import docx

    d = decision(province)
    document = docx.Document()
    if title:
        document.core_properties.title = title
    _docx_table(document, [list(r) for r in d.header])
    for p in d.decision:
        document.add_paragraph(p)
    _docx_table(document, d.targets, "Table Grid")
    for p in d.closing:
        document.add_paragraph(p)
    _docx_table(document, [list(r) for r in d.signature])
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def pdf_decision(pages: int = 1, province: str = "Hà Nam") -> bytes:
    """The decision as a text PDF (fpdf2, embedded DejaVu Serif), the targets in a ruled table."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", f"{FONT_DIR}/DejaVuSerif.ttf")
    pdf.add_font("DejaVu", "B", f"{FONT_DIR}/DejaVuSerif-Bold.ttf")
    pdf.set_font("DejaVu", size=11)
    d = decision(province)
    for _ in range(pages):
        pdf.add_page()
        for left, right in d.header:
            y = pdf.get_y()
            pdf.multi_cell(80, 6, left, align="C")
            end = pdf.get_y()
            pdf.set_xy(95, y)
            pdf.multi_cell(100, 6, right, align="C")
            pdf.set_y(max(end, pdf.get_y()) + 2)
        for p in d.decision:
            pdf.multi_cell(0, 6, p)
            pdf.ln(1)
        with pdf.table(col_widths=(90, 35, 25, 25)) as table:
            for row in d.targets:
                cells = table.row()
                for value in row:
                    cells.cell(value)
        pdf.ln(2)
        for p in d.closing:
            pdf.multi_cell(0, 6, p)
            pdf.ln(1)
    return bytes(pdf.output())


def pdf_lines(paragraphs: list[str]) -> bytes:
    """A text PDF of paragraphs in DejaVu Serif (any Unicode, legacy-font characters too)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", f"{FONT_DIR}/DejaVuSerif.ttf")
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    for p in paragraphs:
        pdf.multi_cell(0, 6, p)
        pdf.ln(1)
    return bytes(pdf.output())


def pdf_without_unicode_map() -> bytes:
    """The decision PDF with its fonts' ToUnicode maps removed: it prints right, but its text
    layer reads as ``(cid:1)(cid:2)Q %,Q,-.`` (as some converters leave Vietnamese PDFs)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_decision())))
    for page in writer.pages:
        resources = page["/Resources"].get_object()
        assert isinstance(resources, DictionaryObject)
        fonts = resources["/Font"].get_object()
        assert isinstance(fonts, DictionaryObject)
        for key in fonts:
            font = fonts[key].get_object()
            if isinstance(font, DictionaryObject) and "/ToUnicode" in font:
                del font[NameObject("/ToUnicode")]
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def scan_lines(province: str = "Hà Nam") -> list[str | list[str]]:
    """The decision's running text as typed on paper, the targets as a table at tab stops."""
    d = decision(province)
    return [*d.decision, *d.targets, *d.closing]


def scanned_pdf(lines: list | None = None, dpi: int = 300, seed: int = 0) -> bytes:
    """A page of typed text as an image-only PDF (slight skew and dust), as a scanner saves it."""
    from evals.ocr_accuracy import render_scan, wrap

    return render_scan(wrap(lines if lines is not None else scan_lines()), dpi=dpi, seed=seed)


def legacy_bytes(text: str, encoding: str) -> bytes:
    """``text`` as a file typed with a TCVN3 (.VnTime) or VNI-Times font saves it."""
    from indexing.formats.legacy import encode

    return encode(text, encoding).encode("cp1252")


def doc_decision() -> bytes:
    """The decision as a Word 97-2003 .doc: the committed fixture, made once from
    :func:`docx_decision` with ``soffice --headless --convert-to doc`` (LibreOffice 7.4)."""
    from pathlib import Path

    return (Path(__file__).parent / "fixtures" / "decision.doc").read_bytes()


def _rezip(docx_bytes: bytes, document_xml: object) -> bytes:
    """A copy of a DOCX whose word/document.xml is written by ``document_xml(stream)``."""
    import zipfile

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx_bytes)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            if item.filename == "word/document.xml":
                with dst.open(item.filename, "w", force_zip64=True) as stream:
                    document_xml(stream)  # type: ignore[operator]
            else:
                dst.writestr(item, src.read(item))
    return out.getvalue()


def docx_bomb(inflated_mb: int) -> bytes:
    """A small DOCX whose document.xml inflates to ``inflated_mb`` MB (whitespace padding)."""
    original = docx_with(["Khu công nghiệp."])
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(original)).read("word/document.xml")
    head, rest = xml.split(b"?>", 1)

    def write(stream: io.RawIOBase) -> None:
        stream.write(head + b"?>")
        block = b" " * 1_000_000
        for _ in range(inflated_mb):
            stream.write(block)
        stream.write(rest)

    return _rezip(original, write)


def docx_many_paragraphs(count: int) -> bytes:
    """A valid DOCX with ``count`` short paragraphs: cheap to build, slow to parse."""
    original = docx_with(["x"])
    ns = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def write(stream: io.RawIOBase) -> None:
        stream.write(b'<?xml version="1.0" encoding="UTF-8"?><w:document ' + ns + b"><w:body>")
        para = b"<w:p><w:r><w:t>Khu c\xc3\xb4ng nghi\xe1\xbb\x87p</w:t></w:r></w:p>"
        for _ in range(count // 1000):
            stream.write(para * 1000)
        stream.write(b"</w:body></w:document>")

    return _rezip(original, write)


def pdf_blank_pages(count: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(612, 792)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_text_then_scan() -> bytes:
    """Page 1 with a text layer (the decision), page 2 a scan of other text."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf_decision())))
    scan = ["Điều 4. Kinh phí thực hiện Chương trình do ngân sách tỉnh bảo đảm."]
    writer.append(PdfReader(io.BytesIO(scanned_pdf(scan))))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
