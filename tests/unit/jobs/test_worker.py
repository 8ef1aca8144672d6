"""The worker's failure paths, against a real Redis and a real PostgreSQL.

The context and inference services are replaced by small scripted stand-ins here, so each
failure can be produced on demand; the real services are covered by the contract tests.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import grpc
import pytest
from grpc import aio
from redis.asyncio import Redis

from chat_common import pb
from job_service.jobs import Jobs
from job_service.keys import DEAD_LETTER, JobKeys
from job_service.queue import JobQueue
from job_service.settings import JobSettings
from job_service.store import DONE, ERROR, JobStore
from job_service.worker import Worker
from tests.unit.jobs.conftest import Stores, open_stores

KEYS = JobKeys()  # one shard, as the stores of these tests


class Unavailable(aio.AioRpcError):
    def __init__(self) -> None:
        super().__init__(grpc.StatusCode.UNAVAILABLE, aio.Metadata(), aio.Metadata(), details="down")


@dataclass
class FakeContext:
    fail_times: int = 0
    calls: int = 0
    appended: list[str] = field(default_factory=list)

    async def BuildContext(self, request, **kwargs):
        self.calls += 1
        if self.calls <= self.fail_times:
            raise Unavailable()
        return pb.context.BuildContextResponse(
            system_instruction="sys",
            messages=[pb.common.ChatMessage(role=pb.common.ROLE_USER, content=request.message)],
            stats=pb.common.ContextStats(turns_total=0, context_tokens=42),
        )

    async def AppendTurn(self, request, **kwargs):
        self.appended.append(request.turn_id)
        return pb.context.AppendTurnResponse(appended=True)


@dataclass
class FakeInference:
    """Yields a scripted list of GenerateResponse messages; the first `fail_times` calls
    fail with UNAVAILABLE, and the first `silent_times` send nothing for `silence_s`."""

    script: list[pb.inference.GenerateResponse]
    fail_times: int = 0
    silent_times: int = 0
    silence_s: float = 0.0
    calls: int = 0

    def Generate(self, request, **kwargs) -> AsyncIterator[pb.inference.GenerateResponse]:
        self.calls += 1
        call = self.calls

        async def stream() -> AsyncIterator[pb.inference.GenerateResponse]:
            if call <= self.fail_times:
                raise Unavailable()
            if call <= self.silent_times:
                await asyncio.sleep(self.silence_s)
            for item in self.script:
                yield item

        return stream()


def reply(*parts: str, provider: str = "local") -> list[pb.inference.GenerateResponse]:
    return [pb.inference.GenerateResponse(delta=p) for p in parts] + [
        pb.inference.GenerateResponse(done=pb.inference.GenerationDone(provider=provider, model="m"))
    ]


@pytest.fixture
def parts(stores: Stores) -> tuple[Redis, JobStore, JobQueue, Jobs]:
    return stores.redis, stores.store, stores.queue, stores.jobs


def make_worker(jobs: Jobs, queue: JobQueue, context: FakeContext, inference: FakeInference, **overrides) -> Worker:
    settings = JobSettings(**{"job_workers": 0, "job_max_attempts": 3, "job_deadline_s": 5, **overrides})
    return Worker(settings, jobs, queue, context, inference)


async def create(jobs: Jobs, text: str = "hello") -> pb.jobs.Job:
    request = pb.jobs.CreateJobRequest(session_id="s-" + uuid.uuid4().hex, kind=pb.common.JOB_KIND_MESSAGE, text=text)
    return (await jobs.create(request)).job


async def until_status(store: JobStore, job_id: str, status: int, timeout_s: float = 5.0) -> None:
    """Polls the job until it has `status` or the time is up (the caller asserts after)."""
    for _ in range(int(timeout_s / 0.05)):
        if (await store.load(job_id)).status == status:
            return
        await asyncio.sleep(0.05)


async def requeued_then_done(parts, worker: Worker, job: pb.jobs.Job) -> pb.jobs.Job:
    """Runs the job's first attempt, which must put it back on the queue, then its second."""
    redis, store, queue, _ = parts
    await worker.process(await queue.claim(100))
    assert (await store.load(job.id)).status == pb.common.JOB_STATUS_PROCESSING
    assert await redis.xlen(KEYS.queue(0)) == 1, "the job was put back on the queue"
    await worker.process(await queue.claim(100))
    return await store.load(job.id)


