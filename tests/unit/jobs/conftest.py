"""The job service's stores on a real Redis and a real PostgreSQL, migrated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from chat_common.database import DatabaseSettings, migrate, open_engine
from chat_common.redis_client import connect
from job_service.db import MIGRATIONS, VERSION_TABLE
from job_service.db.conversations import Conversations
from job_service.db.messages import Messages
from job_service.jobs import Jobs
from job_service.keys import JobKeys
from job_service.queue import JobQueue
from job_service.store import JobStore


@dataclass
class Stores:
    redis: Redis
    store: JobStore
    queue: JobQueue
    jobs: Jobs


async def open_stores(
    redis_url: str, database_url: str, ttl_s: int = 0, shards: int = 1, redis: Redis | None = None
) -> tuple[Stores, object]:
    """The stores on `redis_url` (or an open client, e.g. of a cluster), with `shards` queue shards."""
    engine = open_engine(DatabaseSettings(database_url=database_url), "tests")
    await migrate(engine, MIGRATIONS, VERSION_TABLE)
    redis = redis or connect(redis_url)
    job_keys = JobKeys(shards)
    store = JobStore(redis, ttl_s=ttl_s, job_keys=job_keys)
    queue = JobQueue(redis, job_keys, consumer="test-worker")
    await queue.ensure_group()
    jobs = Jobs(engine, store, Messages(engine), Conversations(engine), write_retry_s=5)
    return Stores(redis, store, queue, jobs), engine


@pytest.fixture
async def stores(redis_url: str, database_url: str) -> AsyncIterator[Stores]:
    opened, engine = await open_stores(redis_url, database_url)
    yield opened
    await opened.redis.aclose()
    await engine.dispose()  # type: ignore[attr-defined]
