"""JobService contract: every RPC over real gRPC, including the error cases."""

from __future__ import annotations

import uuid

import grpc
import pytest
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from chat_common import pb
from chat_common.errors import ErrorCode
from chat_common.grpc.status import reason_of

MESSAGE = pb.common.JOB_KIND_MESSAGE
DONE = pb.common.JOB_STATUS_DONE


def session() -> str:
    return uuid.uuid4().hex


async def create(stub: pb.jobs_grpc.JobServiceStub, sid: str, text: str = "hello", key: str = "") -> pb.jobs.CreateJobResponse:
    return await stub.CreateJob(pb.jobs.CreateJobRequest(session_id=sid, kind=MESSAGE, text=text, idempotency_key=key))


async def watch_to_end(stub: pb.jobs_grpc.JobServiceStub, sid: str, job_id: str, after: int = 0) -> list[pb.jobs.JobEvent]:
    request = pb.jobs.WatchJobRequest(session_id=sid, job_id=job_id, after_seq=after)
    return [event async for event in stub.WatchJob(request, timeout=30)]


async def test_create_then_watch_reaches_done_with_reply(job_channel: aio.Channel) -> None:
    stub = pb.jobs_grpc.JobServiceStub(job_channel)
    sid = session()
    created = await create(stub, sid, "What is Redis?")
    assert created.created
    assert created.job.status == pb.common.JOB_STATUS_PENDING
    events = await watch_to_end(stub, sid, created.job.id)
    seqs = [e.seq for e in events]
    assert seqs == list(range(1, len(events) + 1)), "events come in order, numbered from 1"
    statuses = [e.status.status for e in events if e.HasField("status")]
    assert statuses[0] == pb.common.JOB_STATUS_PENDING
    assert pb.common.JOB_STATUS_PROCESSING in statuses
    assert statuses[-1] == DONE
    final = events[-1].status.job
    streamed = "".join(e.delta.text for e in events if e.HasField("delta"))
    assert final.result.reply == streamed and streamed
    assert final.result.provider == "fallback" and final.result.fallback
    job = await stub.GetJob(pb.jobs.GetJobRequest(session_id=sid, job_id=created.job.id))
    assert job.status == DONE and job.result.reply == streamed and job.attempts == 1


async def test_watch_after_seq_replays_only_the_rest(job_channel: aio.Channel) -> None:
    stub = pb.jobs_grpc.JobServiceStub(job_channel)
    sid = session()
    job_id = (await create(stub, sid)).job.id
    everything = await watch_to_end(stub, sid, job_id)
    rest = await watch_to_end(stub, sid, job_id, after=2)
    assert [e.seq for e in rest] == [e.seq for e in everything[2:]]
    assert rest[-1].status.status == DONE


async def test_idempotency_key_returns_the_same_job(job_channel: aio.Channel) -> None:
    stub = pb.jobs_grpc.JobServiceStub(job_channel)
    sid = session()
    first = await create(stub, sid, "once", key="k-1")
    second = await create(stub, sid, "once", key="k-1")
    assert first.created and not second.created
    assert first.job.id == second.job.id
    history = await stub.ListHistory(pb.jobs.ListHistoryRequest(session_id=sid))
    assert [j.id for j in history.jobs] == [first.job.id]


