"""A Redis Cluster failover under load loses no message (REDIS_MODE=cluster).

The suite on its own cluster of 3 primaries and 3 replicas, the queue in 6 shards
(tests/faults/failover.py). Mid-load the primary holding the job service's pub/sub
subscription and two queue shards is SIGKILLed: its replica takes over its slots, and every
accepted job still ends, once. Restarted, the dead node rejoins as a replica.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.faults.failover import failover

log = logging.getLogger("tests.cluster")

JOBS = 150


@pytest.mark.slow
def test_no_message_is_lost_when_a_cluster_primary_dies(tmp_path: Path) -> None:
    with failover("cluster", tmp_path, JOBS) as outcome:
        assert outcome.accepted == JOBS
        log.info("final states: %s", dict(outcome.states))
        assert outcome.states["done"] + outcome.states["error"] == JOBS
        assert outcome.states["done"] >= JOBS * 0.95, f"too many errors: {dict(outcome.states)}"
        outcome.load.assert_histories_hold_each_job_once()

        cluster = outcome.suite.redis_cluster
        assert cluster is not None
        dead = next(node for node in cluster.nodes if node.process is not None and node.process.poll() is not None)
        dead.start()
        cluster.wait_ok()
        assert dead.port not in cluster.primary_ports(), "it came back as a replica"
        assert len(cluster.primary_ports()) == 3
