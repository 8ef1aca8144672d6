"""The shared database helpers against a real PostgreSQL: bounded waits, and retries that
outlive a restart but never hide a real error."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from chat_common.database import DatabaseSettings, open_engine, retry_database, transient
from chat_common.postgres_server import PostgresServer
from tests.faults.test_gray_failures import children_of


@pytest.fixture
def server(tmp_path: Path):
    running = PostgresServer(tmp_path / "pg").start()
    yield running
    running.stop()


async def test_a_query_outlives_a_restart_of_postgresql(server: PostgresServer) -> None:
    engine = open_engine(DatabaseSettings(database_url=server.url, database_connect_timeout_s=1), "tests")

    async def select_one() -> int:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT 1"))).scalar_one())

    try:
        assert await select_one() == 1
        server.kill()  # a crash; it comes back in a moment, recovering from its WAL
        started = time.monotonic()
        retried = asyncio.create_task(retry_database(select_one, "select", time.monotonic() + 30, backoff_max_s=0.5))
        await asyncio.sleep(1.5)
        # From this thread: a child's parent-death signal follows the thread that started it.
        server.start()
        assert await retried == 1
        assert time.monotonic() - started >= 1.5
    finally:
        await engine.dispose()


async def test_a_hung_postgresql_costs_the_statement_timeout_not_a_hang(server: PostgresServer) -> None:
    settings = DatabaseSettings(database_url=server.url, database_statement_timeout_s=0.5)
    engine = open_engine(settings, "tests")
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    pids = [server.process.pid, *children_of(server.process.pid)]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(Exception) as err:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        assert transient(err.value), err.value
        assert time.monotonic() - started < 4.0
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
        await asyncio.wait_for(engine.dispose(), 10)


async def test_a_real_error_is_not_retried(server: PostgresServer) -> None:
    engine = open_engine(DatabaseSettings(database_url=server.url), "tests")
    calls = 0

    async def duplicate() -> None:
        nonlocal calls
        calls += 1
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TEMP TABLE t (id int PRIMARY KEY)"))
            await conn.execute(text("INSERT INTO t VALUES (1), (1)"))

    try:
        with pytest.raises(IntegrityError) as err:
            await retry_database(duplicate, "insert", time.monotonic() + 10)
        assert calls == 1 and not transient(err.value)
    finally:
        await engine.dispose()
