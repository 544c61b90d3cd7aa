"""The eval sets, corpora and baselines shipped inside the ``evals`` package.

They are found through ``importlib.resources``, never relative to the source tree, so a normal
(non-editable) install has them too: ``hoidap eval --set seed --corpus seed --baseline seed``.
``evals/corpora/seed`` is a byte-identical copy of the top-level ``corpus/``
(tests/test_packaged.py keeps it so).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def packaged(*parts: str) -> Path:
    """A file or folder inside the installed ``evals`` package (a plain directory on disk)."""
    return Path(str(resources.files("evals").joinpath(*parts)))


SEED_SET = packaged("sets", "seed.jsonl")
SEED_CORPUS = packaged("corpora", "seed")
SEED_BASELINE = packaged("baselines", "seed.json")

_KINDS = {"sets": ".jsonl", "corpora": "", "baselines": ".json"}


def names(kind: str) -> list[str]:
    """The packaged sets, corpora or baselines, by name."""
    suffix = _KINDS[kind]
    folder = packaged(kind)
    return sorted(
        p.name.removesuffix(suffix)
        for p in folder.iterdir()
        if (p.is_dir() if not suffix else p.name.endswith(suffix)) and not p.name.endswith("_src")
    )


def resolve(path: Path, kind: str) -> Path:
    """``path`` when it exists, else the packaged one of that name (``seed`` or ``seed.jsonl``
    for ``evals/sets/seed.jsonl``); a name that is neither is returned unchanged, so the caller
    reports the missing path."""
    if path.exists() or len(path.parts) != 1:
        return path
    suffix = _KINDS[kind]
    candidate = packaged(kind, path.name if path.name.endswith(suffix) else path.name + suffix)
    return candidate if candidate.exists() else path
