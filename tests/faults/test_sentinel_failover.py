"""A Redis Sentinel failover under load loses no message (REDIS_MODE=sentinel).

A real primary, one replica and three sentinels on free ports; the suite finds the primary
through the sentinels. Mid-load the primary is SIGKILLed: the sentinels promote the replica,
every service reconnects to it, and every accepted job still ends, once. Writes the dead
primary had not yet replicated are what the sweeper re-queues from PostgreSQL.
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

import pytest
import redis

from bench.common import NO_RATE_LIMITS
from chat_common.redis_server import RedisServer, SentinelServer
from suite.processes import Suite
from tests.faults.load import Load, summary

log = logging.getLogger("tests.sentinel")

JOBS = 150
SESSIONS = 6


def wait_for(condition, what: str, timeout_s: float = 30.0) -> float:
    """Seconds until `condition()` holds; fails the test after `timeout_s`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            pytest.fail(f"{what} did not happen within {timeout_s} s")
        time.sleep(0.05)
    return time.monotonic() - started


def replicating(replica: RedisServer) -> bool:
    with redis.Redis(port=replica.port, decode_responses=True) as client:
        return client.info("replication").get("master_link_status") == "up"


def topology_known(sentinel: SentinelServer, sentinels: int) -> bool:
    """The sentinel knows the replica and the other sentinels: a failover can happen."""
    with redis.Redis(port=sentinel.port, decode_responses=True) as client:
        return bool(client.sentinel_slaves(sentinel.master)) and len(client.sentinel_sentinels(sentinel.master)) == sentinels - 1


@pytest.mark.slow
def test_no_message_is_lost_when_sentinel_replaces_the_primary(tmp_path: Path) -> None:
    primary = RedisServer(tmp_path / "redis-primary").start()
    replica = RedisServer(tmp_path / "redis-replica", replica_of=primary.port).start()
    sentinels: list[SentinelServer] = []
    suite: Suite | None = None
    try:
        wait_for(lambda: replicating(replica), "replication")
        sentinels = [SentinelServer(tmp_path / f"sentinel-{n}", primary.port).start() for n in range(3)]
        for sentinel in sentinels:
            wait_for(lambda sentinel=sentinel: topology_known(sentinel, len(sentinels)), "sentinel discovery")
        suite = Suite(
            data_dir=tmp_path,
            redis_url=primary.url,  # only its database number counts in sentinel mode
            env={
                "REDIS_MODE": "sentinel",
                "REDIS_SENTINELS": ",".join(f"127.0.0.1:{sentinel.port}" for sentinel in sentinels),
                "REDIS_SENTINEL_MASTER": "chat",
                "PROVIDERS": "instant",
                "INSTANT_DELAY_S": "0.05",
                "JOB_VISIBILITY_TIMEOUT_S": "3",
                "JOB_SWEEP_INTERVAL_S": "2",
                **NO_RATE_LIMITS,
            },
        ).start()
        sessions = [f"sentinel-{n}-{uuid.uuid4().hex[:8]}" for n in range(SESSIONS)]
        load = Load(suite.base_url, sessions, clients=1, interval_s=0.1, total=JOBS)
        load.start()
        time.sleep(4)
        log.info("killing the primary on port %d", primary.port)
        primary.kill()
        failover_s = wait_for(lambda: sentinels[0].primary() == ("127.0.0.1", replica.port), "the failover")
        log.info("the sentinels named the replica primary %.1f s after the kill", failover_s)
        load.join(timeout=300)
        assert len(load.accepted) == JOBS

        counts = summary(load.final_states(within_s=120))
        log.info("final states: %s", dict(counts))
        assert counts["done"] + counts["error"] == JOBS
        assert counts["done"] >= JOBS * 0.95, f"too many errors: {dict(counts)}"
        load.assert_histories_hold_each_job_once()
        with redis.Redis(port=replica.port, decode_responses=True) as client:
            assert client.info("replication")["role"] == "master"  # the work went on there
    finally:
        if suite is not None:
            suite.stop()
        for server in [*sentinels, replica, primary]:
            server.stop()
