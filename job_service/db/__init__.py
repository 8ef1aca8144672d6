"""What the job service keeps in PostgreSQL: conversations and their messages, the record.

Redis holds only what moves (the queue, jobs in flight, event logs); these tables are what
must last. The job service alone writes them (docs/architecture.md).
"""

from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The job service's own Alembic version table: other services keep theirs in the same database.
VERSION_TABLE = "alembic_version_job_service"
