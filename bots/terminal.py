"""The terminal adapter: answers printed for people, and the interactive ``hoidap chat``.

``chat`` has line editing and a persistent history (prompt_toolkit) when it runs in a terminal,
and reads plain lines when its input is piped. Ctrl-C or Ctrl-D leave cleanly.
"""

from __future__ import annotations

import getpass
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.answer.model import Answer
from assistant.conversation import Conversation

HELP = """Lệnh (commands):
  /help     hướng dẫn này (this help)
  /reset    xóa ngữ cảnh, bắt đầu cuộc hỏi đáp mới (forget earlier turns)
  /sources  xem lại nguồn của câu trả lời trước (sources of the last answer)
  /quit     thoát (quit) — hoặc Ctrl-D, Ctrl-C
Câu hỏi tiếp theo được hiểu theo ngữ cảnh, ví dụ: “Còn Bình Dương thì sao?”"""


def when(value: str | None) -> str | None:
    """``2023-02-20`` → ``20/02/2023``; None when unknown (unknown metadata is left out)."""
    text = (value or "")[:10]
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:10]}/{text[5:7]}/{text[:4]}"
    return text or None


def source_line(title: str, outlet: str | None, published: str | None) -> str:
    known = [k for k in (outlet, when(published)) if k]
    return title + (f" — {', '.join(known)}" if known else "")


def print_sources(answer: Answer, out: Any = None) -> None:
    out = out or sys.stdout
    for c in answer.citations:
        unit = c.source_label()  # "Quyết định 1318/QĐ-UBND, Điều 3" for official documents
        line = source_line(c.title, c.outlet, c.published)
        print(f"  [{c.n}] {unit + ' — ' + line if unit else line}", file=out)
        print(f"      “{c.quote}”", file=out)
    if answer.suggestions:
        print(
            "  Tài liệu gần nhất:" if answer.language == "vi" else "  Closest documents:", file=out
        )
        for s in answer.suggestions:
            print(f"   - {s.get('title') or s['doc_id']} ({s['doc_id']})", file=out)


def print_answer(answer: Answer, out: Any = None) -> None:
    out = out or sys.stdout
    print(answer.answer, file=out)
    if answer.standalone_question != answer.question:
        print(f"  (hiểu là: {answer.standalone_question})", file=out)
    print_sources(answer, out)


def _reader(history_file: Path | None) -> Callable[[], str]:
    """A prompt with line editing and history in a terminal; plain ``input`` otherwise."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, InMemoryHistory

        history: Any = InMemoryHistory()
        if history_file is not None:
            history_file.parent.mkdir(parents=True, exist_ok=True)
            history = FileHistory(str(history_file))
        session: Any = PromptSession(history=history)
        return lambda: str(session.prompt("? "))
    return lambda: input("? ")


def chat(assistant: Any, turns: int, history_file: Path | None) -> int:
    """The interactive loop; returns the exit code."""
    conversation = Conversation(turns)
    read = _reader(history_file)
    print("Hỏi Đáp — đặt câu hỏi; /help: hướng dẫn, /quit hoặc Ctrl-D: thoát")
    user = getpass.getuser()
    while True:
        try:
            line = read().strip()
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            if line in ("/help", "/?"):
                print(HELP)
                continue
            if line == "/reset":
                conversation.reset()
                print("(đã xóa ngữ cảnh — context cleared)")
                continue
            if line == "/sources":
                if conversation.last is None:
                    print("(chưa có câu trả lời nào — no answer yet)")
                else:
                    print_sources(conversation.last)
                continue
            if line.startswith("/"):
                print(f"(không có lệnh {line.split()[0]} — /help lists the commands)")
                continue
            started = time.perf_counter()
            answer = assistant.ask(line, history=conversation.history)
            print_answer(answer)
            conversation.add(answer)
            try:  # the log is a side channel: a problem there never ends the conversation
                assistant.log_answer("cli", user, answer, (time.perf_counter() - started) * 1000)
            except Exception as exc:
                print(f"(không ghi được nhật ký — could not log: {exc})", file=sys.stderr)
        except (EOFError, KeyboardInterrupt):
            print()
            break
    print("Tạm biệt!")
    return 0
