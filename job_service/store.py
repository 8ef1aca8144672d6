"""Jobs and their event logs in Redis.

A job is a hash; its events are a list whose 1-based index is the event's sequence
number, so replay after `Last-Event-ID: n` is LRANGE from n. Each append also PUBLISHes
`seq:event` to live readers, who then need not read the log back; pub/sub may drop a
message, the log never does, so a reader that sees a gap reads the log. Every state change
runs in one Lua script, so a job that is DONE or ERROR can never change again: completion is
idempotent under redelivery.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from string import Template
from typing import cast

from opentelemetry import propagate
from redis.asyncio import Redis

from chat_common import pb
from chat_common.errors import ErrorCode, InvalidArgument, NotFound, ServiceError
from chat_common.logs import request_id_var
from chat_common.redis_client import retry_transient
from job_service import keys

PENDING = pb.common.JOB_STATUS_PENDING
PROCESSING = pb.common.JOB_STATUS_PROCESSING
DONE = pb.common.JOB_STATUS_DONE
ERROR = pb.common.JOB_STATUS_ERROR
TERMINAL = (DONE, ERROR)

_CREATE = """
-- KEYS: idempotency, job, history, events, active, queue
if ARGV[5] == '1' then
  local existing = redis.call('GET', KEYS[1])
  if existing then return {0, existing} end
end
redis.call('HSET', KEYS[2], unpack(ARGV, 6))
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('RPUSH', KEYS[4], ARGV[3])
redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1])
if ARGV[5] == '1' then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('XADD', KEYS[6], '*', 'job_id', ARGV[1])
redis.call('PUBLISH', ARGV[4], '1:' .. ARGV[3])
return {1, ARGV[1]}
"""

_APPEND = """
-- KEYS: job, events, active, queue.
-- ARGV: job_id, now, event, channel, terminal, ttl_s, queue entry, group, field/value...
-- A queue entry given is acknowledged and deleted in the same step, whatever the job's state.
if ARGV[7] ~= '' then
  redis.call('XACK', KEYS[4], ARGV[8], ARGV[7])
  redis.call('XDEL', KEYS[4], ARGV[7])
end
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
if status == '$DONE' or status == '$ERROR' then return 0 end
if #ARGV > 8 then redis.call('HSET', KEYS[1], 'updated_ms', ARGV[2], unpack(ARGV, 9)) end
local seq = redis.call('RPUSH', KEYS[2], ARGV[3])
if ARGV[5] == '1' then
  redis.call('ZREM', KEYS[3], ARGV[1])
  if tonumber(ARGV[6]) > 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[6])
    redis.call('EXPIRE', KEYS[2], ARGV[6])
  end
else
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
end
redis.call('PUBLISH', ARGV[4], seq .. ':' .. ARGV[3])
return seq
"""

_BEGIN = """
-- KEYS: job, events, active. ARGV: job_id, now, processing event, channel, max_attempts.
-- Returns the job as it was. Marks it PROCESSING (attempts + 1) unless it has ended or
-- has no attempt left; the caller tells which from the returned fields.
local data = redis.call('HGETALL', KEYS[1])
if #data == 0 then return data end
local status = redis.call('HGET', KEYS[1], 'status')
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if status == '$DONE' or status == '$ERROR' or attempts + 1 > tonumber(ARGV[5]) then return data end
redis.call('HSET', KEYS[1], 'status', '$PROCESSING', 'attempts', attempts + 1, 'updated_ms', ARGV[2])
local seq = redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('PUBLISH', ARGV[4], seq .. ':' .. ARGV[3])
return data
"""


def _lua(source: str) -> str:
    """A script with the job statuses' numbers filled in from the JobStatus enum."""
    return Template(source).substitute(PROCESSING=PROCESSING, DONE=DONE, ERROR=ERROR)


def now_ms() -> int:
    return int(time.time() * 1000)


def encode_event(event: pb.jobs.JobEvent) -> str:
    return base64.b64encode(event.SerializeToString()).decode()


def decode_event(raw: str, seq: int, job_id: str) -> pb.jobs.JobEvent:
    event = pb.jobs.JobEvent.FromString(base64.b64decode(raw))
    event.seq = seq
    event.job_id = job_id
    return event


def _file_to_json(ref: pb.jobs.FileRef) -> str:
    return json.dumps(
        {"name": ref.name, "media_type": ref.media_type, "size_bytes": ref.size_bytes, "storage_key": ref.storage_key}
    )


