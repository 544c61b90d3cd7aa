"""Answer text and citations from scored candidates: the quoted sentences with ``[n]`` markers,
the exact answer span (``short_answer``, ``highlight``), and the helpful refusal that names what
the documents cover instead (another place or year) with citations to those near misses.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answer.analysis import Analysis
from assistant.answer.candidates import Candidate
from assistant.answer.constraints import context_years
from assistant.answer.entities import places_in
from assistant.answer.model import Answer, Citation, refusal
from assistant.answer.passage import context_of
from assistant.answer.spans import short_offsets
from assistant.retrieval import SearchResult


class Citations:
    """Numbered citations, one per chunk; a second sentence of a chunk joins its quote."""

    def __init__(self) -> None:
        self.items: list[Citation] = []

    def add(self, c: Candidate) -> int:
        existing = next((x for x in self.items if x.chunk_id == c.hit.chunk_id), None)
        if existing is None:
            highlight = None
            if c.span is not None:
                highlight = list(short_offsets(c.span))
            existing = Citation(
                n=len(self.items) + 1,
                doc_id=c.hit.doc_id,
                chunk_id=c.hit.chunk_id,
                title=c.hit.title,
                outlet=c.hit.outlet,
                published=c.hit.published,
                quote=c.text,
                score=round(c.score, 4),
                highlight=highlight,
            )
            self.items.append(existing)
        elif c.text not in existing.quote:
            existing.quote = f"{existing.quote} … {c.text}"
        return existing.n


def short_text(c: Candidate) -> str | None:
    """The exact answer: the span without hedges, date words, honorifics or document kind."""
    if c.span is None:
        return None
    start, end = short_offsets(c.span)
    return c.text[start:end]


def _span_offsets_ok(c: Candidate) -> bool:
    return c.span is None or c.text[c.span.start : c.span.end] == c.span.text


def found_answer(
    question: str, standalone: str, analysis: Analysis, chosen: Sequence[Candidate]
) -> Answer:
    """Quote the chosen sentences, each followed by its marker."""
    cites = Citations()
    parts = []
    for c in chosen:
        assert _span_offsets_ok(c)
        parts.append(f"{c.text} [{cites.add(c)}]")
    top = chosen[0]
    short = short_text(top)
    return Answer(
        question,
        standalone,
        " ".join(parts),
        True,
        "extractive",
        cites.items,
        [],
        analysis.lang,
        short,
    )


def _covered(c: Candidate, analysis: Analysis, missing: list[str]) -> str | None:
    """What a near miss is about instead of the missing place or year ("Long An", "năm 2026")."""
    asked_years = {e.name for e in analysis.years}
    if any(m in asked_years for m in missing):
        years = sorted(context_years(c.hit, c.sentence) - {int(y) for y in asked_years})
        if years:
            word = "năm" if analysis.lang == "vi" else ""
            return " ".join(x for x in (word, ", ".join(map(str, years[:2]))) if x)
    asked = {e.name for e in analysis.places}
    for text in (c.text, context_of(c.hit, c.sentence)):
        others = [p.name for p in places_in(text) if p.name not in asked]
        if others:
            return ", ".join(others[:2])
    return None


def near_miss_refusal(
    question: str,
    standalone: str,
    analysis: Analysis,
    misses: Sequence[Candidate],
    hits: Sequence[SearchResult],
) -> Answer:
    """``found: false`` with what the documents do cover, cited; a plain refusal without misses."""
    if not misses:
        return refusal(question, standalone, hits, analysis.lang, "extractive")
    cites = Citations()
    missing = misses[0].missing
    vi = analysis.lang == "vi"
    what = "số liệu" if analysis.typed else "thông tin"
    names = ", ".join(missing)
    what_en = "figure" if analysis.typed else "information"
    head = (
        f"Tài liệu không có {what} này cho {names}"
        if vi
        else f"The documents have no {what_en} on this for {names}"
    )
    pieces = []
    seen: set[tuple[str | None, str]] = set()
    # Misses that lack more than the first one (another place *and* year) say nothing useful.
    for c in [m for m in misses if set(m.missing) <= set(missing)][:2]:
        fact = c.span.text if c.span is not None else f"“{c.text}”"
        about = _covered(c, analysis, c.missing)
        if (about, fact) in seen:  # two sentences saying the same: cite the first only
            continue
        seen.add((about, fact))
        n = cites.add(c)
        if about:
            pieces.append(f"{'có cho' if vi else 'they do for'} {about}: {fact} [{n}]")
        else:
            pieces.append(f"{'tài liệu có' if vi else 'they have'}: {fact} [{n}]")
    text = f"{head}; {'; '.join(pieces)}."
    suggestions = refusal(question, standalone, hits, analysis.lang, "extractive").suggestions
    return Answer(
        question, standalone, text, False, "extractive", cites.items, suggestions, analysis.lang
    )
