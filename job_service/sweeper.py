"""Puts back in flight the messages Redis lost.

The record (PostgreSQL) says which messages are unfinished; a message it shows unfinished that
Redis no longer holds (a FLUSHALL, a Redis restarted without its data, a failover that lost
writes) is queued again with a rebuilt event log. Every job-service process sweeps; enqueueing
is a no-op for a job Redis holds, so two sweepers never queue a job twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from job_service.jobs import Jobs

log = logging.getLogger("job_service.sweeper")


class Sweeper:
    def __init__(self, jobs: Jobs, interval_s: float, grace_s: float) -> None:
        self.jobs = jobs
        self.interval_s = interval_s
        # A message is recorded a moment before it is queued: younger ones are left alone.
        self.grace_ms = int(grace_s * 1000)
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="sweeper")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.jobs.sweep(self.grace_ms)
            except Exception as exc:  # noqa: BLE001 - the next pass tries again
                log.warning("sweep failed (%s); trying again in %.0f s", exc, self.interval_s)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval_s):
                    await self._stopping.wait()
