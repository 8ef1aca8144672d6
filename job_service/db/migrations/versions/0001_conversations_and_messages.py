"""Conversations and their messages.

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
        CREATE TABLE conversations (
          id text PRIMARY KEY,
          owner text NOT NULL,
          title text NOT NULL DEFAULT '',
          title_source text NOT NULL DEFAULT '',
          created_ms bigint NOT NULL,
          updated_ms bigint NOT NULL,
          search tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, title)) STORED
        )
        """
    )
    op.execute("CREATE INDEX conversations_owner_recent ON conversations (owner, updated_ms DESC, id DESC)")
    op.execute("CREATE INDEX conversations_search ON conversations USING gin (search)")
    op.execute(
        """
        CREATE TABLE messages (
          id text PRIMARY KEY,
          position bigint GENERATED ALWAYS AS IDENTITY,
          conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
          owner text NOT NULL,
          kind smallint NOT NULL,
          status smallint NOT NULL,
          text text NOT NULL,
          file jsonb,
          idempotency_key text,
          request_id text NOT NULL DEFAULT '',
          trace jsonb,
          attempts integer NOT NULL DEFAULT 0,
          reply text,
          provider text,
          model text,
          fallback boolean,
          usage jsonb,
          context jsonb,
          latency_ms integer,
          first_token_ms integer,
          error text NOT NULL DEFAULT '',
          created_ms bigint NOT NULL,
          updated_ms bigint NOT NULL,
          search tsvector GENERATED ALWAYS AS (
            to_tsvector(
              'english'::regconfig,
              text || ' ' || translate(coalesce(file->>'name', ''), '._-', '   ') || ' ' || coalesce(reply, '')
            )
          ) STORED
        )
        """
    )
    op.execute("CREATE INDEX messages_conversation ON messages (conversation_id, position DESC)")
    op.execute("CREATE UNIQUE INDEX messages_idempotency ON messages (owner, idempotency_key) WHERE idempotency_key IS NOT NULL")
    # What the sweeper scans: messages the record still shows unfinished (PENDING 1, PROCESSING 2).
    op.execute("CREATE INDEX messages_unfinished ON messages (created_ms) WHERE status IN (1, 2)")
    op.execute("CREATE INDEX messages_search ON messages USING gin (search)")


def downgrade() -> None:
    op.execute("DROP TABLE messages")
    op.execute("DROP TABLE conversations")
