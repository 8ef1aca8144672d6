"""GET /chat/history, DELETE /chat/clear and GET /chat/profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from chat_common import pb
from gateway import deps
from gateway.backends import Backends
from gateway.error_docs import ERRORS
from gateway.schemas import ClearedOut, FactOut, HistoryOut, ProfileBody, ProfileOut, iso, job_out
from gateway.sessions import session_id

router = APIRouter(prefix="/chat", tags=["chat"])


@router.get("/history", response_model=HistoryOut, responses=ERRORS)
async def history(
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> HistoryOut:
    """Every message and file of the session, oldest first, each with its job's status."""
    reply = await backends.jobs.ListHistory(pb.jobs.ListHistoryRequest(session_id=session))
    return HistoryOut(items=[job_out(job) for job in reply.jobs])


@router.delete("/clear", response_model=ClearedOut, responses=ERRORS)
async def clear(
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> ClearedOut:
    """Empties the session's history and its conversation memory."""
    reply = await backends.jobs.ClearSession(pb.jobs.ClearSessionRequest(session_id=session))
    return ClearedOut(cleared=reply.cleared)


@router.get("/profile", response_model=ProfileOut, responses=ERRORS)
async def profile(
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> ProfileOut:
    """What the assistant has learned about the user, each fact with its source turn."""
    reply = await backends.context.GetProfile(pb.context.GetProfileRequest(session_id=session))
    facts = [
        FactOut(
            key=f.key,
            value=f.value,
            confidence=round(f.confidence, 3),
            source_turn=f.source_turn,
            updated_at=iso(f.updated_at_ms),
        )
        for f in reply.facts
    ]
    return ProfileOut(profile=ProfileBody(facts=facts, summary=reply.summary))
