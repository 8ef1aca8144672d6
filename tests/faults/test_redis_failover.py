"""A Redis failover under load loses no message: Sentinel (REDIS_MODE=sentinel) and Redis
Cluster (REDIS_MODE=cluster).

Real primaries, replicas and sentinels on free ports (tests/faults/failover.py). Mid-load a
primary is SIGKILLed: a replica takes over (promoted by the sentinels, or by the other cluster
primaries), every service reconnects, and every accepted job still ends, once. A cluster's dead
node, restarted, rejoins as a replica.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from chat_common.redis_server import RedisClusterServer
from tests.faults.failover import failover

log = logging.getLogger("tests.failover")

JOBS = 150


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["sentinel", "cluster"])
def test_no_message_is_lost_when_a_replica_replaces_the_primary(tmp_path: Path, mode: str) -> None:
    with failover(mode, tmp_path, JOBS) as outcome:
        assert outcome.accepted == JOBS
        log.info("%s failover: promoted after %.1f s, final states %s", mode, outcome.promoted_s, dict(outcome.states))
        assert outcome.states["done"] + outcome.states["error"] == JOBS
        assert outcome.states["done"] >= JOBS * 0.95, f"too many errors: {dict(outcome.states)}"
        outcome.load.assert_histories_hold_each_job_once()
        if outcome.suite.redis_cluster is not None:
            dead_node_rejoins_as_a_replica(outcome.suite.redis_cluster)


def dead_node_rejoins_as_a_replica(cluster: RedisClusterServer) -> None:
    dead = next(node for node in cluster.nodes if node.process is not None and node.process.poll() is not None)
    dead.start()
    cluster.wait_ok()
    assert dead.port not in cluster.primary_ports(), "it came back as a replica"
    assert len(cluster.primary_ports()) == 3
