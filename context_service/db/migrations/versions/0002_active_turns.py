"""Turns on the conversation's branch on show are active; others are kept for switching back.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE context_turns ADD COLUMN active boolean NOT NULL DEFAULT true")


def downgrade() -> None:
    op.execute("ALTER TABLE context_turns DROP COLUMN active")
