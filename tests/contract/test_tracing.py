"""With OTEL_TRACES_EXPORTER set, one trace follows a job from CreateJob through the worker's calls."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

import grpc

from chat_common import pb
from tests.contract.conftest import start_suite

SPAN_START = re.compile(r"^\{\s*$", re.MULTILINE)


def spans(log_text: str) -> list[dict]:
    """Console-exporter spans (pretty-printed JSON objects) from a process log."""
    found = []
    decoder = json.JSONDecoder()
    for match in SPAN_START.finditer(log_text):
        try:
            span, _ = decoder.raw_decode(log_text, match.start())
        except json.JSONDecodeError:
            continue
        if "context" in span and "name" in span:
            found.append(span)
    return found


def test_one_trace_spans_create_worker_and_context(tmp_path: Path) -> None:
    suite = start_suite(
        tmp_path,
        ["context_service", "inference_service", "job_service"],
        env={"OTEL_TRACES_EXPORTER": "console", "OTEL_BSP_SCHEDULE_DELAY": "100"},
    )
    try:
        with grpc.insecure_channel(suite.addr("job_service")) as channel:
            stub = pb.jobs_grpc.JobServiceStub(channel)
            sid = uuid.uuid4().hex
            job = stub.CreateJob(
                pb.jobs.CreateJobRequest(session_id=sid, kind=pb.common.JOB_KIND_MESSAGE, text="trace me"), timeout=10
            ).job
            for _event in stub.WatchJob(pb.jobs.WatchJobRequest(session_id=sid, job_id=job.id), timeout=30):
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            job_spans = spans(suite.log_text("job_service"))
            create = [s for s in job_spans if s["name"] == "/chat.v1.JobService/CreateJob"]
            worker = [s for s in job_spans if s["name"] == "process job" and s["attributes"].get("job.id") == job.id]
            # Each process exports on its own schedule: wait for the BuildContext span itself,
            # not for any span of the context service.
            build_traces = {
                s["context"]["trace_id"]
                for s in spans(suite.log_text("context_service"))
                if s["name"] == "/chat.v1.ContextService/BuildContext"
            }
            if create and worker and create[-1]["context"]["trace_id"] in build_traces:
                break
            time.sleep(0.3)
        assert create and worker, "the job service exported its spans"
        assert worker[0]["context"]["trace_id"] == create[-1]["context"]["trace_id"], "the worker continues the creating trace"
        assert create[-1]["context"]["trace_id"] in build_traces, "context joined the trace"
    finally:
        suite.stop()


def test_a_batched_submit_keeps_its_http_requests_trace(tmp_path: Path) -> None:
    """Through the gateway, where submits share CreateJobs calls, each job still continues the
    trace of its own HTTP request."""
    import asyncio

    import httpx

    suite = start_suite(
        tmp_path,
        ["context_service", "inference_service", "job_service", "gateway"],
        env={"OTEL_TRACES_EXPORTER": "console", "OTEL_BSP_SCHEDULE_DELAY": "100"},
    )
    trace_ids = [uuid.uuid4().hex for _ in range(6)]

    async def submit_all() -> list[str]:
        async with httpx.AsyncClient(base_url=suite.base_url, timeout=30) as client:
            responses = await asyncio.gather(
                *(
                    client.post(
                        "/messages",
                        json={"text": f"trace {n}"},
                        headers={"X-Session-Id": f"trace-session-{n}-0000", "traceparent": f"00-{trace_id}-{'1' * 16}-01"},
                    )
                    for n, trace_id in enumerate(trace_ids)
                )
            )
        assert all(r.status_code == 202 for r in responses)
        return [r.json()["job_id"] for r in responses]

    try:
        job_ids = asyncio.run(submit_all())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            workers = {
                s["attributes"].get("job.id"): s for s in spans(suite.log_text("job_service")) if s["name"] == "process job"
            }
            if all(job_id in workers for job_id in job_ids):
                break
            time.sleep(0.3)
        for job_id, trace_id in zip(job_ids, trace_ids, strict=True):
            assert job_id in workers, "the worker exported its span"
            assert workers[job_id]["context"]["trace_id"] == "0x" + trace_id, "the job continues its own request's trace"
    finally:
        suite.stop()
