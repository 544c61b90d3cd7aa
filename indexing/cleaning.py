"""Boilerplate removal for scraped Vietnamese news text.

Each line gets a label. jusText's classifier with its Vietnamese stoplist separates prose from
short navigation/footer lines; on top of it, rules that are ours:
- a teaser or footer marker (``Tin liên quan``, ``Có thể bạn quan tâm``, ``Tags :``…) after the
  body has started cuts everything that follows (unrelated headlines and their summaries);
- mastheads, social prompts, comment forms, lorem ipsum, ``null`` are dropped;
- the title, the byline and the source line are kept apart as metadata, never as body;
- photo captions lose their ``Ảnh: …`` credit; a caption that is only a credit is dropped;
- a line repeated verbatim (captions, duplicated titles) is kept once.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from assistant.vietnamese import fold, normalize

Label = Literal["body", "title", "byline", "source", "boilerplate"]

# Markers after which a news page only has teasers, related links or a comment form (folded).
_CUT_MARKERS = re.compile(
    r"^(tin moi nhat|tin lien quan|tin cung chuyen muc|bai lien quan|bai viet lien quan|"
    r"co the ban quan tam|goi y danh cho ban|doc them|xem them|tin khac|tin doc nhieu|"
    r"binh luan|y kien ban doc|tags?|tu khoa|share|chia se|about author|latest posts?|"
    r"related posts?|categories|leave a reply|de lai binh luan)\s*:?$"
)
# Lines that are never body, wherever they are (folded).
_DROP = [
    re.compile(p)
    for p in (
        r"^null$|^none$|^undefined$",
        r"^theo doi .{1,60} tren (google news|zalo|facebook|youtube|tiktok)$",
        r"^(moi nhat|tin nong|trang chu|dang nhap|dang ky|menu|tim kiem)$",
        r"^co quan (chu quan )?cua .{3,80}$",
        r"^email cua ban se khong duoc hien thi",
        r"^(tra loi|reply|gui binh luan|in bai|quay lai|len dau trang)$",
        r"lorem ipsum|dolor sit amet",
        r"^anh minh hoa\.?$|^anh: .{1,60}$|^\(anh: .{1,60}\)$",
    )
]
_FOLLOW_PROMPT = re.compile(
    r"^Theo dõi (?P<site>.{2,60}?) trên (?:Google News|Zalo|Facebook)", re.I
)
_CREDIT = re.compile(r"\s*\(?\s*Ảnh(?: minh họa)?\s*:\s*[^.]{1,60}\)?\s*$")
_BYLINE_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}(?:\s+\d{1,2}:\d{2})?")
_CREDIT_LINE = re.compile(r"^Theo\s+(?P<author>[^()]{2,60}?)\s*\((?P<agency>[^()]{2,30})\)\.?$")
_SOURCE = re.compile(r"^(?:Nguồn|Theo)\s*:?\s+(?P<outlet>[^.]{3,80})$")
_DATE_PREFIX = re.compile(r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\b\s*")
_VI_LETTERS = re.compile(
    r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I
)


@dataclass
class CleanLine:
    """One line of the original text, cleaned, with its label."""

    text: str
    label: Label


@dataclass
class Cleaned:
    """Result of cleaning: labelled lines plus the metadata hints met on the way."""

    lines: list[CleanLine]
    hints: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> str:
        """The text to index: the headline (it states facts too) and the body lines."""
        return "\n".join(line.text for line in self.lines if line.label in ("title", "body"))

    @property
    def has_body(self) -> bool:
        return any(line.label == "body" for line in self.lines)

    def first(self, label: Label) -> str | None:
        return next((line.text for line in self.lines if line.label == label), None)


@cache
def _stoplist() -> frozenset[str]:
    import justext

    return frozenset(justext.get_stoplist("Vietnamese"))


def _justext_good(lines: list[str]) -> list[bool]:
    """jusText's verdict per line (lines wrapped as paragraphs), context rules included."""
    import justext

    doc = "<html><body>" + "".join(f"<p>{html.escape(t)}</p>" for t in lines) + "</body></html>"
    paragraphs = justext.justext(doc.encode("utf-8"), _stoplist(), encoding="utf-8")
    verdicts = [p.class_type == "good" for p in paragraphs]
    # jusText merges nothing here, but guard against a count mismatch all the same.
    return verdicts if len(verdicts) == len(lines) else [True] * len(lines)


