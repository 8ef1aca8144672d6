"""The whole suite with the default local model (Qwen2.5-Coder-0.5B) and no API key."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bench.common import NO_RATE_LIMITS
from chat_common.local_models import DEFAULT_MODEL, models_dir
from suite.processes import Suite
from tests.integration.helpers import wait_done


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    running = Suite(
        data_dir=tmp_path_factory.mktemp("local-suite"),
        env={"PROVIDERS": "local,fallback", "MAX_OUTPUT_TOKENS": "48", **NO_RATE_LIMITS},
    ).start(timeout=180)
    yield running
    running.stop()


def test_the_default_model_answers_and_says_who_it_is(client: httpx.Client) -> None:
    config = client.get("/config").json()
    assert config["local_model"] == DEFAULT_MODEL == "qwen2.5-coder-0.5b"
    assert "Qwen2.5-Coder-0.5B" in config["local_model_title"]
    job_id = client.post("/messages", json={"text": "What is the capital of France? One word."}).json()["job_id"]
    job = wait_done(client, job_id, timeout=120)
    assert job["status"] == "done"
    assert job["result"]["provider"] == "local" and not job["result"]["fallback"]
    assert job["result"]["model"] == "qwen2.5-coder-0.5b"
    assert "paris" in job["result"]["reply"].lower()


def test_a_follow_up_remembers_what_the_user_said(client: httpx.Client) -> None:
    for text in ("My dog is called Biscuit.", "What is my dog called?"):
        job = wait_done(client, client.post("/messages", json={"text": text}).json()["job_id"], timeout=120)
        assert job["status"] == "done" and job["result"]["provider"] == "local"
    assert "biscuit" in job["result"]["reply"].lower()


def test_the_model_file_was_joined_once_and_checked(suite: Suite) -> None:
    marker = models_dir() / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf.sha256"
    assert marker.read_text().split()[0] == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
