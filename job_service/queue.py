"""The job queue: Redis Streams read through a consumer group, one stream per shard.

A worker claims an entry, heart-beats it while it works, and acknowledges it when the
job has ended. Entries of a dead worker go idle and are reclaimed with XAUTOCLAIM.

With several shards (a Redis Cluster spreads them over its primaries), each worker task waits
on a home shard, and after a wait that found nothing takes what the other shards hold. A
process with at least as many workers as shards waits on every shard (the worker's homes are
consecutive), so its workers wait long; one with fewer waits `poll_ms` at a time, so a job on a
shard nobody waits on waits at most that while the workers are idle.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from job_service import keys
from job_service.keys import JobKeys

log = logging.getLogger("job_service.queue")


@dataclass(frozen=True)
class Entry:
    entry_id: str
    job_id: str
    shard: int = 0


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class JobQueue:
    def __init__(self, redis: Redis, job_keys: JobKeys | None = None, consumer: str | None = None, poll_ms: int = 200) -> None:
        self.redis = redis
        self.keys = job_keys or JobKeys()
        self.consumer = consumer or consumer_name()
        self.poll_ms = poll_ms
        self._reclaim_next = 0  # the shard the next reclaim looks at

    @property
    def shards(self) -> int:
        return self.keys.shards

    async def ensure_group(self, shard: int | None = None) -> None:
        for n in range(self.shards) if shard is None else (shard,):
            try:
                await self.redis.xgroup_create(self.keys.queue(n), keys.GROUP, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def claim(self, block_ms: int, home: int = 0) -> Entry | None:
        """The next entry: from `home`, waiting up to `block_ms`, else from the other shards in
        turn without waiting. Under load the home shard has one at once: one round trip."""
        home %= self.shards
        entry = await self._read(home, block_ms)
        for step in range(1, self.shards):
            if entry is not None:
                break
            entry = await self._read((home + step) % self.shards, None)
        return entry

    async def _read(self, shard: int, block_ms: int | None) -> Entry | None:
        try:
            reply = await self.redis.xreadgroup(keys.GROUP, self.consumer, {self.keys.queue(shard): ">"}, count=1, block=block_ms)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The stream was lost (a Redis without persistence restarted): recreate it.
            await self.ensure_group(shard)
            return None
        streams = cast(list[tuple[str, list[tuple[str, dict[str, str]]]]], reply or [])
        for _stream, entries in streams:
            for entry_id, fields in entries:
                return Entry(entry_id, fields["job_id"], shard)
        return None

    async def reclaim(self, min_idle_ms: int) -> Entry | None:
        """Takes over one entry whose worker went silent, looking at each shard in turn."""
        for _ in range(self.shards):
            shard, self._reclaim_next = self._reclaim_next, (self._reclaim_next + 1) % self.shards
            entry = await self._reclaim_from(shard, min_idle_ms)
            if entry is not None:
                return entry
        return None

    async def _reclaim_from(self, shard: int, min_idle_ms: int) -> Entry | None:
        queue = self.keys.queue(shard)
        try:
            _next, entries, *_ = await self.redis.xautoclaim(
                queue, keys.GROUP, self.consumer, min_idle_time=min_idle_ms, start_id="0-0", count=1
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.ensure_group(shard)
            return None
        for entry_id, fields in entries:
            if fields:  # an entry deleted from the stream comes back empty
                log.info("reclaimed job %s from a silent worker", fields["job_id"])
                return Entry(entry_id, fields["job_id"], shard)
            await self.redis.xack(queue, keys.GROUP, entry_id)
        return None

    async def heartbeat(self, entries: list[Entry]) -> None:
        """Resets the entries' idle time so no other worker reclaims them."""
        by_shard: dict[int, list[str | bytes | int | memoryview]] = defaultdict(list)
        for entry in entries:
            by_shard[entry.shard].append(entry.entry_id)
        for shard, entry_ids in by_shard.items():
            await self.redis.xclaim(
                self.keys.queue(shard), keys.GROUP, self.consumer, min_idle_time=0, message_ids=entry_ids, justid=True
            )

    async def ack(self, entry: Entry) -> None:
        queue = self.keys.queue(entry.shard)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(queue, keys.GROUP, entry.entry_id)
            pipe.xdel(queue, entry.entry_id)
            await pipe.execute()

    async def requeue(self, entry: Entry) -> None:
        """Puts the job at the back of its shard's queue and drops the old entry, in one step."""
        queue = self.keys.queue(entry.shard)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(queue, {"job_id": entry.job_id})
            pipe.xack(queue, keys.GROUP, entry.entry_id)
            pipe.xdel(queue, entry.entry_id)
            await pipe.execute()

    async def dead_letter(self, job_id: str, reason: str) -> None:
        await self.redis.xadd(keys.DEAD_LETTER, {"job_id": job_id, "reason": reason}, maxlen=10_000)

    async def depth(self) -> tuple[int, int]:
        """(entries waiting or in flight, entries claimed but not acknowledged), over all shards."""
        length = pending = 0
        for shard in range(self.shards):
            queue = self.keys.queue(shard)
            length += await self.redis.xlen(queue)
            try:
                pending += int((await self.redis.xpending(queue, keys.GROUP))["pending"])
            except ResponseError:
                continue
        return length, pending
