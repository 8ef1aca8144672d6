"""Jobs in flight and their event logs in Redis.

A job is a hash; its events are a list whose 1-based index, plus the hash's `seq0` (0 unless
the log was rebuilt after Redis lost it), is the event's sequence number, so replay after
`Last-Event-ID: n` is LRANGE from n - seq0. Each append also PUBLISHes
`seq:event` to live readers, who then need not read the log back; pub/sub may drop a
message, the log never does, so a reader that sees a gap reads the log. Every state change
runs in one Lua script, so a job that is DONE or ERROR can never change again: completion is
idempotent under redelivery.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from string import Template
from typing import cast

from redis.asyncio import Redis

from chat_common import pb
from chat_common.redis_client import retry_transient, run_scripts
from job_service import keys
from job_service.keys import JobKeys

PENDING = pb.common.JOB_STATUS_PENDING
PROCESSING = pb.common.JOB_STATUS_PROCESSING
DONE = pb.common.JOB_STATUS_DONE
ERROR = pb.common.JOB_STATUS_ERROR
TERMINAL = (DONE, ERROR)

_ENQUEUE = """
-- KEYS: job, events, active, queue. ARGV: job_id, now, channel, event count n, n events, field/value...
-- Puts a recorded job in flight unless Redis already holds it: a first enqueue, or a
-- re-enqueue after Redis lost it, run by whoever notices first, any number of times.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local n = tonumber(ARGV[4])
redis.call('HSET', KEYS[1], unpack(ARGV, 5 + n))
for i = 5, 4 + n do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('XADD', KEYS[4], '*', 'job_id', ARGV[1])
local seq0 = tonumber(redis.call('HGET', KEYS[1], 'seq0') or '0')
redis.call('PUBLISH', ARGV[3], (seq0 + n) .. ':' .. ARGV[4 + n])
return 1
"""

_READ = """
-- KEYS: job, events. ARGV: after_seq. Returns the owner ('' if the job is missing), the log's
-- first seq minus one, then the events after after_seq (all of them for a seq of an older log).
local owner = redis.call('HGET', KEYS[1], 'session')
if not owner then return {''} end
local seq0 = tonumber(redis.call('HGET', KEYS[1], 'seq0') or '0')
local from = tonumber(ARGV[1]) - seq0
if from < 0 then from = 0 end
local reply = {owner, seq0}
for _, event in ipairs(redis.call('LRANGE', KEYS[2], from, -1)) do reply[#reply + 1] = event end
return reply
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
local seq = redis.call('RPUSH', KEYS[2], ARGV[3]) + tonumber(redis.call('HGET', KEYS[1], 'seq0') or '0')
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
local seq = redis.call('RPUSH', KEYS[2], ARGV[3]) + tonumber(redis.call('HGET', KEYS[1], 'seq0') or '0')
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('PUBLISH', ARGV[4], seq .. ':' .. ARGV[3])
return data
"""


_CANCEL = """
-- KEYS: job. Flags an unfinished job for cancelling; returns its status, or '' if missing.
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return '' end
if status ~= '$DONE' and status ~= '$ERROR' then redis.call('HSET', KEYS[1], 'cancel', '1') end
return status
"""

_FORGET = """
-- KEYS: job, events. Deletes a finished job's hash and log; one in flight runs to its end.
local status = redis.call('HGET', KEYS[1], 'status')
if status == '$DONE' or status == '$ERROR' then return redis.call('DEL', KEYS[1], KEYS[2]) end
return 0
"""

_REASSIGN = """
-- KEYS: job. ARGV: owner. A job Redis still holds changes owner with its conversation.
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'session', ARGV[1]) return 1 end
return 0
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


def restarted_seq0() -> int:
    """The first seq (minus one) of a rebuilt log: above any seq an earlier log of the job gave
    out (that would take a thousand events a millisecond), and below 2**53 for JavaScript."""
    return now_ms() * 1000


