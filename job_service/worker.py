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
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import grpc
from grpc import aio
from opentelemetry import propagate, trace

from chat_common import pb
from chat_common.database import transient as database_transient
from chat_common.errors import ErrorCode
from chat_common.grpc.retry import retry_idempotent
from chat_common.grpc.status import reason_of
from chat_common.logs import job_id_var, request_id_var
from chat_common.metrics import (
    JOB_DURATION,
    JOB_RETRIES,
    JOBS_DEAD_LETTERED,
    JOBS_FINISHED,
    QUEUE_DEPTH,
    QUEUE_PENDING,
)
from chat_common.redis_client import TRANSIENT
from chat_common.uploads import InvalidStorageKey, upload_path
from job_service.files.extracted import UnreadableFile
from job_service.files.ingest import Ingested, ingest_file, ingest_message
from job_service.files.pool import FileReaders
from job_service.jobs import Jobs
from job_service.queue import Entry, JobQueue
from job_service.reply import ReplyStream, StreamStalled, unless_stopped
from job_service.settings import JobSettings
from job_service.store import DONE, ERROR, TERMINAL
from job_service.titles import title_by_model

Reply = TypeVar("Reply")

log = logging.getLogger("job_service.worker")
tracer = trace.get_tracer("job_service.worker")

RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.ABORTED}


class JobFailed(Exception):
    """A failure the user should read as the job's error."""


