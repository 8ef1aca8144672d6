"""Stopping a reply through the REST API: the job ends within a second with the text so far,
and the cancel reaches the provider, whose stream is hung up on (a paid API stops generating)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from bench.common import NO_RATE_LIMITS
from suite.processes import Suite
from tests.fakes import FakeGemini
from tests.integration.helpers import wait_done


@pytest.fixture(scope="module")
def gemini() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        yield fake


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory, gemini: FakeGemini) -> Iterator[Suite]:
    env = {
        "PROVIDERS": "gemini,fallback",
        "GEMINI_API_KEY": gemini.api_key,
        "GEMINI_BASE_URL": gemini.url,
        "GEMINI_IDLE_TIMEOUT_S": "10",
        **NO_RATE_LIMITS,
    }
    running = Suite(data_dir=tmp_path_factory.mktemp("stop"), env=env).start()
    yield running
    running.stop()


def api(suite: Suite) -> httpx.Client:
    return httpx.Client(base_url=suite.base_url, timeout=30, headers={"X-Session-Id": "stop-" + uuid.uuid4().hex})


def streamed(client: httpx.Client, job_id: str) -> str:
    job = client.get(f"/messages/{job_id}").json()["job"]
    return str(job["status"])


def test_a_stopped_reply_ends_within_a_second_and_the_provider_is_hung_up_on(suite: Suite, gemini: FakeGemini) -> None:
    gemini.reset()
    gemini.chunks = [f" word{n}" for n in range(100)]
    gemini.chunk_delay_s = 0.1  # ten seconds of streaming
    with api(suite) as client:
        job_id = client.post("/messages", json={"text": "Tell me a long story"}).json()["job_id"]
        deadline = time.monotonic() + 15
        while streamed(client, job_id) != "processing" or len(gemini.requests) == 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(1.0)  # some words have streamed
        asked = time.monotonic()
        response = client.post(f"/messages/{job_id}/stop")
        assert response.status_code == 200, response.text
        job = wait_done(client, job_id, timeout=5)
        took = time.monotonic() - asked
        assert took < 1.0, f"the reply stopped {took:.2f} s after the request"
        result = job["result"]
        assert job["status"] == "done" and result["stopped"] is True
        assert result["reply"].startswith(" word0 word1") and "word99" not in result["reply"]
        # The history keeps the partial reply, marked stopped.
        [item] = [i for i in client.get("/chat/history").json()["items"] if i["id"] == job_id]
        assert item["result"]["stopped"] and item["result"]["reply"] == result["reply"]
    for _ in range(50):
        if gemini.disconnects:
            break
        time.sleep(0.1)
    assert gemini.disconnects == 1, "the provider's stream was closed, not read to its end"


def test_stopping_an_ended_or_unknown_reply(suite: Suite, gemini: FakeGemini) -> None:
    gemini.reset()
    with api(suite) as client, api(suite) as other:
        job_id = client.post("/messages", json={"text": "hi"}).json()["job_id"]
        done = wait_done(client, job_id)
        again = client.post(f"/messages/{job_id}/stop")
        assert again.status_code == 200 and again.json()["job"]["result"] == done["result"], "an ended job is as it was"
        assert other.post(f"/messages/{job_id}/stop").status_code == 404
        assert client.post("/messages/" + "0" * 32 + "/stop").json()["code"] == "job_not_found"
