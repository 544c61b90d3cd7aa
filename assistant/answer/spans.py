"""Typed spans in a sentence: money, percent, area, counts of a noun, dates, people, bodies,
document numbers, places and enumerations, each with its character offsets.

Patterns run on the display text (accents kept), so offsets are offsets into the quote itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from assistant.vietnamese import fold

# Letter classes by case: a range like "À-Ỹ" also holds lowercase letters, so list them.
_LATIN = [chr(c) for c in range(0x00C0, 0x1EFA) if chr(c).isalpha()]
UPPER = "A-Z" + "".join(c for c in _LATIN if c.isupper())
LOWER = "a-z" + "".join(c for c in _LATIN if c.islower())


class AType(StrEnum):
    """The type of the answer a question expects."""

    MONEY = "money"
    PERCENT = "percent"
    AREA = "area"
    COUNT = "count"
    NUMBER = "number"  # a quantity of unknown measure ("đạt bao nhiêu?")
    DATE = "date"
    YEAR = "year"
    PERIOD = "period"
    PERSON = "person"
    ORG = "org"
    DOCNUM = "docnum"
    PLACE = "place"
    LIST = "list"
    OTHER = "other"  # descriptive: no span to extract


@dataclass(frozen=True)
class Span:
    type: AType
    start: int
    end: int
    text: str


_NUM = r"\d+(?:[.,]\d+)*"
_APPROX = r"(?:(?:hơn|(?<!dựa )trên|gần|khoảng|xấp xỉ|gần như|chưa đến|dưới|over|about|nearly|almost|more than|around)\s+)?"
_SCALE = r"(?:\s*(?:nghìn|ngàn|triệu|tỷ|tỉ|trăm|thousand|million|billion|trillion|bn|m)\b)*"
_MONEY = re.compile(
    rf"{_APPROX}(?:US\$|\$)?{_NUM}{_SCALE}\s*(?:đồng|VNĐ|VND|USD|US\$|đô la(?: Mỹ)?|dollars?|euro|EUR|yên|yen|NDT|nhân dân tệ)"
    rf"(?:\s*/\s*(?:m2|m²|m3|m³|ha|năm|tháng|người|lao động|chu kỳ(?: thuê)?|kWh|tấn|ngày))*|{_APPROX}(?:US\$|\$){_NUM}{_SCALE}",
    re.I,
)
_PERCENT = re.compile(rf"{_APPROX}{_NUM}\s*(?:%|phần trăm|percent)", re.I)
_AREA = re.compile(
    rf"{_APPROX}{_NUM}{_SCALE}\s*(?:ha\b|hecta|héc-ta|hécta|m2|m²|km2|km²|mét vuông|square met)",
    re.I,
)
_YEAR_RE = r"(?:19|20)\d{2}"
_PERIOD = re.compile(
    rf"(?:giai đoạn|thời kỳ|từ năm|period)?\s*(?:năm\s+)?\b{_YEAR_RE}\s*(?:[-–—]|đến|tới|to)\s*(?:năm\s+)?{_YEAR_RE}\b",
    re.I,
)
_DATE = re.compile(
    r"(?:(?:ngày|sáng|chiều|tối|trưa|đêm)\s+)?\b\d{1,2}\s*[-/]\s*\d{1,2}(?:\s*[-/]\s*(?:19|20)\d{2})?\b(?![–-]?\d)"
    r"|\b(?:ngày\s+\d{1,2}\s+)?tháng\s+\d{1,2}(?:\s*(?:/|năm)\s*(?:19|20)\d{2})?"
    r"|\b(?:quý|quarter)\s+(?:I{1,3}|IV|[1-4])\b(?:\s*(?:/|năm)\s*(?:19|20)\d{2})?"
    r"|\b\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)\b",
    re.I,
)
_YEAR = re.compile(rf"(?:(?:năm|đến|từ|in|by)\s+)?\b{_YEAR_RE}\b", re.I)
# When a legal text takes effect without a calendar date: "có hiệu lực kể từ ngày ký".
_SIGNING = re.compile(r"\b(?:kể\s+)?từ\s+ngày\s+(?:ký|ban hành|công bố|thông qua)\b", re.I)
_DOCNUM = re.compile(
    r"(?:(?:Quyết định|Nghị quyết|Nghị định|Thông tư|Công văn|Công điện|Chỉ thị|Kế hoạch|Luật|Decision|Resolution|Decree)\s+(?:số\s+|No\.?\s*)?)?"
    r"\b\d+(?:/\d{4})?[/-][A-ZĐ]{1,6}(?:-[A-ZĐ][A-Za-zĐđ]{0,7})*(?:/[A-ZĐ]{1,6})?\b",
)
_SURNAMES = (
    "Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Đào|Đinh|Trương|"
    "Lâm|Mai|Tạ|Trịnh|Đoàn|Lương|Cao|Hà|Tô|Châu|Thái|Kiều|Quách|Hứa|Tôn|Phùng|Lưu|La|Chu|Triệu|"
    "Nghiêm|Thân|Vương|Khúc|Âu|Từ|Lại|Mạc|Giang|Văn|Doãn|Nông|Lò|Y|H'"
)
_CAP = rf"[{UPPER}][{LOWER}]+"
_PERSON = re.compile(
    rf"(?:(?:ông|bà|Ông|Bà|anh|chị|Anh|Chị|TS\.?|ThS\.?|PGS\.?|GS\.?|Mr\.?|Mrs\.?|Ms\.?)\s+{_CAP}(?:\s+{_CAP}){{1,3}}"
    rf"|\b(?:{_SURNAMES})(?:\s+{_CAP}){{2,3}})"
)
_ORG_HEAD = (
    r"Ban [Qq]uản lý|Sở|Bộ|UBND|Ủy ban|Công ty|Tập đoàn|Tổng công ty|Trung tâm|Viện|Ngân hàng|"
    r"Hiệp hội|Quỹ|Cục|Tổng cục|Trường|Đại học|Hội đồng|Văn phòng|Tổ chức"
)
_ORG = re.compile(
    rf"\b(?:{_ORG_HEAD})\b(?:\s+(?:{_CAP}|[A-ZĐ]{{2,}}(?:-[A-ZĐ]+)*|[{LOWER}]+|TP\.?\s?HCM|&|-)){{1,9}}"
)
_PLACE = re.compile(
    rf"(?:\b(?:tại|ở|in|at)\s+)(?:số\s+)?(?:\d+(?:[–-]\d+)?\s+)?(?:{_CAP}|[A-ZĐ]{{2,}})(?:\s+(?:{_CAP}|\d+|[A-ZĐ]{{2,}}))*"
    rf"|\b\d+(?:[–-]\d+)?\s+{_CAP}(?:\s+{_CAP})+"
)
# Enumerations: three items, or two joined by "và/and", items short and punctuation-free.
_ITEM = r"[^,;:.()\n]{2,60}?"
_LIST = re.compile(
    rf"{_ITEM}(?:\s*[,;]\s*{_ITEM}){{1,}}\s*(?:,\s*)?(?:và|and|cùng)\s+{_ITEM}(?=[.;:)]|$|\s*\(|,)|{_ITEM}(?:\s*[,;]\s*{_ITEM}){{2,}}(?=[.;:)]|$)"
)
_NUMBER_PLAIN = re.compile(rf"{_APPROX}{_NUM}{_SCALE}")


def _spans(pattern: re.Pattern[str], text: str, t: AType) -> list[Span]:
    out = []
    for m in pattern.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1] in " ,;":
            end -= 1
        if end > start:
            out.append(Span(t, start, end, text[start:end]))
    return out


def _is_year(text: str) -> bool:
    return bool(re.fullmatch(rf"(?:(?:năm|đến|từ|in|by)\s+)?{_YEAR_RE}", text.strip(), re.I))


def count_spans(text: str, noun: str | None) -> list[Span]:
    """Numbers followed (within two words) by the counted noun, e.g. "hơn 30 doanh nghiệp".

    Without a noun: numbers that are not dates, years, percentages, money or "số 3" labels."""
    taken = [
        (s.start, s.end)
        for p, t in ((_DATE, AType.DATE), (_PERIOD, AType.PERIOD), (_PERCENT, AType.PERCENT))
        for s in _spans(p, text, t)
    ]
    out = []
    folded = fold(text)  # same length as text for Vietnamese letters (NFC input)
    same_length = len(folded) == len(text)
    for m in _NUMBER_PLAIN.finditer(text):
        start, end = m.start(), m.end()
        digits = re.search(r"\d", m.group(0))
        if digits is None or any(a <= start + digits.start() < b for a, b in taken):
            continue
        if _is_year(text[start + digits.start() : end]):
            continue
        before = text[max(0, start - 6) : start].lower()
        if re.search(r"(?:số|no\.?|lần|thứ|khóa|kỳ|điều|khoản)\s*$", before):
            continue
        if noun:
            rest = folded[end : end + 40] if same_length else fold(text[end : end + 40])
            words = re.findall(r"[^\W_]+", rest)
            full = noun.split()
            forms = [full, full[:2], full[-2:], full[:1]] if len(full) > 1 else [full]
            found = False
            for skip, noun_words in ((k, f) for f in forms for k in range(0, 3)):
                # "30 doanh nghiệp", "30 đại diện doanh nghiệp"
                if words[skip : skip + len(noun_words)] == noun_words:
                    end_word = skip + len(noun_words)
                    # extend the span to the end of the noun words
                    last = re.search(
                        r"\s*".join([r"[^\w]*".join(map(re.escape, words[:end_word]))]), rest
                    )
                    end = end + last.end() if last else end
                    found = True
                    break
            if not found:
                continue
        else:
            tail = re.match(rf"\s+[{LOWER}]+(?:\s+[{LOWER}]+)?", text[end:])
            if tail is not None:
                end += tail.end()
        while start < end and text[start].isspace():
            start += 1
        out.append(Span(AType.COUNT, start, end, text[start:end]))
    return out


_TYPED = {
    AType.MONEY: _MONEY,
    AType.PERCENT: _PERCENT,
    AType.AREA: _AREA,
    AType.PERIOD: _PERIOD,
    AType.DATE: _DATE,
    AType.DOCNUM: _DOCNUM,
    AType.PERSON: _PERSON,
    AType.ORG: _ORG,
    AType.PLACE: _PLACE,
    AType.LIST: _LIST,
}


# A table row as the loaders write it: "Chỉ tiêu: …; Đơn vị: ha; 2027: 75; 2030: 150". The unit
# is a column of its own, so a figure's measure comes from "Đơn vị", and the span is the whole
# cell ("2030: 150"): its key says which year or column the figure is for.
_ROW_UNIT = re.compile(r"(?:^|;\s*)Đơn vị(?: tính)?:\s*(?P<unit>[^;]+)", re.I)
_ROW_CELL = re.compile(rf"(?:^|(?<=;\s))(?P<cell>[^:;]{{1,40}}:\s*{_APPROX}{_NUM}\s*%?)\s*(?=;|$)")


def _row_type(unit: str) -> AType:
    unit = unit.strip().lower()
    if "%" in unit or "phần trăm" in unit:
        return AType.PERCENT
    if unit in ("ha", "héc-ta", "hecta", "m2", "m²", "km2", "km²") or unit.split()[:1] == ["ha"]:
        return AType.AREA
    if any(w in unit for w in ("đồng", "usd", "đô la")):
        return AType.MONEY
    return AType.COUNT


def table_spans(text: str, wanted: AType) -> list[Span]:
    """The figure cells of a table row whose unit fits the wanted type (else none)."""
    unit = _ROW_UNIT.search(text)
    if unit is None:
        return []
    kind = _row_type(unit["unit"])
    if wanted not in (kind, AType.NUMBER):
        return []
    return [
        Span(kind, m.start("cell"), m.end("cell"), m["cell"])
        for m in _ROW_CELL.finditer(text)
        if not m["cell"].lower().startswith(("đơn vị", "chỉ tiêu", "stt"))
    ]


def find_spans(text: str, wanted: AType, noun: str | None = None) -> list[Span]:
    """Spans of the wanted type in a sentence (empty for descriptive questions)."""
    if wanted is AType.OTHER:
        return []
    if wanted in (AType.MONEY, AType.PERCENT, AType.AREA, AType.COUNT, AType.NUMBER) and (
        row := table_spans(text, wanted)
    ):
        return row
    if wanted is AType.COUNT:
        return count_spans(text, noun)
    if wanted is AType.NUMBER:
        spans = [
            *_spans(_MONEY, text, AType.MONEY),
            *_spans(_PERCENT, text, AType.PERCENT),
            *_spans(_AREA, text, AType.AREA),
        ]
        return spans or count_spans(text, None)
    if wanted is AType.YEAR:
        spans = [s for s in _spans(_YEAR, text, AType.YEAR)]
        return spans + _spans(_PERIOD, text, AType.PERIOD)
    if wanted is AType.DATE:
        return (
            _spans(_DATE, text, AType.DATE)
            or _spans(_PERIOD, text, AType.PERIOD)
            or _spans(_SIGNING, text, AType.DATE)
        )
    if wanted is AType.PERIOD:  # "vào thời gian nào": a year range, else a month or a date
        return _spans(_PERIOD, text, AType.PERIOD) or _spans(_DATE, text, AType.DATE)
    if wanted is AType.LIST and "," not in text and ";" not in text:
        return []  # every list needs a separator; the pattern is slow to find that out
    return _spans(_TYPED[wanted], text, wanted)


# What the short answer leaves out: hedges, the word introducing a date, honorifics, the kind of
# document ("Quyết định số 586/QĐ-UBND" → "586/QĐ-UBND"). "hơn", "trên", "gần" change the
# figure's meaning and stay.
_SHORT_TRIM = re.compile(
    r"^(?:(?:khoảng|xấp xỉ|around|about|approximately|ngày|sáng|chiều|tối|trưa|đêm|ông|bà|anh|chị|"
    r"Mr\.?|Mrs\.?|Ms\.?)\s+|(?:Quyết định|Nghị quyết|Nghị định|Thông tư|Công văn|Công điện|"
    r"Chỉ thị|Kế hoạch|Luật|Decision|Resolution|Decree)\s+(?:số\s+|No\.?\s*)?)+",
    re.I,
)


def short_offsets(span: Span) -> tuple[int, int]:
    """Offsets (in the sentence) of the short answer inside a span."""
    m = _SHORT_TRIM.match(span.text)
    cut = m.end() if m and m.end() < len(span.text) else 0
    return span.start + cut, span.end
