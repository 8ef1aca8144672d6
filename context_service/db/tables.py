"""The context service's table, for building queries (the migrations make it)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Identity, Index, MetaData, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

# One row per exchange (a job): its turns as the store keeps them in Redis (Turn.to_dict()).
# `session_id` is the conversation; `position` is the order of appending.
context_turns = Table(
    "context_turns",
    metadata,
    Column("session_id", Text, primary_key=True),
    Column("turn_id", Text, primary_key=True),
    Column("position", BigInteger, Identity(always=True), nullable=False),
    Column("turns", JSONB, nullable=False),
    # On the branch on show (what the memory holds); an alternative's turns wait inactive.
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Index("context_turns_order", "session_id", text("position")),
)

# The owner's profile across all their conversations: learned from chat (a conversation's facts
# are merged in after each turn), or set by the owner (`edited`: chat no longer changes it).
# A deleted fact stays as a tombstone, so it is never used, nor learned, again.
profile_facts = Table(
    "profile_facts",
    metadata,
    Column("owner", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("confidence", Float, nullable=False, server_default=text("1")),
    Column("source_turn", Text, nullable=False, server_default=""),
    Column("edited", Boolean, nullable=False, server_default=text("false")),
    Column("deleted", Boolean, nullable=False, server_default=text("false")),
    Column("updated_ms", BigInteger, nullable=False),
)
