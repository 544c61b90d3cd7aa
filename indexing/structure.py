"""Vietnamese administrative documents: their header, their units and what is not content.

A Quyết định, Kế hoạch or Nghị quyết is laid out by convention (Nghị định 30/2020/NĐ-CP): the
issuing body and the national motto, ``Số: 1318/QĐ-UBND``, ``Bắc Ninh, ngày 4 tháng 3 năm
2025``, the type in capitals and the trích yếu; then the body in Phần, Chương, Mục, Điều, khoản
``1.``, điểm ``a)`` (or, in plans, ``I.``, ``1.``, ``a)``); then ``Nơi nhận`` and the signature,
which are not content; sometimes an annex (``PHỤ LỤC …``, ``(Kèm theo …)``).

``parse`` recognises such a document conservatively (a news article quoting a decision is not
one) and returns its header and a tree of units whose lines are the document's own lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from assistant.doctypes import DOC_TYPES, doc_type_for_code
from assistant.vietnamese import fold, normalize
from indexing.roman import is_roman, roman_value, to_roman

_HEAD_LINES = 30
_MOTTO = re.compile(r"cong hoa xa hoi chu nghia viet nam|doc lap\s*-\s*tu do\s*-\s*hanh phuc")
_NUMBER = re.compile(
    r"(?:^|[|;:\t]\s*)Số\s*[:.]?\s*(?P<num>\d+[A-Za-z]?(?:/\d{4})?/[A-ZĐa-zđ][\wĐđ.]*(?:-[\wĐđ.]+)*)"
)
_PLACE_DATE = re.compile(
    r"(?P<place>[A-ZĐÀ-Ỹ][^,;:|]{1,40}?)\s*,\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})"
    r"\s+năm\s+(?P<y>\d{4})",
    re.I,
)
_TYPE_NAMES = {fold(name): name for name, _ in DOC_TYPES}
_ISSUER_START = re.compile(
    r"^(ủy ban|uỷ ban|ubnd|hội đồng|hđnd|bộ |chính phủ|thủ tướng|ban |sở |tỉnh ủy|tỉnh uỷ|"
    r"thành ủy|thành uỷ|văn phòng|cục |tổng cục|quốc hội|ngân hàng|trung tâm|viện )",
    re.I,
)
_LOCALITY = re.compile(r"^(tỉnh|thành phố|huyện|quận|thị xã|xã|phường|khóa|khoá)\b", re.I)
_PREAMBLE_END = re.compile(r"^(QUYẾT ĐỊNH|QUYẾT NGHỊ|CHỈ THỊ|BAN HÀNH)\s*:\s*$")
_BODY_START = re.compile(r"^(Căn cứ|Theo đề nghị|Xét |Thực hiện|Kính gửi|Để |Nhằm |Ngày \d)")
_SUBJECT_WORDS = 40  # a trích yếu is a heading, not a paragraph
_CLOSING_START = re.compile(
    r"^(Nơi nhận\s*:|(TM|KT|TL|TUQ|Q|TM\.\s*)\.\s|(PHÓ )?(CHỦ TỊCH|GIÁM ĐỐC|TRƯỞNG BAN|"
    r"BỘ TRƯỞNG|THỦ TƯỚNG|CHÁNH VĂN PHÒNG)\s*$)"
)
_ANNEX_NOTE = re.compile(r"^\(\s*(Ban hành )?[Kk]èm theo\b")
_ANNEX_TITLE = re.compile(r"^(PHỤ LỤC|CHƯƠNG TRÌNH|KẾ HOẠCH|ĐỀ ÁN|QUY CHẾ|QUY ĐỊNH)\b(.*)$")

_ROMAN = r"[IVXLC]+"
_UNIT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("phan", re.compile(rf"^(?:PHẦN|Phần)\s+(?P<n>thứ\s+\w+|THỨ\s+\w+|{_ROMAN}|\d+)\b")),
    ("chuong", re.compile(rf"^(?:CHƯƠNG|Chương)\s+(?P<n>{_ROMAN}|\d+)\b")),
    ("muc", re.compile(r"^(?:MỤC|Mục)\s+(?P<n>\d+)\b")),
    ("dieu", re.compile(r"^(?:Điều|ĐIỀU)\s+(?P<n>\d+[a-z]?)\s*[.:]")),
    ("roman", re.compile(rf"^(?P<n>{_ROMAN})\.\s+\S")),
    # OCR drops the dot of a plan heading ("II NHIỆM VỤ"): still a unit when a title in capitals
    # follows.
    ("roman", re.compile(rf"^(?P<n>{_ROMAN})\s+(?P<title>\S.{{3,}})$")),
    ("sub", re.compile(r"^(?P<n>\d{1,2}\.\d{1,2})\.?\s+\S")),
    ("arabic", re.compile(r"^(?P<n>\d{1,2})\.\s+\S")),
    ("diem", re.compile(r"^(?P<n>[a-zđ])\)\s+\S")),
)
# Nesting rank: a unit closes every open unit of the same or a lower rank.
RANK = {
    "root": 0,
    "annex": 1,
    "phan": 2,
    "chuong": 3,
    "muc": 4,
    "dieu": 5,
    "roman": 5,
    "arabic": 6,
    "sub": 7,
    "diem": 8,
}
# Units a chunk never straddles: each starts a new group of chunks.
TOP = ("dieu", "roman")
CONTAINERS = ("root", "annex", "phan", "chuong", "muc")


@dataclass
class Header:
    """What the header says about the document."""

    issuer: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None
    place: str | None = None
    signed: str | None = None  # ISO date
    subject: str | None = None  # trích yếu
    signer: str | None = None

    @property
    def title(self) -> str | None:
        """``Quyết định 1318/QĐ-UBND: Phê duyệt …`` (what lists and citations show)."""
        name = " ".join(p for p in (self.doc_type, self.doc_number) if p)
        if name and self.subject:
            return f"{name}: {self.subject}"
        return name or self.subject


@dataclass
class Unit:
    """A structural unit: its kind, number and the document's own lines (heading line first)."""

    kind: str
    number: str = ""
    lines: list[str] = field(default_factory=list)
    children: list[Unit] = field(default_factory=list)
    annex: str | None = None  # set on annex units: ``Phụ lục I``, ``Chương trình``

    def all_lines(self) -> list[str]:
        return self.lines + [line for c in self.children for line in c.all_lines()]


