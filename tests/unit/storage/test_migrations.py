"""Each service's migrations make exactly the tables its code queries, in a database it shares
with the other services (each with its own version table)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect

import context_service.db
import context_service.db.tables
import gateway.accounts.lifecycle
import gateway.accounts.tables
import job_service.db
import job_service.db.tables
from chat_common.database import DatabaseSettings, migrate, open_engine

SERVICES = {
    "job_service": (job_service.db.MIGRATIONS, job_service.db.VERSION_TABLE, job_service.db.tables.metadata),
    "context_service": (context_service.db.MIGRATIONS, context_service.db.VERSION_TABLE, context_service.db.tables.metadata),
    "gateway": (
        gateway.accounts.lifecycle.MIGRATIONS,
        gateway.accounts.lifecycle.VERSION_TABLE,
        gateway.accounts.tables.metadata,
    ),
}


async def migrated(database_url: str) -> object:
    engine = open_engine(DatabaseSettings(database_url=database_url), "tests")
    for migrations, version_table, _ in SERVICES.values():
        await migrate(engine, migrations, version_table)
    return engine


@pytest.mark.parametrize("service", SERVICES)
async def test_the_migrations_make_the_tables_the_code_queries(database_url: str, service: str) -> None:
    migrations, version_table, metadata = SERVICES[service]
    engine = await migrated(database_url)
    ours = {"version_table": version_table, "include_name": lambda name, kind, _p: kind != "table" or name in metadata.tables}
    try:
        async with engine.connect() as conn:  # type: ignore[attr-defined]
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync, opts=ours), metadata))
    finally:
        await engine.dispose()  # type: ignore[attr-defined]
    assert diff == []


async def test_migrating_twice_changes_nothing_and_no_service_owns_anothers_table(database_url: str) -> None:
    engine = await migrated(database_url)
    await (await migrated(database_url)).dispose()  # type: ignore[attr-defined]
    try:
        async with engine.connect() as conn:  # type: ignore[attr-defined]
            tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()  # type: ignore[attr-defined]
    owned = [set(metadata.tables) for _, _, metadata in SERVICES.values()]
    assert all(not (a & b) for i, a in enumerate(owned) for b in owned[i + 1 :])
    assert tables == set.union(*owned) | {version for _, version, _ in SERVICES.values()}
    assert all(isinstance(m, MetaData) and Path(p).is_dir() for p, _, m in SERVICES.values())