async def test_a_job_ends_done_with_the_streamed_reply(parts) -> None:
    redis, store, queue, jobs = parts
    context = FakeContext()
    worker = make_worker(jobs, queue, context, FakeInference(reply("Hel", "lo")))
    job = await create(jobs)
    await worker.process(await queue.claim(100))
    done = await store.load(job.id)
    assert done.status == DONE and done.result.reply == "Hello" and done.result.provider == "local"
    assert context.appended == [job.id]
    assert await redis.xlen(KEYS.queue(0)) == 0, "acknowledged and removed from the stream"


async def test_a_redelivered_finished_job_is_acknowledged_without_a_second_reply(parts) -> None:
    redis, store, queue, jobs = parts
    context = FakeContext()
    worker = make_worker(jobs, queue, context, FakeInference(reply("once")))
    job = await create(jobs)
    entry = await queue.claim(100)
    await worker.process(entry)
    events_before = len(await store.events_after(job.id, 0))
    await redis.xadd(KEYS.queue(0), {"job_id": job.id})  # the same job delivered again
    await worker.process(await queue.claim(100))
    assert len(await store.events_after(job.id, 0)) == events_before
    assert context.appended == [job.id]
    assert (await store.load(job.id)).result.reply == "once"


async def test_an_unavailable_context_service_is_retried_within_the_attempt(parts) -> None:
    redis, store, queue, jobs = parts
    context = FakeContext(fail_times=2)
    worker = make_worker(jobs, queue, context, FakeInference(reply("ok")))
    job = await create(jobs)
    await worker.process(await queue.claim(100))
    final = await store.load(job.id)
    assert final.status == DONE and final.attempts == 1 and context.calls == 3


async def test_an_unavailable_inference_service_requeues_then_succeeds(parts) -> None:
    redis, store, queue, jobs = parts
    worker = make_worker(jobs, queue, FakeContext(), FakeInference(reply("ok"), fail_times=1))
    job = await create(jobs)
    final = await requeued_then_done(parts, worker, job)
    assert final.status == DONE and final.attempts == 2


async def test_a_silent_inference_stream_is_given_up_and_retried(parts) -> None:
    redis, store, queue, jobs = parts
    inference = FakeInference(reply("ok"), silent_times=1, silence_s=5.0)
    worker = make_worker(jobs, queue, FakeContext(), inference, inference_first_event_timeout_s=0.3)
    job = await create(jobs)
    started = time.monotonic()
    await worker.process(await queue.claim(100))
    assert time.monotonic() - started < 3.0, "the silent stream was waited for"
    assert (await store.load(job.id)).status == pb.common.JOB_STATUS_PROCESSING
    await worker.process(await queue.claim(100))
    final = await store.load(job.id)
    assert final.status == DONE and final.attempts == 2 and final.result.reply == "ok"


async def test_after_max_attempts_the_job_is_dead_lettered_with_a_clear_error(parts) -> None:
    redis, store, queue, jobs = parts
    worker = make_worker(jobs, queue, FakeContext(fail_times=100), FakeInference(reply("never")), job_deadline_s=0.5)
    job = await create(jobs)
    for _ in range(3):
        entry = await queue.claim(100)
        assert entry is not None
        await worker.process(entry)
    final = await store.load(job.id)
    assert final.status == ERROR
    assert "unavailable" in final.error.lower()
    await redis.xadd(KEYS.queue(0), {"job_id": job.id})
    await worker.process(await queue.claim(100))
    assert (await store.load(job.id)).status == ERROR


async def test_max_attempts_already_used_goes_to_the_dead_letter_stream(parts) -> None:
    redis, store, queue, jobs = parts
    worker = make_worker(jobs, queue, FakeContext(), FakeInference(reply("x")))
    job = await create(jobs)
    await redis.hset(KEYS.job(job.id), "attempts", 3)  # three workers died on it already
    await worker.process(await queue.claim(100))
    final = await store.load(job.id)
    assert final.status == ERROR and "3 times" in final.error
    dead = await redis.xrange(DEAD_LETTER)
    assert [fields["job_id"] for _id, fields in dead] == [job.id]


