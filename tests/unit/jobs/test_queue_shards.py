"""The queue split into shards (job_service/keys.py, job_service/queue.py), on a real Redis:
every job is on its own shard's stream, every shard is served whatever a worker's home, and
each job is claimed once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from redis.cluster import key_slot

from job_service.keys import SLOTS, JobKeys, shard_tag
from job_service.queue import JobQueue
from job_service.store import PROCESSING
from tests.unit.jobs.conftest import Stores, open_stores
from tests.unit.jobs.test_worker import FakeContext, FakeInference, create, make_worker, reply

SHARDS = 3


@pytest.fixture
async def sharded(redis_url: str, database_url: str) -> AsyncIterator[Stores]:
    opened, engine = await open_stores(redis_url, database_url, shards=SHARDS)
    yield opened
    await opened.redis.aclose()
    await engine.dispose()  # type: ignore[attr-defined]


@pytest.mark.parametrize("shards", [1, 2, 3, 6, 16])
def test_each_shard_tag_hashes_into_its_share_of_the_slots(shards: int) -> None:
    for shard in range(shards):
        slot = key_slot(shard_tag(shard, shards).encode())
        assert shard * SLOTS // shards <= slot < (shard + 1) * SLOTS // shards


def test_a_job_s_keys_share_its_shard_s_slot() -> None:
    keys = JobKeys(6)
    for job_id in ("a", "b", "0f3c", "job-42"):
        slots = {
            key_slot(k.encode()) for k in (keys.job(job_id), keys.events(job_id), keys.queue_of(job_id), keys.active_of(job_id))
        }
        assert len(slots) == 1, "one script touches all four"
    assert len({keys.shard(f"job-{n}") for n in range(60)}) == 6, "jobs spread over every shard"


async def test_jobs_spread_over_the_shards_and_each_is_claimed_once(sharded: Stores) -> None:
    created = [await create(sharded.jobs, f"message {n}") for n in range(30)]
    lengths = [await sharded.redis.xlen(sharded.store.keys.queue(shard)) for shard in range(SHARDS)]
    assert sum(lengths) == 30 and all(lengths), f"every shard holds some: {lengths}"
    assert await sharded.queue.depth() == (30, 0)

    # Two consumers whose homes differ, both taking what any shard holds.
    other = JobQueue(sharded.redis, sharded.store.keys, consumer="other-worker")
    claimed = []
    for n in range(40):
        queue = sharded.queue if n % 2 else other
        entry = await queue.claim(block_ms=50, home=n)
        if entry is not None:
            claimed.append(entry)
    assert sorted(e.job_id for e in claimed) == sorted(job.id for job in created), "every job once"
    assert all(e.shard == sharded.store.keys.shard(e.job_id) for e in claimed)
    assert (await sharded.queue.depth())[1] == 30, "claimed, not yet acknowledged"


async def test_a_worker_serves_a_shard_other_than_its_home(sharded: Stores) -> None:
    job = await create(sharded.jobs)
    home = (sharded.store.keys.shard(job.id) + 1) % SHARDS
    entry = await sharded.queue.claim(block_ms=50, home=home)
    assert entry is not None and entry.job_id == job.id, "taken from its shard after the wait on the home shard"
    await make_worker(sharded.jobs, sharded.queue, FakeContext(), FakeInference(reply("ok"))).process(entry)
    assert await sharded.queue.depth() == (0, 0), "acknowledged on its own shard"


async def test_a_worker_of_too_few_takes_a_job_of_another_shard_within_the_poll(sharded: Stores) -> None:
    loop = asyncio.get_running_loop()
    claimed_at: dict[str, float] = {}

    async def worker() -> None:
        while True:
            # As a worker of a process with fewer workers than shards waits (job_service/worker.py).
            entry = await sharded.queue.claim(block_ms=sharded.queue.poll_ms, home=0)
            if entry is not None:
                claimed_at[entry.job_id] = loop.time()

    task = asyncio.create_task(worker())
    try:
        await asyncio.sleep(0.3)  # waiting on shard 0
        job = await create(sharded.jobs)
        while sharded.store.keys.shard(job.id) == 0:
            job = await create(sharded.jobs)
        created = loop.time()
        while job.id not in claimed_at and loop.time() - created < 3:
            await asyncio.sleep(0.01)
        assert claimed_at[job.id] - created < sharded.queue.poll_ms / 1000 + 0.3
    finally:
        task.cancel()


async def test_the_reaper_sees_stale_jobs_and_heartbeats_of_every_shard(sharded: Stores) -> None:
    created = [await create(sharded.jobs, f"m{n}") for n in range(12)]
    assert Counter(sharded.store.keys.shard(job.id) for job in created).keys() == set(range(SHARDS))
    entries = []
    for job in created:
        await sharded.store.begin(job.id, max_attempts=3)
        entries.append(await sharded.queue.claim(block_ms=50))
        await sharded.redis.zadd(sharded.store.keys.active_of(job.id), {job.id: 1})  # last progress long ago
    ids = {job.id for job in created}
    assert ids <= set(await sharded.store.stale(older_than_ms=60_000)), "stale on every shard"
    await sharded.queue.heartbeat([e for e in entries if e is not None])
    await sharded.store.touch(list(ids))
    assert not set(await sharded.store.stale(older_than_ms=60_000)) & ids, "progress recorded on every shard"
    assert [(await sharded.store.load(job.id)).status for job in created] == [PROCESSING] * len(created)


async def test_a_silent_worker_s_entry_is_reclaimed_on_its_shard(sharded: Stores) -> None:
    job = await create(sharded.jobs)
    dead = JobQueue(sharded.redis, sharded.store.keys, consumer="dead-worker")
    taken = await dead.claim(block_ms=50)
    assert taken is not None and taken.job_id == job.id
    await asyncio.sleep(0.05)
    reclaimed = await sharded.queue.reclaim(min_idle_ms=10)
    assert reclaimed is not None and (reclaimed.job_id, reclaimed.shard) == (job.id, taken.shard)
