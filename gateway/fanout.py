"""Shares one WatchJob stream per job among every SSE client of this gateway process.

Without it, a thousand browsers watching one reply are a thousand gRPC streams, each event
decoded a thousand times. Here the first reader of a (session, job) opens the stream; the
events land once in an in-memory list (a job's log is small), and each reader walks that
list from its own Last-Event-ID. The stream is cancelled when its last reader leaves. If it
breaks, readers' SSE responses end and browsers reconnect with Last-Event-ID.

A job's log always starts with its PENDING event, so the stream's first answer comes at once:
either that event or the error (NOT_FOUND for another session's job). `opened()` waits for it,
which lets the SSE route answer 404 before it starts streaming without a separate GetJob call.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from collections.abc import AsyncIterator

from grpc import aio

from chat_common import pb

log = logging.getLogger("gateway.fanout")

TERMINAL = (pb.common.JOB_STATUS_DONE, pb.common.JOB_STATUS_ERROR)


class JobFeed:
    def __init__(self) -> None:
        self.events: list[pb.jobs.JobEvent] = []  # in increasing seq (a rebuilt log jumps ahead)
        self.finished = False
        self.readers = 0
        self.error: aio.AioRpcError | None = None  # why the stream failed before its first event
        self._changed = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def opened(self) -> None:
        """Waits for the stream's first event; raises its error if it failed before one."""
        while not self.events and not self.finished:
            await self._changed.wait()
        if not self.events and self.error is not None:
            raise self.error

    def push(self, event: pb.jobs.JobEvent) -> None:
        self.events.append(event)
        self._wake()

    def finish(self) -> None:
        self.finished = True
        self._wake()

    def _wake(self) -> None:
        # Swap in a fresh Event so readers that wait later are not woken by this change.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def follow(self, after_seq: int, keepalive_s: float = 0.0) -> AsyncIterator[pb.jobs.JobEvent | None]:
        """The events after `after_seq`, as they come; None after each `keepalive_s` of silence.
        Events still arriving may be at or below `after_seq` (the feed is filled from the start)."""
        position = bisect.bisect_right(self.events, after_seq, key=lambda event: event.seq)
        while True:
            changed = self._changed
            while position < len(self.events):
                event = self.events[position]
                position += 1
                if event.seq > after_seq:
                    yield event
            if self.finished:
                return
            if keepalive_s <= 0:
                await changed.wait()
                continue
            try:
                async with asyncio.timeout(keepalive_s):
                    await changed.wait()
            except TimeoutError:
                yield None


class FeedHub:
    def __init__(self, jobs: pb.jobs_grpc.JobServiceStub) -> None:
        self.jobs = jobs
        self._feeds: dict[tuple[str, str], JobFeed] = {}

    @contextlib.asynccontextmanager
    async def feed(self, session_id: str, job_id: str) -> AsyncIterator[JobFeed]:
        key = (session_id, job_id)
        feed = self._feeds.get(key)
        if feed is None or (feed.finished and not _ended(feed)):
            feed = JobFeed()
            feed.task = asyncio.create_task(self._pump(key, feed), name=f"feed-{job_id}")
            self._feeds[key] = feed
        feed.readers += 1
        try:
            yield feed
        finally:
            feed.readers -= 1
            if feed.readers == 0:
                if self._feeds.get(key) is feed:
                    del self._feeds[key]
                if feed.task is not None and not feed.task.done():
                    feed.task.cancel()

    async def _pump(self, key: tuple[str, str], feed: JobFeed) -> None:
        session_id, job_id = key
        call = self.jobs.WatchJob(pb.jobs.WatchJobRequest(session_id=session_id, job_id=job_id, after_seq=0))
        try:
            async for event in call:
                feed.push(event)
        except aio.AioRpcError as exc:
            if not feed.events:
                feed.error = exc
            log.info("job stream ended early: %s", exc.code().name)
        finally:
            call.cancel()
            feed.finish()
            if self._feeds.get(key) is feed and not _ended(feed):
                del self._feeds[key]  # broken: the next reader opens a fresh stream


def _ended(feed: JobFeed) -> bool:
    """True when the feed holds the job's terminal event (it is complete and reusable)."""
    last = feed.events[-1] if feed.events else None
    return last is not None and last.HasField("status") and last.status.status in TERMINAL
