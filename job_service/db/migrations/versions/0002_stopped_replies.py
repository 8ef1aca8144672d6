"""A reply the user stopped is marked so.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE messages ADD COLUMN stopped boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute("ALTER TABLE messages DROP COLUMN stopped")
