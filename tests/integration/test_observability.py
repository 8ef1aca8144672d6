"""The gateway's request ids and metrics."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from suite.processes import Suite
from tests.integration.helpers import wait_done


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_request_id_is_echoed_and_reaches_the_job_service_log(suite: Suite, client: httpx.Client) -> None:
    response = client.post("/messages", json={"text": "trace this request"}, headers={"X-Request-ID": "req-abcdef123"})
    assert response.status_code == 202
    assert response.headers["x-request-id"] == "req-abcdef123"
    wait_done(client, response.json()["job_id"])
    job_log = suite.log_text("job_service")
    assert '"request_id": "req-abcdef123"' in job_log, "the id followed the job into the worker's log lines"
    generated = client.get("/chat/history").headers["x-request-id"]
    assert len(generated) >= 8


def test_metrics_count_requests_per_route_template(client: httpx.Client) -> None:
    job_id = client.post("/messages", json={"text": "measure me"}).json()["job_id"]
    client.get(f"/messages/{job_id}")
    client.get("/messages/" + "f" * 32)  # a 404
    metrics = samples(client.get("/metrics").text)
    ok = ("chat_http_request_duration_seconds_count", (("method", "GET"), ("route", "/messages/{job_id}"), ("status", "200")))
    missing = (
        "chat_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/messages/{job_id}"), ("status", "404")),
    )
    posted = ("chat_http_request_duration_seconds_count", (("method", "POST"), ("route", "/messages"), ("status", "202")))
    assert metrics[ok] >= 1 and metrics[missing] >= 1 and metrics[posted] >= 1
    assert not any(job_id in str(labels) for _name, labels in metrics), "raw paths never become labels"
