"""Sentences of a chunk with their character offsets, for the sentence vectors stored at index
time (answering reads them instead of embedding sentences per question).

The splitter is ``assistant.lexical.sentences``, the one the answerer uses, so the stored texts
are the texts the answerer asks vectors for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.lexical import sentences


@dataclass(frozen=True)
class Span:
    """A sentence as the answerer sees it (stripped) and where it sits in the chunk text."""

    text: str
    start: int  # -1 when the splitter's text is not in the chunk verbatim
    end: int


def spans(chunk_text: str) -> list[Span]:
    """Every sentence of a chunk, in order, with offsets into ``chunk_text``."""
    out: list[Span] = []
    cursor = 0
    for raw in sentences(chunk_text):
        text = raw.strip()
        if not text:
            continue
        start = chunk_text.find(text, cursor)
        end = start + len(text)
        if start < 0:  # the splitter normalised spacing: match words, any whitespace between
            pattern = r"\s+".join(re.escape(w) for w in text.split())
            found = re.compile(pattern).search(chunk_text, cursor)
            start, end = (found.start(), found.end()) if found else (-1, -1)
        if start >= 0:
            cursor = end
        out.append(Span(text, start, end))
    return out