async def test_history_in_order_and_clear_empties_it(job_channel: aio.Channel) -> None:
    stub = pb.jobs_grpc.JobServiceStub(job_channel)
    sid = session()
    ids = [(await create(stub, sid, f"message {n}")).job.id for n in range(3)]
    for job_id in ids:
        await watch_to_end(stub, sid, job_id)
    history = await stub.ListHistory(pb.jobs.ListHistoryRequest(session_id=sid))
    assert [j.id for j in history.jobs] == ids
    assert [j.text for j in history.jobs] == ["message 0", "message 1", "message 2"]
    cleared = await stub.ClearSession(pb.jobs.ClearSessionRequest(session_id=sid))
    assert cleared.cleared == 3
    assert not (await stub.ListHistory(pb.jobs.ListHistoryRequest(session_id=sid))).jobs
    with pytest.raises(aio.AioRpcError) as err:
        await stub.GetJob(pb.jobs.GetJobRequest(session_id=sid, job_id=ids[0]))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_unknown_job_and_other_sessions_job_are_not_found(job_channel: aio.Channel) -> None:
    stub = pb.jobs_grpc.JobServiceStub(job_channel)
    sid = session()
    job_id = (await create(stub, sid)).job.id
    for request in (
        pb.jobs.GetJobRequest(session_id=sid, job_id=uuid.uuid4().hex),
        pb.jobs.GetJobRequest(session_id=session(), job_id=job_id),
    ):
        with pytest.raises(aio.AioRpcError) as err:
            await stub.GetJob(request)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        assert reason_of(err.value) == ErrorCode.JOB_NOT_FOUND, "the status details carry an ErrorInfo reason"
    with pytest.raises(aio.AioRpcError) as err:
        await watch_to_end(stub, session(), job_id)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    "request_",
    [
        pb.jobs.CreateJobRequest(session_id="", kind=MESSAGE, text="hi"),
        pb.jobs.CreateJobRequest(session_id="s-123456", kind=MESSAGE, text="   "),
        pb.jobs.CreateJobRequest(session_id="s-123456", kind=pb.common.JOB_KIND_UNSPECIFIED, text="hi"),
        pb.jobs.CreateJobRequest(session_id="s-123456", kind=pb.common.JOB_KIND_FILE),
        pb.jobs.CreateJobRequest(session_id="s-123456", kind=MESSAGE, text="hi", idempotency_key="k" * 201),
    ],
    ids=["no-session", "blank-text", "no-kind", "file-without-ref", "huge-key"],
)
async def test_invalid_create_is_invalid_argument(job_channel: aio.Channel, request_: pb.jobs.CreateJobRequest) -> None:
    stub = pb.jobs_grpc.JobServiceStub(job_channel)
    with pytest.raises(aio.AioRpcError) as err:
        await stub.CreateJob(request_)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_other_invalid_arguments(job_channel: aio.Channel) -> None:
    stub = pb.jobs_grpc.JobServiceStub(job_channel)
    calls = [
        stub.GetJob(pb.jobs.GetJobRequest(session_id="s-123456", job_id="")),
        stub.ListHistory(pb.jobs.ListHistoryRequest(session_id="")),
        stub.ClearSession(pb.jobs.ClearSessionRequest(session_id="")),
    ]
    for call in calls:
        with pytest.raises(aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(aio.AioRpcError) as err:
        await watch_to_end(stub, "s-123456", "abc", after=-1)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_health_and_reflection(job_channel: aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(job_channel)
    reply = await health.Check(health_pb2.HealthCheckRequest(service="chat.v1.JobService"))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    reflection = reflection_pb2_grpc.ServerReflectionStub(job_channel)
    call = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    names = set()
    async for response in call:
        names = {s.name for s in response.list_services_response.service}
        break
    assert {"chat.v1.JobService", "grpc.health.v1.Health"} <= names


def batched(sid: str, text: str, key: str = "", request_id: str = "") -> pb.jobs.BatchedCreateJob:
    request = pb.jobs.CreateJobRequest(session_id=sid, kind=MESSAGE, text=text, idempotency_key=key)
    return pb.jobs.BatchedCreateJob(request=request, request_id=request_id)


async def test_create_jobs_gives_each_item_its_own_outcome(job_channel: aio.Channel) -> None:
    stub = pb.jobs_grpc.JobServiceStub(job_channel)
    sid = session()
    reply = await stub.CreateJobs(
        pb.jobs.CreateJobsRequest(
            items=[
                batched(sid, "first", request_id="req-1"),
                batched(sid, "   "),  # invalid: empty text
                batched(sid, "keyed", key="k-1"),
                batched(sid, "keyed again", key="k-1"),  # same key in the same call: the same job
                batched("", "no session"),  # invalid: no session
            ]
        )
    )
    kinds = [o.WhichOneof("outcome") for o in reply.outcomes]
    assert kinds == ["created", "error", "created", "created", "error"]
    first, _, keyed, again, _ = reply.outcomes
    assert first.created.created and first.created.job.request_id == "req-1"
    assert reply.outcomes[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "text" in reply.outcomes[1].error.message
    assert keyed.created.created and not again.created.created
    assert again.created.job.id == keyed.created.job.id
    history = await stub.ListHistory(pb.jobs.ListHistoryRequest(session_id=sid))
    assert [j.text for j in history.jobs] == ["first", "keyed"], "each valid job stored once, in order"
    events = await watch_to_end(stub, sid, first.created.job.id)
    assert events[-1].status.status == DONE, "a batched job is queued and processed like any other"


async def test_create_jobs_refuses_an_oversized_call(job_channel: aio.Channel) -> None:
    stub = pb.jobs_grpc.JobServiceStub(job_channel)
    items = [batched(session(), "x")] * 257
    with pytest.raises(aio.AioRpcError) as caught:
        await stub.CreateJobs(pb.jobs.CreateJobsRequest(items=items))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
