import unicodedata

import pytest

from assistant.vietnamese import normalize
from indexing.loaders import LoadError, load_bytes
from tests.docfactory import (
    doc_decision,
    docx_with,
    pdf_encrypted,
    pdf_with_text,
    pdf_without_text,
)

MB = 1_000_000
VI = "Khu công nghiệp hỗ trợ ứng dụng công nghệ cao tại Thành phố Hồ Chí Minh."


def test_utf8_utf16_and_windows_1258() -> None:
    assert load_bytes("a.txt", VI.encode("utf-8"), MB).text == VI
    assert load_bytes("a.txt", b"\xef\xbb\xbf" + VI.encode("utf-8"), MB).text == VI
    assert load_bytes("a.txt", VI.encode("utf-16"), MB).text == VI
    legacy = "Khu công nghiệp Long An đáp ứng nhu cầu nội địa. " * 5
    decoded = load_bytes("a.txt", _cp1258(legacy), MB).text
    assert normalize(decoded) == legacy


def _cp1258(text: str) -> bytes:
    """Windows-1258 keeps shaped vowels (ê, ơ) precomposed and writes tones as combining marks."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n ", "empty file"),
        ("binary.txt", bytes(range(256)) * 8, "binary"),
        ("image.png", b"\x89PNG\r\n", "unsupported file type .png"),
        ("blank.pdf", pdf_without_text(), "PDF has no text"),
        ("locked.pdf", pdf_encrypted("secret"), "encrypted PDF"),
        ("broken.pdf", b"%PDF-1.4 garbage", "unreadable PDF"),
        ("broken.docx", b"PK\x03\x04 not a zip", "corrupt or unreadable DOCX"),
        # Partial files (an interrupted copy or upload).
        ("half.docx", docx_with([VI] * 50)[:6000], "corrupt or unreadable DOCX"),
        ("half.pdf", pdf_with_text("Long An")[:300], "unreadable PDF"),
        ("half.doc", doc_decision()[:8000], "unreadable .doc: not a Word Document"),
    ],
)
def test_bad_files_raise_a_clear_reason(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(LoadError, match=reason):
        load_bytes(name, data, MB)


def test_size_limit() -> None:
    with pytest.raises(LoadError, match="over the 1 MB limit"):
        load_bytes("big.txt", b"a" * (MB + 1), MB)


def test_pdf_and_docx_text() -> None:
    assert (
        "Long An supporting industry"
        in load_bytes("a.pdf", pdf_with_text("Long An supporting industry"), MB).text
    )
    loaded = load_bytes("a.docx", docx_with([VI, "Đoạn thứ hai."], title="Tiêu đề"), MB)
    assert VI in loaded.text and loaded.meta["title"] == "Tiêu đề"


def test_html_main_content_and_metadata() -> None:
    page = f"""<html><head><title>Long An phát triển công nghiệp hỗ trợ</title>
    <meta property="og:site_name" content="Báo Long An">
    <meta name="author" content="Minh Anh">
    <meta property="article:published_time" content="2024-05-06T08:00:00+07:00"></head>
    <body><nav>Trang chủ | Thời sự | Kinh tế</nav><article><h1>Long An phát triển công nghiệp hỗ trợ</h1>
    <p>{VI} {VI}</p><p>Tỉnh đặt mục tiêu đáp ứng 70% nhu cầu nội địa về linh kiện và phụ tùng.</p>
    </article><footer>Bản quyền thuộc về Báo Long An</footer></body></html>"""
    loaded = load_bytes("page.html", page.encode(), MB)
    assert "70% nhu cầu nội địa" in loaded.text
    assert "Thời sự" not in loaded.text
    assert loaded.meta["sitename"] == "Báo Long An"
    assert loaded.meta["date"].startswith("2024-05-06")


@pytest.mark.parametrize(
    ("legacy", "encoding"),
    [
        ("Khu c«ng nghiÖp hç trî ViÖt Nam ph¸t triÓn m¹nh t¹i §µ N½ng vµ Long An.", "tcvn3"),
        (
            "Khu coâng nghieäp hoã trôï Vieät Nam phaùt trieån maïnh taïi Ñaø Naüng vaø Long An.",
            "vni",
        ),
    ],
)
def test_legacy_font_encodings_are_converted(legacy: str, encoding: str) -> None:
    data = (legacy + "\n") * 5
    loaded = load_bytes("old.txt", data.encode("cp1252"), MB)
    expected = "Khu công nghiệp hỗ trợ Việt Nam phát triển mạnh tại Đà Nẵng và Long An."
    assert loaded.text == (expected + "\n") * 5
    assert loaded.meta["encoding"] == encoding


def test_western_european_text_is_not_taken_for_legacy_vietnamese() -> None:
    text = "Le développement économique de la région est très rapide à Paris et en Provence. " * 5
    assert "économique" in load_bytes("fr.txt", text.encode("cp1252"), MB).text
