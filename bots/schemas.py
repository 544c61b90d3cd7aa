"""What the HTTP API reads (strict request models) and the envelopes it answers in.

The answers themselves are the domain types (``SearchResult``, ``Answer``, ``Citation``,
``FileOutcome``, ``Gap``): FastAPI reads their schema from the dataclasses, so there are no
mirror classes to keep in step.
"""

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    create_model,
    field_validator,
    model_validator,
)

from assistant.answer.model import Answer
from assistant.config import QUESTION_MAX_CHARS, Settings
from assistant.retrieval import SearchResult
from assistant.store import SearchFilters

MAX_QUESTION = QUESTION_MAX_CHARS  # the static schema uses the default of the setting


def _doc_type(value: Any) -> Any:
    from assistant.doctypes import canonical_doc_type

    if isinstance(value, str) and canonical_doc_type(value) is None:
        raise ValueError("unknown document type (Quyết định/QĐ, Kế hoạch/KH, Nghị quyết/NQ, …)")
    return value


DocType = Annotated[StrictStr, BeforeValidator(_doc_type)]


def _no_text(value: Any) -> Any:
    if isinstance(value, str | bool):
        raise ValueError("must be a number, not text")
    return value


def _iso_date(value: Any) -> Any:
    if not isinstance(value, str | date):
        raise ValueError("a date must be a string YYYY-MM-DD")
    return value


# Requests are checked as documented: no unknown fields and no lax coercions (0 is no date,
# "5" is no number).
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Count = Annotated[int, Field(ge=1, le=50), BeforeValidator(_no_text)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Filters(Strict):
    doc_ids: list[StrictStr] | None = None
    outlets: list[StrictStr] | None = None
    since: IsoDate | None = None
    until: IsoDate | None = None
    doc_types: list[DocType] | None = None
    doc_numbers: list[StrictStr] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Filters":
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until}): no date fits")
        return self

    def to_search(self) -> SearchFilters:
        return SearchFilters(
            tuple(self.doc_ids or ()),
            tuple(self.outlets or ()),
            self.since,
            self.until,
            tuple(self.doc_types or ()),
            tuple(self.doc_numbers or ()),
        )


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain text, not only spaces")
    return value


# The pattern tells clients (and the fuzzer) that blank text is refused; the check is _not_blank.
Text = Field(min_length=1, max_length=MAX_QUESTION, json_schema_extra={"pattern": r"\S"})


class SearchRequest(Strict):
    query: StrictStr = Text
    k: Count = 5
    filters: Filters | None = None

    _query = field_validator("query")(_not_blank)


class Turn(Strict):
    role: Literal["user", "assistant"]
    content: StrictStr = Field(max_length=20_000)


class AskRequest(Strict):
    question: StrictStr = Text
    history: list[Turn] = Field(default_factory=list, max_length=20)
    k: Count | None = None
    stream: StrictBool = False
    filters: Filters | None = None  # the same filters as search

    _question = field_validator("question")(_not_blank)


def limited_ask(settings: Settings) -> type[AskRequest]:
    """``AskRequest`` with the configured turn limit, checked by validation and shown in the
    OpenAPI schema."""
    limited_turn = create_model(
        "Turn",
        __base__=Turn,
        content=(StrictStr, Field(max_length=settings.history_max_turn_chars)),
    )
    return create_model(
        "AskRequest",
        __base__=AskRequest,
        history=(list[limited_turn], Field(default_factory=list, max_length=20)),  # type: ignore[valid-type]  # a class made at run time from the settings
    )


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: StrictStr | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """OpenAI chat-completions request; unknown OpenAI options are accepted and ignored."""

    model: StrictStr = "hoidap"
    messages: list[ChatMessage] = Field(min_length=1, max_length=50)
    stream: StrictBool = False


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]


@dataclass
class AskResponse(Answer):
    """An answer as the API returns it: with the id that ``POST /v1/feedback`` takes."""

    interaction_id: str | None = None  # null when logging is off


class Problem(BaseModel):
    detail: str


MEANING = {
    400: "malformed request",
    401: "no or wrong API key",
    403: "an admin key is needed",
    404: "not found",
    413: "request body too large",
    415: "wrong content type",
    429: "rate limit reached",
    503: "starting up",
}


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error responses a route documents in the OpenAPI schema."""
    return {c: {"model": Problem, "description": MEANING[c]} for c in codes}
