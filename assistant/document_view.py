"""A document as a reader sees it: its cleaned text, with where each chunk and section lies.

The index keeps chunks, not the cleaned body. Consecutive chunks overlap (the splitter repeats
the last sentences of a chunk at the start of the next), so the text is rebuilt by appending each
chunk minus the part the text already ends with; every chunk is then an exact span of the text.
"""

from __future__ import annotations

from typing import Any

MIN_OVERLAP = 12  # shorter common edges are coincidences ("ở ", "và "), not the splitter's overlap

META_FIELDS = ("title", "outlet", "author", "published", "url", "doc_type", "source", "chunks")


def _overlap(text: str, chunk: str) -> int:
    """Length of the longest prefix of ``chunk`` that ``text`` ends with (0 when short)."""
    longest = min(len(text), len(chunk))
    for size in range(longest, MIN_OVERLAP - 1, -1):
        if text.endswith(chunk[:size]):
            return size
    return 0


def assemble(chunks: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Text and chunk spans (``start``/``end`` offsets into the text) from ordered chunks."""
    text = ""
    spans: list[dict[str, Any]] = []
    for c in sorted(chunks, key=lambda c: c["position"]):
        body = c.get("text", "")
        shared = _overlap(text, body)
        if shared:
            start = len(text) - shared
            text += body[shared:]
        else:
            text += "\n" if text else ""
            start = len(text)
            text += body
        span = {"chunk_id": c["chunk_id"], "position": c["position"], "start": start}
        span["end"] = start + len(body)
        if c.get("section"):
            span["section"] = c["section"]
        spans.append(span)
    return text, spans


def sections(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs of consecutive chunks sharing a ``section`` label, as text spans."""
    out: list[dict[str, Any]] = []
    for s in spans:
        label = s.get("section")
        if not label:
            continue
        if out and out[-1]["title"] == label and out[-1]["last"] == s["position"] - 1:
            out[-1]["end"], out[-1]["last"] = s["end"], s["position"]
        else:
            out.append(
                {"title": label, "start": s["start"], "end": s["end"], "last": s["position"]}
            )
    return [{k: v for k, v in sec.items() if k != "last"} for sec in out]


def document_view(record: dict[str, Any], chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``GET /v1/documents/{id}`` contract: known metadata only, text, chunk/section spans."""
    text, spans = assemble(chunks)
    meta = {k: record[k] for k in META_FIELDS if record.get(k) not in (None, "")}
    return {
        "doc_id": record["doc_id"],
        **meta,
        "text": text,
        "chunks": spans,
        "sections": sections(spans),
    }
