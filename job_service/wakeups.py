"""Live events for event-log readers, over Redis pub/sub.

One pattern subscription per process feeds every local reader, so a thousand watchers
cost one Redis connection. Each message is `seq:event`: a reader that holds every event up
to `seq - 1` takes the event from the message and does not read the log back. Pub/sub is
at-most-once, so a reader that finds a gap, or is woken without a message (the
subscription was lost), reads the log instead, and a periodic re-read covers the rest.
A reader registers before it reads the log and unregisters in `finally`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("job_service.wakeups")

PATTERN = "job:{*}:wake"


def _job_id(channel: str) -> str:
    return channel[len("job:{") : -len("}:wake")]


class Waiter:
    """One reader's wake-up, and the events published since it last took them."""

    def __init__(self) -> None:
        self.woken = asyncio.Event()
        self._published: list[tuple[int, str]] = []
        self._lost = False

    def push(self, seq: int, raw: str) -> None:
        self._published.append((seq, raw))
        self.woken.set()

    def lose(self) -> None:
        """Messages may have been missed: the next take makes the reader read the log."""
        self._lost = True
        self.woken.set()

    def take_after(self, seq: int) -> list[tuple[int, str]] | None:
        """The published events after `seq`, in order; None when the log must be read instead
        (a gap, or a wake-up without a message)."""
        published, self._published = self._published, []
        lost, self._lost = self._lost, False
        if lost or not published:
            return None
        taken = []
        for event_seq, raw in published:
            if event_seq <= seq:
                continue  # already read from the log
            if event_seq != seq + 1:
                return None
            taken.append((event_seq, raw))
            seq = event_seq
        return taken


class WakeHub:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._waiters: dict[str, set[Waiter]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="wake-hub")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(PATTERN)
                self._ready.set()
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message and message["type"] == "pmessage":
                        self._deliver(_job_id(message["channel"]), message["data"])
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except (RedisError, OSError) as exc:
                log.warning("pub/sub connection lost (%s); readers fall back to polling until it returns", exc)
                self._lose_all()
                await pubsub.aclose()
                await asyncio.sleep(0.5)

    def _deliver(self, job_id: str, data: str) -> None:
        waiters = self._waiters.get(job_id)
        if not waiters:
            return
        seq, sep, raw = data.partition(":")
        for waiter in waiters:
            if sep and seq.isdigit():
                waiter.push(int(seq), raw)
            else:
                waiter.lose()

    def _lose_all(self) -> None:
        for waiters in self._waiters.values():
            for waiter in waiters:
                waiter.lose()

    @contextlib.asynccontextmanager
    async def waiter(self, job_id: str) -> AsyncIterator[Waiter]:
        waiter = Waiter()
        self._waiters[job_id].add(waiter)
        try:
            yield waiter
        finally:
            waiters = self._waiters.get(job_id)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[job_id]