async def test_a_restart_mid_stream_discards_the_partial_text(parts) -> None:
    redis, store, queue, jobs = parts
    script = [
        pb.inference.GenerateResponse(delta="partial from gem"),
        pb.inference.GenerateResponse(restart=pb.inference.ProviderRestart(failed_provider="gemini", reason="cut")),
        *reply("full answer", provider="deepai"),
    ]
    worker = make_worker(jobs, queue, FakeContext(), FakeInference(script))
    job = await create(jobs)
    await worker.process(await queue.claim(100))
    final = await store.load(job.id)
    assert final.result.reply == "full answer" and final.result.provider == "deepai"
    kinds = [e.WhichOneof("payload") for e in await store.events_after(job.id, 0)]
    assert "restarted" in kinds and kinds.index("restarted") < len(kinds) - 1


async def test_a_second_attempt_after_partial_output_announces_a_restart(parts) -> None:
    redis, store, queue, jobs = parts
    job = await create(jobs)
    # A first attempt streamed some text and then its worker died.
    await store.begin(job.id, max_attempts=3)
    await store.append_event(job.id, pb.jobs.JobEvent(delta=pb.jobs.TextDelta(text="half a rep")))
    worker = make_worker(jobs, queue, FakeContext(), FakeInference(reply("whole reply")))
    await worker.process(await queue.claim(100))
    events = await store.events_after(job.id, 0)
    kinds = [e.WhichOneof("payload") for e in events]
    first_delta = kinds.index("delta")
    assert "restarted" in kinds[first_delta:], "clients are told to drop 'half a rep'"
    assert (await store.load(job.id)).result.reply == "whole reply"


async def test_a_reply_that_never_finishes_ends_in_error(parts) -> None:
    redis, store, queue, jobs = parts
    worker = make_worker(jobs, queue, FakeContext(), FakeInference([pb.inference.GenerateResponse(delta="no done")]))
    job = await create(jobs)
    await worker.process(await queue.claim(100))
    final = await store.load(job.id)
    assert final.status == ERROR and "before it was complete" in final.error


async def test_the_reaper_ends_jobs_without_progress(parts) -> None:
    redis, store, queue, jobs = parts
    job = await create(jobs)
    await redis.zadd(KEYS.active(0), {job.id: 1})  # last progress long ago
    worker = make_worker(jobs, queue, FakeContext(), FakeInference(reply("x")), job_stuck_after_s=1, job_reaper_interval_s=0.05)
    task = asyncio.create_task(worker._reaper())
    try:
        await until_status(store, job.id, ERROR)
    finally:
        worker._stopping.set()
        await task
    final = await store.load(job.id)
    assert final.status == ERROR and "no progress" in final.error


async def test_a_job_of_a_silent_worker_is_reclaimed_and_finished(parts) -> None:
    redis, store, queue, jobs = parts
    job = await create(jobs)
    dead = JobQueue(redis, consumer="dead-worker")
    assert (await dead.claim(100)).job_id == job.id  # claimed, then its worker died: never acknowledged
    worker = make_worker(jobs, queue, FakeContext(), FakeInference(reply("rescued")), job_workers=1, job_visibility_timeout_s=0.3)
    worker.start()
    try:
        await until_status(store, job.id, DONE)
    finally:
        await worker.stop(grace=2)
    final = await store.load(job.id)
    assert final.status == DONE and final.result.reply == "rescued"
    assert await redis.xlen(KEYS.queue(0)) == 0, "the reclaimed entry was acknowledged"


async def test_a_finished_job_expires_after_the_ttl(redis_url: str, database_url: str) -> None:
    opened, engine = await open_stores(redis_url, database_url, ttl_s=600)
    redis, store, queue = opened.redis, opened.store, opened.queue
    try:
        job = await create(opened.jobs)
        await make_worker(opened.jobs, queue, FakeContext(), FakeInference(reply("ok"))).process(await queue.claim(100))
        assert (await store.load(job.id)).status == DONE
        assert 0 < await redis.ttl(KEYS.job(job.id)) <= 600
        assert 0 < await redis.ttl(KEYS.events(job.id)) <= 600
    finally:
        await redis.aclose()
        await engine.dispose()


