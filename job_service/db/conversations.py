"""The `conversations` table: an owner's conversations, newest activity first, searchable."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, exists, func, insert, or_, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chat_common import pb
from chat_common.database import storable
from chat_common.errors import ErrorCode, InvalidArgument, NotFound
from job_service.db import cursors
from job_service.db.tables import conversations, messages

MAX_TITLE_CHARS = 200
# Words of the first message that name a conversation until a better title comes.
TITLE_WORDS = 8
SEARCH_CONFIG = "english"


def now_ms() -> int:
    return int(time.time() * 1000)


def clean_title(title: str) -> str:
    title = " ".join(storable(title).split())
    if len(title) > MAX_TITLE_CHARS:
        raise InvalidArgument(f"title must be at most {MAX_TITLE_CHARS} characters")
    return title


def first_words(message: str) -> str:
    words = message.split()
    title = " ".join(words[:TITLE_WORDS])
    if len(words) > TITLE_WORDS:
        title += "…"
    return title[:MAX_TITLE_CHARS]


@dataclass
class NewLeaf:
    leaf_id: str
    at_ms: int
    label: str  # the first new message's text or file name: the title when there is none


@dataclass
class Removed:
    messages: list[str]  # their ids, which are their jobs' ids
    files: list[pb.jobs.FileRef]


def not_found(conversation_id: str) -> NotFound:
    return NotFound(f"conversation {conversation_id} not found", ErrorCode.CONVERSATION_NOT_FOUND)


_COUNT = select(func.count()).where(messages.c.conversation_id == conversations.c.id).scalar_subquery()
_COLUMNS = (conversations, _COUNT.label("message_count"))


def _out(row: Row[Any]) -> pb.conversations.Conversation:
    data = row._mapping
    return pb.conversations.Conversation(
        id=data["id"],
        title=data["title"],
        created_at_ms=data["created_ms"],
        updated_at_ms=data["updated_ms"],
        message_count=data["message_count"],
    )


# Built once: a conversation's new leaf, top place and (if it has none) first-words title.
_LEAVES_MOVED = (
    update(conversations)
    .where(conversations.c.id == bindparam("conversation"))
    .values(
        leaf_id=bindparam("leaf"),
        updated_ms=func.greatest(conversations.c.updated_ms, bindparam("at")),
        title=func.coalesce(func.nullif(conversations.c.title, ""), bindparam("words")),
        title_source=func.coalesce(func.nullif(conversations.c.title_source, ""), "words"),
    )
)


class Conversations:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(self, owner: str, title: str = "") -> pb.conversations.Conversation:
        title = clean_title(title)
        async with self.engine.begin() as conn:
            conversation_id = await self._insert(conn, owner, title, "user" if title else "")
            return await self.get_in(conn, owner, conversation_id)

    async def _insert(self, conn: AsyncConnection, owner: str, title: str, source: str) -> str:
        at = now_ms()
        conversation_id = uuid.uuid4().hex
        await conn.execute(
            insert(conversations).values(
                id=conversation_id, owner=owner, title=title, title_source=source, created_ms=at, updated_ms=at
            )
        )
        return conversation_id

    async def get(self, owner: str, conversation_id: str) -> pb.conversations.Conversation:
        async with self.engine.connect() as conn:
            return await self.get_in(conn, owner, conversation_id)

    async def get_in(self, conn: AsyncConnection, owner: str, conversation_id: str) -> pb.conversations.Conversation:
        row = (
            await conn.execute(select(*_COLUMNS).where(conversations.c.id == conversation_id, conversations.c.owner == owner))
        ).first()
        if row is None:
            raise not_found(conversation_id)
        return _out(row)

    async def latest(self, conn: AsyncConnection, owner: str) -> str | None:
        """The owner's most recently active conversation, if any."""
        query = select(conversations.c.id).where(conversations.c.owner == owner)
        query = query.order_by(conversations.c.updated_ms.desc(), conversations.c.id.desc()).limit(1)
        found = (await conn.execute(query)).scalar()
        return str(found) if found is not None else None

    async def current_many(self, conn: AsyncConnection, owners: set[str]) -> dict[str, str]:
        """Each owner's most recently active conversation, created when there is none."""
        if not owners:
            return {}
        query = (
            select(conversations.c.owner, conversations.c.id)
            .where(conversations.c.owner.in_(owners))
            .ext(distinct_on(conversations.c.owner))
            .order_by(conversations.c.owner, conversations.c.updated_ms.desc(), conversations.c.id.desc())
        )
        found = {row.owner: row.id for row in await conn.execute(query)}
        for owner in sorted(owners - found.keys()):
            found[owner] = await self._first(conn, owner)
        return found

    async def _first(self, conn: AsyncConnection, owner: str) -> str:
        """The owner's first conversation. Two first messages at once still make one: the
        owner's advisory lock orders them."""
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:owner, 0))"), {"owner": owner})
        return await self.latest(conn, owner) or await self._insert(conn, owner, "", "")

    async def check_owner(self, conn: AsyncConnection, owner: str, conversation_id: str) -> None:
        query = select(conversations.c.id).where(conversations.c.id == conversation_id, conversations.c.owner == owner)
        if (await conn.execute(query)).first() is None:
            raise not_found(conversation_id)

    async def leaf(self, conn: AsyncConnection, conversation_id: str) -> str:
        query = select(conversations.c.leaf_id).where(conversations.c.id == conversation_id)
        return str((await conn.execute(query)).scalar() or "")

    async def lock_leaves(self, conn: AsyncConnection, ids: set[str]) -> dict[str, tuple[str, str]]:
        """The owner and the leaf (new messages follow it) of each existing conversation of
        `ids`, locked until the transaction ends, in id order so that batches never deadlock."""
        query = (
            select(conversations.c.id, conversations.c.owner, conversations.c.leaf_id)
            .where(conversations.c.id.in_(ids))
            .order_by(conversations.c.id)
            .with_for_update()
        )
        return {row.id: (row.owner, row.leaf_id or "") for row in await conn.execute(query)}

    async def leaves_moved(self, conn: AsyncConnection, added: dict[str, NewLeaf]) -> None:
        """Each conversation's newest message becomes the leaf on show and moves it to the top;
        its first message names it if nothing has yet."""
        if not added:
            return
        await conn.execute(
            _LEAVES_MOVED,
            [
                {"conversation": cid, "leaf": new.leaf_id, "at": new.at_ms, "words": first_words(new.label)}
                for cid, new in added.items()
            ],
        )

    async def page(self, owner: str, query: str, cursor: str, limit: int) -> tuple[list[pb.conversations.Conversation], str]:
        limit = cursors.page_limit(limit, 20, 100)
        where = [conversations.c.owner == owner]
        if cursor:
            ms, after_id = cursors.decode(cursor)
            where.append(tuple_(conversations.c.updated_ms, conversations.c.id) < tuple_(ms, after_id))
        if query.strip():
            if len(query) > 500:
                raise InvalidArgument("q must be at most 500 characters")
            terms = func.websearch_to_tsquery(text(f"'{SEARCH_CONFIG}'::regconfig"), query)
            in_messages = exists().where(messages.c.conversation_id == conversations.c.id, messages.c.search.op("@@")(terms))
            where.append(or_(conversations.c.search.op("@@")(terms), in_messages))
        statement = (
            select(*_COLUMNS)
            .where(and_(*where))
            .order_by(conversations.c.updated_ms.desc(), conversations.c.id.desc())
            .limit(limit + 1)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
        page = [_out(row) for row in rows[:limit]]
        more = len(rows) > limit
        return page, cursors.encode(page[-1].updated_at_ms, page[-1].id) if more else ""

    async def rename(self, owner: str, conversation_id: str, title: str) -> pb.conversations.Conversation:
        title = clean_title(title)
        if not title:
            raise InvalidArgument("title must not be empty")
        async with self.engine.begin() as conn:
            changed = await conn.execute(
                update(conversations)
                .where(conversations.c.id == conversation_id, conversations.c.owner == owner)
                .values(title=title, title_source="user", updated_ms=func.greatest(conversations.c.updated_ms, now_ms()))
            )
            if not changed.rowcount:
                raise not_found(conversation_id)
            return await self.get_in(conn, owner, conversation_id)

    async def delete(self, owner: str, conversation_id: str, keep_conversation: bool = False) -> Removed:
        """Deletes the conversation's messages, and the conversation itself unless
        `keep_conversation` (a clear). Returns what went, so its files and memory go too."""
        async with self.engine.begin() as conn:
            await self.check_owner(conn, owner, conversation_id)
            files = await self._files(conn, conversation_id)
            removed = await conn.execute(
                delete(messages).where(messages.c.conversation_id == conversation_id).returning(messages.c.id)
            )
            ids = list(removed.scalars())
            if keep_conversation:
                await conn.execute(update(conversations).where(conversations.c.id == conversation_id).values(leaf_id=None))
            else:
                await conn.execute(delete(conversations).where(conversations.c.id == conversation_id))
            return Removed(messages=ids, files=files)

    async def titled_by_words(self, conversation_id: str) -> bool:
        """Its title is still its first words (nobody, model or user, has named it)."""
        query = select(conversations.c.title_source).where(conversations.c.id == conversation_id)
        async with self.engine.connect() as conn:
            return (await conn.execute(query)).scalar() == "words"

    async def name_by_model(self, conversation_id: str, title: str) -> bool:
        """Replaces the first-words title with the model's; never a title the user chose."""
        async with self.engine.begin() as conn:
            changed = await conn.execute(
                update(conversations)
                .where(conversations.c.id == conversation_id, conversations.c.title_source == "words")
                .values(title=clean_title(title), title_source="model")
            )
        return bool(changed.rowcount)

    async def select_leaf(self, conn: AsyncConnection, conversation_id: str, leaf_id: str) -> None:
        at = now_ms()
        await conn.execute(
            update(conversations)
            .where(conversations.c.id == conversation_id)
            .values(leaf_id=leaf_id, updated_ms=func.greatest(conversations.c.updated_ms, at))
        )

    async def _files(self, conn: AsyncConnection, conversation_id: str) -> list[pb.jobs.FileRef]:
        rows = await conn.execute(
            select(messages.c.file).where(messages.c.conversation_id == conversation_id, messages.c.file.is_not(None))
        )
        return [pb.jobs.FileRef(**row.file) for row in rows]
