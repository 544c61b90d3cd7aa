from pathlib import Path

import pytest

from indexing.cleaning import clean
from indexing.metadata import extract, parse_date, read_manifest

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("Tường Minh LDO | 20/02/2023 07:55", None, "2023-02-20T07:55"),
        ("date 2026-01-13 Ngày 13-1, Trung tâm", None, "2026-01-13"),
        ("Ngày 13-1, Trung tâm", 2026, "2026-01-13"),
        ("Ngày 28-10, Ban quản lý", 2025, "2025-10-28"),
        ("Ngày 28-10, Ban quản lý", None, None),
        ("ngày 31/02/2023", None, None),
    ],
)
def test_parse_date(text: str, hint: int | None, expected: str | None) -> None:
    assert parse_date(text, hint) == expected


def test_seed_metadata() -> None:
    manifest = read_manifest(CORPUS)
    got = {}
    for path in sorted(CORPUS.glob("*.txt")):
        meta = extract(path.stem, clean(path.read_text("utf-8")), None, manifest.get(path.stem))
        got[path.stem[:3]] = meta
    assert (
        got["000"].title == "Đà Nẵng: Khu công nghệ cao liên kết với các khu kinh tế trong khu vực"
    )
    assert (got["000"].published, got["000"].outlet, got["000"].author) == (
        "2023-02-20T07:55",
        "Lao Động",
        "Tường Minh",
    )
    assert (got["001"].published, got["001"].outlet, got["001"].author) == (
        "2025-10-28",
        "Báo Gia Lai/TTXVN",
        "Mỹ Phương",
    )
    assert got["002"].outlet == "Tạp chí điện tử Môi trường và Đô thị Việt Nam"
    assert got["002"].title.startswith("Triển khai thành lập Khu công nghiệp hỗ trợ")
    assert (got["003"].published, got["003"].author) == ("2026-01-13", "Xuân Quỳnh")
    assert (
        got["004"].title == "Long An: Đặt mục tiêu công nghiệp hỗ trợ đáp ứng 70% nhu cầu nội địa"
    )


def test_manifest_overrides(tmp_path: Path) -> None:
    (tmp_path / "manifest.toml").write_text('["x"]\noutlet = "Báo X"\npublished = "2024-01-02"\n')
    entry = read_manifest(tmp_path)["x"]
    meta = extract("x", clean("Tiêu đề bài báo về khu kinh tế\nNội dung dài " * 3), None, entry)
    assert (meta.outlet, meta.published) == ("Báo X", "2024-01-02")


def test_bad_manifest_is_reported(tmp_path: Path) -> None:
    (tmp_path / "manifest.toml").write_text("[unclosed\n")
    with pytest.raises(ValueError, match="manifest.toml"):
        read_manifest(tmp_path)
