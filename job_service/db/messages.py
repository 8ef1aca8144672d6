"""The `messages` table: each exchange's record, written before the 202 and again, with the
reply, before the job's terminal event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, false, literal, or_, select, true, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chat_common import pb
from chat_common.database import autocommit
from chat_common.errors import ErrorCode, InvalidArgument
from job_service.db import cursors
from job_service.db.records import COLUMNS, UNFINISHED, Ending, file_json, job_from_row, result_columns
from job_service.db.tables import messages

# Built once (statements are the costly part of a small write): a job's first ending; the
# columns set are the parameters given.
_FINISH = update(messages).where(messages.c.id == bindparam("job_id"), messages.c.status.in_(UNFINISHED)).returning(messages.c.id)
# New messages; one whose idempotency key a concurrent transaction recorded first is left out.
_INSERT = (
    pg_insert(messages)
    .on_conflict_do_nothing(
        index_elements=[messages.c.owner, messages.c.idempotency_key], index_where=messages.c.idempotency_key.is_not(None)
    )
    .returning(messages.c.id)
)


class Messages:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.writer = autocommit(engine)

    @staticmethod
    def row(job: pb.jobs.Job, idempotency_key: str, trace: dict[str, str]) -> dict[str, Any]:
        """A new message's row."""
        return {
            "id": job.id,
            "conversation_id": job.conversation_id,
            "parent_id": job.parent_id or None,
            "owner": job.session_id,
            "kind": job.kind,
            "status": job.status,
            "text": job.text,
            "file": file_json(job.file) if job.HasField("file") else None,
            "idempotency_key": idempotency_key or None,
            "request_id": job.request_id,
            "trace": trace or None,
            "created_ms": job.created_at_ms,
            "updated_ms": job.updated_at_ms,
        }

    async def by_keys(self, conn: AsyncConnection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], pb.jobs.Job]:
        """The messages these (owner, idempotency key) pairs made."""
        if not keys:
            return {}
        query = select(*COLUMNS).where(
            messages.c.idempotency_key.is_not(None), tuple_(messages.c.owner, messages.c.idempotency_key).in_(keys)
        )
        return {(row.owner, row.idempotency_key): job_from_row(row) for row in await conn.execute(query)}

    async def insert_many(self, conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[str]:
        """Inserts the rows in one statement; returns the ids inserted, which leave out any
        whose idempotency key a concurrent transaction recorded first."""
        if not rows:
            return []
        return list((await conn.execute(_INSERT, rows)).scalars())

    async def finish(
        self, job_id: str, status: int, result: pb.jobs.JobResult | None, error: str, attempts: int, at: int
    ) -> Ending | None:
        """Records how the job ended, once: a job that had already ended keeps its first ending.
        Returns the ending as recorded (None if its conversation was deleted meanwhile)."""
        values: dict[str, Any] = {"job_id": job_id, "status": status, "error": error, "attempts": attempts, "updated_ms": at}
        if result is not None:
            values.update(result_columns(result))
        async with self.writer.connect() as conn:
            ended = await conn.execute(_FINISH, values)
            if ended.first() is not None:
                return Ending(status, result, error)
            row = (await conn.execute(select(*COLUMNS).where(messages.c.id == job_id))).first()
        if row is None:
            return None
        job = job_from_row(row)
        return Ending(job.status, job.result if job.HasField("result") else None, job.error)

    async def get(self, owner: str, job_id: str) -> pb.jobs.Job | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(*COLUMNS).where(messages.c.id == job_id, messages.c.owner == owner))).first()
        return job_from_row(row) if row is not None else None

    async def get_in(self, conn: AsyncConnection, owner: str, job_id: str) -> pb.jobs.Job | None:
        row = (await conn.execute(select(*COLUMNS).where(messages.c.id == job_id, messages.c.owner == owner))).first()
        return job_from_row(row) if row is not None else None

    async def trace(self, job_id: str) -> dict[str, str]:
        async with self.engine.connect() as conn:
            found = (await conn.execute(select(messages.c.trace).where(messages.c.id == job_id))).scalar()
        return dict(found or {})

    async def page(self, conn: AsyncConnection, leaf_id: str, cursor: str, limit: int) -> tuple[list[pb.jobs.Job], str]:
        """A page of the branch ending at `leaf_id`, going back in time from `cursor` (the
        oldest message of the previous page), oldest first within it, each with its
        alternatives. A page costs its own size, however long the branch."""
        start = leaf_id
        if cursor:
            _, shown = cursors.decode(cursor)
            parent = (await conn.execute(select(messages.c.parent_id).where(messages.c.id == shown))).first()
            if parent is None:
                raise InvalidArgument("cursor is not one this API gave out", ErrorCode.INVALID_CURSOR)
            start = parent.parent_id or ""
        if not start:
            return [], ""
        ids = await self.branch(conn, start, limit + 1)
        more = len(ids) > limit
        ids = ids[-limit:]
        rows = {row.id: row for row in await conn.execute(select(*COLUMNS).where(messages.c.id.in_(ids)))}
        page = [job_from_row(rows[i]) for i in ids if i in rows]
        await self._alternatives(conn, page)
        return page, cursors.encode(0, page[0].id) if more and page else ""

    async def branch(self, conn: AsyncConnection, leaf_id: str, limit: int | None = None) -> list[str]:
        """The ids of the branch ending at `leaf_id`, oldest first (its last `limit` only)."""
        start = select(messages.c.id, messages.c.parent_id, literal(1).label("depth")).where(messages.c.id == leaf_id)
        up = start.cte("up", recursive=True)
        step = select(messages.c.id, messages.c.parent_id, (up.c.depth + 1).label("depth")).join(
            up, messages.c.id == up.c.parent_id
        )
        if limit is not None:
            step = step.where(up.c.depth < limit)
        path = up.union_all(step)
        rows = await conn.execute(select(path.c.id).order_by(path.c.depth.desc()))
        return list(rows.scalars())

    async def latest_under(self, conn: AsyncConnection, message_id: str) -> str:
        """The end of the most recent branch through `message_id`: its newest child, that
        child's newest child, and so on."""
        start = select(messages.c.id, literal(0).label("depth")).where(messages.c.id == message_id)
        down = start.cte("down", recursive=True)
        newest = (
            select(messages.c.id)
            .where(messages.c.parent_id == down.c.id)
            .order_by(messages.c.position.desc())
            .limit(1)
            .lateral("newest")
        )
        path = down.union_all(select(newest.c.id, (down.c.depth + 1).label("depth")).select_from(down.join(newest, true())))
        found = (await conn.execute(select(path.c.id).order_by(path.c.depth.desc()).limit(1))).scalar()
        return str(found or message_id)

    async def _alternatives(self, conn: AsyncConnection, page: list[pb.jobs.Job]) -> None:
        """Fills each message's alternatives: it and its siblings, oldest first."""
        if not page:
            return
        parents = {job.parent_id for job in page}
        where = [messages.c.conversation_id == page[0].conversation_id]
        named = [p for p in parents if p]
        same_parent = messages.c.parent_id.in_(named) if named else false()
        where.append(or_(same_parent, messages.c.parent_id.is_(None)) if "" in parents else same_parent)
        rows = await conn.execute(select(messages.c.id, messages.c.parent_id).where(and_(*where)).order_by(messages.c.position))
        siblings: dict[str, list[str]] = {}
        for row in rows:
            siblings.setdefault(row.parent_id or "", []).append(row.id)
        for job in page:
            job.alternative_ids.extend(siblings.get(job.parent_id, [job.id]))

    async def unfinished(
        self, older_than_ms: int, after: tuple[int, str], limit: int
    ) -> list[tuple[pb.jobs.Job, dict[str, str]]]:
        """Messages the record still shows pending or processing, created before `older_than_ms`
        and after `after` (created ms, id), oldest first, each with its trace context."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(*COLUMNS)
                .where(
                    messages.c.status.in_(UNFINISHED),
                    messages.c.created_ms < older_than_ms,
                    tuple_(messages.c.created_ms, messages.c.id) > tuple_(*after),
                )
                .order_by(messages.c.created_ms, messages.c.id)
                .limit(limit)
            )
            return [(job_from_row(row), dict(row.trace or {})) for row in rows]
