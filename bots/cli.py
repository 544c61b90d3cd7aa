"""``hoidap`` command line: the commands and ``main`` (the parser: ``bots.cli_parser``).

Heavy modules are imported inside commands so start-up stays fast. ``eval`` and ``bench`` hand
over to ``evals/``: this is the one adapter module that imports it (see pyproject's contracts)."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Settings, load_settings, split_list
from assistant.hosts import is_loopback
from bots import cli_loop, cli_parser
from bots.cli_help import UserError, user_message

if TYPE_CHECKING:  # imported inside the commands: `hoidap --help` stays fast
    from assistant.retrieval import SearchResult
    from assistant.service import Assistant
    from assistant.store import SearchFilters


def settings_for(args: argparse.Namespace) -> Settings:
    """The settings with the command's ``--data-dir`` and ``--corpus`` applied."""
    return load_settings(
        data_dir=getattr(args, "data_dir", None), corpus_dir=getattr(args, "corpus", None)
    )


def _open(args: argparse.Namespace, must_exist: bool = True) -> Assistant:
    from assistant.service import Assistant

    settings = settings_for(args)
    if must_exist and not settings.qdrant_url and not _has_index(settings.index_dir):
        raise UserError(
            f"no index in {settings.data_dir}: run `hoidap index` first "
            "(or point --data-dir at an indexed folder)"
        )
    return Assistant.open(settings)


