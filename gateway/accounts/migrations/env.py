"""Alembic's entry point: migrations run on the connection chat_common.database.migrate opens."""

from chat_common.database import run_migrations
from gateway.accounts.tables import metadata

run_migrations(metadata)
