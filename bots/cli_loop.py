"""``hoidap gaps``, ``log purge`` and ``feedback export``: the maintainers' loop from a terminal.

They read the interaction log only (never the index), so they run beside ``hoidap serve``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.config import Settings

if TYPE_CHECKING:
    from assistant.interactions import InteractionLog

SettingsFor = Callable[[argparse.Namespace], Settings]


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _log(config: Settings) -> InteractionLog:
    """The interaction log alone: these commands work while `serve` holds the index."""
    from assistant.interactions import open_from_settings

    log = open_from_settings(config)
    if log is None:
        raise ValueError("the interaction log is off (HOIDAP_INTERACTION_LOG=false)")
    return log


def cmd_gaps(args: argparse.Namespace, settings: SettingsFor) -> int:
    """Refused and down-voted questions grouped by topic: which documents to add."""
    from datetime import UTC, datetime, timedelta

    from assistant.embedding import make_embedder
    from assistant.interactions import REASONS
    from assistant.interactions.gaps import gap_report
    from assistant.vietnamese import normalize

    log = _log(settings(args))
    try:
        since = datetime.now(UTC) - timedelta(days=args.days) if args.days else None
        items = list(log.interactions(since=since))
    finally:
        log.close()
    embedder = make_embedder(settings(args))
    gaps = gap_report(items, lambda ts: [embedder.get_query_embedding(normalize(t)) for t in ts])
    if args.json:
        _print_json([g.as_dict() for g in gaps])
        return 0
    if not gaps:
        print("Không có câu hỏi bị từ chối hay bị chê. (No refused or down-voted questions.)")
    for g in gaps[: args.limit]:
        extra = f", 👎 {g.down_voted}" if g.down_voted else ""
        reasons = ", ".join(f"{REASONS.get(r, r)} {n}" for r, n in g.reasons.items())
        print(
            f"{g.count:>4}× {g.topic}\n      từ chối {g.refused}{extra}; "
            f"lần cuối {g.last_asked:%d/%m/%Y}{'; ' + reasons if reasons else ''}"
        )
        for example in [e for e in g.examples if e != g.topic]:
            print(f"      · {example}")
    return 0


def cmd_log_purge(args: argparse.Namespace, settings: SettingsFor) -> int:
    if args.older_than is None and not args.all:
        raise ValueError("say what to purge: --older-than DAYS or --all")
    log = _log(settings(args))
    try:
        removed = log.purge(None if args.all else args.older_than)
    finally:
        log.close()
    print(f"removed {removed} logged questions (and their feedback)")
    return 0


def cmd_feedback_export(args: argparse.Namespace, settings: SettingsFor) -> int:
    from assistant.interactions.candidates import export

    log = _log(settings(args))
    try:
        kept, added = export(log.interactions(), args.out)
    finally:
        log.close()
    print(
        f"added {added} candidate lines to {args.out} (kept the {kept} already there); review "
        'each (relevant_doc_ids, answer), set "reviewed": true, then merge them into an eval set'
    )
    return 0
