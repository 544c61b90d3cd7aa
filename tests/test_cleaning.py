"""The cleaner against a labelled fixture of every line of the seeds, and on unseen layouts."""

import json
from pathlib import Path

import pytest

from indexing.cleaning import clean

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "seed_lines.json").read_text("utf-8"))
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _labelled(doc_id: str) -> tuple[set[str], set[str]]:
    lines = FIXTURE[doc_id]
    keep = {x["text"] for x in lines if x["label"] in ("body", "title")}
    drop = {x["text"] for x in lines if x["label"] not in ("body", "title")} - keep
    return keep, drop


def test_precision_and_recall_on_seed_lines() -> None:
    tp = fp = fn = 0
    for doc_id in FIXTURE:
        keep, _ = _labelled(doc_id)
        got = set(clean((CORPUS / f"{doc_id}.txt").read_text("utf-8")).body.splitlines())
        tp += len(got & keep)
        fp += len(got - keep)
        fn += len(keep - got)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert (precision, recall) == (1.0, 1.0), f"precision {precision:.3f}, recall {recall:.3f}"


@pytest.mark.parametrize(
    "noise",
    [
        "MỚI NHẤT",
        "Theo dõi Báo Gia Lai trên Google News",
        "Tin mới nhất",
        "Có thể bạn quan tâm",
        "null",
        "Tags :",
        "Email của bạn sẽ không được hiển thị công khai. Các trường bắt buộc được đánh dấu *",
        "Lorem ipsum dolor sit amet consectetur adipiscing elit dolor",
        "Xuất khẩu gạo 10 tháng đạt 3,7 tỷ USD",
        "Ảnh minh hoạ",
    ],
)
def test_known_noise_never_reaches_the_body(noise: str) -> None:
    bodies = "\n".join(clean((CORPUS / f"{d}.txt").read_text("utf-8")).body for d in FIXTURE)
    assert noise not in bodies


UNSEEN = """TRANG CHỦ
Đăng nhập
Bình Dương thu hút thêm 500 triệu USD vốn FDI vào các khu công nghiệp
Thứ hai, 03/03/2025 09:15 | Nguyễn An VNE
Trong hai tháng đầu năm, các khu công nghiệp tỉnh Bình Dương thu hút thêm 500 triệu USD vốn đầu tư trực tiếp nước ngoài, tăng 20% so với cùng kỳ.
Theo Ban quản lý các khu công nghiệp tỉnh, phần lớn dự án mới thuộc lĩnh vực điện tử và cơ khí chính xác.
Toàn cảnh khu công nghiệp VSIP. Ảnh: Nguyễn An
Toàn cảnh khu công nghiệp VSIP. Ảnh: Nguyễn An
Tin liên quan
Đồng Nai khởi công khu công nghiệp mới rộng 1.000 ha
Giá vàng hôm nay tăng mạnh
Bình luận
Gửi bình luận
"""


def test_unseen_layout() -> None:
    cleaned = clean(UNSEEN)
    body = cleaned.body.splitlines()
    assert body[0] == "Bình Dương thu hút thêm 500 triệu USD vốn FDI vào các khu công nghiệp"
    assert any(line.startswith("Trong hai tháng đầu năm") for line in body)
    assert (
        "Toàn cảnh khu công nghiệp VSIP." in body
        and body.count("Toàn cảnh khu công nghiệp VSIP.") == 1
    )
    assert not any("Đồng Nai khởi công" in line or "Giá vàng" in line for line in body)
    assert not any(line in ("TRANG CHỦ", "Đăng nhập", "Gửi bình luận") for line in body)
    assert (cleaned.hints["byline"], cleaned.hints["date"]) == ("Nguyễn An VNE", "03/03/2025 09:15")
