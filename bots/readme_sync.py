"""The README's generated parts: the configuration table (from ``Settings``), the command
reference (from the ``hoidap`` argparse parser) and the seed baseline figures (from
``evals/baselines/seed.json``).

    python -m bots.readme_sync          # rewrite README.md between its GENERATED markers
    python -m bots.readme_sync --check  # exit 1 when README.md differs (tests/test_readme_sync.py)

It lives in ``bots`` (the adapters' layer) because it reads the CLI's parser; ``evals`` may not
import ``bots``. The baseline is read as a file, so it stays independent of ``evals`` too.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import AliasChoices
from pydantic.fields import FieldInfo

from assistant.config import SECTIONS, Settings, section_of
from bots.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BASELINE = ROOT / "evals" / "baselines" / "seed.json"
SEED_SET = ROOT / "evals" / "sets" / "seed.jsonl"
COMMAND = "python -m bots.readme_sync"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# -- configuration ------------------------------------------------------------------------------
def env_names(name: str, field: FieldInfo) -> list[str]:
    """The variables a setting is read from."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(c) for c in alias.choices]
    prefix = str(Settings.model_config.get("env_prefix", ""))
    return [f"{prefix}{name}".upper()]


def show_default(value: Any) -> str:
    if value is None:
        return "—"
    if value in ("", []):
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Path):
        text = value.as_posix()
        return f"`{text if value.is_absolute() or text.startswith('.') else './' + text}`"
    if isinstance(value, str):
        return f"`{value}`"
    return str(value)


def settings_table() -> str:
    """One table per section, in the order of ``SECTIONS``."""
    by_section: dict[str, list[str]] = {s: [] for s in SECTIONS}
    for name, field in Settings.model_fields.items():
        names = ", ".join(f"`{n}`" for n in env_names(name, field))
        by_section[section_of(name)].append(
            f"| {names} | {_cell(show_default(field.default))} | {_cell(field.description or '')} |"
        )
    out: list[str] = []
    for section, rows in by_section.items():
        if rows:
            out += [f"**{section}** — {SECTIONS[section]}", ""]
            out += ["| variable | default | meaning |", "|---|---|---|", *rows, ""]
    return "\n".join(out).rstrip("\n")