def _has_index(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def cmd_index(args: argparse.Namespace) -> int:
    from indexing.library import Library

    assistant = _open(args, must_exist=False)
    try:
        report = Library(assistant).sync(
            rebuild=args.rebuild, progress=not args.quiet and sys.stderr.isatty()
        )
    finally:
        assistant.close()
    if args.json:
        _print_json(report.as_dict())
    else:
        s = report.as_dict()
        print(
            f"added {s['added']}, updated {s['updated']}, unchanged {s['unchanged']}, "
            f"removed {s['removed']}, failed {s['failed']}; {s['embedded_chunks']} chunks embedded "
            f"in {s['seconds']:.2f} s"
        )
        for failure in report.failed:
            print(f"  skipped {failure.doc_id}: {failure.reason}", file=sys.stderr)
    return 0


def _filters(args: argparse.Namespace) -> SearchFilters:
    from assistant.store import SearchFilters

    since, until = getattr(args, "since", None), getattr(args, "until", None)
    return SearchFilters(
        doc_ids=tuple(getattr(args, "doc", None) or ()),
        outlets=tuple(getattr(args, "outlet", None) or ()),
        since=date.fromisoformat(since) if since else None,
        until=date.fromisoformat(until) if until else None,
        doc_types=tuple(_doc_type(t) for t in args.doc_type or ()),
        doc_numbers=tuple(args.doc_number or ()),
    )


def _doc_type(text: str) -> str:
    """A known document type, or a clear error naming the known ones."""
    from assistant.doctypes import DOC_TYPES, canonical_doc_type

    found = canonical_doc_type(text)
    if found is None:
        known = ", ".join(f"{name} ({code})" for name, code in DOC_TYPES)
        raise ValueError(f"unknown document type {text!r}; known types: {known}")
    return found


def _source(r: SearchResult) -> str:
    """``Quyết định 1318/QĐ-UBND, Điều 3, khoản 2 — title`` for official documents."""
    name = " ".join(p for p in (r.doc_type, r.doc_number) if p)
    unit = ", ".join(p for p in (name, r.section) if p)
    title = r.title[len(name) :].lstrip(": ") if name and r.title.startswith(name) else r.title
    return f"{unit} — {title}" if unit and title else unit or title


def cmd_search(args: argparse.Namespace) -> int:
    assistant = _open(args)
    try:
        results = assistant.search(args.query, k=args.k, filters=_filters(args), mode=args.mode)
    finally:
        assistant.close()
    if args.json:
        _print_json({"query": args.query, "results": [r.as_dict() for r in results]})
        return 0
    if not results:
        print("Không tìm thấy đoạn nào phù hợp. (No matching passage.)")
    for i, r in enumerate(results, 1):
        when = (r.published or "")[:10] or "n.d."
        print(f"{i}. [{r.score:.3f}] {_source(r)} — {r.outlet or 'n/a'}, {when} ({r.doc_id})")
        snippet = " ".join(r.text.split())
        print(f"   {snippet[:300]}{'…' if len(snippet) > 300 else ''}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from indexing.library import Library

    assistant = _open(args)
    try:
        # An upload or delete a crash left half-done is settled here, and said.
        for line in Library(assistant).repair_corpus() or []:
            print(f"hoidap: repaired {line}", file=sys.stderr)
        docs = assistant.documents()
    finally:
        assistant.close()
    if args.json:
        _print_json(docs)
        return 0
    for d in docs:
        when = (d.get("published") or "")[:10] or "n.d."
        print(
            f"{d['doc_id']}  {d.get('chunks', 0):>3} chunks  {when:10}  {d.get('outlet') or 'n/a'}"
        )
        print(f"    {d.get('title')}")
    print(f"{len(docs)} documents")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    if not args.question.strip():
        raise UserError('the question is empty: hoidap ask "your question"')
    history = None
    if args.history:
        try:
            history = json.loads(args.history)
        except json.JSONDecodeError as exc:
            raise UserError(
                '--history must be JSON like [{"role": "user", "content": "…"}] '
                f"({exc.msg} at column {exc.colno})"
            ) from exc
        if not isinstance(history, list) or not all(
            isinstance(t, dict) and isinstance(t.get("content"), str) for t in history
        ):
            raise UserError('--history must be a list of {"role": …, "content": "…"} turns')
    assistant = _open(args)
    try:
        answer = assistant.ask(args.question, history=history, k=args.k, filters=_filters(args))
    finally:
        assistant.close()
    if args.json:
        _print_json(answer.contract())
    else:
        from bots.terminal import print_answer

        print_answer(answer)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Interactive session; follow-ups keep context (see ``bots.terminal``)."""
    from bots.terminal import chat

    assistant = _open(args)
    try:
        return chat(assistant, args.turns, settings_for(args).data_dir / "chat_history")
    finally:
        assistant.close()


def cmd_serve(args: argparse.Namespace) -> int:
    """HTTP API and staff page (and, with --telegram, the bot) in one process."""
    settings = settings_for(args)
    keys = settings.api_keys + settings.admin_keys
    if not keys and not is_loopback(args.host) and not args.insecure:
        print(
            f"hoidap: refusing to serve on {args.host} without API keys: anyone who can reach it "
            "could read and change the index. Set HOIDAP_API_KEYS and HOIDAP_ADMIN_KEYS, bind "
            "127.0.0.1, or pass --insecure if this network is trusted.",
            file=sys.stderr,
        )
        return 2
    import uvicorn

    from bots.api import create_app

    app = create_app(settings, telegram=args.telegram)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=args.host, port=args.port, log_level="info" if args.verbose else "warning"
        )
    )
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Hỏi Đáp: starting on http://{shown}:{args.port}/ (API docs /docs)", flush=True)

    def announce() -> None:  # uvicorn sets `started` once the app's start-up has finished
        while not server.started and not server.should_exit:
            time.sleep(0.1)
        if server.started:
            print(f"Hỏi Đáp: ready on http://{shown}:{args.port}/", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    """The Telegram bot alone, long polling (use ``serve --telegram`` to share one process)."""
    from bots.telegram import run

    run(settings_for(args))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from evals.command import run

    return run(
        settings_for(argparse.Namespace(data_dir=args.data_dir, corpus=None)),
        args.set,
        args.corpus,
        args.out,
        [c.strip() for c in args.compare.split(",") if c.strip()],
        args.baseline,
        args.max_drop,
        args.write_baseline,
        show_progress=sys.stderr.isatty(),
        against=args.against,
    )


def cmd_bench(args: argparse.Namespace) -> int:
    from evals.bench import print_table, run

    parts = {"parts": tuple(split_list(args.parts))} if args.parts else {}
    result = run(settings_for(args), args.out, quick=args.quick, **parts)
    print_table(result)
    print(f"wrote {args.out}/bench.json, bench.md and plots", file=sys.stderr)
    return 0


COMMANDS: dict[str, cli_parser.Command] = {
    "index": cmd_index,
    "search": cmd_search,
    "ask": cmd_ask,
    "chat": cmd_chat,
    "serve": cmd_serve,
    "telegram": cmd_telegram,
    "eval": cmd_eval,
    "bench": cmd_bench,
    "gaps": lambda a: cli_loop.cmd_gaps(a, settings_for),
    "log purge": lambda a: cli_loop.cmd_log_purge(a, settings_for),
    "feedback export": lambda a: cli_loop.cmd_feedback_export(a, settings_for),
    "docs": cmd_docs,
}


def build_parser() -> argparse.ArgumentParser:
    return cli_parser.build(COMMANDS)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from indexing.formats.worker import preload

    preload("bots.cli")  # parse workers re-run this main: preloaded, the re-import is free
    debug = getattr(args, "debug", False)
    try:
        from assistant.logs import configure

        configure(args.verbose, load_settings().log_json)
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except Exception as exc:
        if debug:
            raise
        message = user_message(exc)
        if message is None:
            print(
                f"hoidap: unexpected error: {type(exc).__name__}: {exc} "
                "(run again with --debug for the traceback)",
                file=sys.stderr,
            )
            return 1
        print(f"hoidap: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
