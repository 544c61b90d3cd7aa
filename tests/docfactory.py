"""Builds test documents of every supported (and some broken) kind, in memory."""

from __future__ import annotations

import io


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

HEADER = [
    (
        "ỦY BAN NHÂN DÂN\nTỈNH HÀ NAM",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
    ),
    ("Số: 1318/QĐ-UBND", "Hà Nam, ngày 4 tháng 3 năm 2025"),
]
DECISION = [
    "QUYẾT ĐỊNH",
    "Về việc ban hành Chương trình phát triển công nghiệp hỗ trợ tỉnh Hà Nam đến năm 2030",
    "ỦY BAN NHÂN DÂN TỈNH HÀ NAM",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Theo đề nghị của Giám đốc Sở Công Thương.",
    "QUYẾT ĐỊNH:",
    "Điều 1. Ban hành kèm theo Quyết định này Chương trình phát triển công nghiệp hỗ trợ tỉnh Hà Nam đến năm 2030 với các chỉ tiêu sau:",
]
TARGETS = [
    ["Chỉ tiêu", "Đơn vị", "2027", "2030"],
    ["Tỷ lệ nội địa hóa sản phẩm cơ khí", "%", "45", "60"],
    ["Số doanh nghiệp công nghiệp hỗ trợ", "doanh nghiệp", "120", "200"],
    ["Lao động qua đào tạo nghề", "người", "8.500", "12.000"],
]
CLOSING = [
    "Điều 2. Giao Sở Công Thương chủ trì, phối hợp với các sở, ngành liên quan tổ chức thực hiện Chương trình; định kỳ hằng năm báo cáo kết quả thực hiện.",
    "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Sở Công Thương và các đơn vị liên quan chịu trách nhiệm thi hành Quyết định này.",
]
SIGNATURE = [("Nơi nhận:\n- Như Điều 3;\n- Lưu: VT.", "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nTrần Văn Minh")]


def decision_text() -> str:
    """The fictional decision as plain text (what the legacy-encoding fixtures hold)."""
    rows = ["; ".join(f"{h}: {v}" for h, v in zip(TARGETS[0], r, strict=True)) for r in TARGETS[1:]]
    head = [c for row in HEADER for cell in row for c in cell.split("\n")]
    tail = [c for row in SIGNATURE for cell in row for c in cell.split("\n")]
    return "\n".join([*head, *DECISION, *rows, *CLOSING, *tail]) + "\n"


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


def docx_decision(title: str | None = None) -> bytes:
    """The decision as Word writes it: header and signature blocks in layout tables, the
    targets in a real table between Điều 1 and Điều 2."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    _docx_table(document, [list(r) for r in HEADER])
    for p in DECISION:
        document.add_paragraph(p)
    _docx_table(document, TARGETS, "Table Grid")
    for p in CLOSING:
        document.add_paragraph(p)
    _docx_table(document, [list(r) for r in SIGNATURE])
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def pdf_decision(pages: int = 1) -> bytes:
    """The decision as a text PDF (fpdf2, embedded DejaVu Serif), the targets in a ruled table."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", f"{FONT_DIR}/DejaVuSerif.ttf")
    pdf.add_font("DejaVu", "B", f"{FONT_DIR}/DejaVuSerif-Bold.ttf")
    pdf.set_font("DejaVu", size=11)
    for _ in range(pages):
        pdf.add_page()
        for left, right in HEADER:
            y = pdf.get_y()
            pdf.multi_cell(80, 6, left, align="C")
            end = pdf.get_y()
            pdf.set_xy(95, y)
            pdf.multi_cell(100, 6, right, align="C")
            pdf.set_y(max(end, pdf.get_y()) + 2)
        for p in DECISION:
            pdf.multi_cell(0, 6, p)
            pdf.ln(1)
        with pdf.table(col_widths=(90, 35, 25, 25)) as table:
            for row in TARGETS:
                cells = table.row()
                for value in row:
                    cells.cell(value)
        pdf.ln(2)
        for p in CLOSING:
            pdf.multi_cell(0, 6, p)
            pdf.ln(1)
    return bytes(pdf.output())


def scan_lines() -> list[str]:
    """The decision's running text as a typist would lay it out on paper (the scan's truth)."""
    rows = ["  ".join(r) for r in TARGETS]
    return [*DECISION, *rows, *CLOSING]


def scanned_pdf(
    lines: list[str] | None = None,
    dpi: int = 300,
    skew: float = 0.6,
    noise: float = 0.02,
    seed: int = 0,
) -> bytes:
    """A page of typed text rendered as an image (no text layer), slightly skewed and noisy,
    wrapped in a PDF the way a scanner saves it."""
    import random
    import textwrap

    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(seed)
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(f"{FONT_DIR}/DejaVuSerif.ttf", int(12 / 72 * dpi))
    y = int(0.8 * dpi)
    for line in lines if lines is not None else scan_lines():
        for part in textwrap.wrap(line, 75) or [""]:
            draw.text((int(0.9 * dpi), y), part, font=font, fill=rng.randint(0, 40))
            y += int(0.26 * dpi)
    page = page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
    pixels = page.load()
    for _ in range(int(width * height * noise / 10)):  # dust specks
        x, yy = rng.randrange(width - 2), rng.randrange(height - 2)
        for dx in range(rng.randint(1, 2)):
            pixels[x + dx, yy] = rng.randint(0, 120)
    buf = io.BytesIO()
    page.save(buf, "PDF", resolution=dpi)
    return buf.getvalue()


def legacy_bytes(text: str, encoding: str) -> bytes:
    """``text`` as a file typed with a TCVN3 (.VnTime) or VNI-Times font saves it."""
    from indexing.formats.legacy import encode

    return encode(text, encoding).encode("cp1252")


def doc_decision() -> bytes:
    """The decision as a Word 97-2003 .doc: the committed fixture, made once from
    :func:`docx_decision` with ``soffice --headless --convert-to doc`` (LibreOffice 7.4)."""
    from pathlib import Path

    return (Path(__file__).parent / "fixtures" / "decision.doc").read_bytes()