@dataclass
class InFlight:
    """A recorded job, ready to be put in flight: the enqueue script's keys and arguments."""

    keys: list[str]
    args: list[str | int]

    @classmethod
    def of(cls, job: pb.jobs.Job, trace: dict[str, str], job_keys: JobKeys, rebuilt: bool = False) -> InFlight:
        """`rebuilt`: Redis lost the job; its new log starts above the old one's seqs, with a
        restart notice, so a client resuming with Last-Event-ID drops what it had shown."""
        at = now_ms()
        events = [pb.jobs.JobEvent(at_ms=at, status=pb.jobs.StatusChanged(status=PENDING))]
        if rebuilt:
            notice = pb.jobs.StreamRestarted(failed_provider="job_service", reason="The reply was interrupted and starts over.")
            events.insert(0, pb.jobs.JobEvent(at_ms=at, restarted=notice))
        fields = {
            "id": job.id,
            "session": job.session_id,
            "conversation": job.conversation_id,
            "parent": job.parent_id,
            "kind": str(job.kind),
            "status": str(PENDING),
            "text": job.text,
            "file": _file_to_json(job.file) if job.HasField("file") else "",
            "attempts": "0",
            "request_id": job.request_id,
            "trace": json.dumps(trace),
            "created_ms": str(job.created_at_ms),
            "updated_ms": str(at),
            "seq0": str(restarted_seq0() if rebuilt else 0),
        }
        return cls(
            keys=[job_keys.job(job.id), job_keys.events(job.id), job_keys.active_of(job.id), job_keys.queue_of(job.id)],
            args=[
                job.id,
                at,
                keys.wake_channel(job.id),
                len(events),
                *(encode_event(e) for e in events),
                *(x for pair in fields.items() for x in pair),
            ],
        )


