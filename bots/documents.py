"""Upload and job routes: ``POST /v1/documents`` (streamed multipart), ``GET /v1/jobs[/{id}]``.

Small uploads are indexed within the request (200, per-file outcomes). Above
``HOIDAP_UPLOAD_BACKGROUND_MB`` in total, or while another upload job is queued or running, the
files are staged and indexed by the job worker (202 with the job id and its status URL).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from assistant.config import Settings
from assistant.service import Assistant
from bots.jobs import JobQueue
from bots.uploads import Staged, UploadError, close_all, receive_files


class FileResult(BaseModel):
    filename: str
    doc_id: str
    status: str
    chunks: int
    reason: str | None = None


class UploadResult(BaseModel):
    files: list[FileResult]


class JobAccepted(BaseModel):
    job_id: str
    status_url: str
    status: Literal["queued", "running", "done", "failed"]
    ahead: int = 0


class Progress(BaseModel):
    done: int
    total: int


class JobView(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: Progress
    files: list[FileResult]
    ahead: int | None = None


UPLOAD_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "one or more documents",
                        }
                    },
                }
            }
        }
    }
}


def add_document_routes(
    app: FastAPI,
    settings: Settings,
    dependencies: list[Any],
    errors: dict[int | str, dict[str, Any]],
    not_found: dict[int | str, dict[str, Any]],
    the: Callable[[Request], Assistant],
) -> JobQueue:
    """Register the routes; the returned queue is stopped by the app's lifespan."""
    per_file = int(settings.max_upload_mb * 1e6)
    background = settings.upload_background_mb * 1e6

    def process(staged: Staged, replace: bool) -> dict[str, Any]:
        if staged.over_limit:
            reason = f"file over the {settings.max_upload_mb:g} MB upload limit"
            return FileResult(
                filename=staged.filename, doc_id="", status="failed", chunks=0, reason=reason
            ).model_dump()
        outcome = app.state.assistant.add_document(staged.filename, staged.read(), replace)
        return FileResult(
            filename=staged.filename,
            doc_id=outcome.doc_id,
            status=outcome.status,
            chunks=outcome.chunks,
            reason=outcome.reason,
        ).model_dump()

    jobs = JobQueue(process)
    accepted: dict[int | str, dict[str, Any]] = {
        202: {"model": JobAccepted, "description": "indexing in the background"}
    }

    @app.post(
        "/v1/documents",
        tags=["admin"],
        dependencies=dependencies,
        openapi_extra=UPLOAD_BODY,
        response_model=UploadResult,
        responses=accepted | errors,
    )
    async def upload(
        request: Request,
        replace: Annotated[bool, Query(description="replace documents with the same id")] = False,
    ) -> Any:
        the(request)
        try:
            staged = await receive_files(request, per_file)
        except UploadError as exc:
            if exc.status == 422:
                raise RequestValidationError(
                    [{"loc": ("body", "files"), "msg": str(exc), "type": "value_error"}]
                ) from exc
            raise HTTPException(exc.status, str(exc)) from exc
        try:
            size = sum(s.size for s in staged if not s.over_limit)
            if staged and (size > background or jobs.busy()):
                view = jobs.submit(staged, replace)
                accepted = JobAccepted(
                    job_id=view["id"],
                    status_url=f"/v1/jobs/{view['id']}",
                    status=view["status"],
                    ahead=view.get("ahead", 0),
                )
                return JSONResponse(accepted.model_dump(), 202)
        except BaseException:
            close_all(staged)
            raise
        files = []
        try:
            for one in staged:
                files.append(await asyncio.to_thread(process, one, replace))
        finally:
            close_all(staged)
        return {"files": files}

    @app.get("/v1/jobs", tags=["admin"], dependencies=dependencies, responses=errors)
    def list_jobs() -> list[JobView]:
        return [JobView.model_validate(j) for j in jobs.list()]

    @app.get(
        "/v1/jobs/{job_id}",
        tags=["admin"],
        dependencies=dependencies,
        responses=errors | not_found,
    )
    def get_job(job_id: str) -> JobView:
        view = jobs.get(job_id)
        if view is None:
            raise HTTPException(404, f"no job {job_id} (jobs are kept in memory until restart)")
        return JobView.model_validate(view)

    return jobs
