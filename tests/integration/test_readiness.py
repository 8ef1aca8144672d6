"""/readyz answers in bounded time and names what hangs: a paused Redis or service is "timeout"."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from suite.processes import Suite


@pytest.fixture
def own_suite(tmp_path: Path) -> Iterator[Suite]:
    running = Suite(data_dir=tmp_path, env={"PROVIDERS": "fallback"}).start()
    yield running
    running.stop()


def pause(pid: int) -> None:
    os.kill(pid, signal.SIGSTOP)


def resume(pid: int) -> None:
    os.kill(pid, signal.SIGCONT)


@pytest.mark.slow
@pytest.mark.parametrize("part", ["redis", "context_service", "job_service"])
def test_readyz_names_a_hung_part_within_its_bound_and_recovers(own_suite: Suite, part: str) -> None:
    if part == "redis":
        if own_suite.redis_cluster is not None:
            pytest.skip("a cluster has no one Redis to pause: tests/faults/test_redis_failover.py kills a node")
        assert own_suite.redis is not None and own_suite.redis.process is not None
        pid = own_suite.redis.process.pid
    else:
        pid = own_suite.processes[part].pid
    pause(pid)
    try:
        started = time.monotonic()
        response = httpx.get(f"{own_suite.base_url}/readyz", timeout=10)
        elapsed = time.monotonic() - started
        assert elapsed < 1.5, f"/readyz took {elapsed:.2f}s"
        assert response.status_code == 503
        assert response.json()["checks"][part] == "timeout"
    finally:
        resume(pid)
    deadline = time.monotonic() + 10
    while httpx.get(f"{own_suite.base_url}/readyz", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "/readyz did not recover by itself"
        time.sleep(0.2)
