"""What the index holds, for filter pickers, and filter values matched the way people type them.

Outlets are stored as written in the articles ("Lao Động"); people type "lao dong". The store
matches keywords exactly, so requested outlets are first mapped onto the stored spellings by their
accent-folded form.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from assistant.doctypes import canonical_doc_type
from assistant.store import SearchFilters
from assistant.vietnamese import fold


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text)))


def resolve_outlets(requested: Iterable[str], known: Iterable[str]) -> tuple[str, ...]:
    """Stored outlet names matching each requested one, ignoring case and accents.

    A request matches an outlet whose folded words equal it or contain it as whole words
    ("lao dong" → "Lao Động", and "Dân Trí/TTXVN" for "ttxvn"); a request matching nothing is kept
    as given, so the filter honestly finds nothing."""
    known_keys = {name: _key(name) for name in set(known) if name}
    out: list[str] = []
    for value in requested:
        want = _key(value)
        exact = [n for n, k in known_keys.items() if k == want]
        partial = [n for n, k in known_keys.items() if want and f" {want} " in f" {k} "]
        out.extend(exact or partial or [value])
    return tuple(dict.fromkeys(out))


def resolve_filters(filters: SearchFilters | None, records: Iterable[dict[str, Any]]) -> Any:
    """``filters`` with outlets mapped onto stored spellings and document types turned into the
    ids of the documents of those types (the store filters chunks, which carry neither)."""
    if filters is None or not (filters.outlets or filters.doc_types):
        return filters
    records = list(records)
    if filters.outlets:
        known = [str(r["outlet"]) for r in records if r.get("outlet")]
        filters = replace(filters, outlets=resolve_outlets(filters.outlets, known))
    if filters.doc_types:
        # "NQ", "nghi quyet" and "Nghị quyết" name one type (records keep the canonical name).
        wanted = {_key(canonical_doc_type(t) or t) for t in filters.doc_types}
        ids = {str(r["doc_id"]) for r in records if _key(str(r.get("doc_type") or "")) in wanted}
        if filters.doc_ids:
            ids &= set(filters.doc_ids)
        # None of that type: ".none" (hidden files are never indexed), so nothing is found.
        filters = replace(filters, doc_ids=tuple(sorted(ids)) or (".none",), doc_types=())
    return filters


def facets(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Outlets and document types with document counts, and the range of publication dates."""
    outlets: Counter[str] = Counter()
    types: Counter[str] = Counter()
    days: list[str] = []
    total = 0
    for r in records:
        total += 1
        if r.get("outlet"):
            outlets[str(r["outlet"])] += 1
        if r.get("doc_type"):
            types[str(r["doc_type"])] += 1
        if r.get("published"):
            days.append(str(r["published"])[:10])

    def counted(c: Counter[str]) -> list[dict[str, Any]]:
        return [{"value": v, "count": n} for v, n in sorted(c.items(), key=lambda x: (-x[1], x[0]))]

    return {
        "documents": total,
        "outlets": counted(outlets),
        "doc_types": counted(types),
        "published": {
            "min": min(days) if days else None,
            "max": max(days) if days else None,
            "count": len(days),
        },
    }
