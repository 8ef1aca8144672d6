"""The owner's profile in PostgreSQL: what every conversation taught, and what the owner set
or deleted. A deletion is a tombstone: the fact is never shown to the model, nor learned again
from chat, until the owner sets it anew."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import and_, delete, not_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from chat_common.database import autocommit
from context_service.db.tables import profile_facts


@dataclass(frozen=True)
class OwnerFact:
    key: str
    value: str
    confidence: float
    source_turn: str
    edited: bool
    deleted: bool
    updated_ms: int


# Owners whose last-taught facts this process remembers (the oldest are forgotten first).
TAUGHT_OWNERS = 10_000


class OwnerProfiles:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = autocommit(engine)  # every read and write here is one statement
        # owner -> key -> the value this process last taught: a conversation re-teaches all it
        # knows after every exchange, and only what changed needs a write.
        self._taught: OrderedDict[str, dict[str, str]] = OrderedDict()

    async def learn(self, owner: str, facts: dict[str, tuple[str, float, str]], at: int) -> None:
        """Merges what a conversation taught (key -> value, confidence, source turn); the
        owner's own edits and deletions win."""
        taught = self._taught.setdefault(owner, {})
        self._taught.move_to_end(owner)
        while len(self._taught) > TAUGHT_OWNERS:
            self._taught.popitem(last=False)
        rows = [
            {"owner": owner, "key": k, "value": v, "confidence": c, "source_turn": t, "updated_ms": at}
            for k, (v, c, t) in facts.items()
            if taught.get(k) != v
        ]
        if not rows:
            return
        statement = insert(profile_facts).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=["owner", "key"],
            set_={
                "value": statement.excluded.value,
                "confidence": statement.excluded.confidence,
                "source_turn": statement.excluded.source_turn,
                "updated_ms": statement.excluded.updated_ms,
            },
            where=and_(
                not_(profile_facts.c.edited),
                not_(profile_facts.c.deleted),
                profile_facts.c.value != statement.excluded.value,
            ),
        )
        async with self.engine.connect() as conn:
            await conn.execute(statement)
        taught.update({k: v for k, (v, _, _) in facts.items()})

    async def all(self, owner: str) -> list[OwnerFact]:
        """Every fact of the owner, tombstones included, by key."""
        query = select(profile_facts).where(profile_facts.c.owner == owner).order_by(profile_facts.c.key)
        async with self.engine.connect() as conn:
            rows = await conn.execute(query)
            return [OwnerFact(r.key, r.value, r.confidence, r.source_turn, r.edited, r.deleted, r.updated_ms) for r in rows]

    async def set(self, owner: str, key: str, value: str, at: int) -> OwnerFact:
        values = {"value": value, "confidence": 1.0, "source_turn": "", "edited": True, "deleted": False, "updated_ms": at}
        statement = insert(profile_facts).values(owner=owner, key=key, **values)
        statement = statement.on_conflict_do_update(index_elements=["owner", "key"], set_=values)
        async with self.engine.connect() as conn:
            await conn.execute(statement)
        return OwnerFact(key, value, 1.0, "", True, False, at)

    async def delete(self, owner: str, key: str, at: int) -> bool:
        """Tombstones the fact; False if the owner had no such fact."""
        async with self.engine.connect() as conn:
            changed = await conn.execute(
                update(profile_facts)
                .where(profile_facts.c.owner == owner, profile_facts.c.key == key, not_(profile_facts.c.deleted))
                .values(deleted=True, updated_ms=at)
            )
        return bool(changed.rowcount)

    async def move(self, from_owner: str, to_owner: str) -> int:
        """Gives one owner's facts to another in one statement; where both have a fact, the
        receiving owner's stays. Returns how many facts moved."""
        async with self.engine.connect() as conn:
            moved = await conn.execute(_MOVE, {"from_owner": from_owner, "to_owner": to_owner})
        self._forget(from_owner, to_owner)
        return int(moved.scalar_one())

    async def erase(self, owner: str) -> int:
        """Removes every fact of the owner, tombstones included."""
        async with self.engine.connect() as conn:
            deleted = await conn.execute(delete(profile_facts).where(profile_facts.c.owner == owner))
        self._forget(owner)
        return int(deleted.rowcount)

    def _forget(self, *owners: str) -> None:
        for owner in owners:
            self._taught.pop(owner, None)


_MOVE = text(
    """
    WITH taken AS (
      DELETE FROM profile_facts WHERE owner = :from_owner
      RETURNING key, value, confidence, source_turn, edited, deleted, updated_ms
    ), given AS (
      INSERT INTO profile_facts (owner, key, value, confidence, source_turn, edited, deleted, updated_ms)
      SELECT :to_owner, key, value, confidence, source_turn, edited, deleted, updated_ms FROM taken
      ON CONFLICT (owner, key) DO NOTHING
      RETURNING 1
    )
    SELECT count(*) FROM given
    """
)
