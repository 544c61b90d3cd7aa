"""Telegram message text: HTML-escaped answers split under Telegram's 4,096-character cap.

Splitting happens on the plain text (sentence boundaries, never inside a ``[n]`` marker), and
each piece is escaped on its own, so no HTML tag or entity is ever cut in two.
"""

from __future__ import annotations

import html
import re

from assistant.answer.model import Answer

LIMIT = 4096
# Sentence ends (unless its citation marker follows), or the space after a marker.
_BOUNDARY = re.compile(r"(?<=[.!?…])\s+(?!\[)|(?<=\])\s+")


def _escaped_len(text: str) -> int:
    return len(html.escape(text, quote=False))


def split_plain(text: str, limit: int = LIMIT) -> list[str]:
    """Pieces of ``text`` whose escaped length fits ``limit``, cut at sentence boundaries."""
    pieces: list[str] = []
    current = ""
    for sentence in _BOUNDARY.split(text):
        while _escaped_len(sentence) > limit:  # one enormous sentence: cut at a space
            cut = limit
            while _escaped_len(sentence[:cut]) > limit:
                cut = int(cut * 0.9)
            space = sentence.rfind(" ", 1, cut)
            cut = space if space > cut // 2 else cut
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        candidate = f"{current} {sentence}" if current else sentence
        if _escaped_len(candidate) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def answer_messages(answer: Answer) -> list[str]:
    """HTML messages for an answer: the cited text, then the numbered sources (or suggestions)."""
    lines = []
    for c in answer.citations:
        when = (c.published or "")[:10] or "không rõ ngày"
        lines.append(f"[{c.n}] {c.title} — {c.outlet or 'không rõ nguồn'}, {when}")
    if answer.suggestions:
        lines.append("Tài liệu gần nhất:" if answer.language == "vi" else "Closest documents:")
        lines += [f"• {s['title']}" for s in answer.suggestions]
    body = [html.escape(p, quote=False) for p in split_plain(answer.answer, LIMIT - 200)]
    footer = "\n".join(html.escape(line, quote=False) for line in lines)
    if footer and len(body[-1]) + len(footer) + 20 <= LIMIT:
        body[-1] += f"\n\n<i>{footer}</i>"
    elif footer:
        body += [
            f"<i>{html.escape(p, quote=False)}</i>"
            for p in split_plain("\n".join(lines), LIMIT - 20)
        ]
    return body


def quote_message(answer_citation: dict[str, object]) -> str:
    """The message shown when a source button is pressed."""
    c = answer_citation
    when = str(c.get("published") or "")[:10] or "không rõ ngày"
    head = f"<b>[{c['n']}] {html.escape(str(c['title']), quote=False)}</b>"
    meta = html.escape(f"{c.get('outlet') or 'không rõ nguồn'}, {when}", quote=False)
    quote = html.escape(str(c["quote"]), quote=False)
    text = f"{head}\n{meta}\n\n<blockquote>{quote}</blockquote>"
    if len(text) > LIMIT:
        keep = split_plain(str(c["quote"]), LIMIT - len(head) - len(meta) - 60)[0]
        text = f"{head}\n{meta}\n\n<blockquote>{html.escape(keep, quote=False)} …</blockquote>"
    return text
