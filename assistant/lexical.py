"""Lexical side of retrieval: Vietnamese tokens and the BM25-style sparse vector built from them.

The same function encodes documents and queries, so a question typed without diacritics, with an
abbreviation (``KCN``) or in English (``industrial park``) meets the same tokens as the text.
Qdrant applies the IDF part (``Modifier.IDF``); we supply saturated term frequencies.
"""

from __future__ import annotations

import logging
import re
import threading
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from assistant.vietnamese import fold, normalize

_TOKEN = re.compile(r"[^\W_]+(?:[_\-.][^\W_]+)*", re.UNICODE)


_UTS_LOCK = threading.Lock()
_UTS: Any = None


def underthesea() -> Any:
    """underthesea, imported and warmed once (thread-safe: its models load lazily on first use,
    and two threads doing that at once crash); its root-logger set-up is undone."""
    global _UTS
    if _UTS is None:
        with _UTS_LOCK:
            if _UTS is None:
                root = logging.getLogger()
                handlers, level = list(root.handlers), root.level
                import underthesea as uts

                for handler in list(root.handlers):
                    if handler not in handlers:
                        root.removeHandler(handler)
                root.setLevel(level)
                uts.word_tokenize("Khởi động mô hình tách từ.", format="text")
                uts.sent_tokenize("Khởi động. Mô hình tách câu.")
                _UTS = uts
    return _UTS


@dataclass(frozen=True)
class Concept:
    """One entry of the abbreviation/synonym table."""

    name: str
    forms: tuple[str, ...]


def data_table(name: str) -> list[tuple[str, list[str]]]:
    """Rows of a bundled table (``assistant/data/<name>``): a name, a tab, then forms separated
    by ``|`` (stripped); blank lines and ``#`` comments are skipped."""
    text = resources.files("assistant").joinpath("data", name).read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            key, forms = line.split("\t", 1)
            rows.append((key, [f.strip() for f in forms.split("|")]))
    return rows


@cache
def concepts() -> tuple[tuple[Concept, re.Pattern[str]], ...]:
    """The abbreviation/synonym table (``data/abbreviations.tsv``) compiled to patterns."""
    out = []
    for name, all_forms in data_table("abbreviations.tsv"):
        forms = tuple(f for f in all_forms if f)
        folded = sorted({fold(f) for f in forms}, key=len, reverse=True)
        alternatives = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in folded)
        pattern = re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w])")
        out.append((Concept(name, forms), pattern))
    return tuple(out)


def sentences(text: str) -> list[str]:
    """Lines, then underthesea's sentence splitter inside each line; every sentence but the last
    ends with a newline, which the chunk splitter keeps as a boundary."""
    out: list[str] = []
    for line in text.splitlines():
        if line.strip():
            out.extend(s.strip() + "\n" for s in underthesea().sent_tokenize(line) if s.strip())
    if out:
        out[-1] = out[-1].rstrip("\n")
    return out


def segment(text: str) -> list[str]:
    """Word-segmented, lowercased tokens; compounds joined by ``_`` (``khu_công_nghệ``)."""
    if not text.strip():
        return []
    joined = underthesea().word_tokenize(normalize(text), format="text")
    return [t.lower() for t in _TOKEN.findall(joined)]


def tokens(text: str) -> list[str]:
    """All lexical features of a text, repeated as often as they occur.

    Features: segmented words (accented), accent-folded syllables and syllable bigrams (robust
    when segmentation fails on accentless input), and concept tokens for abbreviations/synonyms.
    """
    words = segment(text)
    syllables = [s for w in words for s in re.split(r"[_\-.]", fold(w)) if s]
    # No stopword list: folding makes "đã" and "Đà" the same syllable, and IDF already
    # discounts frequent features.
    feats = [f"w:{w}" for w in words]
    feats += [f"s:{s}" for s in syllables]
    feats += [f"b:{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False)]
    folded_text = " ".join(fold(text).split())
    for concept, pattern in concepts_in(folded_text):
        feats += [f"c:{concept.name}"] * len(pattern.findall(folded_text))
    return feats


def overlap_features(text: str) -> set[str]:
    """Folded syllables and concept tokens, without word segmentation (cheap enough to run on
    every candidate sentence at question time)."""
    folded = " ".join(fold(text).split())
    feats = {f"s:{s}" for s in _SYLLABLE.findall(folded)}
    feats |= {f"c:{concept.name}" for concept, _ in concepts_in(folded)}
    return feats


@cache
def _concept_keys() -> tuple[tuple[Concept, re.Pattern[str], tuple[str, ...]], ...]:
    return tuple(
        (concept, pattern, tuple({" ".join(fold(f).split()) for f in concept.forms}))
        for concept, pattern in concepts()
    )


def concepts_in(spaced: str) -> list[tuple[Concept, re.Pattern[str]]]:
    """The concepts (with their patterns) named in folded text whose whitespace runs are single
    spaces. A substring test of each form comes first: a sentence names few of the concepts, and
    the answerer runs this on every candidate sentence of every question."""
    return [
        (concept, pattern)
        for concept, pattern, keys in _concept_keys()
        if any(k in spaced for k in keys) and pattern.search(spaced)
    ]


_SYLLABLE = re.compile(r"[^\W_]+", re.UNICODE)


def _index(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & 0x7FFFFFFF


@dataclass(frozen=True)
class SparseVec:
    """Sparse vector with unique indices (hash collisions are summed, as Qdrant requires)."""

    indices: list[int]
    values: list[float]


def _to_sparse(weights: dict[str, float]) -> SparseVec:
    merged: dict[int, float] = {}
    for feature, weight in weights.items():
        idx = _index(feature)
        merged[idx] = merged.get(idx, 0.0) + weight
    ordered = sorted(merged.items())
    return SparseVec([i for i, _ in ordered], [v for _, v in ordered])


def document_vector(
    text: str, k1: float = 1.2, b: float = 0.75, avg_len: float = 400.0
) -> SparseVec:
    """BM25 term-frequency part for a passage (Qdrant multiplies in the IDF)."""
    counts = Counter(tokens(text))
    length = sum(counts.values()) or 1
    norm = k1 * (1 - b + b * length / avg_len)
    return _to_sparse({f: c * (k1 + 1) / (c + norm) for f, c in counts.items()})


def query_vector(text: str) -> SparseVec:
    """Query side: each distinct feature once."""
    return _to_sparse(dict.fromkeys(tokens(text), 1.0))


def query_terms(text: str) -> set[str]:
    """Folded content syllables of a query, for highlighting and lexical overlap scores."""
    return {f[2:] for f in tokens(text) if f.startswith("s:")}