@dataclass
class OfficialDoc:
    """A parsed administrative document."""

    header: Header
    body: Unit  # kind "root": the preamble's lines, then the units
    removed: list[str] = field(default_factory=list)  # header, Nơi nhận and signature lines

    @property
    def uses_articles(self) -> bool:
        return any(u.kind == "dieu" for u in _walk(self.body))


def _walk(unit: Unit) -> list[Unit]:
    return [unit, *(u for c in unit.children for u in _walk(c))]


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _type_line(text: str) -> str | None:
    """``QUYẾT ĐỊNH`` (alone, in capitals) → ``Quyết định``."""
    stripped = text.strip().rstrip(":").strip()
    return _TYPE_NAMES.get(fold(stripped)) if _is_caps(stripped) else None


def unit_of(line: str) -> tuple[str, str] | None:
    """(kind, number) when a line opens a unit: ``Điều 3. …`` → (``dieu``, ``3``)."""
    for kind, pattern in _UNIT_PATTERNS:
        if m := pattern.match(line):
            number = m["n"]
            if kind == "roman" and not is_roman(number):
                return None
            if "title" in m.groupdict() and not _is_caps(m["title"]):
                continue
            return kind, number
    return None


def _next_roman(parent: Unit, number: str) -> str:
    """A plan section numbered at or below the one before it ("II." twice: OCR read "III." as
    "II") is the next one: sections of a plan run I., II., III. in order."""
    before = [c for c in parent.children if c.kind == "roman"]
    if before and roman_value(number) <= roman_value(before[-1].number):
        return to_roman(roman_value(before[-1].number) + 1)
    return number


def lines_of(text: str) -> list[str]:
    """Normalised, whitespace-collapsed, non-empty lines (the form chunks quote)."""
    out = [" ".join(normalize(t).split()) for t in text.splitlines()]
    return [t for t in out if t]


