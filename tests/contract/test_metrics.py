"""Each gRPC service exposes Prometheus metrics that move with real work."""

from __future__ import annotations

import uuid

import httpx
from grpc import aio
from prometheus_client.parser import text_string_to_metric_families

from chat_common import pb
from suite.processes import Suite


def scrape(suite: Suite, name: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(f"http://127.0.0.1:{suite.metrics_ports[name]}/metrics", timeout=5).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_job_and_context_metrics_count_real_work(backend: Suite, job_channel: aio.Channel) -> None:
    before = scrape(backend, "job_service")
    stub = pb.jobs_grpc.JobServiceStub(job_channel)
    sid = uuid.uuid4().hex
    created = await stub.CreateJob(pb.jobs.CreateJobRequest(session_id=sid, kind=pb.common.JOB_KIND_MESSAGE, text="count me"))
    events = [e async for e in stub.WatchJob(pb.jobs.WatchJobRequest(session_id=sid, job_id=created.job.id), timeout=30)]
    assert events[-1].status.status == pb.common.JOB_STATUS_DONE

    after = scrape(backend, "job_service")
    done = ("chat_jobs_finished_total", (("status", "done"),))
    assert after[done] == before.get(done, 0) + 1
    created_key = ("chat_jobs_created_total", (("kind", "message"),))
    assert after[created_key] == before.get(created_key, 0) + 1
    rpc = ("chat_rpc_duration_seconds_count", (("code", "OK"), ("method", "/chat.v1.JobService/CreateJob")))
    assert after[rpc] >= 1
    assert ("chat_job_duration_seconds_count", ()) in after
    assert ("chat_queue_depth", ()) in after

    context = scrape(backend, "context_service")
    build = ("chat_rpc_duration_seconds_count", (("code", "OK"), ("method", "/chat.v1.ContextService/BuildContext")))
    assert context[build] >= 1


async def test_inference_metrics_count_provider_calls(backend: Suite, job_channel: aio.Channel) -> None:
    stub = pb.jobs_grpc.JobServiceStub(job_channel)
    sid = uuid.uuid4().hex
    created = await stub.CreateJob(pb.jobs.CreateJobRequest(session_id=sid, kind=pb.common.JOB_KIND_MESSAGE, text="hi"))
    [e async for e in stub.WatchJob(pb.jobs.WatchJobRequest(session_id=sid, job_id=created.job.id), timeout=30)]
    inference = scrape(backend, "inference_service")
    assert inference[("chat_provider_calls_total", (("outcome", "ok"), ("provider", "fallback")))] >= 1
