"""Whether an official document is the one a question names.

Questions about administrative documents often say which one they mean: by its number
("Theo Quyết định 905/QĐ-UBND, …") or by its kind ("… thực hiện Đề án …", "Kế hoạch năm 2026
…"). Sibling documents (the decision approving a programme and the plan carrying it out for a
year) share most words, so a passage of the other kind must not win on rank alone. A decision
that approves or issues something (``Phê duyệt Đề án …``, ``ban hành Quy chế …``) stands for
that thing as well as for itself.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.doctypes import DOC_TYPES, doc_number_keys
from assistant.retrieval import SearchResult
from assistant.vietnamese import fold

# Kinds whose name is also an everyday verb or noun ("báo cáo kết quả", "quy định mức hỗ trợ",
# "thông báo") do not say which document a question means.
_VERBS = {"Báo cáo", "Quy định", "Hướng dẫn", "Kết luận", "Thông báo"}
_KINDS = {fold(name): name for name, _ in DOC_TYPES if name not in _VERBS}
_ALT = "|".join(sorted(map(re.escape, _KINDS), key=len, reverse=True))
_KIND = re.compile(rf"(?<!\w)({_ALT})(?!\w)")
_APPROVES = re.compile(rf"(?<!\w)(?:phe duyet|ban hanh)\s+({_ALT})(?!\w)")
_NUMBER = re.compile(r"(?<![\w/])(\d+(?:/\d{4})?/[a-z][\w.]*(?:-[\w.]+)*)", re.I)


@lru_cache(maxsize=1024)
def named_kinds(text: str) -> frozenset[str]:
    """The document kinds a text names: "thực hiện Đề án" → {Đề án}."""
    return frozenset(_KINDS[m] for m in _KIND.findall(fold(text)))


@lru_cache(maxsize=1024)
def named_numbers(text: str) -> frozenset[str]:
    """The số/ký hiệu a text names, as filter keys: "905/QĐ-UBND" → {"905/qd-ubnd"}."""
    return frozenset(doc_number_keys(m)[0] for m in _NUMBER.findall(fold(text)))


def kinds_of(hit: SearchResult) -> frozenset[str]:
    """A document's own kind and, for a decision, the kind of what it approves or issues."""
    kinds = {hit.doc_type} if hit.doc_type else set()
    subject = fold(hit.title.split(":", 1)[-1]) if hit.title else ""
    kinds |= {_KINDS[m] for m in _APPROVES.findall(subject)}
    return frozenset(kinds)


def other_document(question: str, hit: SearchResult) -> bool:
    """True when the question names a document number or kind and this official document is
    not it (another number; a kind the question does not name)."""
    if hit.doc_type is None:
        return False
    numbers = named_numbers(question)
    if numbers and hit.doc_number:
        return not numbers & set(doc_number_keys(hit.doc_number))
    kinds = named_kinds(question)
    return bool(kinds) and not kinds & kinds_of(hit)
