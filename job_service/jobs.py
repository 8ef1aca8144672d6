"""A job's two homes: its record in PostgreSQL and its moving parts in Redis.

- Accepting a message records it (and its conversation) in PostgreSQL, then puts it in flight
  in Redis; only then does the caller hear back. If Redis fails after the record is written,
  the message is still accepted: the sweeper (or the first watcher) puts it in flight.
- A job's ending is recorded before its terminal event is published, so whatever a client has
  seen end is in the record.
- Redis may lose anything: a job the record shows unfinished is put in flight again, with a
  rebuilt log (job_service/store.py), whoever notices first.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import cast

from opentelemetry import propagate
from sqlalchemy.ext.asyncio import AsyncEngine

from chat_common import pb
from chat_common.database import retry_database, storable
from chat_common.errors import ErrorCode, InvalidArgument, NotFound, ServiceError
from chat_common.logs import request_id_var
from job_service.db.conversations import Conversations, Removed
from job_service.db.intake import Created, Intake, NewMessage
from job_service.db.messages import Messages
from job_service.db.records import UNFINISHED, Ending
from job_service.store import DONE, PENDING, InFlight, JobStore, now_ms

log = logging.getLogger("job_service.jobs")

# GET /chat/history shows at most this many of the latest messages; longer conversations page
# through ListMessages.
HISTORY_LIMIT = 500


def validate(request: pb.jobs.CreateJobRequest, request_id: str, trace: dict[str, str]) -> NewMessage:
    if not request.session_id:
        raise InvalidArgument("session_id is required")
    if request.kind == pb.common.JOB_KIND_MESSAGE and not request.text.strip():
        raise InvalidArgument("text is required for a message job")
    if request.kind == pb.common.JOB_KIND_FILE and not request.file.storage_key:
        raise InvalidArgument("file.storage_key is required for a file job")
    if request.kind not in (pb.common.JOB_KIND_MESSAGE, pb.common.JOB_KIND_FILE):
        raise InvalidArgument("kind must be JOB_KIND_MESSAGE or JOB_KIND_FILE")
    if len(request.idempotency_key) > 200:
        raise InvalidArgument("idempotency_key is longer than 200 characters")
    if len(request.conversation_id) > 64:
        raise NotFound(f"conversation {request.conversation_id} not found", ErrorCode.CONVERSATION_NOT_FOUND)
    at = now_ms()
    job = pb.jobs.Job(
        id=uuid.uuid4().hex,
        session_id=request.session_id,
        conversation_id=request.conversation_id,
        kind=request.kind,
        status=PENDING,
        text=storable(request.text),
        request_id=request_id,
        created_at_ms=at,
        updated_at_ms=at,
    )
    if request.kind == pb.common.JOB_KIND_FILE:
        job.file.CopyFrom(request.file)
        job.file.name = storable(job.file.name)
    return NewMessage(job, request.idempotency_key, trace)


class Jobs:
    def __init__(
        self, engine: AsyncEngine, store: JobStore, messages: Messages, conversations: Conversations, write_retry_s: float
    ) -> None:
        self.engine = engine
        self.store = store
        self.messages = messages
        self.conversations = conversations
        self.intake = Intake(engine, conversations, messages)
        # How long a worker's write of a job's ending rides out a PostgreSQL that is down.
        self.write_retry_s = write_retry_s

    async def create(self, request: pb.jobs.CreateJobRequest) -> Created:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # lets the worker continue the creating request's trace
        outcome = (await self.create_many([(request, request_id_var.get(), carrier)]))[0]
        if isinstance(outcome, ServiceError):
            raise outcome
        return outcome

    async def create_alternative(self, owner: str, job_id: str, text: str | None, idempotency_key: str) -> Created:
        """A new exchange beside `job_id` (same parent): its text again (a regenerated reply),
        or new text (an edit). It becomes the leaf on show."""
        original = await self.messages.get(owner, job_id)
        if original is None:
            raise NotFound(f"job {job_id} not found", ErrorCode.JOB_NOT_FOUND)
        if original.kind != pb.common.JOB_KIND_MESSAGE:
            raise InvalidArgument(
                "A file's reply cannot be made again (the file is not kept once read): upload it again.",
                ErrorCode.NOT_REGENERABLE,
            )
        request = pb.jobs.CreateJobRequest(
            session_id=owner,
            conversation_id=original.conversation_id,
            kind=pb.common.JOB_KIND_MESSAGE,
            text=original.text if text is None else text,
            idempotency_key=idempotency_key,
        )
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        req = validate(request, request_id_var.get(), carrier)
        req.parent_id = original.parent_id
        outcome = (await self.intake.record([req]))[0]
        if isinstance(outcome, ServiceError):
            raise outcome
        if outcome.job.status in UNFINISHED:
            await self.store.enqueue([InFlight.of(outcome.job, carrier, self.store.keys)])
        return outcome

    async def branch(self, job: pb.jobs.Job, until: float) -> list[str]:
        """The exchanges before `job` on its branch, oldest first; retried while PostgreSQL is
        unreachable, until the monotonic time `until` (the job's deadline)."""
        if not job.parent_id:
            return []

        async def read() -> list[str]:
            async with self.engine.connect() as conn:
                return await self.messages.branch(conn, job.parent_id)

        return await retry_database(read, "reading a branch", until)

    async def select(self, owner: str, message_id: str) -> str:
        """Shows the newest branch through `message_id`; returns its conversation's id."""

        async def choose() -> str:
            async with self.engine.begin() as conn:
                found = await self.messages.get_in(conn, owner, message_id)
                if found is None:
                    raise NotFound(f"job {message_id} not found", ErrorCode.JOB_NOT_FOUND)
                leaf = await self.messages.latest_under(conn, message_id)
                await self.conversations.select_leaf(conn, found.conversation_id, leaf)
                return found.conversation_id

        return await choose()

    async def create_many(
        self, items: list[tuple[pb.jobs.CreateJobRequest, str, dict[str, str]]]
    ) -> list[Created | ServiceError]:
        """Creates each (request, request id, trace context), in order: one transaction records
        them all, one Redis round trip puts them in flight. An item that fails (invalid, or an
        unknown conversation) fails alone."""
        outcomes: list[Created | ServiceError | None] = [None] * len(items)
        valid: list[tuple[int, NewMessage]] = []
        for i, (request, request_id, carrier) in enumerate(items):
            try:
                valid.append((i, validate(request, request_id, carrier)))
            except ServiceError as exc:
                outcomes[i] = exc
        if valid:
            recorded = await self.intake.record([req for _, req in valid])
            for (i, _), outcome in zip(valid, recorded, strict=True):
                outcomes[i] = outcome
            flying = [
                (InFlight.of(o.job, req.trace, self.store.keys), o.job)
                for i, req in valid
                if isinstance(o := outcomes[i], Created) and o.job.status in UNFINISHED
            ]
            try:
                await self.store.enqueue([f for f, _ in flying])
            except Exception as exc:  # noqa: BLE001 - recorded is accepted: the sweeper enqueues it
                log.warning("recorded %d messages but could not queue them (%s); the sweeper will", len(flying), exc)
        return cast(list[Created | ServiceError], outcomes)

    async def get(self, owner: str, job_id: str) -> pb.jobs.Job:
        """The job as Redis has it while in flight, else as recorded. Another owner's job is
        indistinguishable from a missing one."""
        job = await self.store.load(job_id)
        if job is None:
            job = await self.messages.get(owner, job_id)
        if job is None or job.session_id != owner:
            raise NotFound(f"job {job_id} not found", ErrorCode.JOB_NOT_FOUND)
        return job

    async def cancel(self, owner: str, job_id: str) -> pb.jobs.Job:
        """Stops a job: a running one through its worker (within JOB_STOP_POLL_S), a pending one
        here and now, with an empty reply marked stopped. An ended job is returned as it is."""
        job = await self.get(owner, job_id)
        if job.status not in UNFINISHED:
            return job
        if await self.store.request_cancel(job_id) == PENDING:
            # A worker that claims it meanwhile finds this ending recorded and publishes it.
            ending = await self.record_ending(job, DONE, pb.jobs.JobResult(stopped=True), "")
            if ending is not None:
                await self.store.finish(job, ending.status, ending.result, ending.error)
        return await self.get(owner, job_id)

    async def recover(self, owner: str, job_id: str) -> pb.jobs.Job:
        """For a job Redis does not hold: the record, put in flight again if it is unfinished.
        NOT_FOUND when it is not the owner's (or does not exist)."""
        job = await self.messages.get(owner, job_id)
        if job is None:
            raise NotFound(f"job {job_id} not found", ErrorCode.JOB_NOT_FOUND)
        if job.status in UNFINISHED:
            trace = await self.messages.trace(job_id)
            if (await self.store.enqueue([InFlight.of(job, trace, self.store.keys, rebuilt=True)]))[0]:
                log.warning("job %s was lost from Redis; queued again", job_id)
        return job

    async def history(self, owner: str, conversation_id: str) -> list[pb.jobs.Job]:
        """The conversation's latest messages (default: the owner's most recent conversation),
        oldest first, with the live status of those in flight."""

        async def read() -> list[pb.jobs.Job]:
            async with self.engine.connect() as conn:
                if conversation_id:
                    await self.conversations.check_owner(conn, owner, conversation_id)
                    chosen = conversation_id
                else:
                    found = await self.conversations.latest(conn, owner)
                    if found is None:
                        return []
                    chosen = found
                leaf = await self.conversations.leaf(conn, chosen)
                jobs, _ = await self.messages.page(conn, leaf, "", HISTORY_LIMIT)
                return jobs

        jobs = await read()
        await self.overlay_live(jobs)
        return jobs

    async def overlay_live(self, jobs: list[pb.jobs.Job]) -> None:
        """The record says PENDING until a job ends; Redis knows whether it is processing."""
        unfinished = [job for job in jobs if job.status in UNFINISHED]
        if not unfinished:
            return
        async with self.store.redis.pipeline(transaction=False) as pipe:
            for job in unfinished:
                pipe.hmget(self.store.keys.job(job.id), "status", "attempts")
            live = await pipe.execute()
        for job, (status, attempts) in zip(unfinished, live, strict=True):
            if status is not None:
                job.status = int(status)  # type: ignore[assignment]  # a JobStatus number
                job.attempts = int(attempts or 0)

    async def clear(self, owner: str, conversation_id: str) -> tuple[str, Removed]:
        """Empties the conversation (default: the most recent one). Returns its id and what went."""

        async def remove() -> tuple[str, Removed]:
            chosen = conversation_id
            if not chosen:
                async with self.engine.connect() as conn:
                    chosen = await self.conversations.latest(conn, owner) or ""
                if not chosen:
                    return "", Removed([], [])
            return chosen, await self.conversations.delete(owner, chosen, keep_conversation=True)

        conversation_id, removed = await remove()
        await self.store.forget(removed.messages)
        return conversation_id, removed

    async def delete(self, owner: str, conversation_id: str) -> Removed:
        """Deletes the conversation and its messages, in the record and in Redis."""
        removed = await self.conversations.delete(owner, conversation_id)
        await self.store.forget(removed.messages)
        return removed

    async def record_ending(self, job: pb.jobs.Job, status: int, result: pb.jobs.JobResult | None, error: str) -> Ending | None:
        """Records the job's ending, retried while PostgreSQL is unreachable (up to
        `write_retry_s`). Returns the ending as recorded: the first if it had one already,
        None if its conversation was deleted meanwhile."""
        until = time.monotonic() + self.write_retry_s
        return await retry_database(
            lambda: self.messages.finish(job.id, status, result, error, job.attempts, now_ms()), "recording an ending", until
        )

    async def sweep(self, grace_ms: int, batch: int = 500) -> int:
        """Puts back in flight what the record shows unfinished but Redis no longer holds
        (Redis lost it), a batch at a time. Returns how many it re-queued."""
        older_than, after, requeued = now_ms() - grace_ms, (0, ""), 0
        while True:
            unfinished = await self.messages.unfinished(older_than, after, batch)
            if not unfinished:
                break
            async with self.store.redis.pipeline(transaction=False) as pipe:
                for job, _trace in unfinished:
                    pipe.exists(self.store.keys.job(job.id))
                held = await pipe.execute()
            lost = [
                InFlight.of(job, trace, self.store.keys, rebuilt=True)
                for (job, trace), there in zip(unfinished, held, strict=True)
                if not there
            ]
            requeued += sum(await self.store.enqueue(lost))
            last = unfinished[-1][0]
            after = (last.created_at_ms, last.id)
        if requeued:
            log.warning("re-queued %d messages that Redis had lost", requeued)
        return requeued
