"""Word tables of question analysis: English nouns counted, measures, and titles."""

from __future__ import annotations

# English nouns of "how many …" to the Vietnamese noun the text counts.
EN_NOUNS = {
    "companies": "doanh nghiep",
    "company": "doanh nghiep",
    "enterprises": "doanh nghiep",
    "businesses": "doanh nghiep",
    "firms": "doanh nghiep",
    "investors": "nha dau tu",
    "workers": "lao dong",
    "employees": "lao dong",
    "jobs": "viec lam",
    "engineers": "ky su",
    "projects": "du an",
    "pillars": "tru cot",
    "provinces": "tinh",
    "fields": "linh vuc",
    "sectors": "linh vuc",
    "industries": "nganh",
    "people": "nguoi",
    "students": "sinh vien",
    "startups": "khoi nghiep",
    "members": "thanh vien",
    "delegates": "dai bieu",
    "groups": "nhom",
    "tasks": "nhiem vu",
    "parks": "khu",
    "zones": "khu",
    "countries": "quoc gia",
    "products": "san pham",
    "agreements": "thoa thuan",
    "schemes": "de an",
    "programmes": "chuong trinh",
    "programs": "chuong trinh",
    "universities": "truong",
    "hospitals": "benh vien",
}
# What is measured, in the words the text uses: a money, percent or area question whose measure
# is named ("giá thuê đất", "vốn đầu tư", "occupancy") is only answered by a sentence (or its
# paragraph) that names it too; otherwise another figure of the same unit is quoted.
MEASURES: list[tuple[str, tuple[str, ...]]] = [
    (
        r"\b(?:von )?(?:dau tu )?trong nuoc\b|\bnoi dia\b|\bdomestic (?:investment|capital)",
        ("trong nuoc", "noi dia"),
    ),
    (r"\bfdi\b|\bdau tu nuoc ngoai\b|\bforeign (?:direct )?investment", ("fdi", "nuoc ngoai")),
    (r"\bgia thue dat\b|\bthue dat\b|\bland rent", ("thue dat", "gia thue")),
    (r"\bgia thue\b|\brent\b|\brental", ("gia thue", "thue")),
    (r"\bvon dau tu\b|\btong von\b|\bmuc dau tu\b|\binvestment\b|\bcapital\b", ("von", "dau tu")),
    # Paid to the state budget: a revenue of the state, never the capital a zone attracted.
    (
        r"\bnop ngan sach\b|\b(?:paid|pay|contributed) (?:\w+ ){0,5}budget\b",
        ("nop ngan sach",),
    ),
    (r"\bngan sach\b|\bkinh phi\b|\bbudget\b|\bfunding\b", ("ngan sach", "kinh phi")),
    (r"\bdoanh thu\b|\brevenue\b|\bturnover\b", ("doanh thu",)),
    (r"\bkim ngach\b|\bxuat khau\b|\bexport", ("kim ngach", "xuat khau")),
    (r"\bloi nhuan\b|\bprofit", ("loi nhuan",)),
    (
        # "lương" alone, not inside năng lượng, số lượng, sản lượng, chất lượng, khối lượng …
        r"\bthu nhap\b|(?<!nang )(?<!so )(?<!san )(?<!chat )(?<!khoi )(?<!trong )(?<!luu )"
        r"(?<!dung )(?<!ham )\bluong\b|\bincome\b|\bsalary|\bwage",
        ("thu nhap", "tien luong", "muc luong", "luong binh quan"),
    ),
    (r"\blap day\b|\boccupancy\b", ("lap day",)),
    (r"\btang truong\b|\bgrowth\b", ("tang truong", "tang")),
    (r"\bgiai ngan\b|\bdisburse", ("giai ngan",)),
    (r"\bdien tich\b|\barea\b|\bhectares\b", ("dien tich", "ha", "m2", "rong")),
]


# Titles a "who" question names: the person quoted must hold that title, not a neighbour's
# ("Phó Giám đốc" does not answer "Giám đốc").
ROLES = (
    "pho chu tich|chu tich|pho giam doc|tong giam doc|giam doc|pho truong ban|truong ban|"
    "pho bi thu|bi thu|bo truong|thu truong|cuc truong|vien truong|chanh van phong|tong thu ky|"
    "pho truong phong|truong phong|pho hieu truong|hieu truong|chu nhiem|tong bien tap"
)
EN_ROLES = {
    "deputy director": "pho giam doc",
    "director general": "tong giam doc",
    "general director": "tong giam doc",
    "director": "giam doc",
    "deputy head": "pho truong",
    "head": "truong",
    "vice chairman": "pho chu tich",
    "chairman": "chu tich",
    "chairwoman": "chu tich",
    "minister": "bo truong",
    "secretary": "bi thu",
}


def measure_words() -> set[str]:
    """Every measure word of the table (to spot a figure that belongs to another measure)."""
    return {w for _, words in MEASURES for w in words}


# English function words: not part of what a question asks, and a sign that it is English.
EN_FUNCTION_WORDS = frozenset(
    [
        "the",
        "what",
        "which",
        "who",
        "when",
        "where",
        "how",
        "is",
        "are",
        "was",
        "were",
        "does",
        "do",
        "did",
        "of",
        "in",
        "on",
        "for",
        "to",
        "and",
        "with",
        "a",
        "an",
        "many",
        "much",
        "by",
        "from",
        "its",
        "their",
        "this",
        "that",
    ]
)

# Vietnamese function words (accent-folded): not part of what a question asks or measures.
VI_FUNCTION_WORDS = frozenset(
    [
        "ai",
        "bao",
        "bi",
        "boi",
        "cac",
        "cho",
        "co",
        "con",
        "cua",
        "da",
        "dang",
        "dau",
        "de",
        "den",
        "do",
        "duoc",
        "gi",
        "hon",
        "khi",
        "khong",
        "la",
        "may",
        "mot",
        "nam",
        "nao",
        "nay",
        "ngay",
        "nhieu",
        "nhung",
        "o",
        "ra",
        "sao",
        "se",
        "tai",
        "the",
        "theo",
        "thi",
        "trong",
        "tu",
        "va",
        "vay",
        "ve",
        "voi",
    ]
)
