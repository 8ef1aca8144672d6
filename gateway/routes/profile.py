"""The owner's profile: what the assistant knows about them across conversations, editable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from chat_common import pb
from gateway import deps
from gateway.backends import Backends
from gateway.error_docs import ERRORS
from gateway.routes.chat import owner_profile
from gateway.schemas import FactDeleted, FactEnvelope, FactIn, ProfileOut, fact_out
from gateway.sessions import session_id

router = APIRouter(prefix="/profile", tags=["profile"])

FactKey = Annotated[
    str, Path(pattern=r"^[a-z][a-z_]{0,39}$", description="Lower-case letters and '_': `name`, `location`, `likes`.")
]


@router.get("", response_model=ProfileOut, responses=ERRORS)
async def get_profile(
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> ProfileOut:
    """What the assistant has learned about the user in all their conversations, and what they set."""
    return await owner_profile(backends, session)


@router.patch("/facts/{key}", response_model=FactEnvelope, responses=ERRORS)
async def set_fact(
    key: FactKey,
    body: FactIn,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> FactEnvelope:
    """Sets a fact (new or not): the user's value wins over what later chats teach."""
    fact = await backends.context.SetFact(pb.context.SetFactRequest(owner=session, key=key, value=body.value))
    return FactEnvelope(fact=fact_out(fact))


@router.delete("/facts/{key}", response_model=FactDeleted, responses=ERRORS)
async def delete_fact(
    key: FactKey,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> FactDeleted:
    """Deletes a fact: the assistant never uses it again, nor learns it again from chat, until it is set anew."""
    await backends.context.DeleteFact(pb.context.DeleteFactRequest(owner=session, key=key))
    return FactDeleted()
