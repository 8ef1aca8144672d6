"""Never lose a message: a steady load while every part of the suite is killed and restarted.

Each service is SIGKILLed mid-load and restarted; Redis is restarted once, and once loses
everything (FLUSHALL, then a restart); PostgreSQL is SIGKILLed and restarted. With
`--redis-mode cluster` (as `make test` runs it too) the suite runs on a Redis Cluster, and a
primary is killed instead. Clients retry
with the same Idempotency-Key until a job is accepted, as the UI does. Then every accepted job
must have ended (DONE or ERROR), and every history must hold each job once.
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

import httpx
import pytest
import redis

from bench.common import NO_RATE_LIMITS
from suite.processes import Suite
from tests.faults.load import Load, summary
from tests.integration.helpers import wait_done

log = logging.getLogger("tests.chaos")

JOBS = 300
SESSIONS = 10
SUBMIT_INTERVAL_S = 0.1  # ~30 s of steady load
VICTIMS = [
    "job_service",
    "context_service",
    "redis-flushall",
    "inference_service",
    "gateway",
    "postgres",
    "redis",
    "job_service",
]


def introduce(suite: Suite, sessions: list[str], load: Load) -> dict[str, str]:
    """Each session first tells its name, so its memory holds a fact from before the chaos."""
    names = dict(
        zip(sessions, ["Ada", "Boris", "Clara", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas"], strict=True)
    )
    with httpx.Client(base_url=suite.base_url, timeout=30) as client:
        for session, name in names.items():
            accepted = load.submit_until_accepted(client, session, f"My name is {name}.")
            load.accepted.append(accepted)
            wait_done(client, accepted.job_id, headers={"X-Session-Id": session})
    return names


def restart_redis(suite: Suite, flush: bool) -> None:
    """Restarts Redis (the AOF is flushed on shutdown), after a FLUSHALL with `flush`: every job
    in flight, event log and queue entry is gone. On a cluster (`--redis-mode cluster`): a
    primary is SIGKILLed and restarted, after a FLUSHALL of every primary with `flush`."""
    if suite.redis_cluster is not None:
        if flush:
            with redis.RedisCluster(host="127.0.0.1", port=suite.redis_cluster.nodes[0].port) as cluster:
                cluster.flushall()
        primary = suite.redis_cluster.node(suite.redis_cluster.primary_ports()[0])
        primary.kill()
        time.sleep(1)
        primary.start()
        return
    assert suite.redis is not None
    if flush:
        with redis.Redis(port=suite.redis.port) as client:
            client.flushall()
    suite.redis.stop()
    time.sleep(1)
    suite.restart("redis")


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
            "JOB_SWEEP_INTERVAL_S": "2",
            **NO_RATE_LIMITS,  # one client IP sends the whole load
        },
    ).start()
    sessions = [f"chaos-{n:02d}-{uuid.uuid4().hex[:8]}" for n in range(SESSIONS)]
    load = Load(suite.base_url, sessions, clients=1, interval_s=SUBMIT_INTERVAL_S, total=JOBS)
    try:
        names = introduce(suite, sessions, load)  # memory the chaos must not lose
        load.start()
        for victim in VICTIMS:
            time.sleep(3)
            log.info("killing %s", victim)
            if victim.startswith("redis"):
                restart_redis(suite, flush=victim == "redis-flushall")
            else:
                suite.kill(victim)
                suite.restart(victim)
        load.join(timeout=300)
        assert len(load.accepted) == JOBS + SESSIONS

        states = load.final_states(within_s=120)  # every accepted job ends
        counts = summary(states)
        log.info("final states: %s", dict(counts))
        assert counts["done"] + counts["error"] == JOBS + SESSIONS
        assert counts["done"] >= JOBS * 0.95, f"too many errors: {dict(counts)}"
        load.assert_histories_hold_each_job_once()  # and no strangers
        for session, name in names.items():  # the profile came back whole from PostgreSQL
            profile = httpx.get(f"{suite.base_url}/chat/profile", headers={"X-Session-Id": session}).json()["profile"]
            assert {"key": "name", "value": name} in [{"key": f["key"], "value": f["value"]} for f in profile["facts"]]
    finally:
        suite.stop()
