"""Every Redis key the job service uses, in one place.

The queue is split into `shards`: each shard is a stream with its own consumer group and its
own set of unfinished jobs, and a job's hash and event log carry its shard's hash tag, so every
script (which touches the job, its shard's queue and its shard's active set) runs within one
cluster slot. A job's shard follows from its id. The shard count must be the same in every
job-service process; after a change, jobs in flight under the old count are found missing
and the sweeper queues them again from the record.
"""

from __future__ import annotations

import zlib
from functools import cache

from redis.cluster import key_slot

GROUP = "workers"  # consumer group of every shard's queue
DEAD_LETTER = "jobs:dead"  # stream of jobs that failed every attempt
SLOTS = 16384


@cache
def shard_tag(shard: int, shards: int) -> str:
    """A hash tag for the shard whose slot lies in the shard's 1/`shards` of the slot range, so a
    cluster whose primaries hold equal ranges (as `redis-cli --cluster create` assigns them)
    gets the shards spread evenly."""
    low, high = shard * SLOTS // shards, (shard + 1) * SLOTS // shards
    n = 0
    while not low <= key_slot(f"q{shard}.{n}".encode()) < high:
        n += 1
    return f"q{shard}.{n}"


class JobKeys:
    def __init__(self, shards: int = 1) -> None:
        if shards < 1:
            raise ValueError("the queue needs at least one shard")
        self.shards = shards

    def shard(self, job_id: str) -> int:
        return zlib.crc32(job_id.encode()) % self.shards

    def _tag(self, job_id: str) -> str:
        return shard_tag(self.shard(job_id), self.shards)

    def job(self, job_id: str) -> str:
        return f"job:{{{self._tag(job_id)}}}:{job_id}"

    def events(self, job_id: str) -> str:
        return f"job:{{{self._tag(job_id)}}}:{job_id}:events"

    def queue(self, shard: int) -> str:
        """Stream of the shard's job ids to process."""
        return f"jobs:{{{shard_tag(shard, self.shards)}}}:queue"

    def active(self, shard: int) -> str:
        """Sorted set of the shard's unfinished job ids by last progress (ms)."""
        return f"jobs:{{{shard_tag(shard, self.shards)}}}:active"

    def queue_of(self, job_id: str) -> str:
        return self.queue(self.shard(job_id))

    def active_of(self, job_id: str) -> str:
        return self.active(self.shard(job_id))


def wake_channel(job_id: str) -> str:
    """Pub/sub channel of a job's new events. A channel is not a key: it has no slot, and a
    classic PUBLISH reaches subscribers on every node of a cluster."""
    return f"job:{{{job_id}}}:wake"
