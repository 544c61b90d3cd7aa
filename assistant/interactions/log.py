"""The interaction log: record questions and answers, take feedback, purge old rows."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from assistant.config import FEEDBACK_COMMENT_MAX_CHARS, Settings
from assistant.interactions.schema import feedback, interactions

# What a 👎 may say went wrong (the one follow-up question the surfaces ask).
REASONS: dict[str, str] = {
    "wrong_figure": "Sai số liệu",
    "wrong_source": "Sai nguồn",
    "not_answered": "Không trả lời được",
    "other": "Khác",
}
CHANNELS = ("http", "telegram", "cli")
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class FeedbackError(ValueError):
    """Feedback that cannot be taken (unknown answer, bad rating or reason)."""


@dataclass
class Interaction:
    """One logged question and what the assistant answered."""

    id: str
    created_at: datetime
    channel: str
    user_key: str
    question: str
    standalone_question: str
    found: bool
    mode: str
    answer: str
    short_answer: str | None
    cited_doc_ids: list[str]
    cited_chunk_ids: list[str]
    latency_ms: float
    rating: int | None = None
    reason: str | None = None
    comments: list[str] = field(default_factory=list)


def pseudonym(secret: bytes, channel: str, raw_user: str | int | None) -> str:
    """A keyed hash of a user's id or key: stable per user, useless without the secret."""
    if raw_user is None or str(raw_user) == "":
        return "anonymous"
    digest = hmac.new(secret, f"{channel}:{raw_user}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def load_secret(data_dir: Path, configured: str | None) -> bytes:
    """The hashing key: the configured one, else one made once and kept in the data folder."""
    if configured:
        if configured.lower().startswith("change-me") or len(configured) < 16:
            # A known or short key lets anyone recover small Telegram ids from their hashes.
            raise ValueError(
                "HOIDAP_LOG_SECRET must be a private random value of 16 characters or more "
                "(or leave it unset to have one made in the data folder)"
            )
        return configured.encode()
    path = data_dir / "log_secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Written whole to a private temp file, then linked into place: a concurrent start or a
        # crash never leaves an empty or half-written key, and the first key made wins.
        fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".log_secret-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_hex(32).encode())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    key = path.read_bytes().strip()
    if len(key) < 16:
        raise ValueError(f"{path} holds no usable key: delete it to have a new one made")
    return key


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite gives naive datetimes back even for timezone-aware columns.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class InteractionLog:
    """Questions, answers and feedback in SQLite or PostgreSQL (same code, same migrations)."""

    def __init__(self, engine: Engine, secret: bytes, retention_days: int | None = None) -> None:
        self.engine = engine
        self._secret = secret
        # Retention is a promise to users: kept by the running process too, not only at start.
        self.retention_days = retention_days
        self._purged_at = float("-inf")
        self._lock = threading.Lock()  # SQLite allows one writer; PostgreSQL needs no lock
        self._serialise = engine.dialect.name == "sqlite"
        self.migrate()

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def user_key(self, channel: str, raw_user: str | int | None) -> str:
        return pseudonym(self._secret, channel, raw_user)

    def _write(self) -> Any:
        return self._lock if self._serialise else _NoLock()

    # -- writing ----------------------------------------------------------------------------
    def record(
        self,
        *,
        channel: str,
        raw_user: str | int | None,
        question: str,
        standalone_question: str,
        found: bool,
        mode: str,
        answer: str,
        short_answer: str | None,
        cited_doc_ids: Sequence[str],
        cited_chunk_ids: Sequence[str],
        latency_ms: float,
        when: datetime | None = None,
    ) -> str:
        """Log one answered (or refused) question; returns its id for feedback."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        self.apply_retention()
        interaction_id = str(uuid.uuid4())
        row = {
            "id": interaction_id,
            "created_at": when or _utcnow(),
            "channel": channel,
            "user_key": self.user_key(channel, raw_user),
            "question": question,
            "standalone_question": standalone_question,
            "found": found,
            "mode": mode,
            "answer": answer,
            "short_answer": short_answer,
            "cited_doc_ids": list(dict.fromkeys(cited_doc_ids)),
            "cited_chunk_ids": list(dict.fromkeys(cited_chunk_ids)),
            "latency_ms": round(latency_ms, 1),
        }
        with self._write(), self.engine.begin() as conn:
            conn.execute(insert(interactions).values(**row))
        return interaction_id

    def give_feedback(
        self,
        interaction_id: str,
        *,
        channel: str,
        raw_user: str | int | None,
        rating: int,
        reason: str | None = None,
        comment: str | None = None,
    ) -> dict[str, Any]:
        """Record or update one user's vote on one answer (the same call twice changes nothing).

        A later call without a reason or comment keeps the earlier ones, so a 👎 followed by its
        reason arrives as two calls."""
        if rating not in (1, -1):
            raise FeedbackError("rating must be 1 (👍) or -1 (👎)")
        if reason is not None and reason not in REASONS:
            raise FeedbackError(f"reason must be one of {', '.join(REASONS)}")
        if rating == 1:
            reason = None
        user = self.user_key(channel, raw_user)
        now = _utcnow()
        with self._write(), self.engine.begin() as conn:
            if (
                conn.execute(
                    select(interactions.c.id).where(interactions.c.id == interaction_id)
                ).first()
                is None
            ):
                raise FeedbackError(f"no logged answer {interaction_id}")
            where = (feedback.c.interaction_id == interaction_id) & (feedback.c.user_key == user)
            existing = conn.execute(select(feedback).where(where)).mappings().first()
            values: dict[str, Any] = {"rating": rating, "updated_at": now}
            if reason is not None or rating == 1:
                values["reason"] = reason
            if comment:
                values["comment"] = comment.strip()[:FEEDBACK_COMMENT_MAX_CHARS]
            if existing is None:
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(feedback).values(
                                interaction_id=interaction_id,
                                user_key=user,
                                created_at=now,
                                **{"reason": None, "comment": None, **values},
                            )
                        )
                except IntegrityError:  # a concurrent first vote won: update it instead
                    conn.execute(update(feedback).where(where).values(**values))
            else:
                conn.execute(update(feedback).where(where).values(**values))
            row = conn.execute(select(feedback).where(where)).mappings().one()
        return {
            "interaction_id": interaction_id,
            "rating": row["rating"],
            "reason": row["reason"],
            "comment": row["comment"],
        }

    def apply_retention(self, every_s: float = 3600.0) -> int:
        """Purge rows past the retention period, at most once per ``every_s`` seconds."""
        if not self.retention_days or time.monotonic() - self._purged_at < every_s:
            return 0
        self._purged_at = time.monotonic()
        return self.purge(self.retention_days)

    def purge(self, older_than_days: int | None) -> int:
        """Delete interactions (and their feedback) older than the given days; None: all."""
        doomed = select(interactions.c.id)
        if older_than_days is not None:
            cutoff = _utcnow() - timedelta(days=older_than_days)
            doomed = doomed.where(interactions.c.created_at < cutoff)
        with self._write(), self.engine.begin() as conn:
            # Explicit rather than ON DELETE CASCADE, which SQLite honours only per connection.
            conn.execute(delete(feedback).where(feedback.c.interaction_id.in_(doomed)))
            gone = conn.execute(delete(interactions).where(interactions.c.id.in_(doomed)))
            return int(gone.rowcount or 0)

    # -- reading ----------------------------------------------------------------------------
    def interactions(
        self,
        *,
        found: bool | None = None,
        rating: int | None = None,
        since: datetime | None = None,
    ) -> Iterator[Interaction]:
        """Logged interactions, oldest first, each with its feedback folded in (the worst
        rating wins when several users voted)."""
        query = select(interactions).order_by(interactions.c.created_at)
        if found is not None:
            query = query.where(interactions.c.found == found)
        if since is not None:
            query = query.where(interactions.c.created_at >= since)
        with self.engine.connect() as conn:
            votes: dict[str, list[Any]] = {}
            for v in conn.execute(select(feedback)).mappings():
                votes.setdefault(v["interaction_id"], []).append(v)
            for row in conn.execute(query).mappings():
                item = Interaction(**{**row, "created_at": _aware(row["created_at"])})
                mine = votes.get(item.id, [])
                if mine:
                    worst = min(mine, key=lambda v: v["rating"])
                    item.rating, item.reason = worst["rating"], worst["reason"]
                    item.comments = [v["comment"] for v in mine if v["comment"]]
                if rating is None or item.rating == rating:
                    yield item

    def counts(self) -> dict[str, Any]:
        """Totals for /metrics: interactions and refusals per channel, feedback per rating."""
        with self.engine.connect() as conn:
            by_channel = conn.execute(
                select(
                    interactions.c.channel,
                    interactions.c.found,
                    func.count(),
                ).group_by(interactions.c.channel, interactions.c.found)
            ).all()
            votes = conn.execute(
                select(feedback.c.rating, func.count()).group_by(feedback.c.rating)
            ).all()
        channels: dict[str, dict[str, int]] = {}
        for channel, found, n in by_channel:
            entry = channels.setdefault(channel, {"answered": 0, "refused": 0})
            entry["answered" if found else "refused"] += int(n)
        return {
            "channels": channels,
            "feedback": {("up" if r > 0 else "down"): int(n) for r, n in votes},
            "interactions": sum(sum(c.values()) for c in channels.values()),
        }

    def close(self) -> None:
        self.engine.dispose()


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def open_log(database_url: str | None, data_dir: Path, secret: str | None = None) -> InteractionLog:
    """Open (and migrate) the log: ``database_url`` when given, else SQLite in the data folder."""
    if not database_url:
        data_dir.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{(data_dir / 'interactions.sqlite3').resolve()}"
    engine = create_engine(database_url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return InteractionLog(engine, load_secret(data_dir, secret))


def open_from_settings(settings: Settings) -> InteractionLog | None:
    """The configured log with old rows purged, or None when logging is off."""
    if not settings.interaction_log:
        return None
    secret, url = settings.log_secret, settings.database_url
    log = open_log(
        url.get_secret_value() if url else None,
        Path(settings.data_dir),
        secret.get_secret_value() if secret else None,
    )
    log.retention_days = settings.log_retention_days or None
    log.apply_retention()
    return log
