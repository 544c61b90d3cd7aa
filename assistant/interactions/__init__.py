"""What users asked and what they thought of the answers: the maintainers' feedback loop.

A small SQL store (SQLite in the data folder, or PostgreSQL for several API replicas) of every
question asked through HTTP, Telegram or the CLI chat, with pseudonymous user keys, plus the
feedback given on those answers. It feeds the gap report and the eval-candidate export.
"""

from assistant.interactions.log import (
    REASONS,
    FeedbackError,
    Interaction,
    InteractionLog,
    open_from_settings,
    open_log,
)

__all__ = [
    "REASONS",
    "FeedbackError",
    "Interaction",
    "InteractionLog",
    "open_from_settings",
    "open_log",
]
