"""Shared check: the stored sentence points are exactly the sentences of the live chunks."""

from __future__ import annotations

from assistant.store import Store
from indexing.sentences import spans
from indexing.vectors import quotable


def sentence_problems(store: Store, orphans_allowed: bool = False) -> list[str]:
    """What is wrong with the sentence points (empty when they match the live chunks exactly).

    ``orphans_allowed``: points of versions no record points to may remain (right after a crash,
    before the next run repairs them); the live version must still be complete."""
    live = {d: r["doc_hash"] for d, r in store.documents().items()}
    chunks = [
        c
        for c in store.scroll_payloads("chunk", ["chunk_id", "doc_id", "doc_hash", "text"])
        if live.get(c["doc_id"]) == c["doc_hash"]
    ]
    expected = sorted(
        (c["chunk_id"], i, s.text, s.start, s.end)
        for c in chunks
        for i, s in enumerate(spans(c["text"]))
        if quotable(s)  # the answerer never quotes shorter ones, so they get no point
    )
    points = store.scroll_payloads("sentence")
    stored = sorted(
        (p["chunk_id"], p["sentence"], p["text"], p["start"], p["end"])
        for p in points
        if live.get(p["doc_id"]) == p["doc_hash"]
    )
    problems = []
    if stored != expected:
        missing = set(expected) - set(stored)
        extra = set(stored) - set(expected)
        problems.append(
            f"live sentences differ: {len(missing)} missing, {len(extra)} extra, "
            f"{len(stored)} stored vs {len(expected)} expected"
        )
    orphans = [p for p in points if live.get(p["doc_id"]) != p["doc_hash"]]
    if orphans and not orphans_allowed:
        problems.append(f"{len(orphans)} orphan sentence points, e.g. {orphans[0]['chunk_id']}")
    # The answerer's lookup returns exactly the live sentences, with vectors.
    by_chunk = {c["chunk_id"]: c["doc_hash"] for c in chunks}
    read = sorted(
        (s.chunk_id, s.index, s.text, s.start, s.end)
        for s in store.sentence_vectors(by_chunk)
        if s.vector
    )
    if read != expected:
        problems.append(f"lookup returned {len(read)} sentences, expected {len(expected)}")
    for c in chunks:  # offsets point at the sentence inside its chunk
        for s in spans(c["text"]):
            if s.start < 0 or c["text"][s.start : s.end] != s.text:
                problems.append(f"{c['chunk_id']}: offsets do not locate {s.text[:40]!r}")
    return problems
