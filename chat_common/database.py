"""One way to open PostgreSQL, so every service that owns tables gets the same bounds.

SQLAlchemy Core over asyncpg. A hung or stopped PostgreSQL must cost a bounded wait, never a
hang: connecting gives up after `database_connect_timeout_s`; every statement after
`database_statement_timeout_s`, on the server (statement_timeout) and, for a server that does
not answer at all, on the client (asyncpg's command_timeout, one second later); waiting for a
pooled connection after `database_pool_timeout_s`. Each service applies its own Alembic
migrations at start, under an advisory lock so replicas that start together take turns, and
records them in its own version table (each service owns its tables: docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from alembic import command
from alembic.config import Config
from pydantic_settings import BaseSettings
from sqlalchemy import Connection, MetaData, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from chat_common.backoff import backoff_delay

if TYPE_CHECKING:  # the server's interceptors classify this module's errors
    from chat_common.grpc.server import GrpcServer

log = logging.getLogger("chat_common.database")

T = TypeVar("T")


class DatabaseSettings(BaseSettings):
    """PostgreSQL settings of a service that owns tables (environment variables, upper-case)."""

    # postgresql://user@host:port/db; the run command and the tests start their own server.
    database_url: str = "postgresql://chat@127.0.0.1:5432/chat"
    database_connect_timeout_s: float = 5.0
    database_statement_timeout_s: float = 5.0
    # Connections per process (one pool per process; size it with the server's max_connections).
    database_pool_size: int = 10
    database_pool_timeout_s: float = 5.0
    # How often (and within how long) the database is probed for the service's health status.
    database_probe_interval_s: float = 0.5


def open_engine(settings: DatabaseSettings, application: str) -> AsyncEngine:
    """An engine whose connects, statements and pool waits are all bounded."""
    url = settings.database_url
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            url = "postgresql+asyncpg://" + url.removeprefix(scheme)
    return create_async_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=0,
        pool_timeout=settings.database_pool_timeout_s,
        # No ping per checkout (a round trip before every statement): a connection a restart
        # broke fails its statement as transient, which callers retry, and SQLAlchemy then
        # discards every connection made before it.
        pool_pre_ping=False,
        connect_args={
            "timeout": settings.database_connect_timeout_s,
            "command_timeout": settings.database_statement_timeout_s + 1.0,
            "server_settings": {
                "statement_timeout": str(int(settings.database_statement_timeout_s * 1000)),
                "application_name": application,
            },
        },
    )


# SQLSTATE classes and codes a retry can outlive: connection exceptions, and a server that is
# starting, shutting down, out of connections or cancelling a statement on timeout.
_TRANSIENT_CLASSES = ("08",)
_TRANSIENT_CODES = {"57P01", "57P02", "57P03", "53300", "57014", "40001", "40P01"}


def transient(exc: BaseException) -> bool:
    """True for failures a retry can outlive: a lost or refused connection, a server starting
    or stopping, a timeout, a full pool."""
    if isinstance(exc, DBAPIError):
        code = str(getattr(exc.orig, "sqlstate", "") or "")
        if exc.connection_invalidated or code.startswith(_TRANSIENT_CLASSES) or code in _TRANSIENT_CODES:
            return True
    return isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError | OSError | TimeoutError)


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """The same pool, without BEGIN and COMMIT round trips: for writes of one statement."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


async def retry_database(
    step: Callable[[], Awaitable[T]], what: str, until: float, backoff_base_s: float = 0.1, backoff_max_s: float = 2.0
) -> T:
    """Runs an idempotent database step, retrying transient failures with backoff and jitter
    until the monotonic time `until`; then the last failure is raised."""
    attempt = 0
    while True:
        try:
            return await step()
        except Exception as exc:
            if not transient(exc):
                raise
            failure = exc
        delay = backoff_delay(attempt, backoff_base_s, backoff_max_s)
        attempt += 1
        if time.monotonic() + delay >= until:
            raise failure
        log.warning("database %s failed (%s); retrying in %.2f s", what, type(failure).__name__, delay)
        await asyncio.sleep(delay)


def _lock_id(name: str) -> int:
    """A stable signed 64-bit advisory lock id for `name`."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def run_migrations(metadata: MetaData) -> None:
    """The body of each service's Alembic env.py: its migrations, on the connection and with
    the version table `migrate` hands over."""
    from alembic import context

    config = context.config
    context.configure(
        connection=config.attributes["connection"],
        target_metadata=metadata,
        version_table=config.attributes["version_table"],
    )
    with context.begin_transaction():
        context.run_migrations()


async def migrate(engine: AsyncEngine, migrations: Path, version_table: str, wait_s: float = 60.0) -> None:
    """Applies the service's Alembic migrations up to head, waiting up to `wait_s` for
    PostgreSQL (it may be starting beside us)."""

    def upgrade(connection: Connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(migrations))
        config.attributes["connection"] = connection
        config.attributes["version_table"] = version_table
        command.upgrade(config, "head")

    async def run() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _lock_id(version_table)})
            await connection.run_sync(upgrade)

    await retry_database(run, "migration", time.monotonic() + wait_s, backoff_max_s=1.0)
    log.info("database schema is current (%s)", version_table)


def storable(text: str) -> str:
    """PostgreSQL text cannot hold NUL: it becomes U+FFFD, as an unreadable byte does elsewhere."""
    return text.replace("\x00", "\ufffd")


def health_name(service: str) -> str:
    """The gRPC health service name that reports a service's database (the gateway's /readyz reads it)."""
    return f"{service}.database"


def probe_database(settings: DatabaseSettings, server: GrpcServer, service: str) -> asyncio.Task[None]:
    """Starts reporting the database's state as `health_name(service)` on the server's health."""
    return asyncio.create_task(watch_database(settings, partial(server.set_part_serving, health_name(service))))


async def watch_database(settings: DatabaseSettings, report: Callable[[bool], Awaitable[None]]) -> None:
    """Probes PostgreSQL every `interval_s` on a connection of its own (a hung server must not
    hold a pooled one), each probe bounded by `interval_s`, and reports up or down."""
    import asyncpg  # the driver itself: one connection, no pool

    url = settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
    interval_s = settings.database_probe_interval_s
    connection: asyncpg.Connection | None = None
    known: bool | None = None
    while True:
        try:
            async with asyncio.timeout(interval_s):
                if connection is None or connection.is_closed():
                    connection = await asyncpg.connect(url)
                up = await connection.fetchval("SELECT 1") == 1
        except Exception:  # noqa: BLE001 - any failure is "down"; the next probe reconnects
            up = False
            if connection is not None:
                connection.terminate()
                connection = None
        if up != known:
            (log.info if up else log.warning)("database is %s", "up" if up else "down")
            known = up
        await report(up)
        await asyncio.sleep(interval_s)
