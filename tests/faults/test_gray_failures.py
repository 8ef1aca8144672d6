"""Gray failures: a part that hangs (SIGSTOP for 15 s, then SIGCONT) under a steady load.

Real outages also hang processes: Redis pauses to fork, a host stalls, a network path drops
packets. While a part hangs:
- /readyz answers within 1.5 s, turns 503 within 2 s naming the part, and recovers by itself
  (the model server is optional: it is reported under "degraded" and replies fall back);
- no HTTP request waits longer than its bound (GATEWAY_RPC_TIMEOUT_S, then a 503 with
  Retry-After that the clients retry with the same Idempotency-Key);
- every accepted job ends DONE, once, in its session's history.
Recovery times are printed; docs/durability.md lists them.
"""

from __future__ import annotations

import logging
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.common import NO_RATE_LIMITS
from suite.processes import Suite
from tests.faults.load import Load, summary

log = logging.getLogger("tests.gray_failures")

STALL_S = 15.0
READYZ_BOUND_S = 1.5
REQUEST_BOUND_S = 4.5  # GATEWAY_RPC_TIMEOUT_S (3 s) and the answer's own time
PARTS = ["redis", "postgres", "context_service", "inference_service", "job_service"]


def pid_of(suite: Suite, part: str) -> int:
    server = suite.server(part)
    if server is not None:
        assert server.process is not None
        return server.process.pid
    return suite.processes[part].pid


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def signal_part(suite: Suite, part: str, signum: int) -> None:
    """PostgreSQL is a postmaster and a process per connection (each in a process group of its
    own): all of them hang."""
    pid = pid_of(suite, part)
    for each in [pid, *(children_of(pid) if part == "postgres" else [])]:
        os.kill(each, signum)


def readyz(base_url: str) -> tuple[float, int, dict]:
    started = time.monotonic()
    response = httpx.get(f"{base_url}/readyz", timeout=10)
    return time.monotonic() - started, response.status_code, response.json()


def stall(suite: Suite, part: str, optional: bool = False) -> dict[str, float]:
    """SIGSTOP `part` for STALL_S while watching /readyz; returns what it saw, in seconds."""
    check = "local_model" if part == "model_server" else part
    signal_part(suite, part, signal.SIGSTOP)
    stopped = time.monotonic()
    noticed = None
    slowest = 0.0
    try:
        while time.monotonic() - stopped < STALL_S:
            took, status, body = readyz(suite.base_url)
            slowest = max(slowest, took)
            named = body["checks"].get(check, "ok") != "ok"
            if noticed is None and named and (status == 200 and check in body.get("degraded", []) if optional else status == 503):
                noticed = time.monotonic() - stopped
            time.sleep(0.2)
    finally:
        signal_part(suite, part, signal.SIGCONT)
    resumed = time.monotonic()
    while True:
        took, status, body = readyz(suite.base_url)
        slowest = max(slowest, took)
        if status == 200 and all(v == "ok" for v in body["checks"].values()):
            break
        assert time.monotonic() - resumed < 30, f"/readyz did not recover by itself: {body}"
        time.sleep(0.2)
    assert noticed is not None, f"/readyz never named the hung {part}"
    return {"noticed": noticed, "recovered": time.monotonic() - resumed, "readyz_slowest": slowest}


def under_load(
    suite: Suite, part: str, optional: bool = False, clients: int = 4, interval_s: float = 0.2, min_jobs: int = 100
) -> None:
    """A steady load of `clients`, each sending a message every `interval_s`, across the stall."""
    sessions = [f"gray-{part}-{n}-{uuid.uuid4().hex[:6]}" for n in range(6)]
    load = Load(suite.base_url, sessions, clients=clients, interval_s=interval_s).start()
    try:
        time.sleep(4)  # the load is steady before the stall
        seen = stall(suite, part, optional)
        time.sleep(4)
    finally:
        load.stop()
    started = time.monotonic()
    states = load.final_states(within_s=150)
    drained = time.monotonic() - started
    counts = summary(states)
    slow = sorted((took, what, outcome) for what, took, outcome in load.requests if took > REQUEST_BOUND_S)
    longest = max(took for _, took, _ in load.requests)
    log.info(
        "%s hung %.0f s: readyz noticed in %.2f s, recovered %.2f s after; %d jobs %s, drained in %.1f s; slowest request %.2f s",
        part,
        STALL_S,
        seen["noticed"],
        seen["recovered"],
        len(states),
        dict(counts),
        drained,
        longest,
    )
    print(
        f"\n{part}: /readyz named it after {seen['noticed']:.2f} s and recovered {seen['recovered']:.2f} s after "
        f"SIGCONT (slowest /readyz {seen['readyz_slowest']:.2f} s); {len(states)} jobs {dict(counts)}; slowest "
        f"request {longest:.2f} s; the last job ended {drained:.1f} s after the load stopped"
    )
    assert seen["noticed"] <= 2.0 + (2.5 if optional else 0.0), seen  # the model server is probed every 2 s
    assert seen["readyz_slowest"] <= READYZ_BOUND_S, seen
    assert not slow, f"requests beyond {REQUEST_BOUND_S} s: {slow[:5]}"
    assert len(states) >= min_jobs, "the load was too light"
    errors = {error for status, error in states.values() if status != "done"}
    assert counts["done"] == len(states), f"jobs ended in error: {dict(counts)}: {errors}"
    load.assert_histories_hold_each_job_once()


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    running = Suite(
        data_dir=tmp_path_factory.mktemp("gray"),
        env={"PROVIDERS": "instant", "INSTANT_DELAY_S": "0.05", **NO_RATE_LIMITS},
    ).start()
    yield running
    running.stop()


@pytest.mark.slow
@pytest.mark.parametrize("part", PARTS)
def test_a_hung_part_is_a_bounded_wait_and_no_job_is_lost(suite: Suite, part: str) -> None:
    under_load(suite, part)


@pytest.mark.slow
def test_a_hung_model_server_degrades_and_no_job_is_lost(tmp_path: Path) -> None:
    running = Suite(
        data_dir=tmp_path,
        env={"PROVIDERS": "local,fallback", "LOCAL_MODEL": "smollm2-135m", "MAX_OUTPUT_TOKENS": "8", **NO_RATE_LIMITS},
    ).start(timeout=180)
    try:
        # A real model answers a few messages a second here: a load it can keep up with.
        under_load(running, "model_server", optional=True, clients=2, interval_s=1.0, min_jobs=20)
    finally:
        running.stop()
