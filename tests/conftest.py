"""Fixtures every test layer shares: real Redis and PostgreSQL servers of the tests' own, and a
gateway client.

A package that runs the suite defines its own `suite` fixture (its settings differ); `client`
then talks to that package's gateway.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chat_common.postgres_server import PostgresServer
from chat_common.redis_server import RedisClusterServer, RedisServer
from suite.processes import Suite
from tests.model_server import ModelServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--redis-mode",
        choices=["standalone", "cluster"],
        help="the Redis every suite a test starts runs on (REDIS_MODE): with cluster, a local Redis Cluster "
        "of 3 primaries and 3 replicas; `make test` runs the contract and integration tests on one too",
    )


def pytest_configure(config: pytest.Config) -> None:
    mode = config.getoption("--redis-mode")
    if mode:
        os.environ["REDIS_MODE"] = mode  # read by suite.processes.Suite and every service it starts


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real Redis for the session; tests that kill Redis start their own."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """A Redis URL with an empty database for this test."""
    import redis

    client = redis.Redis(port=redis_server.port)
    client.flushall()
    client.close()
    yield redis_server.url


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterServer]:
    """One real Redis Cluster (3 primaries, 3 replicas) for the session; tests that kill a node
    start their own."""
    cluster = RedisClusterServer(tmp_path_factory.mktemp("redis-cluster")).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def fresh_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test alone, free to be killed and restarted."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """One real PostgreSQL for the session; each test that asks gets a database of its own."""
    server = PostgresServer(tmp_path_factory.mktemp("postgres")).start()
    yield server
    server.stop()


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> str:
    """The URL of a new, empty database for this test (the service's migrations make its tables)."""
    import uuid

    return postgres_server.create_database(f"test_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def client(suite: Suite) -> Iterator[httpx.Client]:
    """A browser-like client: it keeps the session cookie the gateway issues."""
    with httpx.Client(base_url=suite.base_url, timeout=30) as c:
        yield c


@pytest.fixture(scope="session")
def model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelServer]:
    """One real model server (SmolLM2) for the session; tests that kill it restart it."""
    server = ModelServer(tmp_path_factory.mktemp("model_server")).start()
    yield server
    server.stop()
