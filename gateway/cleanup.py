"""Deletes orphaned upload files.

A finished job deletes its own upload (job_service/worker.py). A file can still be left
behind when a process dies between storing the upload and creating its job, so every
gateway replica periodically deletes files in the upload directory older than
`UPLOAD_ORPHAN_TTL_S`. The TTL (default an hour) is far longer than any job can live
(attempts x JOB_DEADLINE_S, and the reaper ends stuck jobs), so no live job's file goes.
Replicas sharing the directory may race on a file; the loser's delete is simply skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from pathlib import Path

from chat_common.uploads import is_storage_key

log = logging.getLogger("gateway.cleanup")


def delete_orphans(upload_dir: str | Path, ttl_s: float, now: float | None = None) -> int:
    """Deletes upload files (our own random hex names only) not modified for `ttl_s` seconds."""
    cutoff = (time.time() if now is None else now) - ttl_s
    removed = 0
    try:
        entries = list(os.scandir(upload_dir))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if not is_storage_key(entry.name):
            continue
        with contextlib.suppress(FileNotFoundError):
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
    return removed


async def cleanup_loop(upload_dir: str, ttl_s: float, interval_s: float) -> None:
    while True:
        try:
            removed = await asyncio.to_thread(delete_orphans, upload_dir, ttl_s)
            if removed:
                log.info("deleted %d orphaned upload file(s)", removed)
        except Exception:
            log.exception("orphaned upload cleanup failed")
        await asyncio.sleep(interval_s)
