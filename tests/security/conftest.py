"""Security tests: the whole suite as real processes, attacked through the REST gateway.

The shared `suite` has generous rate limits so that the many requests of these tests are
never throttled; the rate-limit and API-key tests start suites of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from suite.processes import Suite

# High enough that no test here is throttled unless it means to be.
UNTHROTTLED = {
    "RATE_LIMIT_PER_SESSION": "100000",
    "RATE_LIMIT_PER_IP": "100000",
    "RATE_LIMIT_READS_PER_SESSION": "100000",
    "RATE_LIMIT_READS_PER_IP": "100000",
}


def start_suite(data_dir: Path, **env: str) -> Suite:
    return Suite(data_dir=data_dir, env={"PROVIDERS": "fallback", **env}).start()


@pytest.fixture(scope="package")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    running = start_suite(tmp_path_factory.mktemp("security-suite"), **UNTHROTTLED)
    yield running
    running.stop()


# Accounts with guests beside them; sign-in limits high enough for the many sign-ins here (the
# throttling test starts a suite of its own).
ACCOUNTS = {
    "AUTH_MODE": "accounts",
    "ALLOW_GUESTS": "true",
    "LOGIN_ATTEMPTS_PER_ACCOUNT": "1000",
    "LOGIN_ATTEMPTS_PER_IP": "1000",
    "SIGNUPS_PER_IP": "1000",
}


@pytest.fixture(scope="package")
def accounts_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    running = start_suite(tmp_path_factory.mktemp("accounts-suite"), **UNTHROTTLED, **ACCOUNTS)
    yield running
    running.stop()
