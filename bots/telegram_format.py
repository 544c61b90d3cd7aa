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


# Labels follow the question's language; unknown metadata is left out, never "không rõ".
LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "source": "Nguồn",
        "closest": "Tài liệu gần nhất:",
        "open": "Mở bài gốc",
        "ask": "Câu trả lời có hữu ích không?",
        "up": "👍 Hữu ích",
        "down": "👎 Chưa đúng",
        "why": "Cảm ơn! Câu trả lời sai ở đâu?",
        "thanks": "Cảm ơn góp ý của bạn.",
        "expired": "Nguồn này đã hết hạn, hãy hỏi lại.",
    },
    "en": {
        "source": "Source",
        "closest": "Closest documents:",
        "open": "Open the article",
        "ask": "Was this helpful?",
        "up": "👍 Helpful",
        "down": "👎 Not right",
        "why": "Thanks! What was wrong?",
        "thanks": "Thank you for your feedback.",
        "expired": "This source has expired, please ask again.",
    },
}
REASONS: dict[str, dict[str, str]] = {
    "vi": {
        "wrong_figure": "Sai số liệu",
        "wrong_source": "Sai nguồn",
        "not_answered": "Không trả lời được",
        "other": "Khác",
    },
    "en": {
        "wrong_figure": "Wrong figure",
        "wrong_source": "Wrong source",
        "not_answered": "Did not answer",
        "other": "Other",
    },
}


def labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["vi"])


def day_month_year(value: object) -> str | None:
    """``2023-02-20`` → ``20/02/2023`` (dates are shown the Vietnamese way everywhere)."""
    text = str(value or "")[:10]
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:10]}/{text[5:7]}/{text[:4]}"
    return text or None


def source_line(meta: dict[str, object]) -> str:
    """``Title — Outlet, 20/02/2023`` with whatever is known."""
    known = [str(meta["outlet"])] if meta.get("outlet") else []
    when = day_month_year(meta.get("published"))
    if when:
        known.append(when)
    return f"{meta.get('title') or meta.get('doc_id')}" + (
        f" — {', '.join(known)}" if known else ""
    )


def cut_label(text: str, limit: int = 60) -> str:
    """A button label cut on a word boundary, with "…" when cut."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,;:") + "…"


def with_context(text: str, quote: str) -> tuple[str, str, str]:
    """The sentence before ``quote`` in ``text``, the quote, and the sentence after ("" when the
    quote is not found or at an edge), so a source shows where the quote sits."""
    at = text.find(quote)
    if at < 0 or not quote:
        return "", quote, ""
    before, after = text[:at], text[at + len(quote) :]
    ends = [m.end() for m in re.finditer(r"[.!?…](\s+|$)|\n", before.rstrip())]
    prev_start = ends[-2] if len(ends) >= 2 else 0
    previous = before[prev_start:].strip() if ends else before.strip()
    nxt = re.search(r"^.*?([.!?…](?=\s|$)|\n|$)", after.lstrip(), re.S)
    following = nxt.group(0).strip() if nxt else ""
    return previous[-600:], quote, following[:600]


def answer_messages(answer: Answer) -> list[str]:
    """HTML messages for an answer: the cited text, then the numbered sources (or suggestions)."""
    lines = [
        f"[{c.n}] " + (f"{c.source_label()} — " if c.source_label() else "") + source_line(vars(c))
        for c in answer.citations
    ]
    if answer.suggestions:
        lines.append(labels(answer.language)["closest"])
        lines += [f"• {source_line(s)}" for s in answer.suggestions]
    body = [html.escape(p, quote=False) for p in split_plain(answer.answer, LIMIT - 200)]
    short = getattr(answer, "short_answer", None)
    if short and answer.found:  # the fact asked for, in bold where the answer first says it
        fact = html.escape(short, quote=False)
        for i, piece in enumerate(body):
            if fact in piece:
                body[i] = piece.replace(fact, f"<b>{fact}</b>", 1)
                break
    footer = "\n".join(html.escape(line, quote=False) for line in lines)
    if footer and len(body[-1]) + len(footer) + 20 <= LIMIT:
        body[-1] += f"\n\n<i>{footer}</i>"
    elif footer:
        body += [
            f"<i>{html.escape(p, quote=False)}</i>"
            for p in split_plain("\n".join(lines), LIMIT - 20)
        ]
    return body


def quote_message(answer_citation: dict[str, object], document_text: str | None = None) -> str:
    """The message shown when a source button is pressed: the quoted passage in bold with one
    sentence of context on each side (when the document text is at hand)."""
    c = answer_citation
    head = f"<b>[{c['n']}] {html.escape(str(c.get('title') or c.get('doc_id')), quote=False)}</b>"
    known = [str(c["outlet"])] if c.get("outlet") else []
    if day_month_year(c.get("published")):
        known.append(str(day_month_year(c.get("published"))))
    section = c.get("section")
    if section:
        known.append(str(section))
    meta = html.escape(", ".join(known), quote=False)
    quote = str(c["quote"]).split(" … ")[0]
    before, quote, after = with_context(document_text or "", quote)
    budget = LIMIT - len(head) - len(meta) - 80
    if len(before) + len(quote) + len(after) > budget:
        before, after = "", ""
        if len(quote) > budget:
            quote = split_plain(quote, budget)[0] + " …"
    esc = [html.escape(part, quote=False) for part in (before, quote, after)]
    body = " ".join(p for p in (esc[0], f"<b>{esc[1]}</b>", esc[2]) if p)
    return (
        f"{head}\n{meta}\n\n<blockquote>{body}</blockquote>"
        if meta
        else (f"{head}\n\n<blockquote>{body}</blockquote>")
    )
