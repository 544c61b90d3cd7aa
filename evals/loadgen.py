"""Load generator, run as a separate process: ``python -m evals.loadgen URL …``.

Sends ``POST /v1/search`` (or a mix with ``/v1/ask`` and ``/v1/documents``) at a fixed
concurrency, bounded by a request count and a duration, and prints one JSON line of results.
Loopback only: it refuses any host that is not 127.0.0.0/8, ::1 or localhost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

from assistant.hosts import is_loopback


def _loopback(url: str) -> bool:
    return is_loopback(urlparse(url).hostname or "")


async def _run(args: argparse.Namespace) -> dict[str, object]:
    lines = Path(args.questions).read_text("utf-8").splitlines()
    questions = [q.strip() for q in lines if q.strip()]
    rng = random.Random(args.seed)
    headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    latencies: list[float] = []
    errors: dict[str, int] = {}
    sent = 0
    deadline = time.monotonic() + args.duration
    mix = [m.split(":") for m in args.mix.split(",")]
    routes = [r for r, w in mix for _ in range(int(w))]

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while sent < args.requests and time.monotonic() < deadline:
            sent += 1
            n = sent
            question = questions[n % len(questions)]
            if rng.random() >= args.repeat:  # a new question: vary it so no cache can answer
                question = f"{question} {n}"
            route = routes[n % len(routes)]
            started = time.perf_counter()
            try:
                if route == "search":
                    res = await client.post(
                        "/v1/search", json={"query": question, "k": 5}, headers=headers
                    )
                elif route == "ask":
                    res = await client.post("/v1/ask", json={"question": question}, headers=headers)
                else:
                    res = await client.get("/v1/documents", headers=headers)
                if res.status_code != 200:
                    errors[str(res.status_code)] = errors.get(str(res.status_code), 0) + 1
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            latencies.append((time.perf_counter() - started) * 1000)

    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=args.url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(args.concurrency)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "concurrency": args.concurrency,
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "throughput_rps": round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        "p50_ms": round(statistics.median(ordered), 2) if ordered else None,
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)
        if ordered
        else None,
        "errors": sum(errors.values()),
        "error_kinds": errors,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("url")
    p.add_argument("--questions", required=True, help="file with one question per line")
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--duration", type=float, default=30.0, help="seconds at most")
    p.add_argument("--repeat", type=float, default=0.0, help="share of repeated questions")
    p.add_argument("--mix", default="search:1", help="route:weight,… of search, ask, documents")
    p.add_argument("--key", default="")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    if not _loopback(args.url):
        print("loadgen: only loopback addresses may be targeted", file=sys.stderr)
        return 2
    print(json.dumps(asyncio.run(_run(args))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
