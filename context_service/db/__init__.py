"""What the context service keeps in PostgreSQL: every turn it remembers, so its Redis index
can be rebuilt after Redis loses it. The context service alone writes this table
(docs/architecture.md)."""

from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version_context_service"
