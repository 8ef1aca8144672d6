"""GET /chat/history, DELETE /chat/clear and GET /chat/profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from chat_common import pb
from gateway import deps
from gateway.backends import Backends
from gateway.error_docs import ERRORS
from gateway.schemas import ClearedOut, HistoryOut, ProfileBody, ProfileOut, fact_out, job_out
from gateway.sessions import session_id

router = APIRouter(prefix="/chat", tags=["chat"])


@router.get("/history", response_model=HistoryOut, responses=ERRORS)
async def history(
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> HistoryOut:
    """The most recent conversation's messages and files (its latest 500), oldest first, each
    with its job's status."""
    reply = await backends.jobs.ListHistory(pb.jobs.ListHistoryRequest(session_id=session))
    return HistoryOut(items=[job_out(job) for job in reply.jobs])


@router.delete("/clear", response_model=ClearedOut, responses=ERRORS)
async def clear(
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> ClearedOut:
    """Empties the most recent conversation: its messages, their files and its memory."""
    reply = await backends.jobs.ClearSession(pb.jobs.ClearSessionRequest(session_id=session))
    return ClearedOut(cleared=reply.cleared)


@router.get("/profile", response_model=ProfileOut, responses=ERRORS)
async def profile(
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> ProfileOut:
    """What the assistant has learned about the user across their conversations (as GET /profile)."""
    return await owner_profile(backends, session)


async def owner_profile(backends: Backends, owner: str) -> ProfileOut:
    reply = await backends.context.GetOwnerProfile(pb.context.OwnerProfileRequest(owner=owner))
    return ProfileOut(profile=ProfileBody(facts=[fact_out(f) for f in reply.facts], summary=reply.summary))
