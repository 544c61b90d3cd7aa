"""Chunks of an administrative document that follow its units.

Rules: a chunk never holds text of two Điều (or two plan sections ``I.``/``II.``); a unit that
fits is one chunk; a longer one is split at its khoản (``1.``), then at its điểm (``a)``), then
between sentences, packing neighbouring pieces up to the size limit. The headings of the
enclosing units (Chương, the Điều's own heading line when the chunk does not start with it) ride
along as context for the embedding; the chunk text itself is only the document's own lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from indexing.structure import CONTAINERS, OfficialDoc, Unit, label

_CONTEXT_WORDS = 40  # a heading line that runs on into text is cut for the context


@dataclass
class Draft:
    text: str
    section: str | None
    context: str


def _short(line: str) -> str:
    words = line.split()
    return line if len(words) <= _CONTEXT_WORDS else " ".join(words[:_CONTEXT_WORDS]) + " …"


def _heading_lines(unit: Unit) -> list[str]:
    """A container's heading: its first line and the capitals title lines right after it."""
    if unit.kind == "annex":
        return list(unit.lines)
    out = unit.lines[:1]
    for line in unit.lines[1:]:
        letters = [c for c in line if c.isalpha()]
        if not letters or not all(c.isupper() for c in letters):
            break
        out.append(line)
    return out


def _join(sents: list[tuple[str, str]]) -> str:
    return "".join(text + sep for text, sep in sents).strip()


class _Packer:
    def __init__(self, count_tokens: Callable[[str], int], max_tokens: int, overlap: int) -> None:
        self.count = count_tokens
        self.max = max_tokens
        self.overlap = overlap

    def tokens(self, lines: list[str]) -> int:
        return self.count("\n".join(lines)) if lines else 0

    def leaf(self, lines: list[str], section: str | None, context: list[str]) -> Iterator[Draft]:
        """Lines that must stay in one unit: whole if they fit, else packed by sentences."""
        if not lines:
            return
        if self.tokens(lines) <= self.max:
            yield Draft("\n".join(lines), section, "\n".join(context))
            return
        room = max(32, self.max - self.tokens(context))
        for i, piece in enumerate(self.pack(lines, room)):
            # Later pieces lose the unit's heading line: it travels as context instead.
            extra = [_short(lines[0])] if i and not piece.startswith(lines[0][:40]) else []
            yield Draft(piece, section, "\n".join(context + extra))

    def pack(self, lines: list[str], room: int) -> list[str]:
        """Sentences packed up to ``room`` tokens with ``overlap`` tokens repeated; line breaks
        and spaces are the document's own (a sentence longer than ``room`` stays whole)."""
        from assistant.lexical import underthesea

        sents: list[tuple[str, str]] = []  # (sentence, what followed it in the document)
        for line in lines:
            parts: list[str] = []
            for p in (p.strip() for p in underthesea().sent_tokenize(line)):
                # "Điều 4." and "1." come out as sentences of their own: keep them with the text.
                if parts and len(parts[-1].split()) < 4:
                    parts[-1] = f"{parts[-1]} {p}"
                elif p:
                    parts.append(p)
            parts = parts if " ".join(parts) == line else [line]  # never alter the text
            sents += [(p, " " if j < len(parts) - 1 else "\n") for j, p in enumerate(parts)]
        out: list[str] = []
        current: list[tuple[str, str]] = []
        for sent in sents:
            candidate = [*current, sent]
            if current and self.count(_join(candidate)) > room:
                out.append(_join(current))
                kept: list[tuple[str, str]] = []
                for prev in reversed(current):  # the overlap: trailing sentences that fit
                    if self.count(_join([prev, *kept])) > self.overlap:
                        break
                    kept.insert(0, prev)
                current = [*kept, sent]
            else:
                current = candidate
        if current:
            out.append(_join(current))
        return out

    def unit(
        self, path: list[Unit], unit: Unit, context: list[str], lead: list[str] | None = None
    ) -> Iterator[Draft]:
        """A unit (Điều, khoản, plan section…) and its children, packed without straddling it.

        ``lead``: the parent's heading lines, when they were too short to stand alone."""
        here = [*path, unit]
        lead = lead or []
        if self.tokens(lead + unit.all_lines()) <= self.max:
            yield Draft("\n".join(lead + unit.all_lines()), label(here), "\n".join(context))
            return
        heading = [_short(unit.lines[0])] if unit.lines else []
        # The unit's own lines (heading and lead-in) start the first chunk.
        lines: list[str] = lead + list(unit.lines)
        members: list[Unit] = []
        own = True
        if self.tokens(lines) > self.max:
            yield from self.leaf(lines, label(here), context)
            lines, own = [], False

        def flush() -> Iterator[Draft]:
            if not lines:
                return
            if own or not members:
                section = label(here)
            else:
                section = label([*here, members[0]])
                if len(members) > 1 and section:
                    section += f"–{members[-1].number}"
            yield Draft("\n".join(lines), section, "\n".join(context + ([] if own else heading)))

        for child in unit.children:
            child_lines = child.all_lines()
            size = self.tokens(child_lines)
            if size > self.max:
                # A bare heading does not make a useful chunk: it opens the child's first one.
                carry = own and not members and self.tokens(lines) <= self.max // 3
                if not carry:
                    yield from flush()
                yield from self.unit(here, child, context + heading, lines if carry else None)
                lines, members, own = [], [], False
            elif self.tokens(lines + child_lines) <= self.max:
                lines += child_lines
                members.append(child)
            else:
                yield from flush()
                lines, members, own = list(child_lines), [child], False
        yield from flush()


def drafts(
    doc: OfficialDoc, count_tokens: Callable[[str], int], max_tokens: int, overlap: int
) -> list[Draft]:
    """Every chunk of the document, in document order."""
    packer = _Packer(count_tokens, max_tokens, overlap)
    out: list[Draft] = []

    def walk(path: list[Unit], unit: Unit, context: list[str]) -> None:
        if unit.kind in CONTAINERS:
            heading = [] if unit.kind == "root" else _heading_lines(unit)
            content = unit.lines if unit.kind == "root" else unit.lines[len(heading) :]
            here = [*path, unit]
            out.extend(packer.leaf(content, label(here), context))
            for child in unit.children:
                walk(here, child, context + heading)
        else:  # the first unit below the containers: a group of its own
            out.extend(packer.unit(path, unit, context))

    walk([], doc.body, [])
    for d in out:  # a heading the chunk starts with need not ride along again
        kept = [c for c in d.context.split("\n") if c and c.removesuffix(" …") not in d.text]
        d.context = "\n".join(kept)
    return out
