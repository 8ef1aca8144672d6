"""Workers take each queued job to DONE or ERROR, exactly once.

Per job: claim it, mark it PROCESSING, build the context, stream the reply from the
inference service into the job's event log, store the finished turn, then end the job.
Transient failures put the job back on the queue; after `job_max_attempts` it goes to
the dead-letter stream and ends in ERROR. Completion is idempotent, so a redelivered
job never produces a second reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import grpc
from grpc import aio
from opentelemetry import propagate, trace
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from chat_common import pb
from chat_common.grpc.retry import retry_idempotent
from chat_common.logs import job_id_var, request_id_var
from chat_common.metrics import (
    JOB_DURATION,
    JOB_RETRIES,
    JOBS_DEAD_LETTERED,
    JOBS_FINISHED,
    QUEUE_DEPTH,
    QUEUE_PENDING,
    TIME_TO_FIRST_TOKEN,
)
from chat_common.uploads import InvalidStorageKey, upload_path
from job_service.files.extracted import UnreadableFile
from job_service.files.ingest import Ingested, ingest_file, ingest_message
from job_service.files.pool import FileReaders
from job_service.queue import Entry, JobQueue
from job_service.settings import JobSettings
from job_service.store import DONE, ERROR, TERMINAL, JobStore

Reply = TypeVar("Reply")

log = logging.getLogger("job_service.worker")
tracer = trace.get_tracer("job_service.worker")

RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.ABORTED}
# Deltas are written to the log in small batches: fewer Redis round trips, same stream.
FLUSH_INTERVAL_S = 0.03


class JobFailed(Exception):
    """A failure the user should read as the job's error."""


class StreamStalled(Exception):
    """The inference service went silent: a hung process, retried like an unavailable one."""


