"""A retrieved passage as quotable sentences, each with its offsets and its local context
(paragraph, nearest heading, document title), so that quotes are slices of the passage text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.lexical import underthesea
from assistant.retrieval import SearchResult

_END = re.compile(r"[.!?…:;»”\")]\s*$")
_MIN_WORDS = 4
MIN_WORDS = _MIN_WORDS  # shorter sentences are never quoted, so indexing stores none


@dataclass(frozen=True)
class Sentence:
    """One quotable sentence: ``text == passage[start:end]``."""

    text: str
    start: int
    end: int
    paragraph: str
    heading: str  # the nearest preceding heading line in the passage, or ""
    index: int  # position among the passage's sentences


def _is_heading(line: str) -> bool:
    """A short line without closing punctuation (a title or a subheading)."""
    return len(line.split()) <= 20 and not _END.search(line)


@lru_cache(maxsize=4096)
def split_passage(text: str) -> tuple[Sentence, ...]:
    """Lines (paragraphs), then underthesea's sentences inside each line, located by offset."""
    out: list[Sentence] = []
    heading = ""
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        cursor = line_start
        for piece in underthesea().sent_tokenize(line):
            piece = piece.strip()
            if not piece:
                continue
            at = text.find(piece, cursor, line_start + len(line))
            if at < 0:  # the splitter changed the text: never quote what is not there
                continue
            cursor = at + len(piece)
            if len(piece.split()) >= _MIN_WORDS:
                out.append(Sentence(piece, at, cursor, stripped, heading, len(out)))
        if _is_heading(stripped):
            heading = stripped
    return tuple(out)


def sentences_of(hit: SearchResult) -> tuple[Sentence, ...]:
    return split_passage(hit.text)


def context_of(hit: SearchResult, sentence: Sentence) -> str:
    """What a sentence's facts are about: the sentence, its paragraph, heading and the title;
    for an official document also its issuing body (a notice of the "Ban Quản lý các khu công
    nghiệp, UBND tỉnh Bắc Giang" is about Bắc Giang; a newspaper's name says nothing)."""
    issuer = f"\n{hit.outlet}" if hit.doc_type and hit.outlet else ""
    return f"{sentence.text}\n{sentence.paragraph}\n{sentence.heading}\n{hit.title}{issuer}"
