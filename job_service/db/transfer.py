"""Conversations out of and into the record: an export holds every message of every branch;
an import makes a new conversation of one, with new ids and the same shape."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chat_common import pb
from chat_common.database import storable
from chat_common.errors import InvalidArgument
from job_service.db.conversations import Conversations, clean_title, first_words, now_ms
from job_service.db.records import COLUMNS, file_json, job_from_row, result_columns
from job_service.db.tables import conversations, messages

MAX_IMPORTED_MESSAGES = 10_000
MAX_IMPORTED_TEXT = 100_000
DONE = pb.common.JOB_STATUS_DONE
ERROR = pb.common.JOB_STATUS_ERROR
KINDS = (pb.common.JOB_KIND_MESSAGE, pb.common.JOB_KIND_FILE)


@dataclass
class Imported:
    conversation: pb.conversations.Conversation
    messages: list[pb.jobs.Job]  # as recorded, in order, with their new ids
    leaf_id: str

    def branch(self) -> list[pb.jobs.Job]:
        """The messages of the branch on show, oldest first."""
        by_id = {job.id: job for job in self.messages}
        path: list[pb.jobs.Job] = []
        current = by_id.get(self.leaf_id)
        while current is not None:
            path.append(current)
            current = by_id.get(current.parent_id)
        return path[::-1]


def check_import(jobs: list[pb.jobs.Job], leaf_id: str) -> None:
    """INVALID_ARGUMENT for an export this service could not have made."""
    if not jobs:
        raise InvalidArgument("an import needs at least one message")
    if len(jobs) > MAX_IMPORTED_MESSAGES:
        raise InvalidArgument(f"an import holds at most {MAX_IMPORTED_MESSAGES} messages")
    seen: set[str] = set()
    for n, job in enumerate(jobs, 1):
        if not job.id or job.id in seen:
            raise InvalidArgument(f"message {n}: every message needs an id of its own")
        if job.parent_id and job.parent_id not in seen:
            raise InvalidArgument(f"message {n}: parent_id must name an earlier message")
        if job.kind not in KINDS:
            raise InvalidArgument(f"message {n}: kind must be message or file")
        if len(job.text) > MAX_IMPORTED_TEXT or len(job.result.reply) > MAX_IMPORTED_TEXT:
            raise InvalidArgument(f"message {n}: a text is longer than {MAX_IMPORTED_TEXT} characters")
        seen.add(job.id)
    if leaf_id and leaf_id not in seen:
        raise InvalidArgument("leaf_id must name one of the messages")


class Transfer:
    def __init__(self, engine: AsyncEngine, talks: Conversations) -> None:
        self.engine = engine
        self.talks = talks

    async def export(self, owner: str, conversation_id: str) -> pb.conversations.ConversationExport:
        async with self.engine.connect() as conn:
            conversation = await self.talks.get_in(conn, owner, conversation_id)
            leaf = await self.talks.leaf(conn, conversation_id)
            rows = await conn.execute(
                select(*COLUMNS).where(messages.c.conversation_id == conversation_id).order_by(messages.c.position)
            )
            jobs = [job_from_row(row) for row in rows]
        return pb.conversations.ConversationExport(conversation=conversation, messages=jobs, leaf_id=leaf)

    async def import_(self, owner: str, title: str, jobs: list[pb.jobs.Job], leaf_id: str) -> Imported:
        check_import(jobs, leaf_id)
        title = clean_title(title) or first_words(jobs[0].text or jobs[0].file.name)
        new_ids = {job.id: uuid.uuid4().hex for job in jobs}
        at = now_ms()
        conversation_id = uuid.uuid4().hex
        rows = [self._row(job, owner, conversation_id, new_ids, at) for job in jobs]
        leaf = new_ids[leaf_id or jobs[-1].id]
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(conversations).values(
                    id=conversation_id,
                    owner=owner,
                    title=title,
                    title_source="user",
                    created_ms=min(row["created_ms"] for row in rows),
                    updated_ms=at,
                    leaf_id=leaf,
                )
            )
            await conn.execute(insert(messages), rows)
            conversation = await self.talks.get_in(conn, owner, conversation_id)
            recorded = await conn.execute(
                select(*COLUMNS).where(messages.c.conversation_id == conversation_id).order_by(messages.c.position)
            )
            return Imported(conversation, [job_from_row(row) for row in recorded], leaf)

    @staticmethod
    def _row(job: pb.jobs.Job, owner: str, conversation_id: str, new_ids: dict[str, str], at: int) -> dict[str, Any]:
        finished = job.status in (DONE, ERROR)
        created = job.created_at_ms if 0 < job.created_at_ms <= at else at
        row: dict[str, Any] = {
            "id": new_ids[job.id],
            "conversation_id": conversation_id,
            "parent_id": new_ids[job.parent_id] if job.parent_id else None,
            "owner": owner,
            "kind": job.kind,
            "status": job.status if finished else ERROR,
            "text": storable(job.text),
            # The file itself is not part of an export: its name, type and size are.
            "file": file_json(pb.jobs.FileRef(name=job.file.name, media_type=job.file.media_type, size_bytes=job.file.size_bytes))
            if job.HasField("file")
            else None,
            "error": storable(job.error) if finished else "The reply was not finished when the conversation was exported.",
            "created_ms": created,
            "updated_ms": created,
            **{
                key: None
                for key in ("reply", "provider", "model", "fallback", "usage", "context", "latency_ms", "first_token_ms")
            },
            "stopped": False,
        }
        if job.HasField("result"):
            row.update(result_columns(job.result))
        return row
