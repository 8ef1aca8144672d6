"""Removing the uploads of deleted or cleared messages."""

from __future__ import annotations

import contextlib
import logging

from chat_common import pb
from chat_common.uploads import InvalidStorageKey, upload_path

log = logging.getLogger("job_service.files.removal")


def remove_uploads(upload_dir: str, files: list[pb.jobs.FileRef]) -> int:
    """Deletes the stored files (most are gone already: a file is deleted once read)."""
    removed = 0
    for ref in files:
        with contextlib.suppress(FileNotFoundError, InvalidStorageKey):
            upload_path(upload_dir, ref.storage_key).unlink()
            removed += 1
    if removed:
        log.info("removed %d uploads", removed)
    return removed
