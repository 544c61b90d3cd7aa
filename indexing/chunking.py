"""Sentence-aware chunks sized in the embedder's own tokens.

llama-index's ``SentenceSplitter`` does the packing; we give it Vietnamese sentences (lines first,
since ``sent_tokenize`` never splits on newlines) and the embedder's token counter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from assistant.lexical import sentences


@dataclass(frozen=True)
class Chunk:
    """A passage of a document with its stable id."""

    chunk_id: str
    position: int
    text: str


def chunk_id(doc_id: str, position: int, text: str) -> str:
    """Stable id: same document, place and text → same id (unchanged chunks are not re-written)."""
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    return f"{doc_id}#{position}-{digest}"


def split(
    doc_id: str, body: str, count_tokens: Callable[[str], int], max_tokens: int, overlap: int
) -> list[Chunk]:
    """Split a cleaned body into chunks of at most ``max_tokens`` embedder tokens."""
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
    texts = [t.strip() for t in splitter.split_text(body) if t.strip()]
    return [Chunk(chunk_id(doc_id, i, t), i, t) for i, t in enumerate(texts)]
