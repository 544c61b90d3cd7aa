"""Background indexing of large uploads: one worker thread, jobs run in the order they came.

A request never waits minutes on the write lock: a large upload (or any upload while a job is
queued or running) is staged and answered at once with a job id; ``GET /v1/jobs/{id}`` shows the
progress and the per-file outcomes. Jobs live in memory: a restart forgets them (the corpus journal
still settles a file that was being indexed).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bots.uploads import Staged, close_all

log = logging.getLogger("hoidap.jobs")

Status = Literal["queued", "running", "done", "failed"]
KEEP_FINISHED = 200


@dataclass
class Job:
    id: str
    staged: list[Staged] = field(repr=False)
    replace: bool
    status: Status = "queued"
    done: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    finished: float | None = None

    def view(self, ahead: int = 0) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "progress": {"done": self.done, "total": len(self.staged)},
            "files": list(self.files),
        }
        if self.status == "queued":
            out["ahead"] = ahead
        return out


class JobQueue:
    """FIFO of upload jobs, processed by ``process(staged, replace) -> outcome dict``."""

    def __init__(self, process: Callable[[Staged, bool], dict[str, Any]]) -> None:
        self.process = process
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: deque[Job] = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._worker: threading.Thread | None = None

    def busy(self) -> bool:
        with self._cond:
            return any(j.status in ("queued", "running") for j in self._jobs.values())

    def submit(self, staged: list[Staged], replace: bool) -> dict[str, Any]:
        job = Job(uuid.uuid4().hex, staged, replace)
        with self._cond:
            if self._stopping:
                raise RuntimeError("the server is shutting down")
            ahead = sum(j.status in ("queued", "running") for j in self._jobs.values())
            self._jobs[job.id] = job
            self._queue.append(job)
            self._forget_old()
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="upload-jobs", daemon=True)
                self._worker.start()
            self._cond.notify()
            return job.view(ahead)

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            return job.view(self._ahead(job))

    def list(self) -> list[dict[str, Any]]:
        with self._cond:
            return [j.view(self._ahead(j)) for j in reversed(self._jobs.values())]

    def _ahead(self, job: Job) -> int:
        if job.status != "queued":
            return 0
        running = sum(j.status == "running" for j in self._jobs.values())
        return running + list(self._queue).index(job)

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.status in ("done", "failed")]
        for job in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job.id]

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                job = self._queue.popleft()
                job.status = "running"
            self._work(job)

    def _work(self, job: Job) -> None:
        status: Status = "done"
        for staged in job.staged:
            if self._stopping:
                outcome = _failed(staged, "the server stopped before this file was indexed")
                status = "failed"
            else:
                try:
                    outcome = self.process(staged, job.replace)
                except Exception:
                    log.exception("upload job %s: %s failed", job.id, staged.filename)
                    outcome = _failed(staged, "internal error (see the server log)")
            staged.close()
            with self._cond:
                job.files.append(outcome)
                job.done += 1
        with self._cond:
            job.status = status
            job.finished = time.time()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the file being indexed; queued jobs are reported as failed."""
        with self._cond:
            self._stopping = True
            for job in self._queue:
                job.status = "failed"
                close_all(job.staged)
            self._queue.clear()
            self._cond.notify_all()
        if self._worker is not None:
            self._worker.join(timeout)


def _failed(staged: Staged, reason: str) -> dict[str, Any]:
    return {
        "filename": staged.filename,
        "doc_id": "",
        "status": "failed",
        "chunks": 0,
        "reason": reason,
    }
