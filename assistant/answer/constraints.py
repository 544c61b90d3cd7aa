"""Entity and constraint consistency: the places, names and years a question names must be
matched by the answer sentence or its local context (paragraph, heading, document title).

``missing_constraints`` serves the extractive answerer; ``check_citations`` is the same check for
citations an LLM returned (quotes matched back to their passages).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer.analysis import Analysis, analyse
from assistant.answer.entities import years_in
from assistant.answer.model import Citation
from assistant.answer.passage import Sentence, context_of, sentences_of, split_passage
from assistant.retrieval import SearchResult
from assistant.vietnamese import fold

# A year a figure is compared with ("tăng 18% so với năm 2023") is not the figure's year.
_REFERENCE = re.compile(
    r"\b(?:so với|so voi|compared (?:with|to)|than)\s+(?:(?:cùng kỳ|cung ky|cuối|cuoi|đầu|dau)\s+)?"
    r"(?:(?:năm|nam)\s+)?(?:19|20)\d{2}",
    re.I,
)
# A plan's or target's year ("năm 2025 tỉnh đặt mục tiêu …") does not date the other sentences.
_TARGET = re.compile(
    r"\b(?:muc tieu|phan dau|ke hoach|du kien|dinh huong|tam nhin|uu tien|targets?|targeted|"
    r"plans?|planned|will)\b"
)
# Read with its marks: folded, "chỉ tiêu" (a target) would be "chi tiêu" (spending) too.
_FUTURE = re.compile(r"(?<!\w)(?:sẽ|chỉ tiêu)(?!\w)", re.I)


def _fact_years(text: str, published: int | None) -> set[int]:
    """Years a stretch of text dates its other sentences with: reference years left out, and,
    when other years remain, those of target or future sentences and years after publication
    (a sentence's own target year is read from the sentence itself; a plan whose every year is a
    target keeps them)."""
    years = years_in(_REFERENCE.sub(" ", text))
    facts: set[int] = set()
    for s in split_passage(text):
        if not (_TARGET.search(fold(s.text)) or _FUTURE.search(s.text)):
            facts |= years_in(_REFERENCE.sub(" ", s.text))
    facts = {y for y in facts if published is None or y <= published}
    return facts or years


def context_years(hit: SearchResult, sentence: Sentence) -> set[int]:
    """Years a sentence's facts are about: its own when it names any, else its paragraph's,
    heading's or title's, else its passage's, else the publication year (news of 2025 reports
    figures of 2024, so the publication year is the last resort). Years a figure is compared
    with, and beyond the sentence the years of targets, do not count."""
    own = years_in(_REFERENCE.sub(" ", sentence.text))
    if own:
        return own
    raw = (hit.published or "")[:4]
    published = int(raw) if raw.isdigit() else None
    for text in (sentence.paragraph, f"{sentence.heading}\n{hit.title}", hit.text):
        years = _fact_years(text, published)
        if years:
            return years
    return {published} if published is not None else set()


def missing_constraints(analysis: Analysis, hit: SearchResult, sentence: Sentence) -> list[str]:
    """Names of the question's places, names and years that the sentence's context lacks."""
    if not analysis.entities:
        return []
    context = context_of(hit, sentence)
    folded = fold(context)
    missing = [
        e.name for e in (*analysis.places, *analysis.names) if not e.found_in(context, folded)
    ]
    if analysis.years:
        years = context_years(hit, sentence)
        # The ends of a framing period need only be named by the document (title, heading,
        # passage); the single year asked must date the figure itself.
        if analysis.framing:
            whole = years_in(f"{hit.title}\n{sentence.heading}\n{hit.text}")
            years = years | (analysis.framing & whole)
        missing += [e.name for e in analysis.years if int(e.name) not in years]
    return missing


def missing_for_claim(analysis: Analysis, claim: str, cited: Sequence[SearchResult]) -> list[str]:
    """For a sentence a model wrote citing ``cited``: the question's places, names and years
    that the local context of the passage sentence closest to it lacks (the extractive check,
    applied where the model took its figure from)."""
    if not analysis.entities:
        return []
    words = set(fold(claim).split())
    closest = max(
        ((hit, s) for hit in cited for s in sentences_of(hit)),
        key=lambda pair: len(words & set(fold(pair[1].text).split())),
        default=None,
    )
    if closest is None:
        return [e.name for e in analysis.entities]
    return missing_constraints(analysis, *closest)


def _locate(quote: str, hit: SearchResult) -> Sentence | None:
    """The passage sentence a quote was taken from (its first part when joined with " … ")."""
    first = quote.split(" … ")[0].strip()
    for s in sentences_of(hit):
        if first and (first in s.text or s.text in first):
            return s
    return None


def check_citations(
    question: str, citations: Sequence[Citation], hits: Sequence[SearchResult]
) -> dict[int, list[str]]:
    """For each citation (by ``n``), the question's places/names/years its quote's local context
    lacks. An empty list means the citation is about what was asked; a citation whose chunk is not
    among ``hits`` is checked against its quote and title alone."""
    analysis = analyse(question)
    by_chunk = {h.chunk_id: h for h in hits}
    out: dict[int, list[str]] = {}
    for c in citations:
        hit = by_chunk.get(c.chunk_id) or SearchResult(
            c.doc_id, c.chunk_id, c.title, c.outlet, c.published, c.quote, c.score
        )
        sentence = _locate(c.quote, hit) or Sentence(c.quote, 0, len(c.quote), c.quote, "", 0)
        out[c.n] = missing_constraints(analysis, hit, sentence)
    return out
