"""The gateway's submit batching: fewer calls under load, every request its own outcome."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import grpc
import pytest
from grpc import aio

from chat_common import pb
from chat_common.logs import request_id_var
from gateway.batching import JobBatcher


def rpc_error(code: grpc.StatusCode) -> aio.AioRpcError:
    return aio.AioRpcError(code, aio.Metadata(), aio.Metadata(), details=code.name.lower())


@dataclass
class FakeJobs:
    """CreateJobs that takes 10 ms, answers each item by its text, and can be told to fail."""

    fail_with: grpc.StatusCode | None = None
    batches: list[list[pb.jobs.BatchedCreateJob]] = field(default_factory=list)
    singles: list[pb.jobs.CreateJobRequest] = field(default_factory=list)

    async def CreateJobs(self, request: pb.jobs.CreateJobsRequest, **kwargs: object) -> pb.jobs.CreateJobsResponse:
        self.batches.append(list(request.items))
        await asyncio.sleep(0.01)
        if self.fail_with is not None:
            raise rpc_error(self.fail_with)
        reply = pb.jobs.CreateJobsResponse()
        for item in request.items:
            if item.request.text == "bad":
                reply.outcomes.add(error=pb.jobs.ItemError(code=grpc.StatusCode.INVALID_ARGUMENT.value[0], message="bad text"))
            else:
                reply.outcomes.add(
                    created=pb.jobs.CreateJobResponse(job=pb.jobs.Job(id="job-" + item.request.text), created=True)
                )
        return reply

    async def CreateJob(self, request: pb.jobs.CreateJobRequest, **kwargs: object) -> pb.jobs.CreateJobResponse:
        self.singles.append(request)
        return pb.jobs.CreateJobResponse(job=pb.jobs.Job(id="single-" + request.text), created=True)


def message(text: str) -> pb.jobs.CreateJobRequest:
    return pb.jobs.CreateJobRequest(session_id="s", kind=pb.common.JOB_KIND_MESSAGE, text=text)


async def submit(batcher: JobBatcher, text: str, request_id: str = "") -> pb.jobs.CreateJobResponse:
    request_id_var.set(request_id or "req-" + text)
    return await batcher.create(message(text))


async def test_a_lone_submit_is_sent_at_once_alone() -> None:
    jobs = FakeJobs()
    reply = await JobBatcher(jobs).create(message("one"))
    assert reply.job.id == "job-one"
    assert [len(b) for b in jobs.batches] == [1]


async def test_submits_that_arrive_during_a_call_share_the_next_one() -> None:
    jobs = FakeJobs()
    batcher = JobBatcher(jobs)
    replies = await asyncio.gather(*(submit(batcher, str(n)) for n in range(20)))
    assert [r.job.id for r in replies] == [f"job-{n}" for n in range(20)], "each request gets its own job"
    assert len(jobs.batches) < 20 and sum(len(b) for b in jobs.batches) == 20
    sent = {item.request.text: item.request_id for batch in jobs.batches for item in batch}
    assert sent == {str(n): f"req-{n}" for n in range(20)}, "each item keeps its own request id"


async def test_an_items_error_reaches_only_its_own_request() -> None:
    batcher = JobBatcher(FakeJobs())
    results = await asyncio.gather(submit(batcher, "a"), submit(batcher, "bad"), submit(batcher, "b"), return_exceptions=True)
    assert results[0].job.id == "job-a" and results[2].job.id == "job-b"
    assert isinstance(results[1], aio.AioRpcError) and results[1].code() == grpc.StatusCode.INVALID_ARGUMENT
    assert results[1].details() == "bad text"


async def test_a_failed_call_fails_its_requests_and_the_next_submit_is_sent_again() -> None:
    jobs = FakeJobs(fail_with=grpc.StatusCode.UNAVAILABLE)
    batcher = JobBatcher(jobs)
    results = await asyncio.gather(*(submit(batcher, str(n)) for n in range(5)), return_exceptions=True)
    assert all(isinstance(r, aio.AioRpcError) and r.code() == grpc.StatusCode.UNAVAILABLE for r in results)
    jobs.fail_with = None
    assert (await submit(batcher, "later")).job.id == "job-later"


async def test_a_job_service_without_create_jobs_gets_create_job_calls() -> None:
    jobs = FakeJobs(fail_with=grpc.StatusCode.UNIMPLEMENTED)
    batcher = JobBatcher(jobs)
    replies = await asyncio.gather(*(submit(batcher, str(n)) for n in range(3)))
    assert [r.job.id for r in replies] == ["single-0", "single-1", "single-2"]
    assert (await submit(batcher, "next")).job.id == "single-next"
    assert len(jobs.batches) == 1, "CreateJobs is not tried again"


async def test_a_request_that_goes_away_does_not_disturb_the_others() -> None:
    batcher = JobBatcher(FakeJobs())
    first = asyncio.create_task(submit(batcher, "first"))
    leaving = asyncio.create_task(submit(batcher, "leaving"))
    staying = asyncio.create_task(submit(batcher, "staying"))
    await asyncio.sleep(0)
    leaving.cancel()
    assert (await first).job.id == "job-first"
    assert (await staying).job.id == "job-staying"
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_each_item_carries_the_trace_of_its_own_request() -> None:
    from opentelemetry import context, trace

    jobs = FakeJobs()
    batcher = JobBatcher(jobs)

    async def traced_submit(n: int) -> None:
        span = trace.NonRecordingSpan(
            trace.SpanContext(trace_id=n + 1, span_id=n + 1, is_remote=True, trace_flags=trace.TraceFlags(1))
        )
        token = context.attach(trace.set_span_in_context(span))
        try:
            await submit(batcher, str(n))
        finally:
            context.detach(token)

    await asyncio.gather(*(traced_submit(n) for n in range(5)))
    assert len(jobs.batches) < 5
    for batch in jobs.batches:
        for item in batch:
            n = int(item.request.text)
            assert item.trace_context["traceparent"].split("-")[1] == f"{n + 1:032x}"


async def test_a_hung_job_service_costs_each_submit_at_most_its_timeout() -> None:
    """Queued behind calls in flight or not, every submit gives up in time (a 503 upstream)."""

    class Hung(FakeJobs):
        async def CreateJobs(self, request: pb.jobs.CreateJobsRequest, **kwargs: object) -> pb.jobs.CreateJobsResponse:
            await asyncio.sleep(30)
            raise AssertionError("unreachable")

    batcher = JobBatcher(Hung(), timeout_s=0.3)
    started = asyncio.get_running_loop().time()
    outcomes = await asyncio.gather(*(submit(batcher, str(n)) for n in range(5)), return_exceptions=True)
    assert asyncio.get_running_loop().time() - started < 1.0
    assert all(isinstance(o, aio.AioRpcError) and o.code() == grpc.StatusCode.DEADLINE_EXCEEDED for o in outcomes)
    for sender in list(batcher._senders):
        sender.cancel()
