"""Recording new messages: a whole CreateJobs batch in one transaction and a handful of round
trips, whatever its size, so the submits that arrive together share PostgreSQL's commit.

1. The most recent conversation of each owner who named none (one query; an owner's first
   conversation is made under the owner's advisory lock, so two first messages make one).
2. The batch's conversations, locked in id order (batches never deadlock): messages sent at
   once to one conversation are chained one after another, never made siblings, and no
   conversation is deleted under the batch.
3. The messages the batch's idempotency keys already made (one query).
4. The new messages (one multi-row INSERT), then each conversation's new leaf, top place and
   first-words title (one UPDATE per conversation, pipelined).

What a concurrent transaction changes between the reads and the writes (a key recorded, a
conversation deleted) rolls the batch back, and it is recorded again from step 1.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chat_common import pb
from chat_common.database import retry_database
from chat_common.errors import ServiceError, Unavailable
from job_service.db.conversations import Conversations, NewLeaf, not_found
from job_service.db.messages import Messages

log = logging.getLogger("job_service.intake")

MAX_ATTEMPTS = 3
# A connection that a PostgreSQL restart broke fails once, as transient: try again for this long.
TRANSIENT_RETRY_S = 1.0


@dataclass
class NewMessage:
    """A validated message (or file) to record."""

    job: pb.jobs.Job
    idempotency_key: str
    trace: dict[str, str] = field(default_factory=dict)
    # The exchange it follows: None for the conversation's leaf (a new message); given for an
    # alternative (a regenerated or edited message), "" for the first exchange.
    parent_id: str | None = None

    def label(self) -> str:
        return self.job.text if self.job.kind == pb.common.JOB_KIND_MESSAGE else self.job.file.name


@dataclass
class Created:
    job: pb.jobs.Job
    created: bool  # False: the idempotency key had already made it


class _Raced(Exception):
    """A concurrent transaction changed what the batch read."""


class Intake:
    def __init__(self, engine: AsyncEngine, conversations: Conversations, messages: Messages) -> None:
        self.engine = engine
        self.conversations = conversations
        self.messages = messages

    async def record(self, batch: list[NewMessage]) -> list[Created | ServiceError]:
        """Records the batch, in order. An item that fails (an unknown conversation, or another
        owner's) fails alone."""
        until = time.monotonic() + TRANSIENT_RETRY_S
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await retry_database(lambda: self._transaction(batch), "recording messages", until)
            except _Raced as raced:
                log.info("a batch of %d raced another (%s); attempt %d", len(batch), raced, attempt)
        raise Unavailable("messages kept racing others for the same keys; send them again")

    async def _transaction(self, batch: list[NewMessage]) -> list[Created | ServiceError]:
        async with self.engine.begin() as conn:
            return await self._record(conn, batch)

    async def _record(self, conn: AsyncConnection, batch: list[NewMessage]) -> list[Created | ServiceError]:
        unnamed = {item.job.session_id for item in batch if not item.job.conversation_id}
        current = await self.conversations.current_many(conn, unnamed)
        chosen = [item.job.conversation_id or current[item.job.session_id] for item in batch]
        leaves = await self.conversations.lock_leaves(conn, set(chosen))

        outcomes: list[Created | ServiceError | None] = [None] * len(batch)
        for i, item in enumerate(batch):
            owner = leaves.get(chosen[i], (None, ""))[0]
            if owner != item.job.session_id:
                if not item.job.conversation_id:
                    raise _Raced(f"conversation {chosen[i]} was deleted")
                outcomes[i] = not_found(chosen[i])
        keys = {
            (item.job.session_id, item.idempotency_key)
            for i, item in enumerate(batch)
            if item.idempotency_key and not outcomes[i]
        }
        known = await self.messages.by_keys(conn, keys)

        rows, added = [], dict[str, NewLeaf]()
        for i, item in enumerate(batch):
            if outcomes[i] is not None:
                continue
            key = (item.job.session_id, item.idempotency_key)
            if item.idempotency_key and key in known:
                outcomes[i] = Created(known[key], False)
                continue
            job = pb.jobs.Job()
            job.CopyFrom(item.job)
            job.conversation_id = chosen[i]
            job.parent_id = leaves[chosen[i]][1] if item.parent_id is None else item.parent_id
            leaves[chosen[i]] = (job.session_id, job.id)
            rows.append(self.messages.row(job, item.idempotency_key, item.trace))
            if item.idempotency_key:
                known[key] = job  # the key's second use in this batch gets this message
            outcomes[i] = Created(job, True)
            first = added.get(job.conversation_id)
            added[job.conversation_id] = NewLeaf(job.id, job.created_at_ms, first.label if first else item.label())

        if len(await self.messages.insert_many(conn, rows)) != len(rows):
            raise _Raced("an idempotency key was recorded meanwhile")
        await self.conversations.leaves_moved(conn, added)
        return cast(list[Created | ServiceError], outcomes)  # every item has its outcome
