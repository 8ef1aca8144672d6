"""Small helpers for driving the gateway in tests."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families


@dataclass
class SseEvent:
    id: int
    event: str
    data: dict


def wait_done(client: httpx.Client, job_id: str, timeout: float = 60, headers: dict[str, str] | None = None) -> dict:
    """Polls GET /messages/{id} until the job ends, as the design document's clients do."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/messages/{job_id}", headers=headers or {}).json()["job"]
        if job["status"] in ("done", "error"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish within {timeout}s")


def read_sse(
    client: httpx.Client, job_id: str, headers: dict[str, str] | None = None, stop_after: int | None = None
) -> list[SseEvent]:
    """Reads the event stream until it closes (or `stop_after` events, to simulate a drop)."""
    events: list[SseEvent] = []
    current: dict[str, str] = {}
    with client.stream("GET", f"/messages/{job_id}/events", headers=headers or {}) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith(":"):
                continue
            if not line:
                if "data" in current:
                    events.append(SseEvent(int(current["id"]), current.get("event", "message"), json.loads(current["data"])))
                    if stop_after is not None and len(events) >= stop_after:
                        break
                current = {}
                continue
            key, _, value = line.partition(":")
            current[key] = value.lstrip(" ")
    return events


def rpc_calls(metrics_port: int, method: str) -> float:
    """How many calls of a gRPC `method` ("/chat.v1.JobService/WatchJob") the service process
    whose metrics are on `metrics_port` has answered."""
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "chat_rpc_duration_seconds_count" and sample.labels.get("method") == method
    )
