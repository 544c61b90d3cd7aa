"""One conversation's memory: the last few turns a follow-up question is read against.

The CLI chat, the Telegram bot and the HTTP clients all keep history the same way: the
standalone form of each question (so a follow-up of a follow-up still makes sense) and the answer
given, trimmed to the last ``turns`` exchanges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answer.model import Answer


@dataclass
class Conversation:
    turns: int = 3
    history: list[dict[str, str]] = field(default_factory=list)
    last: Answer | None = None

    def add(self, answer: Answer) -> None:
        """Remember an exchange, keeping only the last ``turns`` of them."""
        self.history += [
            {"role": "user", "content": answer.standalone_question},
            {"role": "assistant", "content": answer.answer},
        ]
        self.history = self.history[-2 * self.turns :] if self.turns > 0 else []
        self.last = answer

    def reset(self) -> None:
        self.history.clear()
        self.last = None
