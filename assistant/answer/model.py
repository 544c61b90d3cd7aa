"""The answer contract shared by the CLI, the HTTP API and the Telegram bot."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal, ParamSpec

from pydantic import ConfigDict, Field

if TYPE_CHECKING:
    from assistant.retrieval import SearchResult

NOT_FOUND = {
    "vi": "Không tìm thấy thông tin này trong tài liệu.",
    "en": "This information was not found in the documents.",
}


@dataclass
class Citation:
    """A numbered source: the passage an answer sentence was quoted from."""

    # The domain types are the API schema: every field is always in the JSON (so, required).
    __pydantic_config__ = ConfigDict(json_schema_serialization_defaults_required=True)

    n: int
    doc_id: str
    chunk_id: str
    title: str
    outlet: str | None
    published: str | None
    quote: str
    score: float
    # [start, end) of the answer span inside ``quote`` (shown in bold), or None.
    highlight: list[int] | None = None
    # The cited unit of an administrative document (see SearchResult); None for news.
    section: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None

    def source_label(self) -> str | None:
        """How officials cite it: ``Quyết định 1318/QĐ-UBND, Điều 3, khoản 2``."""
        name = " ".join(p for p in (self.doc_type, self.doc_number) if p)
        return ", ".join(p for p in (name, self.section) if p) or None


@dataclass
class Answer:
    """A cited answer (``found``) or a refusal with the closest documents as suggestions."""

    __pydantic_config__ = ConfigDict(json_schema_serialization_defaults_required=True)

    question: str
    standalone_question: str
    answer: str
    found: bool
    mode: Literal["extractive", "llm"]
    citations: list[Citation] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    language: Annotated[str, Field(exclude=True)] = "vi"  # not in the public JSON (contract)
    # The exact answer span ("6.850 tỷ đồng"), or None for a descriptive answer or a refusal.
    short_answer: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def contract(self) -> dict[str, Any]:
        """The public JSON shape of an answer (what ``ask --json`` and the API return)."""
        return {k: v for k, v in self.as_dict().items() if k != "language"}


def refusal(
    question: str,
    standalone: str,
    hits: Sequence[SearchResult],
    lang: str,
    mode: Literal["extractive", "llm"],
) -> Answer:
    """'Not in the documents', with the closest documents as suggestions."""
    seen: dict[str, dict[str, Any]] = {}
    for h in hits:
        if h.doc_id not in seen and len(seen) < 3:
            seen[h.doc_id] = {
                "doc_id": h.doc_id,
                "title": h.title,
                "outlet": h.outlet,
                "published": h.published,
            }
    text = NOT_FOUND[lang]
    return Answer(question, standalone, text, False, mode, [], list(seen.values()), lang)


def with_units(answer: Answer, hits: Sequence[SearchResult]) -> Answer:
    """Fill each citation's unit, number and type from the passage it cites (every answerer
    builds citations from hits; this keeps that knowledge in one place)."""
    by_chunk = {h.chunk_id: h for h in hits}
    for c in answer.citations:
        if hit := by_chunk.get(c.chunk_id):
            c.section, c.doc_number, c.doc_type = hit.section, hit.doc_number, hit.doc_type
    return answer


P = ParamSpec("P")


def final_answer(stream: Callable[P, Iterator[tuple[str, Any]]]) -> Callable[P, Answer]:
    """The same call as an answer event stream, returning only its final ``Answer`` (the
    ``done`` event): ``Assistant.ask`` is ``ask_stream`` run to the end."""

    def run(*args: P.args, **kwargs: P.kwargs) -> Answer:
        final = None
        for event, payload in stream(*args, **kwargs):
            if event == "done":
                final = payload
        assert isinstance(final, Answer)
        return final

    return run
