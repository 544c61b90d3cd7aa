"""Multipart uploads read as a stream, with a cap per file (the total is capped by ``bots.gate``).

Starlette's form parser spools every file whole before the route sees it; here each part of the
``files`` field goes to a spooled temporary file until it passes the per-file cap, after which its
remaining bytes are counted and dropped, and the file is reported as over the limit.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from typing import IO, Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

FIELD = "files"
MAX_PARTS = 1000  # as Starlette's own form parser
SPOOL_BYTES = 1024 * 1024  # small files stay in memory, larger ones go to a temporary file


class UploadError(ValueError):
    """A malformed or misused multipart body (the route answers 400 or 422)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Staged:
    """One received file: its bytes (spooled), or only its size when over the per-file cap."""

    filename: str
    size: int = 0
    over_limit: bool = False
    file: IO[bytes] | None = field(default=None, repr=False)

    def read(self) -> bytes:
        assert self.file is not None
        self.file.seek(0)
        return self.file.read()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def _decode(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def boundary_of(content_type: str) -> bytes:
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadError("a multipart/form-data body with a boundary is required")
    return boundary


class _Collector:
    """python-multipart callbacks that keep the ``files`` parts, each up to ``per_file`` bytes."""

    def __init__(self, per_file: int) -> None:
        self.per_file = per_file
        self.files: list[Staged] = []
        self.parts = 0
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._current: Staged | None = None
        self.text_field = False

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise UploadError(f"too many parts (at most {MAX_PARTS})")
        self._headers = {}
        self._current = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def on_headers_finished(self) -> None:
        disposition = self._headers.get(b"content-disposition", b"").decode("latin-1")
        _, options = parse_options_header(disposition)
        if _decode(options.get(b"name", b"")) != FIELD:
            return  # other fields are ignored (and their data dropped)
        if b"filename" not in options:
            self.text_field = True  # a plain form field named "files"
            return
        self._current = Staged(_decode(options[b"filename"]) or "upload")
        # Closed by Staged.close once indexed (it outlives this callback, maybe in a job).
        self._current.file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        self.files.append(self._current)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        staged = self._current
        if staged is None:
            return
        staged.size += end - start
        if staged.over_limit:
            return
        if staged.size > self.per_file:
            staged.over_limit = True
            staged.close()  # keep nothing of a file that will be refused
            return
        assert staged.file is not None
        staged.file.write(data[start:end])

    def on_part_end(self) -> None:
        self._current = None


async def receive_files(request: Request, per_file: int) -> list[Staged]:
    """The files of the ``files`` field, streamed from the request body."""
    boundary = boundary_of(request.headers.get("content-type", ""))
    collector = _Collector(per_file)
    callbacks: Any = {
        name: getattr(collector, name)
        for name in (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
    }
    parser = MultipartParser(boundary, callbacks)
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except UploadError:
        close_all(collector.files)
        raise
    except ValueError as exc:  # python-multipart's own errors on a malformed body
        close_all(collector.files)
        raise UploadError(f"malformed multipart body: {exc}") from exc
    except BaseException:  # the body passed the total limit, or the client went away
        close_all(collector.files)
        raise
    if collector.text_field:
        close_all(collector.files)
        raise UploadError("files: must be a file, not text", 422)
    if not collector.files:  # an empty form, or files under another field name
        raise UploadError("files: no file in the upload (send them in the `files` field)", 422)
    return collector.files


def close_all(files: list[Staged]) -> None:
    for staged in files:
        staged.close()
