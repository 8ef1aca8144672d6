"""A Redis primary SIGKILLed under load, on Sentinel or on a Redis Cluster: the scenario the
fault tests assert on and `python -m bench.redis_failover` prints.

- sentinel: a primary, one replica and three sentinels on free ports; the suite finds the
  primary through the sentinels (REDIS_MODE=sentinel).
- cluster: the suite's own Redis Cluster of 3 primaries and 3 replicas (REDIS_MODE=cluster,
  6 queue shards); the primary killed is the one the job service's pub/sub subscription
  lands on, so wake-ups fail over as well as the queue shards it holds.

Writes the dead primary had not yet replicated are what the sweeper re-queues from PostgreSQL.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.cluster import key_slot

from bench.common import NO_RATE_LIMITS
from chat_common.redis_server import RedisServer, SentinelServer
from job_service.wakeups import PATTERN
from suite.processes import Suite
from tests.faults.load import Load, summary

log = logging.getLogger("tests.failover")

SUITE_ENV = {
    "PROVIDERS": "instant",
    "INSTANT_DELAY_S": "0.05",
    "JOB_VISIBILITY_TIMEOUT_S": "3",
    "JOB_SWEEP_INTERVAL_S": "2",
    **NO_RATE_LIMITS,
}


@dataclass
class Outcome:
    mode: str
    promoted_s: float  # from the kill until a replica serves as primary
    longest_post_s: float  # the longest single POST /messages a client waited
    accepted: int
    states: Counter[str]
    errors: list[str]  # the error of each job that ended in ERROR
    load: Load
    suite: Suite


def wait_for(condition, what: str, timeout_s: float = 30.0) -> float:  # type: ignore[no-untyped-def]
    """Seconds until `condition()` holds; AssertionError after `timeout_s`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"{what} did not happen within {timeout_s} s")
        time.sleep(0.05)
    return time.monotonic() - started


class SentinelRedis:
    def __init__(self, data_dir: Path) -> None:
        self.primary = RedisServer(data_dir / "redis-primary").start()
        self.replica = RedisServer(data_dir / "redis-replica", replica_of=self.primary.port).start()
        wait_for(self._replicating, "replication")
        self.sentinels = [SentinelServer(data_dir / f"sentinel-{n}", self.primary.port).start() for n in range(3)]
        for sentinel in self.sentinels:
            wait_for(lambda sentinel=sentinel: self._topology_known(sentinel), "sentinel discovery")

    def suite(self, data_dir: Path) -> Suite:
        return Suite(
            data_dir=data_dir,
            redis_url=self.primary.url,  # only its database number counts in sentinel mode
            env={
                "REDIS_MODE": "sentinel",
                "REDIS_SENTINELS": ",".join(f"127.0.0.1:{sentinel.port}" for sentinel in self.sentinels),
                "REDIS_SENTINEL_MASTER": "chat",
                **SUITE_ENV,
            },
        )

    def kill_primary(self, suite: Suite) -> None:
        log.info("killing the primary on port %d", self.primary.port)
        self.primary.kill()

    def promoted(self, suite: Suite) -> bool:
        if self.sentinels[0].primary() != ("127.0.0.1", self.replica.port):
            return False
        with redis.Redis(port=self.replica.port, decode_responses=True) as client:
            return bool(client.info("replication")["role"] == "master")

    def stop(self) -> None:
        for server in [*self.sentinels, self.replica, self.primary]:
            server.stop()

    def _replicating(self) -> bool:
        with redis.Redis(port=self.replica.port, decode_responses=True) as client:
            return client.info("replication").get("master_link_status") == "up"

    def _topology_known(self, sentinel: SentinelServer) -> bool:
        """The sentinel knows the replica and the other sentinels: a failover can happen."""
        with redis.Redis(port=sentinel.port, decode_responses=True) as client:
            return bool(client.sentinel_slaves(sentinel.master)) and len(client.sentinel_sentinels(sentinel.master)) == 2


class ClusterRedis:
    """The suite launches the cluster itself; this picks and kills a primary."""

    def __init__(self) -> None:
        self.killed_port = 0

    def suite(self, data_dir: Path) -> Suite:
        return Suite(data_dir=data_dir, env={"REDIS_MODE": "cluster", **SUITE_ENV})

    def kill_primary(self, suite: Suite) -> None:
        assert suite.redis_cluster is not None
        self.killed_port = primary_of_slot(suite, key_slot(PATTERN.encode()))
        log.info("killing the cluster primary on port %d (it holds the wake-up subscription's slot)", self.killed_port)
        suite.redis_cluster.node(self.killed_port).kill()

    def promoted(self, suite: Suite) -> bool:
        assert suite.redis_cluster is not None
        primaries = suite.redis_cluster.primary_ports()
        if len(primaries) != 3 or self.killed_port in primaries:
            return False
        with redis.Redis(port=primaries[0], decode_responses=True, socket_timeout=1) as client:
            return bool(client.execute_command("CLUSTER INFO")["cluster_state"] == "ok")

    def stop(self) -> None:
        pass  # the suite stops its cluster


def primary_of_slot(suite: Suite, slot: int) -> int:
    assert suite.redis_cluster is not None
    with redis.Redis(port=suite.redis_cluster.primary_ports()[0], decode_responses=True) as client:
        for low, high, primary, *_ in client.execute_command("CLUSTER SLOTS"):
            if low <= slot <= high:
                return int(primary[1])
    raise AssertionError(f"slot {slot} is not covered")


@contextmanager
def failover(mode: str, data_dir: Path, jobs: int = 150, sessions: int = 6, kill_after_s: float = 4.0) -> Iterator[Outcome]:
    """Runs the scenario and yields what happened, with the suite still up; stops it all after."""
    setup: SentinelRedis | ClusterRedis | None = None
    suite: Suite | None = None
    try:
        setup = SentinelRedis(data_dir) if mode == "sentinel" else ClusterRedis()
        suite = setup.suite(data_dir).start()
        names = [f"{mode}-{n}-{uuid.uuid4().hex[:8]}" for n in range(sessions)]
        load = Load(suite.base_url, names, clients=1, interval_s=0.1, total=jobs)
        load.start()
        time.sleep(kill_after_s)
        setup.kill_primary(suite)
        running = suite
        promoted_s = wait_for(lambda: setup.promoted(running), "the failover")  # type: ignore[union-attr]
        log.info("%s: a replica served as primary %.1f s after the kill", mode, promoted_s)
        load.join(timeout=300)
        final = load.final_states(within_s=120)
        errors = [error for status, error in final.values() if status == "error"]
        posts = [seconds for what, seconds, _ in load.requests if what == "POST /messages"]
        yield Outcome(mode, promoted_s, max(posts), len(load.accepted), summary(final), errors, load, suite)
    finally:
        if suite is not None:
            suite.stop()
        if setup is not None:
            setup.stop()
