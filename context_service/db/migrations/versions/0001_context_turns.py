"""The turns the context service remembers.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE context_turns (
          session_id text NOT NULL,
          turn_id text NOT NULL,
          position bigint GENERATED ALWAYS AS IDENTITY,
          turns jsonb NOT NULL,
          PRIMARY KEY (session_id, turn_id)
        )
        """
    )
    op.execute("CREATE INDEX context_turns_order ON context_turns (session_id, position)")


def downgrade() -> None:
    op.execute("DROP TABLE context_turns")
