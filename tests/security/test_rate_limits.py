"""Rate limits per session and per IP, shared by every gateway replica through Redis."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from chat_common.children import free_port
from chat_common.redis_client import connect
from gateway.ratelimit import RateLimiter
from gateway.settings import GatewaySettings
from suite.processes import ROOT, Suite
from tests.security.conftest import start_suite
from tests.security.helpers import assert_error, new_session, upload

WRITES_PER_SESSION = 3
WRITES_PER_IP = 6
READS_PER_SESSION = 25
LIMITS = {
    "RATE_LIMIT_PER_SESSION": str(WRITES_PER_SESSION),
    "RATE_LIMIT_PER_IP": str(WRITES_PER_IP),
    "RATE_LIMIT_READS_PER_SESSION": str(READS_PER_SESSION),
    "RATE_LIMIT_READS_PER_IP": "100000",
}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Suite, str]]:
    """A suite with low limits, and a second gateway replica on the same Redis."""
    suite = start_suite(tmp_path_factory.mktemp("ratelimit"), **LIMITS)
    port = free_port()
    log = open(suite.data_dir / "logs" / "gateway-2.log", "ab")
    replica = subprocess.Popen(
        [sys.executable, "-m", "gateway"], cwd=ROOT, env={**suite.child_env(), "GATEWAY_PORT": str(port)}, stdout=log, stderr=log
    )
    second = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{second}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert replica.poll() is None and time.monotonic() < deadline, "the second gateway did not start"
            time.sleep(0.1)
        yield suite, second
    finally:
        replica.terminate()
        replica.wait(timeout=15)
        log.close()
        suite.stop()


@pytest.fixture(autouse=True)
def fresh_counters(limited: tuple[Suite, str]) -> None:
    client = redis.Redis.from_url(limited[0].redis_url or "")
    for key in client.scan_iter("ratelimit:*"):
        client.delete(key)
    client.close()


def _post(base: str, headers: dict[str, str], text: str = "hello") -> httpx.Response:
    return httpx.post(f"{base}/messages", json={"text": text}, headers=headers, timeout=30)


def test_writes_per_session_get_429_with_retry_after(limited: tuple[Suite, str]) -> None:
    suite, _ = limited
    session = new_session()
    for _ in range(WRITES_PER_SESSION):
        assert _post(suite.base_url, session).status_code == 202
    response = _post(suite.base_url, session)
    assert_error(response, 429, "too many requests", "rate_limited")
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    # Another session from the same IP is still served: the limit was the session's.
    assert _post(suite.base_url, new_session()).status_code == 202


def test_uploads_share_the_write_limit(limited: tuple[Suite, str]) -> None:
    suite, _ = limited
    session = new_session()
    with httpx.Client(base_url=suite.base_url, headers=session, timeout=30) as c:
        for _ in range(WRITES_PER_SESSION):
            assert upload(c, "a.txt", b"hello").status_code == 202
        assert_error(upload(c, "a.txt", b"hello"), 429, "too many requests", "rate_limited")
        assert_error(c.post("/messages", json={"text": "hi"}), 429, "too many requests", "rate_limited")


def test_writes_per_ip_across_sessions(limited: tuple[Suite, str]) -> None:
    """Fresh sessions (cookie-less clients get a new one each time) do not escape the IP limit."""
    suite, _ = limited
    statuses = [_post(suite.base_url, {}).status_code for _ in range(WRITES_PER_IP + 2)]
    assert statuses == [202] * WRITES_PER_IP + [429, 429]


def test_forwarded_for_is_not_trusted_by_default(limited: tuple[Suite, str]) -> None:
    suite, _ = limited
    statuses = [
        _post(suite.base_url, {"X-Forwarded-For": f"10.0.0.{n}", "X-Real-IP": f"10.0.0.{n}"}).status_code
        for n in range(WRITES_PER_IP + 1)
    ]
    assert statuses[-1] == 429, statuses


def test_replicas_share_the_limit_through_redis(limited: tuple[Suite, str]) -> None:
    suite, second = limited
    session = new_session()
    bases = [suite.base_url, second]
    statuses = [_post(bases[n % 2], session).status_code for n in range(WRITES_PER_SESSION + 2)]
    assert statuses == [202] * WRITES_PER_SESSION + [429, 429]


def test_polling_is_not_throttled_by_the_write_limit(limited: tuple[Suite, str]) -> None:
    suite, _ = limited
    session = new_session()
    job_id = _post(suite.base_url, session).json()["job_id"]
    with httpx.Client(base_url=suite.base_url, headers=session, timeout=30) as c:
        for _ in range(WRITES_PER_SESSION):
            c.post("/messages", json={"text": "more"})
        assert c.post("/messages", json={"text": "over"}).status_code == 429
        # Writes are exhausted, reads go on: a polling UI keeps working.
        statuses = [c.get(f"/messages/{job_id}").status_code for _ in range(READS_PER_SESSION)]
        assert set(statuses) == {200}
        # Reads have their own, much higher, limit.
        response = c.get(f"/messages/{job_id}")
        assert_error(response, 429, "too many requests", "rate_limited")
        assert int(response.headers["retry-after"]) >= 1


def test_health_and_ui_are_never_limited(limited: tuple[Suite, str]) -> None:
    suite, _ = limited
    with httpx.Client(base_url=suite.base_url, timeout=30) as c:
        for _ in range(READS_PER_SESSION + 5):
            assert c.get("/healthz").status_code == 200
            assert c.get("/").status_code == 200


def test_default_limits_leave_room_for_a_polling_ui() -> None:
    """Defaults: 30 writes/min per session, 120 per IP; reads 1200/min per session (20/s), 6000 per IP."""
    s = GatewaySettings()
    assert (s.rate_limit_per_session, s.rate_limit_per_ip) == (30, 120)
    assert s.rate_limit_window_s == 60
    assert s.rate_limit_reads_per_session >= 10 * 60  # polling ten times a second for a whole minute
    assert s.rate_limit_reads_per_ip >= 4 * s.rate_limit_reads_per_session


async def test_limiter_window_resets(redis_url: str) -> None:
    client = connect(redis_url)
    limiter = RateLimiter(window_s=0.5, redis_timeout_s=1.0)
    key = f"ratelimit:test:{uuid.uuid4().hex}"
    try:
        assert [await limiter.check(client, [(key, 2)]) for _ in range(3)] == [0, 0, 1]
        await asyncio.sleep(0.6)
        assert await limiter.check(client, [(key, 2)]) == 0
        assert 0 < await client.pttl(key) <= 500  # the counter expires: nothing is kept for long
    finally:
        await client.aclose()


async def test_limiter_fails_open_when_redis_is_down(tmp_path: Path) -> None:
    from chat_common.redis_server import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    client = connect(server.url)
    limiter = RateLimiter(window_s=60, redis_timeout_s=0.3)
    try:
        assert [await limiter.check(client, [("k", 1)]) for _ in range(2)] == [0, 60]
        server.kill()
        started = time.monotonic()
        assert [await limiter.check(client, [("k", 1)]) for _ in range(5)] == [0] * 5
        assert time.monotonic() - started < 2, "a dead Redis must not slow every request"
    finally:
        await client.aclose()
        server.stop()


def test_gateway_fails_open_when_redis_is_down(tmp_path_factory: pytest.TempPathFactory) -> None:
    suite = Suite(data_dir=tmp_path_factory.mktemp("ratelimit-down"), env={"RATE_LIMIT_READS_PER_SESSION": "2"}).start(
        only=["gateway"]
    )
    try:
        session = new_session()
        with httpx.Client(base_url=suite.base_url, headers=session, timeout=30) as c:
            assert [c.get("/config").status_code for _ in range(3)] == [200, 200, 429]
            suite.kill("redis")
            assert [c.get("/config").status_code for _ in range(5)] == [200] * 5
        assert "rate limiter unavailable" in suite.log_text("gateway")
    finally:
        suite.stop()
