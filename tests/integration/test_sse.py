"""The event stream's own behaviour: keep-alive comments, headers, a reader that leaves."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bench.common import NO_RATE_LIMITS
from suite.processes import Suite
from tests.integration.helpers import read_sse, wait_done

WORDS = 6
WORD_DELAY_S = 0.25


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """This module's suite (the shared `client` fixture drives it): replies take ~1.5 s
    (a word every 0.25 s) and streams keep alive every 0.1 s."""
    running = Suite(
        data_dir=tmp_path_factory.mktemp("sse"),
        env={
            "PROVIDERS": "instant",
            "INSTANT_REPLY": " ".join(f"word{n}" for n in range(WORDS)),
            "INSTANT_DELAY_S": str(WORD_DELAY_S),
            "SSE_PING_S": "0.1",
            **NO_RATE_LIMITS,
        },
    ).start()
    yield running
    running.stop()


def submit(client: httpx.Client) -> str:
    response = client.post("/messages", json={"text": "hello"})
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def test_a_quiet_stream_sends_keepalive_comments_and_still_every_event(client: httpx.Client) -> None:
    job_id = submit(client)
    comments, data_lines = 0, []
    with client.stream("GET", f"/messages/{job_id}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-accel-buffering"] == "no"
        for line in response.iter_lines():
            if line.startswith(":"):
                comments += 1
            elif line.startswith("data:"):
                data_lines.append(line)
    assert comments >= 3, "the stream was silent for over a second without a keep-alive"
    assert '"status": "done"' in data_lines[-1]
    assert "word5" in "".join(data_lines)


def test_a_reader_that_leaves_early_does_not_stop_the_job_or_other_readers(client: httpx.Client) -> None:
    job_id = submit(client)
    with client.stream("GET", f"/messages/{job_id}/events") as response:
        next(response.iter_lines())  # connected, then gone
    events = read_sse(client, job_id)
    assert events[-1].data["status"] == "done"
    assert wait_done(client, job_id)["result"]["reply"].endswith("word5")
