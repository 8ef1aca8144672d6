"""Alembic's entry point: migrations run on the connection chat_common.database.migrate opens."""

from chat_common.database import run_migrations
from job_service.db.tables import metadata

run_migrations(metadata)
