"""What the routes that create or read jobs share: idempotency keys, job ids, job creation."""

from __future__ import annotations

from chat_common import pb
from chat_common.errors import ErrorCode
from gateway.backends import Backends
from gateway.errors import ApiError
from gateway.schemas import JobAccepted, job_out


def idempotency_key(header: str | None, body_key: str | None = None) -> str:
    key = header or body_key or ""
    if len(key) > 200:
        raise ApiError(400, "Idempotency-Key must be at most 200 characters.", ErrorCode.INVALID_IDEMPOTENCY_KEY)
    return key


async def create_job(backends: Backends, request: pb.jobs.CreateJobRequest) -> tuple[JobAccepted, bool]:
    """The accepted job, and whether it is new (False: an idempotent replay)."""
    reply = await backends.submits.create(request)
    return accepted(reply), reply.created


def accepted(reply: pb.jobs.CreateJobResponse) -> JobAccepted:
    job = job_out(reply.job)
    return JobAccepted(job_id=job.id, status=job.status, job=job)


def check_job_id(job_id: str) -> None:
    if len(job_id) != 32 or any(c not in "0123456789abcdef" for c in job_id):
        raise ApiError(404, "Job not found.", ErrorCode.JOB_NOT_FOUND)
