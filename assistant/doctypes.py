"""Vietnamese administrative document types and numbers, as stored and as filtered on.

Shared by indexing (which recognises them in a document's header) and by the filters of the CLI,
the HTTP API and the stores (which must accept what a user types: ``QĐ``, ``quyet dinh``,
``1318/qd-ubnd``). Kept in the core so that the core never imports ``indexing``.
"""

from __future__ import annotations

import re

from assistant.vietnamese import fold

# Display name and the code used in số/ký hiệu (``1318/QĐ-UBND``: QĐ is a Quyết định).
DOC_TYPES: tuple[tuple[str, str], ...] = (
    ("Quyết định", "QĐ"),
    ("Kế hoạch", "KH"),
    ("Nghị quyết", "NQ"),
    ("Thông báo", "TB"),
    ("Chỉ thị", "CT"),
    ("Chương trình", "CTr"),
    ("Đề án", "ĐA"),
    ("Báo cáo", "BC"),
    ("Tờ trình", "TTr"),
    ("Thông tư", "TT"),
    ("Nghị định", "NĐ"),
    ("Quy định", "QyĐ"),
    ("Quy chế", "QC"),
    ("Hướng dẫn", "HD"),
    ("Kết luận", "KL"),
    ("Công điện", "CĐ"),
    ("Công văn", "CV"),
)

_BY_KEY: dict[str, str] = {}
for _name, _code in DOC_TYPES:
    _BY_KEY[fold(_name)] = _name
    _BY_KEY[fold(_code)] = _name
    _BY_KEY[fold(_name).replace(" ", "")] = _name


def canonical_doc_type(text: str) -> str | None:
    """``QĐ``, ``quyet dinh``, ``QUYẾT ĐỊNH`` → ``Quyết định``; None when not a known type."""
    return _BY_KEY.get(" ".join(fold(text).split()))


def doc_type_for_code(number: str) -> str | None:
    """The type a số/ký hiệu names: ``1318/QĐ-UBND`` → Quyết định; ``12/UBND-KT`` → Công văn."""
    parts = [p for p in number.split("/")[1:] if not p.isdigit()]
    if not parts:
        return None
    codes = parts[0].split("-")
    named = _BY_KEY.get(fold(codes[0]))
    if named:
        return named
    # A công văn's ký hiệu starts with the issuer (``UBND-KT``), not with a type code.
    return "Công văn" if len(codes) >= 2 else None


_NUMBER_SPACES = re.compile(r"\s*([/\-])\s*")


def doc_number_keys(number: str) -> list[str]:
    """Keys a document number is found by: the whole ký hiệu, folded, and its leading number.

    ``1318/QĐ-UBND`` → ``["1318/qd-ubnd", "1318"]``, so ``--doc-number 1318/qd-ubnd`` and
    ``--doc-number 1318`` both find it."""
    key = _NUMBER_SPACES.sub(r"\1", " ".join(fold(number).split()))
    if key.startswith("so "):
        key = key[3:]
    lead = key.split("/", 1)[0]
    return list(dict.fromkeys(k for k in (key, lead) if k))


def doc_number_key(number: str) -> str:
    """The key a user's ``--doc-number`` is matched on (the whole ký hiệu, folded)."""
    keys = doc_number_keys(number)
    return keys[0] if keys else ""
