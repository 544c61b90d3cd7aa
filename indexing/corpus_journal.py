"""Corpus files owned by documents, and a journal that keeps the corpus folder and the index in
step when an upload or a delete is interrupted.

A document owns exactly the file its index record names (``source``, beside the document's
folder), never whatever shares its name prefix. An upload writes its bytes to a hidden temporary
file, notes the pending operation in ``<data dir>/journal/``, switches the index, and only then
renames the file into place. After a crash, ``settle`` reads the index to decide: if the new
version is live the rename (and removal of a replaced file) is finished, otherwise the temporary
file is dropped and the index keeps the old version. A delete is journalled and finished.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from assistant.store import Store
from indexing.pipeline import doc_id_for

RESERVED_STEMS = ("manifest",)  # corpus/manifest.toml holds document metadata
TEMP_PREFIX = ".upload-"


class CorpusRefusal(ValueError):
    """An upload that would clash with the corpus folder's own files (a clear reason inside)."""


def refusal_for_name(original: str) -> str | None:
    """Why an uploaded file name is not accepted (hidden files, the manifest), or None."""
    base = original.replace("\\", "/").rsplit("/", 1)[-1]
    if base.startswith("."):
        return f"{base}: hidden files (names starting with '.') are not accepted"
    stem = base.split(".", 1)[0].strip().lower()
    if stem in RESERVED_STEMS:
        return (
            f"{base}: names starting with 'manifest.' are reserved for the corpus manifest "
            "(document metadata); rename the file"
        )
    return None


def owned_file(corpus: Path, record: dict[str, Any]) -> Path | None:
    """The corpus file a document record names (``source``); for a record without one, the
    only file with its document id, if there is exactly one."""
    doc_id, source = record.get("doc_id", ""), record.get("source") or ""
    if not doc_id:
        return None
    if not source:
        candidates = same_id_files(corpus, doc_id)
        return candidates[0] if len(candidates) == 1 else None
    if "/" in source or source.startswith("."):
        return None
    rel = Path(doc_id).parent / source
    return corpus / rel if doc_id_for(rel) == doc_id else None


def same_id_files(corpus: Path, doc_id: str) -> list[Path]:
    """Visible files in the corpus whose document id is exactly ``doc_id`` (``a.txt``, ``a.md``;
    never ``a.2024.txt``)."""
    folder = corpus / Path(doc_id).parent
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and doc_id_for(p.relative_to(corpus)) == doc_id
    )


def stage(folder: Path, data: bytes) -> Path:
    """Write ``data`` to a new hidden file in ``folder`` (so a rename into place is atomic), with
    the mode any new corpus file gets (0666 less the umask, like ``open()``), synced to disk."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{TEMP_PREFIX}{secrets.token_hex(8)}.part"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


class Journal:
    """One small JSON file per pending operation, written atomically and synced."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / "journal"

    def begin(self, entry: dict[str, Any]) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(entry["doc_id"].encode()).hexdigest()[:20]
        path = self.folder / f"{name}-{secrets.token_hex(4)}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({**entry, "started": time.time()}, ensure_ascii=False), "utf-8")
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        tmp.replace(path)
        return path

    def end(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def pending(self) -> list[tuple[Path, dict[str, Any]]]:
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                out.append((path, json.loads(path.read_text("utf-8"))))
            except (OSError, ValueError):
                continue  # a journal file cut short before its rename never described an op
        for tmp in self.folder.glob("*.tmp"):
            tmp.unlink(missing_ok=True)
        return out


def settle(entry: dict[str, Any], store: Store, corpus: Path) -> str:
    """Finish or roll back one journalled operation from what the index holds; says which."""
    doc_id = entry["doc_id"]
    record = store.documents().get(doc_id)
    if entry["op"] == "delete":
        if record is not None:
            store.delete_document(doc_id)
        store.delete_chunks(doc_id)
        store.flush()
        if entry.get("file"):
            (corpus / entry["file"]).unlink(missing_ok=True)
        return f"delete of {doc_id}: finished (removed from the index and the corpus folder)"
    temp = corpus / entry["temp"]
    # Finished only when the index serves this very upload: same content and same file (an
    # identical text under another extension is still the old file's record).
    if (
        record is not None
        and record.get("doc_hash") == entry["hash"]
        and record.get("source") in (None, entry["target"])
    ):
        target = corpus / entry["target"]
        if temp.exists():
            temp.replace(target)
        if entry.get("remove") and entry["remove"] != entry["target"]:
            (corpus / entry["remove"]).unlink(missing_ok=True)
        return f"upload of {entry['target']}: finished (the corpus file matches the index)"
    temp.unlink(missing_ok=True)
    # New-version chunks written before the interruption are not live; drop them now.
    store.delete_chunks(doc_id, except_hash=record.get("doc_hash") if record else None)
    store.flush()
    kept = "the previous version" if record else "nothing"
    return f"upload of {entry['target']}: rolled back (index and corpus folder keep {kept})"