@dataclass
class _NewJob:
    """A validated job, ready for the create script."""

    fields: dict[str, str]
    keys: list[str]
    args: list[str | int]

    @classmethod
    def of(cls, request: pb.jobs.CreateJobRequest, request_id: str, trace_carrier: dict[str, str]) -> _NewJob:
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
        job_id = uuid.uuid4().hex
        at = now_ms()
        first = pb.jobs.JobEvent(at_ms=at, status=pb.jobs.StatusChanged(status=PENDING))
        fields = {
            "id": job_id,
            "session": request.session_id,
            "kind": str(request.kind),
            "status": str(PENDING),
            "text": request.text,
            "file": _file_to_json(request.file) if request.kind == pb.common.JOB_KIND_FILE else "",
            "attempts": "0",
            "request_id": request_id,
            "trace": json.dumps(trace_carrier),
            "created_ms": str(at),
            "updated_ms": str(at),
        }
        return cls(
            fields=fields,
            keys=[
                keys.idempotency(request.session_id, request.idempotency_key or "-"),
                keys.job(job_id),
                keys.history(request.session_id),
                keys.events(job_id),
                keys.ACTIVE,
                keys.QUEUE,
            ],
            args=[
                job_id,
                at,
                encode_event(first),
                keys.wake_channel(job_id),
                "1" if request.idempotency_key else "0",
                *(x for pair in fields.items() for x in pair),
            ],
        )


@dataclass
class Created:
    job: pb.jobs.Job
    created: bool


