"""Never lose a message: a steady load while every part of the suite is killed and restarted.

Each service is SIGKILLed mid-load and restarted, and Redis is restarted once. Clients
retry with the same Idempotency-Key until a job is accepted, as the UI does. Then every
accepted job must have ended (DONE or ERROR) and every history must hold each job once.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bench.common import NO_RATE_LIMITS
from suite.processes import Suite

log = logging.getLogger("tests.chaos")

JOBS = 300
SESSIONS = 10
SUBMIT_INTERVAL_S = 0.1  # ~30 s of steady load
VICTIMS = ["job_service", "context_service", "inference_service", "gateway", "redis", "job_service"]


def submit_until_accepted(base_url: str, session: str, text: str, deadline_s: float = 90) -> str:
    """POST with one Idempotency-Key until a 202: a retry can never create a second job."""
    key = str(uuid.uuid4())
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            response = httpx.post(
                f"{base_url}/messages",
                json={"text": text},
                headers={"X-Session-Id": session, "Idempotency-Key": key},
                timeout=10,
            )
            if response.status_code == 202:
                return str(response.json()["job_id"])
            assert response.status_code in (502, 503), response.text  # only "try again" answers
        except httpx.TransportError:
            pass  # the gateway is down: retry
        time.sleep(0.2)
    raise AssertionError(f"message not accepted within {deadline_s}s")


def final_state(base_url: str, session: str, job_id: str) -> str:
    response = httpx.get(f"{base_url}/messages/{job_id}", headers={"X-Session-Id": session}, timeout=10)
    response.raise_for_status()
    return str(response.json()["job"]["status"])


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
    accepted: list[tuple[str, str]] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def load() -> None:
        try:
            for n in range(JOBS):
                session = sessions[n % SESSIONS]
                job_id = submit_until_accepted(suite.base_url, session, f"message {n}")
                with lock:
                    accepted.append((session, job_id))
                time.sleep(SUBMIT_INTERVAL_S)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    loader = threading.Thread(target=load, name="load")
    try:
        loader.start()
        for victim in VICTIMS:
            time.sleep(3)
            log.info("killing %s", victim)
            if victim == "redis":
                suite.redis.stop()  # a restart: the AOF is flushed on shutdown
                time.sleep(1)
            else:
                suite.kill(victim)
            suite.restart(victim)
        loader.join(timeout=300)
        assert not loader.is_alive(), "the load did not finish"
        assert not errors, errors

        # Every accepted job ends.
        states: dict[str, str] = {}
        deadline = time.monotonic() + 120
        pending = list(accepted)
        while pending and time.monotonic() < deadline:
            still = []
            for session, job_id in pending:
                state = final_state(suite.base_url, session, job_id)
                if state in ("done", "error"):
                    states[job_id] = state
                else:
                    still.append((session, job_id))
            pending = still
            if pending:
                time.sleep(1)
        assert len(accepted) == JOBS
        assert not pending, f"{len(pending)} accepted jobs never finished"
        counts = Counter(states.values())
        log.info("final states: %s", dict(counts))
        assert counts["done"] + counts["error"] == JOBS
        assert counts["done"] >= JOBS * 0.95, f"too many errors: {dict(counts)}"

        # Exactly one entry per job in each history, no strangers.
        for session in sessions:
            items = httpx.get(f"{suite.base_url}/chat/history", headers={"X-Session-Id": session}, timeout=10).json()["items"]
            ids = [item["id"] for item in items]
            assert len(ids) == len(set(ids)), "a job appears twice in the history"
            assert set(ids) == {job_id for s, job_id in accepted if s == session}
            assert all(item["result"] is None or item["result"]["reply"] for item in items)
    finally:
        suite.stop()