class JobStore:
    """Jobs in flight in Redis: the hash, the event log, the queue entry. The record of each
    job is in PostgreSQL (job_service/db/); Redis may lose all of this and be refilled from it."""

    def __init__(self, redis: Redis, ttl_s: int = 0, write_retry_s: float = 30.0, job_keys: JobKeys | None = None) -> None:
        self.redis = redis
        self.keys = job_keys or JobKeys()
        self.ttl_s = ttl_s
        # How long a worker's write (an event, the ending) rides out a Redis that is down or hung.
        self.write_retry_s = write_retry_s
        self._enqueue = redis.register_script(_ENQUEUE)
        self._read = redis.register_script(_READ)
        self._append = redis.register_script(_lua(_APPEND))
        self._begin = redis.register_script(_lua(_BEGIN))
        self._forget = redis.register_script(_lua(_FORGET))
        self._cancel = redis.register_script(_lua(_CANCEL))
        self._reassign = redis.register_script(_REASSIGN)

    async def enqueue(self, jobs: list[InFlight]) -> list[bool]:
        """Puts recorded jobs in flight, in one round trip; False for each Redis already held."""
        if not jobs:
            return []
        added = await run_scripts(self.redis, [(self._enqueue, job.keys, job.args) for job in jobs])
        return [bool(n) for n in added]

    async def request_cancel(self, job_id: str) -> int | None:
        """Flags the job for cancelling unless it has ended; its status before, None if missing.
        Its worker looks for the flag several times a second (`cancelled`)."""
        status = await self._cancel(keys=[self.keys.job(job_id)])
        return int(status) if status else None

    async def cancelled(self, job_ids: list[str]) -> list[str]:
        """Which of these jobs were asked to stop, in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hget(self.keys.job(job_id), "cancel")
            flags = await pipe.execute()
        return [job_id for job_id, flag in zip(job_ids, flags, strict=True) if flag]

    async def forget(self, job_ids: list[str]) -> None:
        """Removes deleted messages' finished jobs from Redis at once, not when their TTL ends."""
        await run_scripts(
            self.redis, [(self._forget, [self.keys.job(job_id), self.keys.events(job_id)], []) for job_id in job_ids]
        )

    async def reassign(self, job_ids: list[str], owner: str) -> None:
        """Gives the jobs Redis still holds to a new owner, in one round trip."""
        await run_scripts(self.redis, [(self._reassign, [self.keys.job(job_id)], [owner]) for job_id in job_ids])

    async def load(self, job_id: str) -> pb.jobs.Job | None:
        if not job_id:
            return None
        data = cast(dict[str, str], await self.redis.hgetall(self.keys.job(job_id)))
        return _job_from_hash(data) if data else None

    async def begin(self, job_id: str, max_attempts: int) -> tuple[pb.jobs.Job | None, dict[str, str], bool]:
        """Starts an attempt in one step: the job as it was (None if missing), its trace context,
        and whether it was asked to stop.

        The job is marked PROCESSING, with one more attempt, unless it has ended or used
        `max_attempts` already; the caller sees which from the returned status and attempts.
        """
        at = now_ms()
        event = pb.jobs.JobEvent(at_ms=at, status=pb.jobs.StatusChanged(status=PROCESSING))
        flat = await self._begin(
            keys=[self.keys.job(job_id), self.keys.events(job_id), self.keys.active_of(job_id)],
            args=[job_id, at, encode_event(event), keys.wake_channel(job_id), max_attempts],
        )
        if not flat:
            return None, {}, False
        data = dict(zip(flat[::2], flat[1::2], strict=True))
        trace = dict(json.loads(data["trace"])) if data.get("trace") else {}
        return _job_from_hash(data), trace, bool(data.get("cancel"))

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
        events = self.keys.events(job_id)

        async def append() -> int:
            return int(
                await self._append(
                    keys=[self.keys.job(job_id), events, self.keys.active_of(job_id), self.keys.queue_of(job_id)],
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
                pipe.hget(self.keys.job(job_id), "seq0")
                last, length, seq0 = await pipe.execute()
            return int(length) + int(seq0 or 0) if last == encoded else None

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

    async def read_events(self, job_id: str, after_seq: int) -> tuple[str, list[pb.jobs.JobEvent]]:
        """(the job's owner, its events after `after_seq`) in one round trip; ('', []) when
        Redis does not hold the job. A seq from an older log of the job replays the whole log."""
        reply = await self._read(keys=[self.keys.job(job_id), self.keys.events(job_id)], args=[after_seq])
        owner = str(reply[0])
        if not owner:
            return "", []
        seq0, raw = int(reply[1]), reply[2:]
        first = max(after_seq, seq0) + 1
        return owner, [decode_event(item, first + i, job_id) for i, item in enumerate(raw)]

    async def events_after(self, job_id: str, after_seq: int) -> list[pb.jobs.JobEvent]:
        return (await self.read_events(job_id, after_seq))[1]

    async def exists(self, job_id: str) -> bool:
        return bool(await self.redis.exists(self.keys.job(job_id)))

    async def touch(self, job_ids: list[str]) -> None:
        """Records progress so the reaper leaves these jobs alone."""
        at = now_ms()
        by_shard: dict[int, list[str]] = {}
        for job_id in job_ids:
            by_shard.setdefault(self.keys.shard(job_id), []).append(job_id)
        for shard, ids in by_shard.items():
            await self.redis.zadd(self.keys.active(shard), dict.fromkeys(ids, at), xx=True)

    async def forget_active(self, job_id: str) -> None:
        await self.redis.zrem(self.keys.active_of(job_id), job_id)

    async def stale(self, older_than_ms: int) -> list[str]:
        """Unfinished jobs of every shard without progress for `older_than_ms`."""
        found: list[str] = []
        for shard in range(self.keys.shards):
            found += cast(list[str], await self.redis.zrangebyscore(self.keys.active(shard), 0, now_ms() - older_than_ms))
        return found


def _job_from_hash(data: dict[str, str]) -> pb.jobs.Job:
    job = pb.jobs.Job(
        id=data["id"],
        session_id=data["session"],
        conversation_id=data.get("conversation", ""),
        parent_id=data.get("parent", ""),
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