def looks_official(lines: list[str]) -> bool:
    """A conservative test: a header that only administrative documents have.

    Needs the motto or a ``Số: …/…`` line in the first lines, and three signs in all among
    those two, a type line in capitals, a ``…, ngày … tháng … năm …`` line, units (two or more
    Điều or I./II. headings) and a ``Nơi nhận`` block."""
    head = lines[:_HEAD_LINES]
    motto = any(_MOTTO.search(fold(line)) for line in head)
    number = any(_NUMBER.search(line) for line in head)
    if not (motto or number):
        return False
    type_line = any(_type_line(line) for line in head)
    dated = any(_PLACE_DATE.search(line) for line in head)
    units = sum((unit_of(line) or ("", ""))[0] in TOP for line in lines) >= 2
    closing = any(line.startswith("Nơi nhận") for line in lines)
    return motto + number + type_line + dated + units + closing >= 3


def _iso(d: str, m: str, y: str) -> str | None:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def _header(lines: list[str]) -> tuple[Header, int]:
    """The header fields and the index of the first body line."""
    h = Header()
    head = lines[:_HEAD_LINES]
    type_at = next((i for i, line in enumerate(head) if _type_line(line)), None)
    for line in head[: type_at if type_at is not None else len(head)]:
        if h.doc_number is None and (m := _NUMBER.search(line)):
            h.doc_number = m["num"].rstrip(".")
        if h.signed is None and (m := _PLACE_DATE.search(line)):
            h.place = m["place"].strip()
            h.signed = _iso(m["d"], m["m"], m["y"])
    h.issuer = _issuer(head[: type_at if type_at is not None else len(head)])
    if type_at is not None:
        h.doc_type = _type_line(head[type_at])
        start = type_at + 1
        subject: list[str] = []
        while start < len(lines) and len(subject) < 3:
            line = lines[start]
            if (
                line.startswith("Căn cứ")
                or unit_of(line)
                or _PREAMBLE_END.match(line)
                or _CLOSING_START.match(line)
            ):
                break
            if len(line.split()) > _SUBJECT_WORDS:
                break
            if subject and (_BODY_START.match(line) or subject[-1].endswith((".", ";", ":", ","))):
                break
            if _is_caps(line) and subject:
                break
            start += 1
            if not _is_caps(line):  # skip the authority line ("CHỦ TỊCH ỦY BAN NHÂN DÂN …")
                subject.append(line)
        h.subject = " ".join(subject) or None
    else:  # a công văn: "V/v …" under the number, no type line
        start = 0
        for i, line in enumerate(head):
            if line.startswith(("V/v", "v/v")):
                h.subject, start = re.split(r"\s*[|\t]\s*", line[3:])[0].strip(" :"), i + 1
            elif _NUMBER.search(line) or _PLACE_DATE.search(line) or _MOTTO.search(fold(line)):
                start = i + 1
        if h.doc_number:
            h.doc_type = doc_type_for_code(h.doc_number)
    if h.doc_type is None and h.doc_number:
        h.doc_type = doc_type_for_code(h.doc_number)
    return h, start


def _issuer(head: list[str]) -> str | None:
    """The issuing body: the first capitals line(s) naming a body, before the motto."""
    parts: list[str] = []
    segments = [seg for line in head for seg in re.split(r"\s*[|\t]\s*|\s{3,}", line)]
    for segment in segments:
        segment = re.split(r"\s*[:;]\s*Số\b|\s+Số\s*:", segment)[0].strip(" :;-")
        if not segment or _MOTTO.search(fold(segment)):
            continue  # read line by line across the columns, the motto sits between
        if not _is_caps(segment) or _NUMBER.search(segment):
            continue
        if parts and _ISSUER_START.match(segment):  # a body under its parent: "SỞ …"
            parts = [segment, ",", *parts]
        elif _ISSUER_START.match(segment) or (parts and _LOCALITY.match(segment)):
            parts.append(segment)
        elif parts:
            break
    return " ".join(parts).replace(" , ", ", ") or None


def _closing_skip(line: str) -> bool:
    """Lines of the Nơi nhận and signature blocks."""
    return (
        line.startswith(("-", "+", "•", "Lưu", "(Đã ký", "(đã ký", "(Ký", "(ký"))
        or _is_caps(line)
        or bool(_CLOSING_START.match(line))
        or _is_name(line)
    )


def _is_name(line: str) -> bool:
    words = line.split()
    return (
        2 <= len(words) <= 5
        and all(w[:1].isupper() and (len(w) == 1 or w[1:].islower()) for w in words)
        and not re.search(r"[.,:;\d]", line)
    )


