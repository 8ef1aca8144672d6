"""/healthz, /readyz and /config."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from chat_common.file_limits import FileLimits
from chat_common.filetypes import ALLOWED_EXTENSIONS
from chat_common.local_models import lookup
from gateway import deps
from gateway.accounts.lifecycle import database_health
from gateway.backends import OPTIONAL, Backends
from gateway.error_docs import ERRORS
from gateway.schemas import ConfigOut, ReadyOut
from gateway.settings import GatewaySettings

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, object]:
    """The process is alive."""
    return {"success": True, "status": "alive"}


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut, "description": "Not ready"}})
async def readyz(request: Request, backends: Annotated[Backends, Depends(deps.backends)]) -> JSONResponse:
    """Ready when Redis and every gRPC service answer; each dependency is reported by name.

    An optional part that is down (the local model) is listed under `degraded`: replies then
    come from the next provider, so the suite stays ready.
    """
    accounts = request.app.state.accounts  # AUTH_MODE=accounts: the gateway's own tables too
    if accounts is None:
        report = await backends.health()
    else:
        report, database = await asyncio.gather(backends.health(), database_health(accounts, 1.0))
        report["postgres_accounts"] = database
    ready = all(value == "ok" for name, value in report.items() if name not in OPTIONAL)
    degraded = [name for name in OPTIONAL if report.get(name, "ok") != "ok"]
    body: dict[str, object] = {
        "success": ready,
        "status": "ready" if ready else "not ready",
        "checks": report,
        "degraded": degraded,
    }
    if not ready:
        body["error"] = "Not ready: " + ", ".join(f"{k} {v}" for k, v in report.items() if v != "ok")
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """Prometheus metrics of this gateway process."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/config", response_model=ConfigOut, responses={c: ERRORS[c] for c in (401, 429)})
async def config(settings: Annotated[GatewaySettings, Depends(deps.settings)]) -> ConfigOut:
    """Limits the UI shows before the user uploads or sends."""
    model = lookup(settings.local_model)
    return ConfigOut(
        max_upload_bytes=settings.max_upload_bytes,
        allowed_extensions=ALLOWED_EXTENSIONS,
        max_message_chars=settings.max_message_chars,
        local_model=model.name if model else Path(settings.local_model).stem,
        local_model_title=model.title if model else Path(settings.local_model).name,
        file_limits=FileLimits().public(),
    )
