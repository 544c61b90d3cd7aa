"""Question analysis: the expected answer type with its measure or counted noun, the predicate
(the words that say what is measured), and the entities and years the answer must be about.

Works on the accent-folded question, so Vietnamese typed with or without diacritics and English
questions go through the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.entities import (
    Entity,
    framing_period,
    names_in,
    places_in,
    year_entities,
)
from assistant.answer.measure import measure_terms
from assistant.answer.question import language
from assistant.answer.spans import AType
from assistant.answer.vocab import (
    EN_FUNCTION_WORDS,
    EN_NOUNS,
    EN_ROLES,
    MEASURES,
    ROLES,
    VI_FUNCTION_WORDS,
)
from assistant.vietnamese import fold

_HOW_MANY = r"(?:bao nhieu|(?<!nha )\bmay\b(?! (?:moc|bay|tinh|chu))|how many|how much|number of)"
_RULES: list[tuple[AType, re.Pattern[str]]] = [
    (
        AType.DOCNUM,
        re.compile(
            r"\b(?:quyet dinh|nghi quyet|nghi dinh|thong tu|cong van|van ban|chi thi|ke hoach|luat)"
            r" (?:so )?(?:nao|gi|so may|so bao nhieu)\b|\bso hieu\b|(?:which|what) (?:decision|resolution|decree|document|circular)"
        ),
    ),
    (
        AType.PERCENT,
        re.compile(
            rf"{_HOW_MANY} (?:phan tram|%)|\bty le\b|\bphan tram\b|\bpercent|\bshare\b|\bproportion\b|"
            r"\b(?:occupancy|growth) rate\b|\bty trong\b"
        ),
    ),
    (
        AType.MONEY,
        re.compile(
            rf"{_HOW_MANY} (?:ty|trieu|nghin|ngan)? ?(?:dong|usd|do la|tien)\b|{_HOW_MANY} (?:ty|trieu)\b|"
            r"\b(?:von|ngan sach|kinh phi|gia thue|gia dat|gia ban|muc gia|chi phi|doanh thu|kim ngach|"
            r"tong muc dau tu|nguon von|muc dau tu|thu nhap|tien luong|muc luong|tien thue|loi nhuan|"
            r"gia tri)\b.*(?:bao nhieu|muc nao)|"
            r"(?:bao nhieu|how much).*\b(?:von|ngan sach|kinh phi|bao nhieu tien|gia thue)\b|"
            r"\bbao nhieu chi phi\b|"
            r"\b(?:investment|capital|budget|cost|price|rent|revenue|funding|worth|turnover|salary|wage|fund)\b|"
            r"\bhow much\b(?! (?:land|area|space))"
        ),
    ),
    (
        AType.AREA,
        re.compile(
            rf"{_HOW_MANY} (?:ha|hecta|m2|km2|met vuong)\b|\b(?:dien tich|quy mo|rong)\b.*(?:bao nhieu|the nao|la bao nhieu)|"
            r"\b(?:area|hectares|how large|how big|size|larger|bigger|largest|biggest|rong hon|rong nhat)\b"
        ),
    ),
    (AType.COUNT, re.compile(rf"{_HOW_MANY}")),
    (
        AType.PERIOD,
        re.compile(
            r"\b(?:giai doan nao|thoi gian nao|thoi ky nao|thoi han)\b|which period|what period"
        ),
    ),
    (
        AType.YEAR,
        re.compile(r"\bnam nao\b|\bnam bao nhieu\b|what year|which year|\bin what year"),
    ),
    (
        AType.DATE,
        re.compile(
            r"\b(?:khi nao|ngay nao|bao gio|luc nao|thoi diem nao|thang nao|hom nao|ngay bao nhieu)\b|"
            r"\bwhen\b|what (?:date|day|month)|which (?:date|day|month)"
        ),
    ),
    (AType.PERSON, re.compile(r"\bai\b|\bnguoi nao\b|\bwho(?:m|se)?\b")),
    (
        AType.ORG,
        re.compile(
            r"\b(?:co quan|don vi|to chuc|cong ty|tap doan|ngan hang|so|bo|tru so) nao\b|"
            r"(?:which|what) (?:agency|company|organi[sz]ation|body|bank|firm|ministry|department|authority)\b"
        ),
    ),
    (
        AType.LIST,
        re.compile(
            r"\bnhung\b.*\bnao\b|\bcac\b.*\bnao\b|\bgom nhung\b|\bgom\b.*\bgi\b|\bnhung gi\b|"
            r"\bnhung (?:tinh|dia phuong|nuoc|linh vuc|nganh)\b|\bwhich (?:[\w-]+ ){0,2}\w+s\b|\bwhat are\b|\blist\b|\bname the\b"
        ),
    ),
    (
        AType.PLACE,
        re.compile(r"\bo dau\b|\bdia chi\b|\btai dau\b|\bdia diem nao\b|\bnoi nao\b|\bwhere\b"),
    ),
]

_NOUN_STOP = frozenset(
    [
        "da",
        "duoc",
        "se",
        "dang",
        "co",
        "la",
        "tham",
        "gia",
        "trong",
        "tai",
        "o",
        "cua",
        "vao",
        "de",
        "nam",
        "the",
        "thi",
        "ma",
        "vay",
        "nua",
        "khong",
        "hien",
        "nay",
        "do",
        "nay",
        "kia",
        "tren",
        "tu",
        "den",
        "voi",
        "cho",
        "ve",
        "nhu",
        "va",
        "hay",
    ]
)
_STOP = VI_FUNCTION_WORDS | frozenset(["nhu"]) | EN_FUNCTION_WORDS


def _role(type_text: str) -> str | None:
    m = re.search(rf"\b(?:{ROLES})\b", type_text)
    if m:
        return m.group(0)
    return next((vi for en, vi in EN_ROLES.items() if re.search(rf"\b{en}\b", type_text)), None)


@dataclass
class Analysis:
    """What a question wants and what the answer must be about."""

    question: str
    lang: str
    atype: AType
    noun: str | None = None  # folded counted noun for COUNT
    predicate: list[str] = field(default_factory=list)  # folded content words near the wh-word
    places: list[Entity] = field(default_factory=list)
    names: list[Entity] = field(default_factory=list)
    years: list[Entity] = field(default_factory=list)
    measure: tuple[str, ...] = ()  # folded words of which one must stand near the figure
    role: str | None = None  # folded title a person must hold ("giam doc")
    terms: tuple[str, ...] = ()  # folded syllables of what is measured; all must stand near
    framing: frozenset[int] = frozenset()  # ends of a period framing the one year asked

    @property
    def entities(self) -> list[Entity]:
        return [*self.places, *self.names, *self.years]

    @property
    def typed(self) -> bool:
        """Whether a sentence must hold a span of the expected type to answer."""
        return self.atype not in (AType.OTHER, AType.LIST, AType.PLACE)


def _count_noun(folded: str, lang: str) -> str | None:
    m = re.search(rf"{_HOW_MANY}\s+(.*)", folded)
    if not m:
        return None
    words = re.findall(r"[a-z0-9]+", m.group(1))
    if lang == "en":
        for w in words[:4]:
            if w in EN_NOUNS:
                return EN_NOUNS[w]
        return None
    noun = []
    for w in words[:2]:  # compounds are two syllables: "doanh nghiệp", "dự án" (not "… còn")
        if w in _NOUN_STOP:
            break
        noun.append(w)
    return " ".join(noun) or None


# "số tiền", "số vốn" ask for money, "số liệu" for data, "số hiệu" a number: not counts.
_NOT_COUNTED = frozenset(["voi", "hieu", "sanh", "tien", "von", "thue", "lieu", "luong", "phan"])


def _counted_subject(question: str) -> str | None:
    """ "Số lao động … là bao nhiêu?" counts "lao động" ("số"/"số lượng", not "sở" or "số 3")."""
    m = re.search(
        r"(?<!\w)(?:số lượng|so luong|số)\s+([^\W\d_]+)(?:\s+([^\W\d_]+))?", question.lower()
    )
    if m is None:
        return None
    words = [fold(w) for w in m.groups() if w]
    noun = []
    for w in words:
        if w in _NOUN_STOP or w in _NOT_COUNTED:
            break
        noun.append(w)
    return " ".join(noun) or None


def _predicate(folded: str, names: list[str]) -> list[str]:
    """Content syllables of the question, minus names and question words (nearest first)."""
    for n in names:
        folded = folded.replace(n, " ")
    words = re.findall(r"[a-z0-9%]+", folded)
    return [w for w in words if w not in _STOP and not w.isdigit() and len(w) > 1]


def analyse(question: str, asked: str | None = None) -> Analysis:
    """Analyse ``question``; ``asked`` (the user's own words when ``question`` adds earlier turns
    as context) decides the expected type."""
    lang = language(asked or question)
    folded = " ".join(fold(question).split())
    type_text = " ".join(fold(asked).split()) if asked else folded
    atype = next((t for t, p in _RULES if p.search(type_text)), AType.OTHER)
    # "bao nhiêu năm" is a count of years, "bao nhiêu tỷ đồng" money: the noun decides.
    places = places_in(question)
    unnamed = folded
    for form in (f for p in places for f in p.folded):
        unnamed = unnamed.replace(form, " ")
    if asked:
        unnamed = type_text
    noun = _count_noun(" ".join(unnamed.split()), lang) if atype is AType.COUNT else None
    if atype is AType.COUNT and noun and re.match(r"(?:ha|hecta|m2|km2)\b", noun):
        atype = AType.AREA
    if atype is AType.COUNT and noun is None and lang == "vi":
        noun = _counted_subject(asked or question)
    if atype is AType.COUNT and noun is None and lang == "vi":
        atype = AType.NUMBER
    names = [
        n
        for n in (names_in(question) if lang == "en" or question != question.lower() else [])
        if not any(n.found_in(p.name) for p in places)
    ]
    years = year_entities(question)
    entity_forms = [f for e in (*places, *names) for f in e.folded] + [y.name for y in years]
    measure: tuple[str, ...] = ()
    if atype in (AType.MONEY, AType.PERCENT, AType.AREA, AType.NUMBER):
        measure = next((m for p, m in MEASURES if re.search(p, type_text)), ())
    terms: tuple[str, ...] = ()
    # Only where the table names no measure: its synonyms ("kim ngạch" for "giá trị xuất
    # khẩu") are wider than the question's own words.
    if atype in (AType.MONEY, AType.PERCENT, AType.AREA, AType.NUMBER) and lang == "vi":
        terms = () if measure else measure_terms(type_text, entity_forms)
    role = _role(type_text) if atype is AType.PERSON else None
    if atype is AType.ORG:
        head = re.search(r"\b(cong ty|tap doan|ngan hang|tong cong ty)\b", type_text)
        noun = head.group(1) if head else None
    return Analysis(
        question,
        lang,
        atype,
        noun,
        _predicate(type_text, entity_forms),
        places,
        names,
        years,
        measure,
        role,
        terms,
        frozenset(framing_period(question)),
    )
