"""POST /messages, GET /messages/{id} and its live event stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from starlette.responses import Response

from chat_common import pb
from chat_common.errors import ErrorCode
from gateway import deps, sse
from gateway.backends import Backends
from gateway.error_docs import ERRORS
from gateway.errors import ApiError
from gateway.fanout import FeedHub
from gateway.jobs import accepted, check_job_id, create_job, idempotency_key
from gateway.schemas import (
    ConversationEnvelope,
    JobAccepted,
    JobEnvelope,
    MessageEdit,
    MessageIn,
    conversation_out,
    event_out,
    job_out,
)
from gateway.sessions import session_id
from gateway.settings import GatewaySettings

router = APIRouter(tags=["messages"])


@router.post("/messages", status_code=202, response_model=JobAccepted, responses=ERRORS)
async def post_message(
    body: MessageIn,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
    settings: Annotated[GatewaySettings, Depends(deps.settings)],
    idempotency: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JobAccepted:
    """Submits a user message to the most recent conversation (created if there is none).
    Returns the job id at once; the reply is produced in the background."""
    return await submit_message(backends, settings, session, "", body, idempotency)


def checked_text(raw: str, settings: GatewaySettings) -> str:
    text = raw.strip()
    if not text:
        raise ApiError(400, "The message is empty.", ErrorCode.MESSAGE_EMPTY)
    if len(raw) > settings.max_message_chars:  # as documented (maxLength), counted before stripping
        raise ApiError(
            413, f"The message is too long. The maximum is {settings.max_message_chars} characters.", ErrorCode.MESSAGE_TOO_LONG
        )
    return text


async def submit_message(
    backends: Backends,
    settings: GatewaySettings,
    session: str,
    conversation_id: str,
    body: MessageIn,
    idempotency: str | None,
) -> JobAccepted:
    """What POST /messages and POST /conversations/{id}/messages share."""
    text = checked_text(body.text, settings)
    accepted, _created = await create_job(
        backends,
        pb.jobs.CreateJobRequest(
            session_id=session,
            conversation_id=conversation_id,
            idempotency_key=idempotency_key(idempotency, body.client_id),
            kind=pb.common.JOB_KIND_MESSAGE,
            text=text,
        ),
    )
    return accepted


@router.get("/messages/{job_id}", response_model=JobEnvelope, responses=ERRORS)
async def get_message(
    job_id: str,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> JobEnvelope:
    """The status and, once done, the result of a job."""
    check_job_id(job_id)
    job = await backends.jobs.GetJob(pb.jobs.GetJobRequest(session_id=session, job_id=job_id))
    return JobEnvelope(job=job_out(job))


@router.post("/messages/{job_id}/stop", response_model=JobEnvelope, responses=ERRORS)
async def stop_message(
    job_id: str,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> JobEnvelope:
    """Stops the reply: within about a second it ends `done` with what was streamed so far,
    marked `stopped`. The provider stops generating too. An ended job is returned as it is."""
    check_job_id(job_id)
    job = await backends.jobs.CancelJob(pb.jobs.CancelJobRequest(session_id=session, job_id=job_id))
    return JobEnvelope(job=job_out(job))


@router.post("/messages/{job_id}/regenerate", status_code=202, response_model=JobAccepted, responses=ERRORS)
async def regenerate_message(
    job_id: str,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
    idempotency: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JobAccepted:
    """A new reply to the same message, kept beside the old one as an alternative (`alternative_ids`).
    It becomes the conversation's branch on show. A file's reply cannot be regenerated."""
    check_job_id(job_id)
    request = pb.jobs.RegenerateJobRequest(session_id=session, job_id=job_id, idempotency_key=idempotency_key(idempotency))
    return accepted(await backends.jobs.RegenerateJob(request))


@router.patch("/messages/{job_id}", status_code=202, response_model=JobAccepted, responses=ERRORS)
async def edit_message(
    job_id: str,
    body: MessageEdit,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
    settings: Annotated[GatewaySettings, Depends(deps.settings)],
    idempotency: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JobAccepted:
    """Edits a message and sends it again, as an alternative beside the original: the exchanges
    after it on that branch leave the conversation on show and the assistant's memory."""
    check_job_id(job_id)
    text = checked_text(body.text, settings)
    request = pb.jobs.EditJobRequest(session_id=session, job_id=job_id, text=text, idempotency_key=idempotency_key(idempotency))
    return accepted(await backends.jobs.EditJob(request))


@router.post("/messages/{job_id}/select", response_model=ConversationEnvelope, responses=ERRORS)
async def select_message(
    job_id: str,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> ConversationEnvelope:
    """Shows the branch through this alternative (its newest exchanges) in its conversation;
    new messages follow it, and the assistant's memory follows it too."""
    check_job_id(job_id)
    conversation = await backends.conversations.SelectMessage(
        pb.conversations.SelectMessageRequest(owner=session, message_id=job_id)
    )
    return ConversationEnvelope(conversation=conversation_out(conversation))


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
    check_job_id(job_id)
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
