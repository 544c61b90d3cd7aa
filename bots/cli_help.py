"""What ``hoidap`` tells people: examples in ``COMMAND --help``, and one-line errors."""

from __future__ import annotations

import argparse

EXAMPLES: dict[str, str] = {
    "index": """examples:
  hoidap index                 # make the index match corpus/ (only changed files are embedded)
  hoidap index --rebuild       # build a fresh index and switch to it when complete
  hoidap index --corpus ~/docs --data-dir ~/docs-index""",
    "search": """examples:
  hoidap search "Long An công nghiệp hỗ trợ" -k 5
  hoidap search "khu cong nghe cao da nang" --json
  hoidap search "công nghiệp hỗ trợ" --outlet "lao dong" --since 2023-01-01""",
    "ask": """examples:
  hoidap ask "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?"
  hoidap ask "which provinces signed the agreement with HCMC Hi-Tech Park?" --json
  hoidap ask "Còn giám đốc NSSC là ai?" \\
    --history '[{"role": "user", "content": "Phó Giám đốc Sở KH-CN TP Đà Nẵng là ai?"}]'""",
    "chat": """examples:
  hoidap chat                  # arrows edit and recall questions; /help, /reset, /sources, /quit
  hoidap chat --turns 5""",
    "serve": """examples:
  hoidap serve                 # http://127.0.0.1:8000/ (staff page), /docs (API)
  HOIDAP_API_KEYS=staff HOIDAP_ADMIN_KEYS=admin hoidap serve --host 0.0.0.0 --port 8080
  hoidap serve --telegram      # the Telegram bot in the same process""",
    "telegram": """examples:
  TELEGRAM_BOT_TOKEN=123456:ABC… hoidap telegram""",
    "eval": """examples:
  hoidap eval --set evals/sets/seed.jsonl
  hoidap eval --set evals/sets/seed.jsonl --corpus corpus --compare hybrid,dense,sparse
  hoidap eval --set evals/sets/seed.jsonl --corpus corpus --baseline evals/baselines/seed.json""",
    "bench": """examples:
  hoidap bench --quick --out reports/bench""",
    "docs": """examples:
  hoidap docs
  hoidap docs --json""",
    "gaps": """examples:
  hoidap gaps --days 30        # refused and 👎 questions of the last 30 days, by topic""",
    "log": """examples:
  hoidap log purge --older-than 90
  hoidap log purge --all""",
    "feedback": """examples:
  hoidap feedback export --out evals/sets/candidates.jsonl""",
}


class Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults after each option's help, and the examples kept as written."""


class UserError(Exception):
    """A mistake the person running hoidap can fix: one line, exit code 2, no traceback."""


def user_message(exc: BaseException) -> str | None:
    """The one line to show for an error a user can fix, or None for a real bug."""
    from pydantic import ValidationError

    from assistant.store import StoreError

    if isinstance(exc, ValidationError):
        problems = [
            f"HOIDAP_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']} "
            f"(got {e.get('input')!r})"
            for e in exc.errors()
        ]
        return "bad setting " + "; ".join(problems) + " — fix it in the environment or .env"
    if isinstance(exc, (UserError, StoreError, FileNotFoundError, ValueError)):
        return str(exc)
    return None
