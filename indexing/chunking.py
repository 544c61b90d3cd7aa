"""Sentence-aware chunks sized in the embedder's own tokens.

llama-index's ``SentenceSplitter`` does the packing; we give it Vietnamese sentences (lines first,
since ``sent_tokenize`` never splits on newlines) and the embedder's token counter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.lexical import sentences

if TYPE_CHECKING:
    from indexing.structure import OfficialDoc


@dataclass(frozen=True)
class Chunk:
    """A passage of a document with its stable id."""

    chunk_id: str
    position: int
    text: str
    section: str | None = None  # the unit it belongs to: "Điều 3, khoản 2", "Mục II.1"
    context: str = ""  # headings of the enclosing units, embedded with the text, never quoted


def embed_text(chunk: Chunk, title: str) -> str:
    """What is embedded: the title (once), the enclosing headings, then the chunk's own text."""
    head = [] if chunk.text.startswith(title) else [title]
    return "\n".join([*head, *([chunk.context] if chunk.context else []), chunk.text])


def chunk_id(doc_id: str, position: int, text: str) -> str:
    """Stable id: same document, place and text → same id (unchanged chunks are not re-written)."""
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    return f"{doc_id}#{position}-{digest}"


def split(
    doc_id: str,
    body: str,
    count_tokens: Callable[[str], int],
    max_tokens: int,
    overlap: int,
    official: OfficialDoc | None = None,
) -> list[Chunk]:
    """Split a cleaned body into chunks of at most ``max_tokens`` embedder tokens; an
    administrative document is split along its own units instead (``split_official``)."""
    if official is not None:
        return split_official(doc_id, official, count_tokens, max_tokens, overlap)
    texts = _sentence_split(body, count_tokens, max_tokens, overlap)
    return [Chunk(chunk_id(doc_id, i, t), i, t) for i, t in enumerate(texts)]


def _sentence_split(
    body: str, count_tokens: Callable[[str], int], max_tokens: int, overlap: int
) -> list[str]:
    from llama_index.core.node_parser import SentenceSplitter

    splitter = SentenceSplitter(
        chunk_size=max_tokens,
        chunk_overlap=overlap,
        # SentenceSplitter measures with len(tokenizer(text)); any sized sequence will do.
        tokenizer=lambda text: range(count_tokens(text)),
        paragraph_separator="\n",
        chunking_tokenizer_fn=sentences,
        separator=" ",
    )
    return [t.strip() for t in splitter.split_text(body) if t.strip()]


def split_official(
    doc_id: str,
    doc: OfficialDoc,
    count_tokens: Callable[[str], int],
    max_tokens: int,
    overlap: int,
) -> list[Chunk]:
    """Chunks that follow an administrative document's units (see ``indexing.official_chunks``)."""
    from indexing.official_chunks import drafts

    out: list[Chunk] = []
    for d in drafts(doc, count_tokens, max_tokens, overlap):
        i = len(out)
        out.append(Chunk(chunk_id(doc_id, i, d.text), i, d.text, d.section, d.context))
    return out