class Worker:
    def __init__(
        self,
        settings: JobSettings,
        jobs: Jobs,
        queue: JobQueue,
        context: pb.context_grpc.ContextServiceStub,
        inference: pb.inference_grpc.InferenceServiceStub,
    ) -> None:
        self.settings = settings
        self.jobs = jobs
        self.store = jobs.store
        self.queue = queue
        self.context = context
        self.inference = inference
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # An idle entry is reclaimable after the visibility timeout; looking 4x as often is enough.
        self._reclaim_interval = min(1.0, settings.job_visibility_timeout_s / 4)
        self._reclaim_at = 0.0
        # A process waiting on every shard can wait long; one with fewer workers than shards
        # looks at the others often (job_service/queue.py).
        self._wait_ms = 1000 if settings.job_workers >= queue.shards else queue.poll_ms
        # Entries being worked on, heart-beaten together by one task per process.
        self._in_flight: dict[str, Entry] = {}
        # Work after a job ended (titles), kept referenced until done.
        self._background: set[asyncio.Task[None]] = set()
        # Jobs being worked on, by id: set when the user asks to stop one (`_stop_watch`).
        self._stop_requests: dict[str, asyncio.Event] = {}
        self.readers = FileReaders(
            settings.file_readers, settings.file_read_timeout_s, settings.file_cpu_limit_s, settings.file_memory_limit_mb
        )

    def start(self) -> None:
        # Home shards: consecutive from a random one, so a process with as many workers as
        # shards waits on every shard.
        first = random.randrange(self.queue.shards)
        for n in range(self.settings.job_workers):
            self._tasks.append(asyncio.create_task(self._loop(home=first + n), name=f"worker-{n}"))
        if self.settings.job_workers:
            self._tasks.append(asyncio.create_task(self._reaper(), name="reaper"))
            self._tasks.append(asyncio.create_task(self._heartbeats(), name="heartbeats"))
            self._tasks.append(asyncio.create_task(self._stop_watch(), name="stop-watch"))

    async def stop(self, grace: float) -> None:
        """Stops claiming new jobs and lets in-flight jobs finish within `grace` seconds."""
        self._stopping.set()
        _done, pending = await asyncio.wait(self._tasks, timeout=grace) if self._tasks else (set(), set())
        for task in (*pending, *self._background):  # a title is not worth a slower stop
            task.cancel()
        await asyncio.gather(*pending, *self._background, return_exceptions=True)

    async def _reclaim(self) -> Entry | None:
        """An entry of a silent worker, looked for at most every `reclaim_interval` per process:
        one XAUTOCLAIM per claimed job would double the queue's round trips."""
        if time.monotonic() < self._reclaim_at:
            return None
        entry = await self.queue.reclaim(int(self.settings.job_visibility_timeout_s * 1000))
        if entry is None:  # nothing idle: look again later; after a find, look again at once
            self._reclaim_at = time.monotonic() + self._reclaim_interval
        return entry

    async def _loop(self, home: int) -> None:
        while not self._stopping.is_set():
            try:
                entry = await self._reclaim() or await self.queue.claim(block_ms=self._wait_ms, home=home)
                if entry is not None:
                    await self.process(entry)
            except asyncio.CancelledError:
                raise
            except TRANSIENT as exc:
                # Redis restarting or failing over: the job (if any) stays pending and is reclaimed later.
                log.warning("redis unavailable (%s); retrying shortly", exc)
                await asyncio.sleep(1.0)
            except Exception:
                log.exception("worker loop error; retrying shortly")
                await asyncio.sleep(0.5)

    async def process(self, entry: Entry) -> None:
        job_id_var.set(entry.job_id)
        # One step reads the job (with its trace context) and starts the attempt.
        job, carrier, stop_requested = await self.store.begin(entry.job_id, self.settings.job_max_attempts)
        parent = propagate.extract(carrier)
        with tracer.start_as_current_span("process job", context=parent, attributes={"job.id": entry.job_id}):
            await self._process(entry, job, stop_requested)

    async def _process(self, entry: Entry, job: pb.jobs.Job | None, stop_requested: bool = False) -> None:
        if job is None or job.status in TERMINAL:
            await self.queue.ack(entry)  # redelivery of a finished job: nothing to do
            return
        request_id_var.set(job.request_id)
        if stop_requested:  # stopped before it started: nothing to say
            await self._finish(job, DONE, result=pb.jobs.JobResult(stopped=True), entry=entry)
            return
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
        self._stop_requests[job.id] = asyncio.Event()
        try:
            # Reading an upload has limits of its own (FILE_READ_TIMEOUT_S): a long scan must
            # not eat the time the assistant has to answer.
            source = await self._ingest(job)
            result = await self._run_within_deadline(job, source)
            outcome: tuple[int, pb.jobs.JobResult | None, str] = (DONE, result, "")
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
        except Exception as exc:
            if isinstance(exc, TRANSIENT) or database_transient(exc):  # a store out of reach for longer than a step waited
                log.warning("attempt %d failed (%s: %s); job requeued", attempt, type(exc).__name__, exc)
            else:
                log.exception("attempt %d failed unexpectedly", attempt)
            if attempt < self.settings.job_max_attempts:
                await self._retry_later(entry, attempt)
                return
            outcome = (ERROR, None, "The job failed unexpectedly. Please try again.")
        finally:
            self._in_flight.pop(entry.entry_id, None)
            self._stop_requests.pop(job.id, None)
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
        """Records the job's ending, then ends it in Redis and, in the same step, acknowledges
        its queue entry (if any). If the record cannot be written (PostgreSQL down for longer
        than JOB_WRITE_RETRY_S), the entry stays unacknowledged and the job is tried again."""
        recorded = await self.jobs.record_ending(job, status, result, error)
        if recorded is not None:
            # Publish what the record holds: an earlier attempt's ending, if there was one.
            status, result, error = recorded.status, recorded.result, recorded.error
        ended = await self.store.finish(job, status, result=result, error=error, ack_entry=entry.entry_id if entry else "")
        if not ended:
            log.info("job had already ended; duplicate completion ignored")
            return
        JOBS_FINISHED.labels("done" if status == DONE else "error").inc()
        if status == DONE and result is not None and self._names_its_conversation(job, result):
            self._spawn(self._title(job, result.reply))
        if status == ERROR:
            log.warning("job ended in error: %s", error)
        if job.kind == pb.common.JOB_KIND_FILE:
            with contextlib.suppress(FileNotFoundError, InvalidStorageKey):
                upload_path(self.settings.upload_dir, job.file.storage_key).unlink()

    def _names_its_conversation(self, job: pb.jobs.Job, result: pb.jobs.JobResult) -> bool:
        """The first exchange, a message, answered in full by a real provider."""
        first = not job.parent_id and job.kind == pb.common.JOB_KIND_MESSAGE
        return first and bool(self.settings.job_title_timeout_s) and not result.fallback and not result.stopped

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _title(self, job: pb.jobs.Job, reply: str) -> None:
        talks = self.jobs.conversations
        try:
            if not await talks.titled_by_words(job.conversation_id):
                return  # the user named it already
            title = await title_by_model(self.inference, job, reply, self.settings.job_title_timeout_s)
            if title and await talks.name_by_model(job.conversation_id, title):
                log.info("conversation named by the model")
        except Exception as exc:  # noqa: BLE001 - the first words stay
            log.warning("could not name the conversation (%s)", type(exc).__name__)

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

    async def _stop_watch(self) -> None:
        """Looks for stop requests of the jobs in flight, all in one round trip, several times a
        second (one task per process): a stop takes effect within `JOB_STOP_POLL_S`."""
        while not self._stopping.is_set() or self._stop_requests:
            await asyncio.sleep(self.settings.job_stop_poll_s)
            running = list(self._stop_requests)
            if not running:
                continue
            try:
                for job_id in await self.store.cancelled(running):
                    if job_id in self._stop_requests:
                        self._stop_requests[job_id].set()
            except Exception as exc:  # noqa: BLE001 - looked for again next interval
                log.warning("looking for stop requests failed (%s)", exc)

    async def _run_within_deadline(self, job: pb.jobs.Job, source: Ingested) -> pb.jobs.JobResult:
        """`_run`, cut off at the job's deadline. A TimeoutError from a step inside (a store
        that timed out) is not the deadline, and is raised as it is."""
        deadline_s = self.settings.job_deadline_s
        try:
            async with asyncio.timeout(deadline_s) as bound:
                return await self._run(job, source)
        except TimeoutError:
            if bound.expired():
                raise JobFailed(f"The assistant did not answer within {deadline_s:.0f} seconds.") from None
            raise

    async def _run(self, job: pb.jobs.Job, source: Ingested) -> pb.jobs.JobResult:
        started = time.perf_counter()

        # wait_for_ready: a dependency that is restarting is waited for (within the deadline),
        # instead of failing the attempt at once. Both context calls are idempotent (AppendTurn
        # by turn id), so an attempt that times out is tried again within the job's deadline.
        deadline = time.monotonic() + self.settings.job_deadline_s - (time.perf_counter() - started)
        # The context service keeps each conversation's turns apart.
        memory = job.conversation_id or job.session_id
        build = pb.context.BuildContextRequest(
            session_id=memory,
            message=source.prompt,
            token_budget=self.settings.context_token_budget,
            after_turn_id=job.parent_id,
            check_branch=True,
            owner=job.session_id,
        )
        try:
            context = await self._idempotent("BuildContext", self.context.BuildContext, build, deadline)
        except aio.AioRpcError as exc:
            if reason_of(exc) != ErrorCode.BRANCH_CHANGED:
                raise
            # The memory holds another branch (a regenerated, edited or chosen alternative).
            build.branch_turn_ids.extend(await self.jobs.branch(job, deadline))
            build.set_branch = True
            context = await self._idempotent("BuildContext", self.context.BuildContext, build, deadline)
        request = pb.inference.GenerateRequest(
            system_instruction=context.system_instruction,
            messages=context.messages,
            attachments=source.attachments,
            request_id=job.id,
        )
        remaining = self.settings.job_deadline_s - (time.perf_counter() - started)
        settings = self.settings
        stream = ReplyStream(
            self.store, job.id, started, settings.inference_first_event_timeout_s, settings.inference_idle_timeout_s
        )
        stopped = await unless_stopped(stream.run(self.inference, request, remaining), self._stop_requests[job.id])
        await stream.flush()  # what a stop cut short is still shown, and kept
        done = stream.done or pb.inference.GenerationDone()
        if stream.done is None and not stopped:
            raise JobFailed("The assistant's reply ended before it was complete.")
        reply, first_token_ms = stream.text, stream.first_token_ms

        turn = pb.context.AppendTurnRequest(
            session_id=memory,
            owner=job.session_id,
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
            stopped=stopped,
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
            except TRANSIENT as exc:
                log.warning("reaper pass failed (%s); trying again next interval", exc)
            except Exception:
                log.exception("reaper pass failed")


def _rpc_message(exc: aio.AioRpcError) -> str:
    if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
        return "The assistant took too long to answer."
    if exc.code() == grpc.StatusCode.UNAVAILABLE:
        return "The assistant is unavailable right now. Please try again."
    return f"The request failed: {exc.details() or exc.code().name}"