def _byline(text: str) -> tuple[str, str] | None:
    """``Author OUTLET | 20/02/2023 07:55`` in either order → (author part, date part)."""
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != 2 or len(text.split()) > 16:
        return None
    dated = [(i, m) for i, p in enumerate(parts) if (m := _BYLINE_DATE.search(p))]
    if len(dated) != 1 or not parts[1 - dated[0][0]]:
        return None
    i, date = dated[0]
    return parts[1 - i], date.group(0)


def _is_masthead(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters) and len(text.split()) <= 12


def _is_title_like(text: str) -> bool:
    words = len(text.split())
    return (
        3 <= words <= 35
        and not text.rstrip().endswith((".", ",", ";", "…", "..."))
        and "|" not in text
    )


def _is_author_name(text: str) -> bool:
    """A closing line with only a name (``XUÂN QUỲNH``): 1–4 capitalised words."""
    words = text.split()
    return 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not text.endswith(".")


def clean(raw: str) -> Cleaned:
    """Label every non-empty line of a scraped article."""
    hints: dict[str, str] = {}
    texts = [" ".join(normalize(t).split()) for t in raw.splitlines()]
    texts = [t for t in texts if t]
    if texts and (m := _DATE_PREFIX.match(texts[0])):
        hints["date"] = m.group("date")
        texts[0] = texts[0][m.end() :].strip()
        texts = [t for t in texts if t]
    good = _justext_good(texts) if texts else []
    out: list[CleanLine] = []
    seen: set[str] = set()
    body_started = cut = False
    for i, text in enumerate(texts):
        original = text
        folded = fold(text).strip()
        label: Label = "boilerplate"
        if cut:
            pass
        elif _CUT_MARKERS.match(folded):
            cut = body_started
        elif text in seen or any(p.search(folded) for p in _DROP) or _is_masthead(text):
            if m := _FOLLOW_PROMPT.match(text):
                hints.setdefault("site", m.group("site"))
        elif byline := _byline(text):
            label = "byline"
            hints.setdefault("byline", byline[0])
            hints.setdefault("date", byline[1])
        elif body_started and (m := _CREDIT_LINE.match(text)):
            label = "byline"
            hints.setdefault("author", m.group("author"))
            hints.setdefault("agency", m.group("agency"))
        elif body_started and (m := _SOURCE.match(text)) and len(text.split()) <= 14:
            label = "source"
            hints.setdefault("source", m.group("outlet"))
        elif (
            not body_started
            and "title" not in hints
            and _is_title_like(text)
            and not _CREDIT.search(text)
        ):
            label = "title"
            hints["title"] = text
        elif not _VI_LETTERS.search(text) and not good[i]:
            pass  # foreign-language widget text (footers of templates)
        elif good[i] or len(text.split()) >= 12 or _CREDIT.search(text):
            stripped = _CREDIT.sub("", text).strip()
            if stripped and len(stripped.split()) >= 3:
                # A photo caption is body text, but it may stand above the title.
                body_started = body_started or stripped == text
                label, text = "body", stripped
        seen.update((original, text))
        if m2 := re.match(r"^\((?P<code>[A-Z]{2,6})\)\s*-", text):
            hints.setdefault("outlet_code", m2.group("code"))
        out.append(CleanLine(text, label))
    _close_author(out, hints)
    return Cleaned(out, hints)


def _close_author(lines: list[CleanLine], hints: dict[str, str]) -> None:
    """A bare name right after the last body line is the author's signature (``XUÂN QUỲNH``)."""
    last_body = max((i for i, line in enumerate(lines) if line.label == "body"), default=None)
    if last_body is None or last_body + 1 >= len(lines) or "author" in hints:
        return
    line = lines[last_body + 1]
    if line.label == "boilerplate" and _is_author_name(line.text) and _VI_LETTERS.search(line.text):
        line.label = "byline"
        hints["author"] = line.text.title() if _is_masthead(line.text) else line.text
