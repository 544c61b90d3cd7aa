"""Earlier turns, bounded: the work an answer does must not grow with what a client sends.

Every adapter (HTTP, Telegram, CLI) goes through ``bound_history`` in the service. Chat clients
send the whole conversation, so old turns are dropped silently (the newest matter for a
follow-up); a turn over the per-turn limit keeps its end (where the question usually is). The HTTP
API rejects an over-long turn with a clear error before it gets here.
"""

from __future__ import annotations

from typing import Any

ROLES = ("user", "assistant")


def bound_history(
    history: Any, max_turns: int, max_turn_chars: int, max_chars: int
) -> list[dict[str, str]]:
    """The turns an answer may read: user/assistant turns with text (others are ignored), at most
    ``max_turns`` of the newest, each cut to ``max_turn_chars``, the oldest dropped until all
    together fit in ``max_chars``."""
    if history is None:
        return []
    if not isinstance(history, list | tuple):
        raise ValueError('history must be a list of turns like {"role": "user", "content": "…"}')
    turns = [
        {"role": t["role"], "content": t["content"].strip()}
        for t in history
        if isinstance(t, dict)
        and t.get("role") in ROLES
        and isinstance(t.get("content"), str)
        and t["content"].strip()
    ]
    turns = turns[-max_turns:] if max_turns > 0 else []
    for t in turns:
        if len(t["content"]) > max_turn_chars:
            t["content"] = tail(t["content"], max_turn_chars)
    total = sum(len(t["content"]) for t in turns)
    while turns and total > max_chars:
        total -= len(turns.pop(0)["content"])
    return turns


def tail(text: str, limit: int) -> str:
    """The last ``limit`` characters of ``text``, starting at a word."""
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    space = cut.find(" ")
    return cut[space + 1 :] if 0 <= space < limit // 4 else cut