@dataclass
class SlowInference:
    """A reply that takes `seconds` to stream, one word at a time."""

    seconds: float
    cancelled: bool = False

    def Generate(self, request, **kwargs) -> AsyncIterator[pb.inference.GenerateResponse]:
        async def stream() -> AsyncIterator[pb.inference.GenerateResponse]:
            try:
                for n, word in enumerate(("slow", " but", " sure")):
                    await asyncio.sleep(0.05 if n == 0 else self.seconds / 3)
                    yield pb.inference.GenerateResponse(delta=word)
                yield pb.inference.GenerateResponse(done=pb.inference.GenerationDone(provider="local", model="m"))
            except (asyncio.CancelledError, GeneratorExit):
                self.cancelled = True
                raise

        return stream()


async def test_a_long_job_is_heart_beaten_so_no_other_worker_takes_it(parts) -> None:
    redis, store, queue, jobs = parts
    job = await create(jobs)
    worker = make_worker(
        jobs,
        queue,
        FakeContext(),
        SlowInference(seconds=1.5),
        job_workers=1,
        job_visibility_timeout_s=0.3,
    )
    other = JobQueue(redis, consumer="other-worker")
    worker.start()
    try:
        while (await store.load(job.id)).status == pb.common.JOB_STATUS_PENDING:
            await asyncio.sleep(0.02)
        # For five visibility timeouts the entry must never look idle to another worker.
        for _ in range(15):
            assert await other.reclaim(min_idle_ms=300) is None
            await asyncio.sleep(0.1)
        await until_status(store, job.id, DONE)
    finally:
        await worker.stop(grace=3)
    final = await store.load(job.id)
    assert final.status == DONE and final.result.reply == "slow but sure" and final.attempts == 1


class TimedOut(aio.AioRpcError):
    def __init__(self) -> None:
        super().__init__(grpc.StatusCode.DEADLINE_EXCEEDED, aio.Metadata(), aio.Metadata(), details="Deadline Exceeded")


@dataclass
class StallingContext(FakeContext):
    """Each call's first `stalls` attempts time out, as a paused context service makes them."""

    stalls: int = 2
    timeouts: list[float] = field(default_factory=list)
    append_calls: int = 0

    async def BuildContext(self, request, **kwargs):
        self.timeouts.append(kwargs["timeout"])
        if len(self.timeouts) <= self.stalls:
            raise TimedOut()
        return await super().BuildContext(request, **kwargs)

    async def AppendTurn(self, request, **kwargs):
        self.append_calls += 1
        if self.append_calls <= self.stalls:
            raise TimedOut()
        return await super().AppendTurn(request, **kwargs)


async def test_a_stalled_idempotent_step_is_retried_within_the_deadline_and_the_job_ends_done(parts) -> None:
    redis, store, queue, jobs = parts
    context = StallingContext(stalls=2)
    worker = make_worker(
        jobs, queue, context, FakeInference(reply("ok")), context_call_timeout_s=0.5, rpc_retry_backoff_base_s=0.01
    )
    job = await create(jobs)
    await worker.process(await queue.claim(100))
    final = await store.load(job.id)
    assert final.status == DONE and final.attempts == 1  # no requeue: retried in the attempt
    assert len(context.timeouts) == 3 and max(context.timeouts) <= 0.5  # each attempt bounded
    assert context.appended == [job.id] and context.append_calls == 3


async def test_a_step_that_never_answers_ends_the_job_when_its_deadline_passes(parts) -> None:
    redis, store, queue, jobs = parts
    context = StallingContext(stalls=10_000)
    worker = make_worker(
        jobs,
        queue,
        context,
        FakeInference(reply("never")),
        job_deadline_s=1.0,
        job_max_attempts=1,
        context_call_timeout_s=0.2,
        rpc_retry_backoff_base_s=0.01,
        rpc_retry_backoff_max_s=0.05,
    )
    job = await create(jobs)
    started = asyncio.get_running_loop().time()
    await worker.process(await queue.claim(100))
    elapsed = asyncio.get_running_loop().time() - started
    final = await store.load(job.id)
    assert final.status == ERROR and "took too long" in final.error
    assert 0.8 <= elapsed < 2.0  # it used its deadline, and no more
    assert len(context.timeouts) >= 3


