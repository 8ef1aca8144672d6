"""A job feed shared by SSE readers: each reader gets exactly the events after its own
Last-Event-ID, however much of the log has arrived when it joins."""

from __future__ import annotations

import asyncio

from chat_common import pb
from gateway.fanout import JobFeed


def event(seq: int) -> pb.jobs.JobEvent:
    return pb.jobs.JobEvent(seq=seq)


async def read_all(feed: JobFeed, after_seq: int) -> list[int]:
    return [e.seq async for e in feed.follow(after_seq) if e is not None]


async def test_a_reader_that_joins_before_its_events_arrive_gets_only_the_later_ones() -> None:
    feed = JobFeed()
    feed.push(event(1))
    reader = asyncio.create_task(read_all(feed, 2))
    await asyncio.sleep(0)
    for seq in (2, 3, 4):
        feed.push(event(seq))
        await asyncio.sleep(0)
    feed.finish()
    assert await reader == [3, 4]


async def test_a_rebuilt_log_with_seqs_far_ahead_is_followed_whole() -> None:
    feed = JobFeed()
    for seq in (1, 2, 5_000_000_000_001, 5_000_000_000_002):
        feed.push(event(seq))
    feed.finish()
    assert await read_all(feed, 2) == [5_000_000_000_001, 5_000_000_000_002]
    assert await read_all(feed, 0) == [1, 2, 5_000_000_000_001, 5_000_000_000_002]
