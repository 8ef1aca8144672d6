"""A Redis Sentinel failover under load loses no message (REDIS_MODE=sentinel).

A real primary, one replica and three sentinels on free ports (tests/faults/failover.py).
Mid-load the primary is SIGKILLed: the sentinels promote the replica, every service reconnects
to it, and every accepted job still ends, once.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.faults.failover import failover

log = logging.getLogger("tests.sentinel")

JOBS = 150


@pytest.mark.slow
def test_no_message_is_lost_when_sentinel_replaces_the_primary(tmp_path: Path) -> None:
    with failover("sentinel", tmp_path, JOBS) as outcome:
        assert outcome.accepted == JOBS
        log.info("final states: %s", dict(outcome.states))
        assert outcome.states["done"] + outcome.states["error"] == JOBS
        assert outcome.states["done"] >= JOBS * 0.95, f"too many errors: {dict(outcome.states)}"
        outcome.load.assert_histories_hold_each_job_once()