class Worker:
    def __init__(
        self,
        settings: JobSettings,
        store: JobStore,
        queue: JobQueue,
        context: pb.context_grpc.ContextServiceStub,
        inference: pb.inference_grpc.InferenceServiceStub,
    ) -> None:
        self.settings = settings
        self.store = store
        self.queue = queue
        self.context = context
        self.inference = inference
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # An idle entry is reclaimable after the visibility timeout; looking 4x as often is enough.
        self._reclaim_interval = min(1.0, settings.job_visibility_timeout_s / 4)
        self._reclaim_at = 0.0
        # Entries being worked on, heart-beaten together by one task per process.
        self._in_flight: dict[str, Entry] = {}
        self.readers = FileReaders(
            settings.file_readers, settings.file_read_timeout_s, settings.file_cpu_limit_s, settings.file_memory_limit_mb
        )

    def start(self) -> None:
        for n in range(self.settings.job_workers):
            self._tasks.append(asyncio.create_task(self._loop(), name=f"worker-{n}"))
        if self.settings.job_workers:
            self._tasks.append(asyncio.create_task(self._reaper(), name="reaper"))
            self._tasks.append(asyncio.create_task(self._heartbeats(), name="heartbeats"))

    async def stop(self, grace: float) -> None:
        """Stops claiming new jobs and lets in-flight jobs finish within `grace` seconds."""
        self._stopping.set()
        _done, pending = await asyncio.wait(self._tasks, timeout=grace) if self._tasks else (set(), set())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _reclaim(self) -> Entry | None:
        """An entry of a silent worker, looked for at most every `reclaim_interval` per process:
        one XAUTOCLAIM per claimed job would double the queue's round trips."""
        if time.monotonic() < self._reclaim_at:
            return None
        entry = await self.queue.reclaim(int(self.settings.job_visibility_timeout_s * 1000))
        if entry is None:  # nothing idle: look again later; after a find, look again at once
            self._reclaim_at = time.monotonic() + self._reclaim_interval
        return entry

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                entry = await self._reclaim() or await self.queue.claim(block_ms=1000)
                if entry is not None:
                    await self.process(entry)
            except asyncio.CancelledError:
                raise
            except (RedisConnectionError, RedisTimeoutError) as exc:
                # Redis restarting: the job (if any) stays pending and is reclaimed later.
                log.warning("redis unavailable (%s); retrying shortly", exc)
                await asyncio.sleep(1.0)
            except Exception:
                log.exception("worker loop error; retrying shortly")
                await asyncio.sleep(0.5)

    async def process(self, entry: Entry) -> None:
        job_id_var.set(entry.job_id)
        # One step reads the job (with its trace context) and starts the attempt.
        job, carrier = await self.store.begin(entry.job_id, self.settings.job_max_attempts)
        parent = propagate.extract(carrier)
        with tracer.start_as_current_span("process job", context=parent, attributes={"job.id": entry.job_id}):
            await self._process(entry, job)

    async def _process(self, entry: Entry, job: pb.jobs.Job | None) -> None:
        if job is None or job.status in TERMINAL:
            await self.queue.ack(entry)  # redelivery of a finished job: nothing to do
            return
        request_id_var.set(job.request_id)
        claimed = time.perf_counter()
        attempt = job.attempts + 1
        if attempt > self.settings.job_max_attempts:
            reason = f"The job failed {job.attempts} times and was stopped. Please try again."
            await self.queue.dead_letter(job.id, job.error or "max attempts reached")
            JOBS_DEAD_LETTERED.inc()
            await self._finish(job, ERROR, error=reason, entry=entry)
            return

        job.attempts = attempt
        # Only a retried job can have streamed text already.
        if attempt > 1 and await self._had_output(job.id):
            await self.store.append_event(
                job.id,
                pb.jobs.JobEvent(
                    restarted=pb.jobs.StreamRestarted(
                        failed_provider="worker", reason="The reply was interrupted and starts over."
                    )
                ),
            )
        self._in_flight[entry.entry_id] = entry
        try:
            # Reading an upload has limits of its own (FILE_READ_TIMEOUT_S): a long scan must
            # not eat the time the assistant has to answer.
            source = await self._ingest(job)
            async with asyncio.timeout(self.settings.job_deadline_s):
                result = await self._run(job, source)
            outcome: tuple[int, pb.jobs.JobResult | None, str] = (DONE, result, "")
        except TimeoutError:
            outcome = (ERROR, None, f"The assistant did not answer within {self.settings.job_deadline_s:.0f} seconds.")
        except JobFailed as exc:
            outcome = (ERROR, None, str(exc))
        except aio.AioRpcError as exc:
            if exc.code() in RETRYABLE and attempt < self.settings.job_max_attempts:
                log.warning("attempt %d failed (%s); job requeued", attempt, exc.code().name)
                await self._retry_later(entry, attempt)
                return
            outcome = (ERROR, None, _rpc_message(exc))
        except StreamStalled as exc:
            if attempt < self.settings.job_max_attempts:
                log.warning("attempt %d failed (%s); job requeued", attempt, exc)
                await self._retry_later(entry, attempt)
                return
            outcome = (ERROR, None, "The assistant stopped responding. Please try again.")
        except Exception:
            log.exception("attempt %d failed unexpectedly", attempt)
            if attempt < self.settings.job_max_attempts:
                await self._retry_later(entry, attempt)
                return
            outcome = (ERROR, None, "The job failed unexpectedly. Please try again.")
        finally:
            self._in_flight.pop(entry.entry_id, None)
        status, final, error = outcome
        JOB_DURATION.observe(time.perf_counter() - claimed)
        await self._finish(job, status, result=final, error=error, entry=entry)

    async def _retry_later(self, entry: Entry, attempt: int) -> None:
        JOB_RETRIES.inc()
        self._in_flight.pop(entry.entry_id, None)
        await asyncio.sleep(min(2.0, 0.2 * 2**attempt) * random.uniform(0.5, 1.5))
        await self.queue.requeue(entry)

    async def _finish(
        self,
        job: pb.jobs.Job,
        status: int,
        result: pb.jobs.JobResult | None = None,
        error: str = "",
        entry: Entry | None = None,
    ) -> None:
        """Ends the job and, in the same step, acknowledges its queue entry (if any)."""
        ended = await self.store.finish(job, status, result=result, error=error, ack_entry=entry.entry_id if entry else "")
        if not ended:
            log.info("job had already ended; duplicate completion ignored")
            return
        JOBS_FINISHED.labels("done" if status == DONE else "error").inc()
        if status == ERROR:
            log.warning("job ended in error: %s", error)
        if job.kind == pb.common.JOB_KIND_FILE:
            with contextlib.suppress(FileNotFoundError, InvalidStorageKey):
                upload_path(self.settings.upload_dir, job.file.storage_key).unlink()

    async def _had_output(self, job_id: str) -> bool:
        return any(e.HasField("delta") for e in await self.store.events_after(job_id, 0))

    async def _heartbeats(self) -> None:
        """Keeps every in-flight entry claimed and its job marked as progressing, in two
        commands per interval however many jobs run (one task per process, not per job)."""
        interval = max(0.05, self.settings.job_visibility_timeout_s / 3)
        while not self._stopping.is_set() or self._in_flight:
            await asyncio.sleep(interval)
            entries = list(self._in_flight.values())
            if not entries:
                continue
            try:
                await self.queue.heartbeat(entries)
                await self.store.touch([e.job_id for e in entries])
            except Exception as exc:  # noqa: BLE001 - a missed beat is retried next interval
                log.warning("heartbeat failed (%s); retrying next interval", exc)

    async def _run(self, job: pb.jobs.Job, source: Ingested) -> pb.jobs.JobResult:
        started = time.perf_counter()

        # wait_for_ready: a dependency that is restarting is waited for (within the deadline),
        # instead of failing the attempt at once. Both context calls are idempotent (AppendTurn
        # by turn id), so an attempt that times out is tried again within the job's deadline.
        deadline = time.monotonic() + self.settings.job_deadline_s - (time.perf_counter() - started)
        build = pb.context.BuildContextRequest(
            session_id=job.session_id, message=source.prompt, token_budget=self.settings.context_token_budget
        )
        context = await self._idempotent("BuildContext", self.context.BuildContext, build, deadline)
        request = pb.inference.GenerateRequest(
            system_instruction=context.system_instruction,
            messages=context.messages,
            attachments=source.attachments,
            request_id=job.id,
        )
        remaining = self.settings.job_deadline_s - (time.perf_counter() - started)
        reply, done, first_token_ms = await self._stream_reply(job.id, request, remaining, started)

        turn = pb.context.AppendTurnRequest(
            session_id=job.session_id,
            turn_id=job.id,
            user_text=source.turn_text,
            assistant_text=reply,
            at_ms=job.created_at_ms,
        )
        await self._idempotent("AppendTurn", self.context.AppendTurn, turn, deadline)
        usage = done.usage
        if not usage.prompt_tokens and not done.fallback:
            # A server that reports no usage (llama-cpp-python's, streaming): the context
            # service counted this prompt with the model's own vocabulary.
            usage = pb.common.TokenUsage(
                prompt_tokens=context.stats.context_tokens,
                completion_tokens=usage.completion_tokens,
                total_tokens=context.stats.context_tokens + usage.completion_tokens,
            )
        return pb.jobs.JobResult(
            reply=reply,
            provider=done.provider,
            model=done.model,
            fallback=done.fallback,
            usage=usage,
            latency_ms=int((time.perf_counter() - started) * 1000),
            first_token_ms=first_token_ms,
            context=context.stats,
        )

    async def _ingest(self, job: pb.jobs.Job) -> Ingested:
        if job.kind != pb.common.JOB_KIND_FILE:
            return ingest_message(job)

        async def progress(done: int, total: int, text: str) -> None:
            event = pb.jobs.JobEvent(progress=pb.jobs.FileProgress(done=done, total=total, text=text))
            await self.store.append_event(job.id, event)

        try:
            return await ingest_file(job, self.settings.upload_dir, self.readers, progress)
        except UnreadableFile as exc:
            raise JobFailed(f"The file could not be analysed: {exc}.") from exc

    async def _idempotent(self, what: str, method: Callable[..., Awaitable[Reply]], request: object, deadline: float) -> Reply:
        settings = self.settings
        return await retry_idempotent(
            lambda timeout: method(request, timeout=timeout, wait_for_ready=True),
            what,
            deadline,
            settings.context_call_timeout_s,
            settings.rpc_retry_backoff_base_s,
            settings.rpc_retry_backoff_max_s,
        )

    async def _stream_reply(
        self, job_id: str, request: pb.inference.GenerateRequest, timeout: float, started: float
    ) -> tuple[str, pb.inference.GenerationDone, int]:
        parts: list[str] = []
        pending: list[str] = []
        last_flush = time.perf_counter()
        first_token_ms = 0
        done: pb.inference.GenerationDone | None = None

        async def flush() -> None:
            nonlocal last_flush
            if pending:
                text = "".join(pending)
                pending.clear()
                await self.store.append_event(job_id, pb.jobs.JobEvent(delta=pb.jobs.TextDelta(text=text)))
            last_flush = time.perf_counter()

        async for message in self._events(request, timeout):
            kind = message.WhichOneof("event")
            if kind == "delta":
                if not first_token_ms:
                    first_token_ms = int((time.perf_counter() - started) * 1000)
                    TIME_TO_FIRST_TOKEN.observe(first_token_ms / 1000)
                parts.append(message.delta)
                pending.append(message.delta)
                if time.perf_counter() - last_flush >= FLUSH_INTERVAL_S:
                    await flush()
            elif kind == "restart":
                # The provider broke mid-stream: its partial text is void, never kept.
                pending.clear()
                parts.clear()
                await self.store.append_event(
                    job_id,
                    pb.jobs.JobEvent(
                        restarted=pb.jobs.StreamRestarted(
                            failed_provider=message.restart.failed_provider, reason=message.restart.reason
                        )
                    ),
                )
            elif kind == "done":
                done = message.done
        await flush()
        if done is None:
            raise JobFailed("The assistant's reply ended before it was complete.")
        return "".join(parts), done, first_token_ms

    async def _events(
        self, request: pb.inference.GenerateRequest, timeout: float
    ) -> AsyncIterator[pb.inference.GenerateResponse]:
        """The inference stream, bounded: its first event (the providers read the prompt and
        may fail over first) and each later one must come within their limits."""
        call = self.inference.Generate(request, timeout=max(1.0, timeout), wait_for_ready=True)
        events = aiter(call)
        limit = self.settings.inference_first_event_timeout_s
        try:
            while True:
                try:
                    async with asyncio.timeout(limit):
                        message = await anext(events)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise StreamStalled(f"the inference service sent nothing for {limit:.0f} s") from None
                yield message
                limit = self.settings.inference_idle_timeout_s
        finally:
            if hasattr(call, "cancel"):
                call.cancel()

    async def _reaper(self) -> None:
        """Ends jobs that made no progress for `job_stuck_after_s`: nothing hangs forever."""
        stuck_ms = int(self.settings.job_stuck_after_s * 1000)
        while not self._stopping.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.settings.job_reaper_interval_s)
            try:
                depth, pending = await self.queue.depth()
                QUEUE_DEPTH.set(depth)
                QUEUE_PENDING.set(pending)
                for job_id in await self.store.stale(stuck_ms):
                    job = await self.store.load(job_id)
                    if job is not None and job.status not in TERMINAL:
                        await self.queue.dead_letter(job_id, "no progress")
                        JOBS_DEAD_LETTERED.inc()
                        await self._finish(job, ERROR, error="The job made no progress and was stopped. Please try again.")
                    elif job is None:
                        await self.store.forget_active(job_id)
            except Exception:
                log.exception("reaper pass failed")


def _rpc_message(exc: aio.AioRpcError) -> str:
    if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
        return "The assistant took too long to answer."
    if exc.code() == grpc.StatusCode.UNAVAILABLE:
        return "The assistant is unavailable right now. Please try again."
    return f"The request failed: {exc.details() or exc.code().name}"