class JobStore:
    def __init__(self, redis: Redis, ttl_s: int = 0, write_retry_s: float = 30.0) -> None:
        self.redis = redis
        self.ttl_s = ttl_s
        # How long a worker's write (an event, the ending) rides out a Redis that is down or hung.
        self.write_retry_s = write_retry_s
        self._create = redis.register_script(_CREATE)
        self._append = redis.register_script(_lua(_APPEND))
        self._begin = redis.register_script(_lua(_BEGIN))

    async def create(self, request: pb.jobs.CreateJobRequest) -> Created:
        """Stores and enqueues a job, or finds the one its idempotency key already made."""
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # lets the worker continue the creating request's trace
        new = _NewJob.of(request, request_id_var.get(), carrier)
        created, existing_id = await self._create(keys=new.keys, args=new.args)
        return await self._outcome(new, created, existing_id)

    async def create_many(
        self, items: list[tuple[pb.jobs.CreateJobRequest, str, dict[str, str]]]
    ) -> list[Created | ServiceError]:
        """`create` for each (request, request id, trace context), in order, in one round trip.

        An item that fails (say, invalid) fails alone; the others are still created."""
        outcomes: list[Created | ServiceError | None] = [None] * len(items)
        valid: list[tuple[int, _NewJob]] = []
        for i, (request, request_id, carrier) in enumerate(items):
            try:
                valid.append((i, _NewJob.of(request, request_id, carrier)))
            except ServiceError as exc:
                outcomes[i] = exc
        if valid:
            async with self.redis.pipeline(transaction=False) as pipe:
                for _, new in valid:
                    await self._create(keys=new.keys, args=new.args, client=pipe)
                replies = await pipe.execute()
            for (i, new), (created, existing_id) in zip(valid, replies, strict=True):
                try:
                    outcomes[i] = await self._outcome(new, created, existing_id)
                except ServiceError as exc:
                    outcomes[i] = exc
        return cast(list[Created | ServiceError], outcomes)  # every slot is filled above

    async def _outcome(self, new: _NewJob, created: int, existing_id: str) -> Created:
        if created:
            # Built from what the script just wrote: no second round trip.
            return Created(job=_job_from_hash(new.fields), created=True)
        return Created(job=await self.get(new.fields["session"], existing_id), created=False)

    async def get(self, session_id: str, job_id: str) -> pb.jobs.Job:
        job = await self.load(job_id)
        # Another session's job is indistinguishable from a missing one.
        if job is None or job.session_id != session_id:
            raise NotFound(f"job {job_id} not found", ErrorCode.JOB_NOT_FOUND)
        return job

    async def load(self, job_id: str) -> pb.jobs.Job | None:
        if not job_id:
            return None
        data = cast(dict[str, str], await self.redis.hgetall(keys.job(job_id)))
        return _job_from_hash(data) if data else None

    async def begin(self, job_id: str, max_attempts: int) -> tuple[pb.jobs.Job | None, dict[str, str]]:
        """Starts an attempt in one step: the job as it was (None if missing) and its trace context.

        The job is marked PROCESSING, with one more attempt, unless it has ended or used
        `max_attempts` already; the caller sees which from the returned status and attempts.
        """
        at = now_ms()
        event = pb.jobs.JobEvent(at_ms=at, status=pb.jobs.StatusChanged(status=PROCESSING))
        flat = await self._begin(
            keys=[keys.job(job_id), keys.events(job_id), keys.ACTIVE],
            args=[job_id, at, encode_event(event), keys.wake_channel(job_id), max_attempts],
        )
        if not flat:
            return None, {}
        data = dict(zip(flat[::2], flat[1::2], strict=True))
        return _job_from_hash(data), dict(json.loads(data["trace"])) if data.get("trace") else {}

    async def history(self, session_id: str) -> list[pb.jobs.Job]:
        ids = cast(list[str], await self.redis.lrange(keys.history(session_id), 0, -1))
        if not ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.hgetall(keys.job(job_id))
            rows = await pipe.execute()
        return [_job_from_hash(row) for row in rows if row]

    async def clear(self, session_id: str) -> int:
        """Empties a session's history. Unfinished jobs keep running but leave the history."""
        ids = await self.redis.lrange(keys.history(session_id), 0, -1)
        jobs = await self.history(session_id)
        finished = [j.id for j in jobs if j.status in TERMINAL]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.history(session_id))
            for job_id in finished:
                pipe.delete(keys.job(job_id), keys.events(job_id))
            await pipe.execute()
        return len(ids)

    async def append_event(
        self,
        job_id: str,
        event: pb.jobs.JobEvent,
        fields: dict[str, str | int] | None = None,
        terminal: bool = False,
        ack_entry: str = "",
    ) -> int:
        """Appends an event (and updates fields) unless the job has ended. Returns its seq, or 0.

        A terminal event also starts the job's expiry (`ttl_s`); `ack_entry` is a queue entry
        to acknowledge in the same step.
        """
        at = now_ms()
        event.at_ms = at
        encoded = encode_event(event)
        flat = [str(x) for pair in (fields or {}).items() for x in pair]
        events = keys.events(job_id)

        async def append() -> int:
            return int(
                await self._append(
                    keys=[keys.job(job_id), events, keys.ACTIVE, keys.QUEUE],
                    args=[
                        job_id,
                        at,
                        encoded,
                        keys.wake_channel(job_id),
                        "1" if terminal else "0",
                        self.ttl_s,
                        ack_entry,
                        keys.GROUP,
                        *flat,
                    ],
                )
            )

        async def appended() -> int | None:
            # A timed-out append may have run: then its event (stamped to the ms) is the last.
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.lindex(events, -1)
                pipe.llen(events)
                last, length = await pipe.execute()
            return int(length) if last == encoded else None

        until = time.monotonic() + self.write_retry_s
        return await retry_transient(append, "append event", until, ran=appended)

    async def finish(
        self, job: pb.jobs.Job, status: int, result: pb.jobs.JobResult | None = None, error: str = "", ack_entry: str = ""
    ) -> bool:
        """Ends a job once, acknowledging `ack_entry` of the queue with it.

        Returns False if it had already ended (a redelivered job)."""
        final = pb.jobs.Job()
        final.CopyFrom(job)
        final.status = status  # type: ignore[assignment]  # an int of the JobStatus enum
        final.error = error
        final.updated_at_ms = now_ms()
        fields: dict[str, str | int] = {"status": status, "error": error}
        if result is not None:
            final.result.CopyFrom(result)
            fields["result"] = base64.b64encode(result.SerializeToString()).decode()
        event = pb.jobs.JobEvent(status=pb.jobs.StatusChanged(status=status, error=error, job=final))  # type: ignore[arg-type]  # likewise
        return await self.append_event(job.id, event, fields, terminal=True, ack_entry=ack_entry) > 0

    async def get_with_events(self, session_id: str, job_id: str, after_seq: int) -> list[pb.jobs.JobEvent]:
        """A session's job's events after `after_seq`, read with the ownership check in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hget(keys.job(job_id), "session")
            pipe.lrange(keys.events(job_id), after_seq, -1)
            owner, raw = await pipe.execute()
        # Another session's job is indistinguishable from a missing one.
        if owner != session_id:
            raise NotFound(f"job {job_id} not found", ErrorCode.JOB_NOT_FOUND)
        return [decode_event(item, after_seq + i + 1, job_id) for i, item in enumerate(raw)]

    async def exists(self, job_id: str) -> bool:
        return bool(await self.redis.exists(keys.job(job_id)))

    async def events_after(self, job_id: str, after_seq: int) -> list[pb.jobs.JobEvent]:
        raw = cast(list[str], await self.redis.lrange(keys.events(job_id), after_seq, -1))
        return [decode_event(item, after_seq + i + 1, job_id) for i, item in enumerate(raw)]

    async def touch(self, job_ids: list[str]) -> None:
        """Records progress so the reaper leaves these jobs alone."""
        at = now_ms()
        await self.redis.zadd(keys.ACTIVE, dict.fromkeys(job_ids, at), xx=True)

    async def forget_active(self, job_id: str) -> None:
        await self.redis.zrem(keys.ACTIVE, job_id)

    async def stale(self, older_than_ms: int) -> list[str]:
        return cast(list[str], await self.redis.zrangebyscore(keys.ACTIVE, 0, now_ms() - older_than_ms))


def _job_from_hash(data: dict[str, str]) -> pb.jobs.Job:
    job = pb.jobs.Job(
        id=data["id"],
        session_id=data["session"],
        kind=int(data["kind"]),  # type: ignore[arg-type]  # stored as the enum's int
        status=int(data["status"]),  # type: ignore[arg-type]  # likewise
        text=data.get("text", ""),
        error=data.get("error", ""),
        attempts=int(data.get("attempts", 0)),
        request_id=data.get("request_id", ""),
        created_at_ms=int(data["created_ms"]),
        updated_at_ms=int(data.get("updated_ms", data["created_ms"])),
    )
    if data.get("file"):
        f = json.loads(data["file"])
        job.file.CopyFrom(
            pb.jobs.FileRef(name=f["name"], media_type=f["media_type"], size_bytes=f["size_bytes"], storage_key=f["storage_key"])
        )
    if data.get("result"):
        job.result.ParseFromString(base64.b64decode(data["result"]))
    return job