def parse(text: str) -> OfficialDoc | None:
    """The document's header and units, or None when it is not an administrative document."""
    lines = lines_of(text)
    if not looks_official(lines):
        return None
    header, start = _header(lines)
    removed = lines[:start]
    root = Unit("root")
    stack = [root]
    closing = False
    held: list[str] = []  # lines of a closing block that may turn out to be an annex's title
    for i in range(start, len(lines)):
        line = lines[i]
        if _ANNEX_NOTE.match(line) and (closing or held):
            annex = _annex_unit(held, line)
            removed.extend(held[: len(held) - len(annex.lines) + 1])
            root.children.append(annex)
            stack, closing, held = [root, annex], False, []
            continue
        if closing:
            ahead = lines[i + 1 : i + 4]
            if _is_caps(line) or any(_ANNEX_NOTE.match(a) for a in ahead):
                if _is_name(line) and not header.signer:
                    header.signer = line
                held.append(line)
                continue
            if _closing_skip(line):
                if _is_name(line) and not header.signer:
                    header.signer = line
                removed.append(line)
                continue
            removed.extend(held)  # not a closing line after all: back to the body
            closing, held = False, []
        if _CLOSING_START.match(line):
            closing = True
            removed.append(line)
            continue
        if (
            not root.children
            and stack[-1] is root
            and (_PREAMBLE_END.match(line) or (_is_caps(line) and not unit_of(line)))
        ):
            removed.append(line)  # "QUYẾT ĐỊNH:", the authority line repeated
            continue
        found = unit_of(line)
        if found and _accepts(stack, found[0]):
            unit = Unit(found[0], found[1], [line])
            while RANK[stack[-1].kind] >= RANK[unit.kind]:
                stack.pop()
            if unit.kind == "roman":
                unit.number = _next_roman(stack[-1], unit.number)
            stack[-1].children.append(unit)
            stack.append(unit)
        else:
            stack[-1].lines.append(line)
    removed.extend(held)
    return OfficialDoc(header, root, removed)


def _accepts(stack: list[Unit], kind: str) -> bool:
    """A numbered line opens a unit only where that numbering can stand.

    ``a)`` needs an enclosing unit; ``1.1.`` needs a ``1.``; a ``1.`` line in the preamble of a
    document that numbers its articles is a list item, not a unit."""
    kinds = {u.kind for u in stack}
    if kind == "diem":
        return len(stack) > 1
    if kind == "sub":
        return "arabic" in kinds
    return True


def _annex_unit(held: list[str], note: str) -> Unit:
    """An annex opened by its title in capitals and a ``(Kèm theo …)`` note."""
    at = max((i for i, line in enumerate(held) if _ANNEX_TITLE.match(line)), default=None)
    title = held[at:] if at is not None else []
    m = _ANNEX_TITLE.match(title[0]) if title else None
    name = "Phụ lục"
    if m:
        word = m.group(1).capitalize()
        number = m.group(2).strip().split(" ")[0] if m.group(1) == "PHỤ LỤC" else ""
        name = f"{word} {number}".strip() if is_roman(number) or number.isdigit() else word
    return Unit("annex", "", [*title, note], annex=name)


def label(path: list[Unit]) -> str | None:
    """A citation label for a unit path: ``Điều 3, khoản 2, điểm a``, ``Mục II.1``."""
    parts: list[str] = []
    plan: list[str] = []
    annex = next((u.annex for u in path if u.kind == "annex"), None)
    for u in path:
        if u.kind == "dieu":
            parts.append(f"Điều {u.number}")
        elif u.kind in ("roman", "sub"):
            plan.append(u.number)
        elif u.kind == "arabic":
            if any(p.kind == "dieu" for p in path):
                parts.append(f"khoản {u.number}")
            else:
                plan.append(u.number)
        elif u.kind == "diem":
            if plan:
                parts.append("Mục " + ".".join(plan))
                plan = []
            parts.append(f"điểm {u.number}")
    if plan:
        parts.append("Mục " + ".".join(plan))
    if not parts:
        deepest = next((u for u in reversed(path) if u.kind in ("chuong", "phan", "muc")), None)
        if deepest:
            word = {"chuong": "Chương", "phan": "Phần", "muc": "Mục"}[deepest.kind]
            parts.append(f"{word} {deepest.number}")
    if annex:
        parts.insert(0, annex)
    return ", ".join(parts) or None
