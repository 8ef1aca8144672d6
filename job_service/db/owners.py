"""What belongs to an owner as a whole: handing it to another owner (a guest who signs up or
signs in), and listing it to erase it (an account deleted)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from job_service.db.tables import conversations


@dataclass(frozen=True)
class Transferred:
    conversations: int
    messages: list[str]  # their ids: jobs still in Redis change owner too


# An idempotency key is unique per owner: a guest's key the account already used is dropped
# (the guest's message stays; only its retry protection goes).
_FREE_KEYS = text(
    """
    UPDATE messages SET idempotency_key = NULL
    WHERE owner = :from_owner AND idempotency_key IN (
      SELECT idempotency_key FROM messages WHERE owner = :to_owner AND idempotency_key IS NOT NULL)
    """
)
_MOVE_CONVERSATIONS = text("UPDATE conversations SET owner = :to_owner WHERE owner = :from_owner")
_MOVE_MESSAGES = text("UPDATE messages SET owner = :to_owner WHERE owner = :from_owner RETURNING id")


class Owners:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def transfer(self, from_owner: str, to_owner: str) -> Transferred:
        """Every conversation and message of `from_owner` becomes `to_owner`'s, in one transaction."""
        names = {"from_owner": from_owner, "to_owner": to_owner}
        async with self.engine.begin() as conn:
            await conn.execute(_FREE_KEYS, names)
            moved = await conn.execute(_MOVE_CONVERSATIONS, names)
            message_ids = list((await conn.execute(_MOVE_MESSAGES, names)).scalars())
        return Transferred(conversations=int(moved.rowcount), messages=message_ids)

    async def conversation_ids(self, owner: str) -> list[str]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(conversations.c.id).where(conversations.c.owner == owner))
            return list(rows.scalars())
