"""POST /messages, GET /messages/{id} and its live event stream."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from starlette.responses import Response

from chat_common import pb
from gateway import deps, sse
from gateway.backends import Backends
from chat_common.errors import ErrorCode
from gateway.errors import ApiError
from gateway.fanout import FeedHub
from gateway.schemas import ErrorOut, JobAccepted, JobEnvelope, MessageIn, event_out, job_out
from gateway.sessions import session_id
from gateway.settings import GatewaySettings

log = logging.getLogger("gateway.messages")
router = APIRouter(tags=["messages"])
bench_router = APIRouter(include_in_schema=False)
ERROR_DESCRIPTIONS = {
    400: "Bad request (e.g. an empty message or a malformed header)",
    401: "Missing or invalid API key (only when API keys are configured)",
    404: "Not found, or not a job of this session",
    413: "Body, message or file too large",
    415: "Unsupported content type or file type",
    422: "The body does not match the schema",
    429: "Rate limit exceeded; see Retry-After",
    503: "A backend is temporarily unavailable; see Retry-After",
}
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut, "description": text} for code, text in ERROR_DESCRIPTIONS.items()
}


def idempotency_key(header: str | None, body_key: str | None = None) -> str:
    key = header or body_key or ""
    if len(key) > 200:
        raise ApiError(400, "Idempotency-Key must be at most 200 characters.", ErrorCode.INVALID_IDEMPOTENCY_KEY)
    return key


async def create_job(backends: Backends, request: pb.jobs.CreateJobRequest) -> tuple[JobAccepted, bool]:
    """The accepted job, and whether it is new (False: an idempotent replay)."""
    reply = await backends.submits.create(request)
    job = job_out(reply.job)
    return JobAccepted(job_id=job.id, status=job.status, job=job), reply.created


@router.post("/messages", status_code=202, response_model=JobAccepted, responses=ERRORS)
async def post_message(
    body: MessageIn,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
    settings: Annotated[GatewaySettings, Depends(deps.settings)],
    idempotency: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JobAccepted:
    """Submits a user message. Returns the job id at once; the reply is produced in the background."""
    text = body.text.strip()
    if not text:
        raise ApiError(400, "The message is empty.", ErrorCode.MESSAGE_EMPTY)
    if len(body.text) > settings.max_message_chars:  # as documented (maxLength), counted before stripping
        raise ApiError(413, f"The message is too long. The maximum is {settings.max_message_chars} characters.", ErrorCode.MESSAGE_TOO_LONG)
    accepted, _created = await create_job(
        backends,
        pb.jobs.CreateJobRequest(
            session_id=session,
            idempotency_key=idempotency_key(idempotency, body.client_id),
            kind=pb.common.JOB_KIND_MESSAGE,
            text=text,
        ),
    )
    return accepted


def _check_id(job_id: str) -> None:
    if len(job_id) != 32 or any(c not in "0123456789abcdef" for c in job_id):
        raise ApiError(404, "Job not found.", ErrorCode.JOB_NOT_FOUND)


@router.get("/messages/{job_id}", response_model=JobEnvelope, responses=ERRORS)
async def get_message(
    job_id: str,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> JobEnvelope:
    """The status and, once done, the result of a job."""
    _check_id(job_id)
    job = await backends.jobs.GetJob(pb.jobs.GetJobRequest(session_id=session, job_id=job_id))
    return JobEnvelope(job=job_out(job))


@router.get(
    "/messages/{job_id}/events",
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}, **ERRORS},
)
async def job_events(
    job_id: str,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
    settings: Annotated[GatewaySettings, Depends(deps.settings)],
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int | None, Query(ge=0, le=2**62)] = None,
) -> Response:
    """Server-Sent Events of a job: `status`, `progress` (reading an upload), `delta` and `restart`,
    each with its sequence number as id.

    Reconnect with `Last-Event-ID` (or `?after=N`) to replay only what was missed.
    """
    _check_id(job_id)
    after_seq = after or 0
    if last_event_id:
        if not last_event_id.isdigit() or len(last_event_id) > 18:
            raise ApiError(400, "Last-Event-ID must be an event sequence number.", ErrorCode.INVALID_EVENT_ID)
        after_seq = max(after_seq, int(last_event_id))
    stream = _stream(backends.feeds, session, job_id, after_seq, settings.sse_ping_s)
    # Runs the stream up to its first answer, so a missing job is a 404 before streaming starts.
    await anext(stream)
    return sse.event_stream(stream)


async def _stream(feeds: FeedHub, session: str, job_id: str, after_seq: int, keepalive_s: float) -> AsyncIterator[bytes]:
    """Yields b"" once the job's stream has opened (or raises its error), then the encoded events.

    A stream that ends before the terminal event makes the browser reconnect with Last-Event-ID.
    If the response never consumes the rest, the event loop's async-generator finalizer closes
    it, which releases the feed."""
    async with feeds.feed(session, job_id) as feed:
        await feed.opened()
        yield b""
        async for event in feed.follow(after_seq, keepalive_s):
            if event is None:
                yield sse.KEEPALIVE
                continue
            kind, data = event_out(event)
            yield sse.encode(event.seq, kind, json.dumps(data))


@bench_router.post("/messages/_bench", status_code=202)
async def bench_bare(
    body: MessageIn,
    session: Annotated[str, Depends(session_id)],
) -> dict[str, object]:
    """Same path prefix, middleware, body model and session as POST /messages, but no job:
    the baseline that bench/submit.py compares against (only with BENCH_ENDPOINTS=1)."""
    return {"success": True, "job_id": "0" * 32, "status": "pending"}


@bench_router.post("/messages/_bench_grpc", status_code=202)
async def bench_one_hop(
    body: MessageIn,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> dict[str, object]:
    """The bare endpoint plus one unary gRPC call to the job service (its health check): the
    floor of any POST /messages that crosses one gRPC hop (only with BENCH_ENDPOINTS=1)."""
    await backends.serving("job_service")
    return {"success": True, "job_id": "0" * 32, "status": "pending"}
