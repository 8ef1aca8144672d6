"""POST /files: a streamed, validated upload that becomes a file-analysis job."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from chat_common import pb
from chat_common.uploads import upload_path
from gateway import deps
from gateway.backends import Backends
from gateway.error_docs import ERRORS
from gateway.jobs import create_job, idempotency_key
from gateway.schemas import JobAccepted
from gateway.sessions import session_id
from gateway.settings import GatewaySettings
from gateway.uploads import UploadReceiver

router = APIRouter(tags=["files"])

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post("/files", status_code=202, response_model=JobAccepted, responses=ERRORS, openapi_extra=UPLOAD_BODY)
async def post_file(
    request: Request,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
    settings: Annotated[GatewaySettings, Depends(deps.settings)],
    idempotency: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JobAccepted:
    """Uploads a file (multipart field `file`) for analysis, in the most recent conversation.
    The type is checked from the content."""
    return await submit_file(request, backends, settings, session, "", idempotency)


async def submit_file(
    request: Request,
    backends: Backends,
    settings: GatewaySettings,
    session: str,
    conversation_id: str,
    idempotency: str | None,
) -> JobAccepted:
    """What POST /files and POST /conversations/{id}/files share."""
    key = idempotency_key(idempotency)
    saved = await UploadReceiver(settings.upload_dir, settings.max_upload_bytes).receive(request)
    try:
        accepted, created = await create_job(
            backends,
            pb.jobs.CreateJobRequest(
                session_id=session,
                conversation_id=conversation_id,
                idempotency_key=key,
                kind=pb.common.JOB_KIND_FILE,
                text="",
                file=pb.jobs.FileRef(
                    name=saved.name, media_type=saved.media_type, size_bytes=saved.size_bytes, storage_key=saved.storage_key
                ),
            ),
        )
    except BaseException:
        _discard(settings.upload_dir, saved.storage_key)
        raise
    if not created:
        # An idempotent replay returned the earlier job: this copy of the file is not needed.
        _discard(settings.upload_dir, saved.storage_key)
    return accepted


def _discard(upload_dir: str, storage_key: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        upload_path(upload_dir, storage_key).unlink()
