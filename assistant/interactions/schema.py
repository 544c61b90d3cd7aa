"""The interaction log's tables (SQLAlchemy Core; Alembic migrations create them)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

interactions = Table(
    "interactions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    # A keyed hash of the Telegram user id or API key: never the raw id or key.
    Column("user_key", String(64), nullable=False),
    Column("question", Text, nullable=False),
    Column("standalone_question", Text, nullable=False),
    Column("found", Boolean, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("answer", Text, nullable=False),
    Column("short_answer", Text, nullable=True),
    Column("cited_doc_ids", JSON, nullable=False),
    Column("cited_chunk_ids", JSON, nullable=False),
    Column("latency_ms", Float, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "interaction_id",
        String(36),
        ForeignKey("interactions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("user_key", String(64), nullable=False),
    Column("rating", SmallInteger, nullable=False),  # +1 / -1
    Column("reason", String(32), nullable=True),
    Column("comment", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # One vote per user and answer: giving feedback again updates it (idempotent).
    UniqueConstraint("interaction_id", "user_key", name="uq_feedback_user_answer"),
)
