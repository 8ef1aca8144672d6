"""The job service's tables, for building queries. The schema itself is made by the
migrations (migrations/versions/), which are the source of truth; a test checks the two agree."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR

metadata = MetaData()

conversations = Table(
    "conversations",
    metadata,
    Column("id", Text, primary_key=True),
    Column("owner", Text, nullable=False),
    Column("title", Text, nullable=False, server_default=""),
    # Who named it: '' (nobody yet), 'words' (the first words), 'model', 'user'.
    Column("title_source", Text, nullable=False, server_default=""),
    Column("created_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    Column("search", TSVECTOR, Computed("to_tsvector('english'::regconfig, title)", persisted=True)),
    # The last exchange of the branch on show; new messages follow it.
    Column("leaf_id", Text),
    Index("conversations_owner_recent", "owner", text("updated_ms DESC"), text("id DESC")),
    Index("conversations_search", "search", postgresql_using="gin"),
)

# One row per exchange: the user's message (or file) and the assistant's reply to it, keyed by
# the job id. `position` is the order of acceptance (messages of one batch share a
# millisecond); `status` holds chat.v1.JobStatus numbers.
messages = Table(
    "messages",
    metadata,
    Column("id", Text, primary_key=True),
    Column("position", BigInteger, Identity(always=True), nullable=False),
    # The exchange this one follows on its branch (None: the first). Siblings are alternatives.
    Column("parent_id", Text),
    Column("conversation_id", Text, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("owner", Text, nullable=False),
    Column("kind", SmallInteger, nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("file", JSONB(none_as_null=True)),
    Column("idempotency_key", Text),
    Column("request_id", Text, nullable=False, server_default=""),
    Column("trace", JSONB(none_as_null=True)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("reply", Text),
    Column("provider", Text),
    Column("model", Text),
    Column("fallback", Boolean),
    Column("stopped", Boolean, nullable=False, server_default=text("false")),
    Column("usage", JSONB(none_as_null=True)),
    Column("context", JSONB(none_as_null=True)),
    Column("latency_ms", Integer),
    Column("first_token_ms", Integer),
    Column("error", Text, nullable=False, server_default=""),
    Column("created_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    Column(
        "search",
        TSVECTOR,
        Computed(
            "to_tsvector('english'::regconfig, "
            "text || ' ' || translate(coalesce(file->>'name', ''), '._-', '   ') || ' ' || coalesce(reply, ''))",
            persisted=True,
        ),
    ),
    Index("messages_conversation", "conversation_id", text("position DESC")),
    Index("messages_idempotency", "owner", "idempotency_key", unique=True, postgresql_where=text("idempotency_key IS NOT NULL")),
    Index("messages_children", "conversation_id", "parent_id"),
    Index("messages_unfinished", "created_ms", postgresql_where=text("status IN (1, 2)")),
    Index("messages_search", "search", postgresql_using="gin"),
)
