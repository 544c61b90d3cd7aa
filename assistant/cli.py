"""``hoidap`` command line. Heavy modules are imported inside commands so start-up stays fast."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from assistant.config import Settings, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        data_dir=getattr(args, "data_dir", None), corpus_dir=getattr(args, "corpus", None)
    )


def _open(args: argparse.Namespace) -> Any:
    from assistant.service import Assistant

    return Assistant.open(_settings(args))


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def cmd_index(args: argparse.Namespace) -> int:
    assistant = _open(args)
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

    return SearchFilters(
        doc_ids=tuple(args.doc or ()),
        outlets=tuple(args.outlet or ()),
        since=date.fromisoformat(args.since) if args.since else None,
        until=date.fromisoformat(args.until) if args.until else None,
    )


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
        print(f"{i}. [{r.score:.3f}] {r.title} — {r.outlet or 'n/a'}, {when} ({r.doc_id})")
        snippet = " ".join(r.text.split())
        print(f"   {snippet[:300]}{'…' if len(snippet) > 300 else ''}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    assistant = _open(args)
    try:
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


def _print_answer(answer: Any) -> None:
    print(answer.answer)
    if answer.standalone_question != answer.question:
        print(f"  (hiểu là: {answer.standalone_question})")
    for c in answer.citations:
        when = (c.published or "")[:10] or "n.d."
        print(f"  [{c.n}] {c.title} — {c.outlet or 'n/a'}, {when}\n      “{c.quote}”")
    if answer.suggestions:
        print("  Tài liệu gần nhất:" if answer.language == "vi" else "  Closest documents:")
        for s in answer.suggestions:
            print(f"   - {s['title']} ({s['doc_id']})")


def cmd_ask(args: argparse.Namespace) -> int:
    assistant = _open(args)
    try:
        history = json.loads(args.history) if args.history else None
        answer = assistant.ask(args.question, history=history, k=args.k)
    finally:
        assistant.close()
    if args.json:
        _print_json(answer.contract())
    else:
        _print_answer(answer)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Interactive session; follow-ups keep context, /reset clears it, /quit or Ctrl-D leaves."""
    assistant = _open(args)
    history: list[dict[str, str]] = []
    print("Hỏi Đáp — đặt câu hỏi (/reset: xóa ngữ cảnh, /quit: thoát)")
    try:
        while True:
            try:
                question = input("? ").strip()
            except EOFError:
                print()
                return 0
            if not question:
                continue
            if question in ("/quit", "/exit"):
                return 0
            if question == "/reset":
                history.clear()
                print("(đã xóa ngữ cảnh)")
                continue
            answer = assistant.ask(question, history=history)
            _print_answer(answer)
            history += [
                {"role": "user", "content": answer.standalone_question},
                {"role": "assistant", "content": answer.answer},
            ]
            history = history[-2 * args.turns :]
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
    keys = Settings.split_list(settings.api_keys) + Settings.split_list(settings.admin_keys)
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
    uvicorn.run(
        app, host=args.host, port=args.port, log_level="info" if args.verbose else "warning"
    )
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
    )


def cmd_bench(args: argparse.Namespace) -> int:
    from evals.bench import print_table, run

    parts = {"parts": tuple(Settings.split_list(args.parts))} if args.parts else {}
    result = run(_settings(args), args.out, quick=args.quick, **parts)
    print_table(result)
    print(f"wrote {args.out}/bench.json, bench.md and plots", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hoidap", description="Hỏi Đáp: Vietnamese document Q&A")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, help="index folder (default $HOIDAP_DATA_DIR or ./data)"
    )
    common.add_argument(
        "--corpus", type=Path, help="corpus folder (default $HOIDAP_CORPUS_DIR or ./corpus)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", parents=[common], help="(re)index the corpus incrementally")
    p.add_argument("--rebuild", action="store_true", help="build a fresh index and switch to it")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", parents=[common], help="hybrid search over the index")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--mode", choices=["rrf", "dbsf", "dense", "sparse"], help="retrieval mode")
    p.add_argument("--doc", action="append", help="only this document id (repeatable)")
    p.add_argument("--outlet", action="append", help="only this outlet (repeatable)")
    p.add_argument("--since", help="published on or after YYYY-MM-DD")
    p.add_argument("--until", help="published on or before YYYY-MM-DD")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", parents=[common], help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=None, help="passages to read (default $HOIDAP_TOP_K)")
    p.add_argument("--history", help='earlier turns as JSON: [{"role": "user", "content": …}, …]')
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", parents=[common], help="interactive questions with follow-ups")
    p.add_argument("--turns", type=int, default=3, help="earlier turns kept as context")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", parents=[common], help="HTTP API and staff web page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--telegram", action="store_true", help="run the Telegram bot in this process")
    p.add_argument("--insecure", action="store_true", help="allow a public address without keys")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("telegram", parents=[common], help="run the Telegram bot (long polling)")
    p.set_defaults(func=cmd_telegram)

    p = sub.add_parser("eval", parents=[common], help="retrieval and answer quality on an eval set")
    p.add_argument("--set", type=Path, required=True, help="eval set (JSONL, see evals/README.md)")
    p.add_argument("--out", type=Path, help="folder for report.json, report.md and plots")
    p.add_argument(
        "--compare", default="hybrid", help="configurations: hybrid,dense,sparse,rrf,dbsf"
    )
    p.add_argument("--baseline", type=Path, help="fail when a headline metric drops vs this")
    p.add_argument("--max-drop", type=float, default=0.02, help="allowed drop (default 0.02)")
    p.add_argument("--write-baseline", type=Path, help="write the headline metrics as a baseline")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", parents=[common], help="speed and memory benchmark (< 10 min)")
    p.add_argument("--out", type=Path, default=Path("reports/bench"))
    p.add_argument("--quick", action="store_true", help="smaller sizes and shorter runs")
    p.add_argument(
        "--parts",
        help="comma-separated subset: latency, scaling, layout, indexing, noop, cold, server",
    )
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("docs", parents=[common], help="list indexed documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from assistant.logs import configure

    configure(args.verbose, load_settings().log_json)
    from assistant.store import StoreError

    try:
        return int(args.func(args) or 0)
    except StoreError as exc:
        print(f"hoidap: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as exc:
        print(f"hoidap: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
