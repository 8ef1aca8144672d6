"""Live wake-ups for event-log readers, over Redis pub/sub.

One pattern subscription per process feeds local asyncio events, so a thousand
watchers cost one Redis connection. A watcher registers before it reads the log and
unregisters in `finally`; a wake-up that pub/sub drops is covered by a periodic re-read.
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


class WakeHub:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
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
                        for event in self._waiters.get(_job_id(message["channel"]), ()):
                            event.set()
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except (RedisError, OSError) as exc:
                log.warning("pub/sub connection lost (%s); readers fall back to polling until it returns", exc)
                self._wake_all()
                await pubsub.aclose()
                await asyncio.sleep(0.5)

    def _wake_all(self) -> None:
        for events in self._waiters.values():
            for event in events:
                event.set()

    @contextlib.asynccontextmanager
    async def waiter(self, job_id: str) -> AsyncIterator[asyncio.Event]:
        event = asyncio.Event()
        self._waiters[job_id].add(event)
        try:
            yield event
        finally:
            waiters = self._waiters.get(job_id)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiters[job_id]
