"""The turns in PostgreSQL: written before Redis, read back when Redis has lost a session."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, false, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from chat_common.database import autocommit
from context_service.db.tables import context_turns

# Built once: an exchange's turns, kept once (a repeated turn id keeps the first).
_APPEND = insert(context_turns).on_conflict_do_nothing(index_elements=["session_id", "turn_id"])


class TurnArchive:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = autocommit(engine)  # every read and write here is one statement

    async def append(self, session_id: str, turn_id: str, turns: list[dict[str, Any]]) -> None:
        """Records an exchange's turns once (a repeated turn id keeps the first)."""
        async with self.engine.connect() as conn:
            await conn.execute(_APPEND, {"session_id": session_id, "turn_id": turn_id, "turns": turns})

    async def read(self, session_id: str) -> list[tuple[str, list[str]]]:
        """The active exchanges of the session in order: (turn id, its turns as the store's JSON)."""
        query = select(context_turns.c.turn_id, context_turns.c.turns).where(
            context_turns.c.session_id == session_id, context_turns.c.active
        )
        async with self.engine.connect() as conn:
            rows = await conn.execute(query.order_by(context_turns.c.position))
            return [(row.turn_id, [json.dumps(turn) for turn in row.turns]) for row in rows]

    async def set_branch(self, session_id: str, turn_ids: list[str]) -> None:
        """Makes exactly these exchanges active (those it holds; a failed job left none)."""
        async with self.engine.connect() as conn:
            await conn.execute(
                update(context_turns)
                .where(context_turns.c.session_id == session_id)
                .values(active=context_turns.c.turn_id.in_(turn_ids) if turn_ids else false())
            )

    async def clear(self, session_id: str) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(delete(context_turns).where(context_turns.c.session_id == session_id))
