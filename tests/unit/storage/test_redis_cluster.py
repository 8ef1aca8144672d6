"""Every Redis user of the suite on a real Redis Cluster (3 primaries, 3 replicas): each script
and transaction stays within one slot, scripts are loaded where they are missing, and pub/sub
wake-ups reach a subscriber on another node than the publisher."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.cluster import key_slot

from chat_common import pb
from chat_common.redis_client import connect
from chat_common.redis_server import RedisClusterServer
from gateway.ratelimit import RateLimiter, owner_counter
from inference_service.cooldown import Cooldown
from job_service.keys import wake_channel
from job_service.store import DONE
from job_service.wakeups import WakeHub
from tests.unit.jobs.conftest import Stores, open_stores
from tests.unit.jobs.test_worker import FakeContext, FakeInference, create, make_worker, reply

SHARDS = 6


@pytest.fixture
async def cluster_client(redis_cluster: RedisClusterServer) -> AsyncIterator[Redis]:
    client = connect(redis_cluster.url, cluster_nodes=[])
    await client.flushall()  # on every primary
    yield client
    await client.aclose()


@pytest.fixture
async def stores(cluster_client: Redis, database_url: str) -> AsyncIterator[Stores]:
    opened, engine = await open_stores("", database_url, shards=SHARDS, redis=cluster_client)
    yield opened
    await engine.dispose()  # type: ignore[attr-defined]


def primary_of(cluster: RedisClusterServer, key: str) -> int:
    """The port of the primary holding `key`'s slot."""
    import redis

    with redis.Redis(port=cluster.nodes[0].port, decode_responses=True) as client:
        for low, high, primary, *_ in client.execute_command("CLUSTER SLOTS"):
            if low <= key_slot(key.encode()) <= high:
                return int(primary[1])
    raise AssertionError("slot not covered")


async def test_jobs_on_every_shard_run_their_course(stores: Stores, redis_cluster: RedisClusterServer) -> None:
    created = [await create(stores.jobs, f"message {n}") for n in range(24)]
    nodes = {primary_of(redis_cluster, stores.store.keys.job(job.id)) for job in created}
    assert len(nodes) == 3, "the jobs live on every primary"
    worker = make_worker(stores.jobs, stores.queue, FakeContext(), FakeInference(reply("Hel", "lo")))
    for _ in created:
        await worker.process(await stores.queue.claim(block_ms=200))
    for job in created:
        done = await stores.store.load(job.id)
        assert done.status == DONE and done.result.reply == "Hello"
        statuses = [e.status.status for e in await stores.store.events_after(job.id, 0) if e.HasField("status")]
        assert statuses[-1] == DONE
    assert await stores.queue.depth() == (0, 0)


async def test_scripts_a_node_lacks_are_loaded_there(stores: Stores, cluster_client: Redis) -> None:
    await cluster_client.script_flush()  # as on a primary promoted from a replica without them
    first = await create(stores.jobs)  # enqueued by a pipelined script
    await cluster_client.script_flush()
    await stores.store.forget([first.id])  # pipelined again; the job is unfinished, so kept
    job, _trace, _stop = await stores.store.begin(first.id, max_attempts=3)  # a script called alone
    assert job is not None and job.id == first.id


async def test_rate_limits_count_keys_of_different_slots(cluster_client: Redis) -> None:
    session, ip = owner_counter("w", "someone"), "ratelimit:w:ip:127.0.0.1"
    assert key_slot(session.encode()) != key_slot(ip.encode())
    limiter = RateLimiter(window_s=60, redis_timeout_s=1.0)
    assert await limiter.check(cluster_client, [(session, 2), (ip, 10)]) == 0
    assert await limiter.check(cluster_client, [(session, 2), (ip, 10)]) == 0
    assert await limiter.check(cluster_client, [(session, 2), (ip, 10)]) > 0, "the session's third write is over"
    assert int(await cluster_client.get(ip)) == 3, "and the IP's counter counted each"


async def test_provider_cooldowns_are_shared_through_a_cluster(cluster_client: Redis) -> None:
    first, second = Cooldown(cluster_client, failures=2), Cooldown(cluster_client, failures=2)
    assert not await first.record_failure("gemini")
    assert await first.record_failure("gemini"), "the second failure starts the cooldown"
    assert await second.is_cooling("gemini"), "another process sees it"


async def test_wake_ups_reach_a_subscriber_from_every_primary(stores: Stores, redis_cluster: RedisClusterServer) -> None:
    hub = WakeHub(stores.redis)
    await hub.start()
    try:
        await until_subscribed(hub, stores.redis)
        created = [await create(stores.jobs, f"m{n}") for n in range(12)]
        assert len({primary_of(redis_cluster, stores.store.keys.job(job.id)) for job in created}) == 3
        async with asyncio.TaskGroup() as group:
            for job in created:
                group.create_task(woken_by_an_event(hub, stores, job.id))
    finally:
        await hub.stop()


async def until_subscribed(hub: WakeHub, redis: Redis) -> None:
    """The hub's subscription is sent when `start` returns, but may not be in force yet."""
    async with hub.waiter("probe") as waiter:
        for _ in range(100):
            await redis.publish(wake_channel("probe"), "0:")
            try:
                await asyncio.wait_for(waiter.woken.wait(), timeout=0.05)
                return
            except TimeoutError:
                continue
    raise AssertionError("the hub never received a message")


async def woken_by_an_event(hub: WakeHub, stores: Stores, job_id: str) -> None:
    async with hub.waiter(job_id) as waiter:
        await asyncio.sleep(0.05)
        seq = await stores.store.append_event(job_id, pb.jobs.JobEvent(delta=pb.jobs.TextDelta(text="hi")))
        await asyncio.wait_for(waiter.woken.wait(), timeout=5)
        published = waiter.take_after(seq - 1)
        assert published is not None and [s for s, _ in published] == [seq]
