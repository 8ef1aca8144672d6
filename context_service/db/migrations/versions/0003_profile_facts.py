"""The owner's profile across conversations, editable, with deletions kept as tombstones.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE profile_facts (
          owner text NOT NULL,
          key text NOT NULL,
          value text NOT NULL,
          confidence double precision NOT NULL DEFAULT 1,
          source_turn text NOT NULL DEFAULT '',
          edited boolean NOT NULL DEFAULT false,
          deleted boolean NOT NULL DEFAULT false,
          updated_ms bigint NOT NULL,
          PRIMARY KEY (owner, key)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE profile_facts")
