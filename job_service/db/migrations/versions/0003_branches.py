"""Branches: each exchange follows a parent; a conversation shows the branch ending at its leaf.

Regenerating or editing a message adds a sibling (an alternative) under the same parent.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE messages ADD COLUMN parent_id text")
    op.execute("CREATE INDEX messages_children ON messages (conversation_id, parent_id)")
    op.execute("ALTER TABLE conversations ADD COLUMN leaf_id text")
    # Conversations recorded before branches were one branch: chain their messages in order.
    op.execute(
        """
        UPDATE messages m SET parent_id = previous.id
        FROM (SELECT id, lag(id) OVER (PARTITION BY conversation_id ORDER BY position) AS prev FROM messages) ordered
        JOIN messages previous ON previous.id = ordered.prev
        WHERE m.id = ordered.id
        """
    )
    op.execute(
        """
        UPDATE conversations c SET leaf_id = (
          SELECT id FROM messages m WHERE m.conversation_id = c.id ORDER BY position DESC LIMIT 1
        )
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE conversations DROP COLUMN leaf_id")
    op.execute("DROP INDEX messages_children")
    op.execute("ALTER TABLE messages DROP COLUMN parent_id")
