"""What an administrative document adds to its chunks' payload."""

from __future__ import annotations

from typing import Any

from assistant.doctypes import doc_number_keys
from indexing.chunking import Chunk
from indexing.metadata import DocMeta


def official_payload(chunks: list[Chunk], meta: DocMeta) -> dict[str, dict[str, Any]]:
    """Per chunk id: its unit, and the document's number and type (filters read them)."""
    keys = doc_number_keys(meta.doc_number) if meta.doc_number else []
    return {
        c.chunk_id: {
            "section": c.section,
            "doc_number": meta.doc_number,
            "doc_type": meta.doc_type,
            "doc_number_keys": keys,
        }
        for c in chunks
    }
