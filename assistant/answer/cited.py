"""Turn a model's streamed reply into checked, cited sentences.

``SentenceBuffer`` cuts the stream into complete sentences (a sentence's ``[n]`` markers stay with
it, whether written before or after its full stop). ``CitedSentences`` keeps a sentence only when
it cites a passage that exists and that passage supports it (``support.supported``), and renumbers
the kept markers 1..m in order of first use. Only kept text is ever shown or streamed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.answer.model import NOT_FOUND
from assistant.answer.support import supported

log = logging.getLogger(__name__)

_MARKER = re.compile(r"\[(\d+)\]")
_MARKER_LIST = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)+)\]")  # [1, 2] → [1][2]
_END = re.compile(r"[.!?…]+(?=[\s\[]|$)|\n")
# Markers after a sentence's end (". [1]", ".[1][2]", ".\n[3]") still belong to it.
_TAIL = re.compile(r"(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+[ \t]*[.!?]?")
# A full stop after these is part of the name, not the end of a sentence (TP. HCM, TS. Lê…).
_ABBREVIATION_WORDS = "tp ts ths pgs gs bs ks ls q p tt mr mrs ms dr vs inc ltd corp jr sr"
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())


class SentenceBuffer:
    """Feed text as it streams; get back the sentences that are complete."""

    def __init__(self) -> None:
        self._text = ""
        self._separator = ""
        self._resume = 0  # where to search from: earlier text holds no sentence end

    def feed(self, delta: str) -> list[tuple[str, str]]:
        """Complete sentences as ``(separator before it, sentence)``."""
        self._text += delta
        return self._cut(final=False)

    def flush(self) -> list[tuple[str, str]]:
        """What is left at the end of the stream."""
        return self._cut(final=True)

    def _cut(self, final: bool) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        pos = self._resume
        text = self._text
        while True:
            m = _END.search(text, pos)
            if m is None:
                pos = max(0, len(text) - 8)  # a run of dots may go on in the next delta
                break
            if m.group(0) == "." and self._abbreviation(text, m.start()):
                pos = m.end()
                continue
            if m.group(0) == "\n":
                # The line break separates and belongs to neither sentence.
                t = _TAIL.match(text, m.start())
                end = t.end() if t else m.start()
            else:
                end = m.end()
                if t := _TAIL.match(text, end):
                    end = t.end()
            rest = text[end:]
            following = rest.lstrip()
            if not final and (not following or following.startswith("[")):
                pos = m.start()
                break  # its markers may still be coming
            self._emit(out, text[:end])
            text = rest
            pos = 0
            gap = len(rest) - len(following)
            self._separator = _separator(text[:gap])
            text = text[gap:]
        if final and text.strip():
            self._emit(out, text)
            text = ""
        self._text, self._resume = text, min(pos, len(text))
        return out

    def _emit(self, out: list[tuple[str, str]], sentence: str) -> None:
        if sentence.strip():
            out.append((self._separator, sentence.strip()))

    @staticmethod
    def _abbreviation(text: str, dot: int) -> bool:
        word = re.search(r"(\w+)$", text[max(0, dot - 12) : dot])
        return word is not None and word.group(1).lower() in _ABBREVIATIONS


def _separator(whitespace: str) -> str:
    if "\n\n" in whitespace:
        return "\n\n"
    return "\n" if "\n" in whitespace else " "


@dataclass
class CitedSentences:
    """The kept sentences of one reply; ``passages[i]`` is the text passage ``[i+1]`` showed."""

    passages: Sequence[str]
    # The question's places, names and years a sentence citing these passage numbers is not
    # about (``constraints.missing_for_claim``); None: no such check.
    off_topic: Callable[[str, list[int]], list[str]] | None = None
    order: dict[int, int] = field(default_factory=dict)  # passage number → shown number
    kept: list[str] = field(default_factory=list)
    by_passage: dict[int, list[str]] = field(default_factory=dict)
    refused: bool = False
    dropped: int = 0

    @property
    def text(self) -> str:
        return "".join(self.kept)

    def add(self, separator: str, sentence: str) -> str | None:
        """The text to show for this sentence (separator included), or None when dropped."""
        if NOT_FOUND["vi"] in sentence or NOT_FOUND["en"] in sentence:
            self.refused = True
            return None
        sentence = _MARKER_LIST.sub(
            lambda m: "".join(f"[{n}]" for n in re.split(r"\s*[,;]\s*", m.group(1))), sentence
        )
        if not re.search(r"\w", _MARKER.sub("", sentence)):
            self._drop(sentence, "no text")
            return None
        cited = [int(n) for n in _MARKER.findall(sentence)]
        valid = list(dict.fromkeys(n for n in cited if 1 <= n <= len(self.passages)))
        if len(valid) < len(cited):
            log.info("LLM cited a passage out of 1..%d: marker removed", len(self.passages))
        if not valid:
            self._drop(sentence, "no valid citation")
            return None
        verdict = supported(sentence, [self.passages[n - 1] for n in valid])
        if not verdict.supported:
            why = f"not in the cited passage: {', '.join(verdict.missing)}"
            if not verdict.missing:
                why = f"too little of it in the cited passage ({verdict.overlap:.0%})"
            self._drop(sentence, why)
            return None
        if self.off_topic is not None and (other := self.off_topic(sentence, valid)):
            self._drop(sentence, f"about another place or year than asked: {', '.join(other)}")
            return None
        for n in valid:
            self.order.setdefault(n, len(self.order) + 1)
            self.by_passage.setdefault(n, []).append(sentence)

        def renumber(m: re.Match[str]) -> str:
            n = int(m.group(1))
            return f"[{self.order[n]}]" if n in self.order and n in valid else ""

        shown = re.sub(r"\s+(\[\d+\])", r" \1", _MARKER.sub(renumber, sentence))
        shown = re.sub(r"[ \t]+([.,;:!?])", r"\1", shown)
        shown = re.sub(r"[ \t]{2,}", " ", shown).strip()
        piece = (separator if self.kept else "") + shown
        self.kept.append(piece)
        return piece

    def _drop(self, sentence: str, why: str) -> None:
        self.dropped += 1
        log.info("LLM sentence dropped (%s): %.80s", why, sentence)
