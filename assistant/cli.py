"""``hoidap`` command line. Heavy modules are imported inside commands so start-up stays fast."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from assistant import cli_loop
from assistant.cli_help import EXAMPLES, Formatter, UserError, user_message
from assistant.config import Settings, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        data_dir=getattr(args, "data_dir", None), corpus_dir=getattr(args, "corpus", None)
    )


def _open(args: argparse.Namespace, must_exist: bool = True) -> Any:
    from assistant.service import Assistant

    settings = _settings(args)
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
    assistant = _open(args, must_exist=False)
    try:
        report = assistant.sync(
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


def _filters(args: argparse.Namespace) -> Any:
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


def _source(r: Any) -> str:
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
    assistant = _open(args)
    try:
        # An upload or delete a crash left half-done is settled here, and said.
        for line in assistant.repair_corpus() or []:
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
        return chat(assistant, args.turns, _settings(args).data_dir / "chat_history")
    finally:
        assistant.close()


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost (shared with the load generator)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_serve(args: argparse.Namespace) -> int:
    """HTTP API and staff page (and, with --telegram, the bot) in one process."""
    settings = _settings(args)
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

    run(_settings(args))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from evals.command import run

    return run(
        _settings(argparse.Namespace(data_dir=args.data_dir, corpus=None)),
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

    parts = {"parts": tuple(Settings.split_list(args.parts))} if args.parts else {}
    result = run(_settings(args), args.out, quick=args.quick, **parts)
    print_table(result)
    print(f"wrote {args.out}/bench.json, bench.md and plots", file=sys.stderr)
    return 0


def _official_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--doc-type", action="append", help="only this document type: 'Quyết định', QĐ, KH…"
    )
    p.add_argument("--doc-number", action="append", help="only this số/ký hiệu: 1318/QĐ-UBND")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hoidap",
        description="Hỏi Đáp: Vietnamese document Q&A",
        epilog="Run `hoidap COMMAND --help` for examples.",
    )
    parser.add_argument("--version", action="version", version=f"hoidap {_version()}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, help="index folder (default $HOIDAP_DATA_DIR or ./data)"
    )
    common.add_argument(
        "--corpus", type=Path, help="corpus folder (default $HOIDAP_CORPUS_DIR or ./corpus)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log more")
    common.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name, parents=[common], help=summary, epilog=EXAMPLES[name], formatter_class=Formatter
        )

    p = add("index", "(re)index the corpus incrementally")
    p.add_argument("--rebuild", action="store_true", help="build a fresh index and switch to it")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_index)

    p = add("search", "hybrid search over the index")
    p.add_argument("query")
    p.add_argument("-k", type=int, help="number of passages (default $HOIDAP_TOP_K, 5)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--mode", choices=["rrf", "dbsf", "dense", "sparse"], help="retrieval mode")
    p.add_argument("--doc", action="append", help="only this document id (repeatable)")
    p.add_argument("--outlet", action="append", help="only this outlet (repeatable)")
    p.add_argument("--since", help="published on or after YYYY-MM-DD")
    p.add_argument("--until", help="published on or before YYYY-MM-DD")
    _official_filters(p)
    p.set_defaults(func=cmd_search)

    p = add("ask", "answer a question with citations")
    p.add_argument("question")
    p.add_argument("-k", type=int, help="passages to read (default $HOIDAP_TOP_K, 5)")
    p.add_argument("--history", help='earlier turns as JSON: [{"role": "user", "content": …}, …]')
    p.add_argument("--json", action="store_true")
    _official_filters(p)
    p.set_defaults(func=cmd_ask)

    p = add("chat", "interactive questions with follow-ups")
    p.add_argument("--turns", type=int, default=3, help="earlier turns kept as context")
    p.set_defaults(func=cmd_chat)

    p = add("serve", "HTTP API and staff web page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--telegram", action="store_true", help="run the Telegram bot in this process")
    p.add_argument("--insecure", action="store_true", help="allow a public address without keys")
    p.set_defaults(func=cmd_serve)

    p = add("telegram", "run the Telegram bot (long polling)")
    p.set_defaults(func=cmd_telegram)

    p = add("eval", "retrieval and answer quality on an eval set")
    p.add_argument("--set", type=Path, required=True, help="eval set (JSONL, see evals/README.md)")
    p.add_argument(
        "--out",
        type=Path,
        help="folder for report.json, report.md and plots (default reports/eval/<set name>)",
    )
    p.add_argument(
        "--compare", default="hybrid", help="configurations: hybrid,dense,sparse,rrf,dbsf"
    )
    p.add_argument("--baseline", type=Path, help="fail when a headline metric drops vs this")
    p.add_argument("--max-drop", type=float, default=0.02, help="allowed drop (default 0.02)")
    p.add_argument("--write-baseline", type=Path, help="write the headline metrics as a baseline")
    p.add_argument(
        "--against", type=Path, help="another run's report.json: list fixed and broken questions"
    )
    p.set_defaults(func=cmd_eval)

    p = add("bench", "speed and memory benchmark (< 10 min)")
    p.add_argument("--out", type=Path, default=Path("reports/bench"))
    p.add_argument("--quick", action="store_true", help="smaller sizes and shorter runs")
    p.add_argument(
        "--parts",
        help="comma-separated subset: latency, scaling, layout, indexing, noop, cold, server",
    )
    p.set_defaults(func=cmd_bench)

    p = add("gaps", "unanswered questions grouped by topic")
    p.add_argument("--days", type=int, help="only questions of the last N days")
    p.add_argument("--limit", type=int, default=20, help="topics to show (default 20)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lambda a: cli_loop.cmd_gaps(a, _settings))

    p = add("log", "the interaction log")
    log_sub = p.add_subparsers(dest="log_command", required=True)
    q = log_sub.add_parser("purge", parents=[common], help="delete logged questions")
    q.add_argument("--older-than", type=_positive, metavar="DAYS", help="older than DAYS days")
    q.add_argument("--all", action="store_true", help="everything")
    q.set_defaults(func=lambda a: cli_loop.cmd_log_purge(a, _settings))

    p = add("feedback", "feedback to eval cases")
    fb_sub = p.add_subparsers(dest="feedback_command", required=True)
    q = fb_sub.add_parser("export", parents=[common], help="write eval-set candidate lines")
    q.add_argument("--out", type=Path, default=Path("evals/sets/candidates.jsonl"))
    q.set_defaults(func=lambda a: cli_loop.cmd_feedback_export(a, _settings))

    p = add("docs", "list indexed documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1 day (use --all to delete everything)")
    return value


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("hoidap")
    except metadata.PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