async def test_a_job_that_outlives_its_deadline_ends_saying_so(parts) -> None:
    redis, store, queue, jobs = parts
    slow = SlowInference(seconds=6.0)
    worker = make_worker(jobs, queue, FakeContext(), slow, job_deadline_s=1.0, inference_idle_timeout_s=30)
    job = await create(jobs)
    started = time.monotonic()
    await worker.process(await queue.claim(100))
    assert time.monotonic() - started < 3.0
    final = await store.load(job.id)
    assert final.status == ERROR and final.error == "The assistant did not answer within 1 seconds."


@dataclass
class TimingOutStoreContext(FakeContext):
    """A BuildContext whose first call fails with a TimeoutError of its own (as a database
    statement that timed out), long before the job's deadline."""

    async def BuildContext(self, request, **kwargs):
        self.calls += 1
        if self.calls == 1:
            raise TimeoutError()
        return await super().BuildContext(request, **kwargs)


async def test_a_timeout_inside_a_step_is_not_the_jobs_deadline_and_the_job_is_tried_again(parts) -> None:
    redis, store, queue, jobs = parts
    context = TimingOutStoreContext()
    worker = make_worker(jobs, queue, context, FakeInference(reply("ok")), job_deadline_s=60)
    job = await create(jobs)
    final = await requeued_then_done(parts, worker, job)
    assert final.status == DONE and final.attempts == 2 and final.result.reply == "ok"


async def test_a_reply_without_usage_counts_its_prompt_with_the_context_services_count(parts) -> None:
    redis, store, queue, jobs = parts
    worker = make_worker(jobs, queue, FakeContext(), FakeInference(reply("one", "two")))
    job = await create(jobs)
    await worker.process(await queue.claim(100))
    usage = (await store.load(job.id)).result.usage
    assert (usage.prompt_tokens, usage.total_tokens) == (42, 42 + usage.completion_tokens)


async def test_a_stop_ends_the_job_with_the_reply_so_far_and_cancels_the_stream(parts) -> None:
    redis, store, queue, jobs = parts
    inference = SlowInference(seconds=30)
    worker = make_worker(jobs, queue, FakeContext(), inference, job_workers=1, job_stop_poll_s=0.05)
    job = await create(jobs)
    worker.start()
    try:
        while not any(e.HasField("delta") for e in await store.events_after(job.id, 0)):
            await asyncio.sleep(0.05)
        asked = time.monotonic()
        await jobs.cancel(job.session_id, job.id)
        await until_status(store, job.id, DONE, timeout_s=5)
        took = time.monotonic() - asked
    finally:
        await worker.stop(grace=3)
    final = await store.load(job.id)
    assert final.status == DONE and final.result.stopped and final.result.reply == "slow"
    assert took < 1.0, f"stopped after {took:.2f} s"
    assert inference.cancelled, "the inference stream was cancelled, not left running"


async def test_a_pending_job_stops_at_once_and_its_worker_never_runs_it(parts) -> None:
    redis, store, queue, jobs = parts
    context = FakeContext()
    job = await create(jobs)
    stopped = await jobs.cancel(job.session_id, job.id)
    assert stopped.status == DONE and stopped.result.stopped and stopped.result.reply == ""
    await make_worker(jobs, queue, context, FakeInference(reply("never"))).process(await queue.claim(100))
    assert context.calls == 0 and (await store.load(job.id)).result.reply == ""
    assert await jobs.cancel(job.session_id, job.id) == await jobs.get(job.session_id, job.id), "an ended job is as it was"


def test_a_models_title_is_cleaned_of_quotes_marks_and_labels() -> None:
    from job_service.titles import clean

    assert clean('"Trip to Lisbon in May."\nMore text') == "Trip to Lisbon in May"
    assert clean("Title: **Bees and honey**") == "Bees and honey"
    assert clean("   \n") == ""