# -- command reference --------------------------------------------------------------------------
def _subcommands(
    parser: argparse.ArgumentParser,
) -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    """(command path, summary, parser) of every leaf command, in the order they were added."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                nested = list(_subcommands(sub))
                if nested:
                    yield from ((f"{name} {n}", h or helps[name], p) for n, h, p in nested)
                else:
                    yield name, helps.get(name, ""), sub


def _option(action: argparse.Action) -> str:
    # argparse allows a tuple metavar for several values; ours are single names.
    metavar = action.metavar if isinstance(action.metavar, str) else None
    if action.option_strings:
        flags = ", ".join(f"`{s}`" for s in action.option_strings)
    else:
        flags = f"`{(metavar or action.dest).upper()}`"
    if action.option_strings and action.nargs != 0:
        value = metavar or (
            "{" + ",".join(map(str, action.choices)) + "}"
            if action.choices
            else action.dest.upper()
        )
        flags = flags[:-1] + f" {value}`"
    text = (action.help or "").strip()
    default = action.default
    if action.nargs != 0 and default not in (None, argparse.SUPPRESS) and "default" not in text:
        shown = default.as_posix() if isinstance(default, Path) else default
        text = f"{text} (default {shown})" if text else f"default {shown}"
    if action.required and action.option_strings:
        text = f"required; {text}" if text else "required"
    return f"{flags} {text}".strip()


def _options(parser: argparse.ArgumentParser, skip: set[str]) -> list[argparse.Action]:
    return [
        a
        for a in parser._actions
        if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))
        and not (set(a.option_strings) & skip)
    ]


def cli_reference(factory: Callable[[], argparse.ArgumentParser] = build_parser) -> str:
    """Every command with its arguments and options; the options all commands share first."""
    parser = factory()
    commands = list(_subcommands(parser))
    shared = set.intersection(
        *({s for a in p._actions for s in a.option_strings} for _, _, p in commands)
    )
    shared -= {"-h", "--help"}
    common = [a for a in commands[0][2]._actions if set(a.option_strings) & shared]
    top = "; ".join(_option(a) for a in _options(parser, set()))
    lines = [
        f"`{parser.prog}` alone: {top}. Every command takes "
        + "; ".join(_option(a) for a in common)
        + "; and `--help` (with examples).",
        "",
        "| command | what it does | arguments and options |",
        "|---|---|---|",
    ]
    for name, summary, sub in commands:
        options = " · ".join(_option(a) for a in _options(sub, shared))
        lines.append(f"| `{parser.prog} {name}` | {_cell(summary)} | {_cell(options) or '—'} |")
    return "\n".join(lines)


# -- figures from committed reports -------------------------------------------------------------
def seed_figures(baseline: Path = BASELINE, evalset: Path = SEED_SET) -> str:
    """The headline metrics of the committed seed baseline, as the CI gate holds them."""
    data = json.loads(baseline.read_text("utf-8"))
    items = [json.loads(line) for line in evalset.read_text("utf-8").splitlines() if line.strip()]
    answerable = sum(1 for i in items if i.get("answer") is not None)
    unanswerable = len(items) - answerable
    lines = [
        f"Committed baseline `{baseline.relative_to(ROOT).as_posix()}` ({len(items)} questions: "
        f"{answerable} answerable, {unanswerable} not; corpus `{data['corpus_hash']}`), which "
        "`tests/run.sh` gates with `--max-drop 0.02`:",
        "",
        "| configuration | recall@1 | recall@5 | MRR@10 | nDCG@10 | gold in the answer "
        "| unanswerable refused | citation faithfulness |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, config in data["configs"].items():
        m = config["overall"]

        def count(key: str, total: int, m: dict[str, float] = m) -> str:
            return f"{round(m[key] * total)}/{total} ({m[key]:.2f})"

        lines.append(
            f"| {name} | {m['recall@1']:.3f} | {m['recall@5']:.3f} | {m['mrr@10']:.3f} "
            f"| {m['ndcg@10']:.3f} | {count('answer_contains', answerable)} "
            f"| {count('unanswerable_refused', unanswerable)} "
            f"| {m['citation_faithfulness']:.3f} |"
        )
    return "\n".join(lines)


# -- the README ---------------------------------------------------------------------------------
PARTS: dict[str, Callable[[], str]] = {
    "settings": settings_table,
    "cli": cli_reference,
    "seed-figures": seed_figures,
}
_BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[\w-]+)[^>]*-->\n)"
    r"(?P<body>.*?)"
    r"(<!-- END GENERATED: (?P=name) -->)",
    re.S,
)


def render(text: str) -> str:
    """``text`` with every generated block rewritten; an unknown or missing block is an error."""
    found: list[str] = []

    def fill(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in PARTS:
            raise ValueError(f"README block {name!r} has no generator (known: {', '.join(PARTS)})")
        found.append(name)
        return f"{m.group(1)}{PARTS[name]()}\n{m.group(4)}"

    out = _BLOCK.sub(fill, text)
    missing = set(PARTS) - set(found)
    if missing:
        raise ValueError(f"README lacks the generated block(s): {', '.join(sorted(missing))}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the README drifted")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    current = args.readme.read_text("utf-8")
    wanted = render(current)
    if wanted == current:
        print(f"{args.readme}: generated parts up to date")
        return 0
    if args.check:
        diff = difflib.unified_diff(
            current.splitlines(), wanted.splitlines(), "README.md", "generated", lineterm=""
        )
        print("\n".join(diff))
        print(f"{args.readme} drifted from the code: run `{COMMAND}`", file=sys.stderr)
        return 1
    args.readme.write_text(wanted, "utf-8")
    print(f"rewrote the generated parts of {args.readme}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
