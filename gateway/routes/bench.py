"""Benchmark-only endpoints (BENCH_ENDPOINTS=1): the baselines bench/submit.py compares
POST /messages against. Never in the OpenAPI schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from gateway import deps
from gateway.backends import Backends
from gateway.schemas import MessageIn
from gateway.sessions import session_id

router = APIRouter(include_in_schema=False)


@router.post("/messages/_bench", status_code=202)
async def bench_bare(
    body: MessageIn,
    session: Annotated[str, Depends(session_id)],
) -> dict[str, object]:
    """Same path prefix, middleware, body model and session as POST /messages, but no job:
    the baseline that bench/submit.py compares against (only with BENCH_ENDPOINTS=1)."""
    return {"success": True, "job_id": "0" * 32, "status": "pending"}


@router.post("/messages/_bench_grpc", status_code=202)
async def bench_one_hop(
    body: MessageIn,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> dict[str, object]:
    """The bare endpoint plus one unary gRPC call to the job service (its health check): the
    floor of any POST /messages that crosses one gRPC hop (only with BENCH_ENDPOINTS=1)."""
    await backends.serving("job_service")
    return {"success": True, "job_id": "0" * 32, "status": "pending"}
