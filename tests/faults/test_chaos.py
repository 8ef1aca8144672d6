"""Never lose a message: a steady load while every part of the suite is killed and restarted.

Each service is SIGKILLed mid-load and restarted, and Redis is restarted once. Clients
retry with the same Idempotency-Key until a job is accepted, as the UI does. Then every
accepted job must have ended (DONE or ERROR) and every history must hold each job once.
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

import pytest

from bench.common import NO_RATE_LIMITS
from suite.processes import Suite
from tests.faults.load import Load, summary

log = logging.getLogger("tests.chaos")

JOBS = 300
SESSIONS = 10
SUBMIT_INTERVAL_S = 0.1  # ~30 s of steady load
VICTIMS = ["job_service", "context_service", "inference_service", "gateway", "redis", "job_service"]


@pytest.mark.slow
def test_no_message_is_lost_while_parts_are_killed(tmp_path: Path) -> None:
    suite = Suite(
        data_dir=tmp_path,
        env={
            "PROVIDERS": "instant",
            "INSTANT_DELAY_S": "0.05",
            "JOB_VISIBILITY_TIMEOUT_S": "3",
            "JOB_MAX_ATTEMPTS": "5",
            "JOB_DEADLINE_S": "60",
            **NO_RATE_LIMITS,  # one client IP sends the whole load
        },
    ).start()
    sessions = [f"chaos-{n:02d}-{uuid.uuid4().hex[:8]}" for n in range(SESSIONS)]
    load = Load(suite.base_url, sessions, clients=1, interval_s=SUBMIT_INTERVAL_S, total=JOBS)
    try:
        load.start()
        for victim in VICTIMS:
            time.sleep(3)
            log.info("killing %s", victim)
            if victim == "redis":
                suite.redis.stop()  # a restart: the AOF is flushed on shutdown
                time.sleep(1)
            else:
                suite.kill(victim)
            suite.restart(victim)
        load.join(timeout=300)
        assert len(load.accepted) == JOBS

        states = load.final_states(within_s=120)  # every accepted job ends
        counts = summary(states)
        log.info("final states: %s", dict(counts))
        assert counts["done"] + counts["error"] == JOBS
        assert counts["done"] >= JOBS * 0.95, f"too many errors: {dict(counts)}"
        load.assert_histories_hold_each_job_once()  # and no strangers
    finally:
        suite.stop()
