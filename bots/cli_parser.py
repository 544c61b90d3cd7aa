"""The ``hoidap`` argument parser: commands, options and their examples (``bots.cli`` runs them)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path

from bots.cli_help import EXAMPLES, Formatter

Command = Callable[[argparse.Namespace], int]


def _official_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--doc-type", action="append", help="only this document type: 'Quyết định', QĐ, KH…"
    )
    p.add_argument("--doc-number", action="append", help="only this số/ký hiệu: 1318/QĐ-UBND")


def build(commands: Mapping[str, Command]) -> argparse.ArgumentParser:
    """The ``hoidap`` parser; each command's ``func`` is ``commands[its name]``."""
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
    p.set_defaults(func=commands["index"])

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
    p.set_defaults(func=commands["search"])

    p = add("ask", "answer a question with citations")
    p.add_argument("question")
    p.add_argument("-k", type=int, help="passages to read (default $HOIDAP_TOP_K, 5)")
    p.add_argument("--history", help='earlier turns as JSON: [{"role": "user", "content": …}, …]')
    p.add_argument("--json", action="store_true")
    _official_filters(p)
    p.set_defaults(func=commands["ask"])

    p = add("chat", "interactive questions with follow-ups")
    p.add_argument("--turns", type=int, default=3, help="earlier turns kept as context")
    p.set_defaults(func=commands["chat"])

    p = add("serve", "HTTP API and staff web page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--telegram", action="store_true", help="run the Telegram bot in this process")
    p.add_argument("--insecure", action="store_true", help="allow a public address without keys")
    p.set_defaults(func=commands["serve"])

    p = add("telegram", "run the Telegram bot (long polling)")
    p.set_defaults(func=commands["telegram"])

    p = add("eval", "retrieval and answer quality on an eval set")
    p.add_argument(
        "--set",
        type=Path,
        required=True,
        help="eval set: a JSONL file (see evals/README.md) or a packaged name (seed, news_tune, …)",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="folder for report.json, report.md and plots (default reports/eval/<set name>)",
    )
    p.add_argument(
        "--compare", default="hybrid", help="configurations: hybrid,dense,sparse,rrf,dbsf"
    )
    p.add_argument(
        "--baseline",
        type=Path,
        help="fail when a headline metric drops vs this (a JSON file or a packaged name: seed)",
    )
    p.add_argument("--max-drop", type=float, default=0.02, help="allowed drop (default 0.02)")
    p.add_argument("--write-baseline", type=Path, help="write the headline metrics as a baseline")
    p.add_argument(
        "--against", type=Path, help="another run's report.json: list fixed and broken questions"
    )
    p.set_defaults(func=commands["eval"])

    p = add("bench", "speed and memory benchmark (< 10 min)")
    p.add_argument("--out", type=Path, default=Path("reports/bench"))
    p.add_argument("--quick", action="store_true", help="smaller sizes and shorter runs")
    p.add_argument(
        "--parts",
        help="comma-separated subset: latency, scaling, layout, indexing, noop, cold, server",
    )
    p.set_defaults(func=commands["bench"])

    p = add("gaps", "unanswered questions grouped by topic")
    p.add_argument("--days", type=int, help="only questions of the last N days")
    p.add_argument("--limit", type=int, default=20, help="topics to show (default 20)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=commands["gaps"])

    p = add("log", "the interaction log")
    log_sub = p.add_subparsers(dest="log_command", required=True)
    q = log_sub.add_parser("purge", parents=[common], help="delete logged questions")
    q.add_argument("--older-than", type=_positive, metavar="DAYS", help="older than DAYS days")
    q.add_argument("--all", action="store_true", help="everything")
    q.set_defaults(func=commands["log purge"])

    p = add("feedback", "feedback to eval cases")
    fb_sub = p.add_subparsers(dest="feedback_command", required=True)
    q = fb_sub.add_parser("export", parents=[common], help="write eval-set candidate lines")
    q.add_argument("--out", type=Path, default=Path("evals/sets/candidates.jsonl"))
    q.set_defaults(func=commands["feedback export"])

    p = add("docs", "list indexed documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=commands["docs"])
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
