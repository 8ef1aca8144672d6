"""Replicas of every service (`python -m suite --replicas`), and one of each SIGKILLed under load.

Two processes of each service: callers reach the gRPC replicas round-robin; the gateways serve
the same data. Mid-load the second replica of the job, context and inference services is
killed (the round-robin channels leave it out; its claimed jobs go back to the queue after the
visibility timeout), and so is the first gateway while a browser-like client reads a reply's
event stream from it: the client resumes on the other gateway with Last-Event-ID and misses
nothing. Every accepted message is answered once.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path

import httpx

from bench.common import NO_RATE_LIMITS
from suite.processes import Suite, parse_replicas
from tests.faults.load import Load, summary
from tests.integration.helpers import read_sse

log = logging.getLogger("tests.replicas")

JOBS = 120
SESSIONS = 6
REPLY = " ".join(f"word{number}" for number in range(60))  # streamed a word every 20 ms


def stream_until_cut(base_url: str, session: str, job_id: str, suite: Suite, events_before_kill: int) -> list[dict]:
    """Reads the job's events from one gateway and SIGKILLs that gateway mid-stream."""
    events: list[dict] = []
    current: dict[str, str] = {}
    headers = {"X-Session-Id": session}
    try:
        with httpx.stream("GET", f"{base_url}/messages/{job_id}/events", headers=headers, timeout=30) as response:
            for line in response.iter_lines():
                if line.startswith(":"):
                    continue
                if line:
                    key, _, value = line.partition(":")
                    current[key] = value.lstrip(" ")
                    continue
                if "data" in current:
                    events.append({"id": int(current["id"]), "event": current.get("event"), "data": json.loads(current["data"])})
                    if len(events) == events_before_kill:
                        suite.kill("gateway")  # the stream is open: the browser sees it cut
                current = {}
    except httpx.TransportError:
        pass
    return events


def test_a_replica_of_each_service_killed_under_load(tmp_path: Path) -> None:
    suite = Suite(
        data_dir=tmp_path,
        replicas=parse_replicas("gateway=2,job_service=2,context_service=2,inference_service=2"),
        env={
            "PROVIDERS": "instant",
            "INSTANT_REPLY": REPLY,
            "INSTANT_DELAY_S": "0.02",
            "JOB_VISIBILITY_TIMEOUT_S": "3",
            "JOB_SWEEP_INTERVAL_S": "2",
            **NO_RATE_LIMITS,
        },
    ).start()
    first_gateway, second_gateway = suite.base_urls
    sessions = [f"replicas-{n}-{uuid.uuid4().hex[:8]}" for n in range(SESSIONS)]
    load = Load(second_gateway, sessions, clients=2, interval_s=0.1, total=JOBS)
    try:
        load.start()
        for victim in ("job_service#2", "context_service#2", "inference_service#2"):
            time.sleep(2)
            log.info("killing %s", victim)
            suite.kill(victim)

        reader = f"reader-{uuid.uuid4().hex[:8]}"
        with httpx.Client(base_url=first_gateway, timeout=30) as client:
            accepted = client.post("/messages", json={"text": "Tell me a long story."}, headers={"X-Session-Id": reader})
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["job_id"]
        before = stream_until_cut(first_gateway, reader, job_id, suite, events_before_kill=5)
        assert len(before) >= 5, before
        with httpx.Client(base_url=second_gateway, timeout=30) as client:
            after = read_sse(client, job_id, headers={"X-Session-Id": reader, "Last-Event-ID": str(before[-1]["id"])})
        ids = [event["id"] for event in before] + [event.id for event in after]
        assert ids == list(range(1, len(ids) + 1)), "an event was lost or repeated across the gateways"
        assert after[-1].event == "status" and after[-1].data["status"] == "done"
        streamed = "".join(e["data"]["text"] for e in before if e["event"] == "delta")
        streamed += "".join(e.data["text"] for e in after if e.event == "delta")
        assert streamed == after[-1].data["job"]["result"]["reply"] == REPLY

        load.join(timeout=300)
        assert len(load.accepted) == JOBS
        counts = summary(load.final_states(within_s=120))
        log.info("final states: %s", dict(counts))
        assert counts["done"] == JOBS, dict(counts)
        load.assert_histories_hold_each_job_once()
    finally:
        suite.stop()
