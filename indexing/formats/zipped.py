"""Zip containers (DOCX and the like): sizes checked before anything is inflated."""

from __future__ import annotations

import io
import zipfile

from indexing.formats.base import TOO_LARGE, LoadError, ParseLimits


def check_zip(data: bytes, limits: ParseLimits, kind: str) -> None:
    """Refuse a zip whose entries would inflate past the limits (a zip bomb), before parsing.

    The sizes come from the central directory; Python's zipfile never inflates an entry past its
    recorded size (it stops there and fails the CRC), so a lying directory cannot get around it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise LoadError(f"corrupt or unreadable {kind}: {type(exc).__name__}") from exc
    if len(entries) > limits.max_zip_entries:
        raise LoadError(
            f"{TOO_LARGE}: {kind} holds {len(entries)} parts, over the limit of "
            f"{limits.max_zip_entries} (HOIDAP_MAX_ZIP_ENTRIES)"
        )
    total = sum(e.file_size for e in entries)
    if total > limits.max_unzipped_bytes:
        raise LoadError(
            f"{TOO_LARGE}: {kind} unpacks to {total / 1e6:,.0f} MB, over the "
            f"{limits.max_unzipped_bytes / 1e6:,.0f} MB limit (HOIDAP_MAX_UNZIPPED_MB)"
        )
