"""The answer contract shared by the CLI, the HTTP API and the Telegram bot."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

NOT_FOUND = {
    "vi": "Không tìm thấy thông tin này trong tài liệu.",
    "en": "This information was not found in the documents.",
}


@dataclass
class Citation:
    """A numbered source: the passage an answer sentence was quoted from."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    outlet: str | None
    published: str | None
    quote: str
    score: float


@dataclass
class Answer:
    """A cited answer (``found``) or a refusal with the closest documents as suggestions."""

    question: str
    standalone_question: str
    answer: str
    found: bool
    mode: Literal["extractive", "llm"]
    citations: list[Citation] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    language: str = "vi"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
