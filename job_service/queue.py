"""The job queue: a Redis Stream read through a consumer group.

A worker claims an entry, heart-beats it while it works, and acknowledges it when the
job has ended. Entries of a dead worker go idle and are reclaimed with XAUTOCLAIM.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from job_service import keys

log = logging.getLogger("job_service.queue")


@dataclass(frozen=True)
class Entry:
    entry_id: str
    job_id: str


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class JobQueue:
    def __init__(self, redis: Redis, consumer: str | None = None) -> None:
        self.redis = redis
        self.consumer = consumer or consumer_name()

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(keys.QUEUE, keys.GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def claim(self, block_ms: int) -> Entry | None:
        try:
            reply = await self.redis.xreadgroup(keys.GROUP, self.consumer, {keys.QUEUE: ">"}, count=1, block=block_ms)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The stream was lost (a Redis without persistence restarted): recreate it.
            await self.ensure_group()
            return None
        streams = cast(list[tuple[str, list[tuple[str, dict[str, str]]]]], reply or [])
        for _stream, entries in streams:
            for entry_id, fields in entries:
                return Entry(entry_id, fields["job_id"])
        return None

    async def reclaim(self, min_idle_ms: int) -> Entry | None:
        """Takes over one entry whose worker went silent."""
        try:
            _next, entries, *_ = await self.redis.xautoclaim(
                keys.QUEUE, keys.GROUP, self.consumer, min_idle_time=min_idle_ms, start_id="0-0", count=1
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.ensure_group()
            return None
        for entry_id, fields in entries:
            if fields:  # an entry deleted from the stream comes back empty
                log.info("reclaimed job %s from a silent worker", fields["job_id"])
                return Entry(entry_id, fields["job_id"])
            await self.redis.xack(keys.QUEUE, keys.GROUP, entry_id)
        return None

    async def heartbeat(self, entries: list[Entry]) -> None:
        """Resets the entries' idle time so no other worker reclaims them."""
        await self.redis.xclaim(
            keys.QUEUE, keys.GROUP, self.consumer, min_idle_time=0, message_ids=[e.entry_id for e in entries], justid=True
        )

    async def ack(self, entry: Entry) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(keys.QUEUE, keys.GROUP, entry.entry_id)
            pipe.xdel(keys.QUEUE, entry.entry_id)
            await pipe.execute()

    async def requeue(self, entry: Entry) -> None:
        """Puts the job at the back of the queue and drops the old entry, in one step."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(keys.QUEUE, {"job_id": entry.job_id})
            pipe.xack(keys.QUEUE, keys.GROUP, entry.entry_id)
            pipe.xdel(keys.QUEUE, entry.entry_id)
            await pipe.execute()

    async def dead_letter(self, job_id: str, reason: str) -> None:
        await self.redis.xadd(keys.DEAD_LETTER, {"job_id": job_id, "reason": reason}, maxlen=10_000)

    async def depth(self) -> tuple[int, int]:
        """(entries waiting or in flight, entries claimed but not acknowledged)."""
        length = await self.redis.xlen(keys.QUEUE)
        try:
            pending = await self.redis.xpending(keys.QUEUE, keys.GROUP)
        except ResponseError:
            return length, 0
        return length, int(pending["pending"])
