"""A hung Redis costs a bounded wait, and a worker's write that timed out runs exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid

import pytest
from redis.exceptions import TimeoutError as RedisTimeoutError

from chat_common import pb
from chat_common.redis_client import connect
from chat_common.redis_server import RedisServer
from job_service.store import InFlight, JobStore


def paused(server: RedisServer):
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGSTOP)
    return lambda: os.kill(server.process.pid, signal.SIGCONT)


async def test_a_command_to_a_hung_redis_gives_up_after_the_socket_timeout(fresh_redis: RedisServer) -> None:
    redis = connect(fresh_redis.url, socket_timeout_s=0.5)
    await redis.ping()
    resume = paused(fresh_redis)
    try:
        started = time.monotonic()
        with pytest.raises(RedisTimeoutError):
            await redis.get("anything")
        assert time.monotonic() - started < 1.5, "a timeout was retried blindly"
    finally:
        resume()
    assert await redis.ping()
    await redis.aclose()


async def test_an_event_written_during_a_stall_is_appended_once(fresh_redis: RedisServer) -> None:
    redis = connect(fresh_redis.url, socket_timeout_s=0.3)
    store = JobStore(redis, write_retry_s=10)
    job = pb.jobs.Job(id=uuid.uuid4().hex, session_id="s-1", kind=pb.common.JOB_KIND_MESSAGE, text="hi", created_at_ms=1)
    await store.enqueue([InFlight.of(job, {}, store.keys)])
    before = len(await store.events_after(job.id, 0))

    resume = paused(fresh_redis)
    write = asyncio.create_task(store.append_event(job.id, pb.jobs.JobEvent(delta=pb.jobs.TextDelta(text="once"))))
    await asyncio.sleep(2.5)  # attempts time out; Redis runs what it holds when it wakes up
    assert not write.done()
    resume()
    seq = await asyncio.wait_for(write, timeout=10)

    events = await store.events_after(job.id, 0)
    deltas = [e.delta.text for e in events if e.HasField("delta")]
    assert deltas == ["once"] and seq == before + 1 == len(events)
    await redis.aclose()
