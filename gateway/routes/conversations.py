"""The owner's conversations: create, list and search, read, rename, delete; their messages."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response

from chat_common import pb
from gateway import deps
from gateway.backends import Backends
from gateway.error_docs import ERRORS
from gateway.routes.files import UPLOAD_BODY, submit_file
from gateway.routes.messages import submit_message
from gateway.schemas import (
    ConversationEnvelope,
    ConversationIn,
    ConversationPatch,
    ConversationsOut,
    DeletedOut,
    JobAccepted,
    MessageIn,
    MessagesPageOut,
    conversation_out,
    job_out,
)
from gateway.sessions import session_id
from gateway.settings import GatewaySettings
from gateway.transfer import ConversationExport, file_name, to_export, to_import, to_markdown

router = APIRouter(prefix="/conversations", tags=["conversations"])

# Ids are 32 hex characters; anything else is a 404 like an unknown id (checked by the service).
ConversationId = Annotated[str, Path(max_length=64, description="A conversation id.")]
Cursor = Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page.")]


@router.post("", status_code=201, response_model=ConversationEnvelope, responses=ERRORS)
async def create_conversation(
    body: ConversationIn,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> ConversationEnvelope:
    """Starts a conversation. It becomes the most recent one, where /messages and /files go."""
    created = await backends.conversations.CreateConversation(
        pb.conversations.CreateConversationRequest(owner=session, title=body.title)
    )
    return ConversationEnvelope(conversation=conversation_out(created))


@router.get("", response_model=ConversationsOut, responses=ERRORS)
async def list_conversations(
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
    q: Annotated[str | None, Query(max_length=500, description="Full-text search over titles and messages.")] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ConversationsOut:
    """The conversations, most recently active first, a page at a time."""
    reply = await backends.conversations.ListConversations(
        pb.conversations.ListConversationsRequest(owner=session, query=q or "", cursor=cursor or "", limit=limit)
    )
    return ConversationsOut(items=[conversation_out(c) for c in reply.conversations], next_cursor=reply.next_cursor or None)


@router.post("/import", status_code=201, response_model=ConversationEnvelope, responses=ERRORS)
async def import_conversation(
    body: ConversationExport,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
    settings: Annotated[GatewaySettings, Depends(deps.settings)],
) -> ConversationEnvelope:
    """Makes a new conversation from a JSON export (GET /conversations/{id}/export): the same
    messages, branches and replies, with new ids. Its replies go into the assistant's memory."""
    imported = await backends.conversations.ImportConversation(
        to_import(session, body), timeout=settings.gateway_import_timeout_s
    )
    return ConversationEnvelope(conversation=conversation_out(imported))


@router.get(
    "/{conversation_id}/export",
    responses={
        200: {"content": {"application/json": {}, "text/markdown": {}}, "description": "The conversation, as a file"},
        **ERRORS,
    },
)
async def export_conversation(
    conversation_id: ConversationId,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
    format: Annotated[Literal["json", "markdown"], Query(description="`json` (which import takes back) or `markdown`.")] = "json",
) -> Response:
    """The conversation as a file: JSON holds every message of every branch; Markdown the branch on show."""
    export = await backends.conversations.ExportConversation(
        pb.conversations.GetConversationRequest(owner=session, conversation_id=conversation_id)
    )
    if format == "markdown":
        body, media, extension = to_markdown(export), "text/markdown; charset=utf-8", "md"
    else:
        body, media, extension = to_export(export, int(time.time() * 1000)).model_dump_json(indent=2), "application/json", "json"
    name = file_name(export.conversation.title, extension)
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{conversation_id}", response_model=ConversationEnvelope, responses=ERRORS)
async def get_conversation(
    conversation_id: ConversationId,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> ConversationEnvelope:
    reply = await backends.conversations.GetConversation(
        pb.conversations.GetConversationRequest(owner=session, conversation_id=conversation_id)
    )
    return ConversationEnvelope(conversation=conversation_out(reply))


@router.patch("/{conversation_id}", response_model=ConversationEnvelope, responses=ERRORS)
async def rename_conversation(
    conversation_id: ConversationId,
    body: ConversationPatch,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> ConversationEnvelope:
    """Renames the conversation; an automatic title never replaces the user's."""
    reply = await backends.conversations.UpdateConversation(
        pb.conversations.UpdateConversationRequest(owner=session, conversation_id=conversation_id, title=body.title)
    )
    return ConversationEnvelope(conversation=conversation_out(reply))


@router.delete("/{conversation_id}", response_model=DeletedOut, responses=ERRORS)
async def delete_conversation(
    conversation_id: ConversationId,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
) -> DeletedOut:
    """Deletes the conversation with its messages, their files and its memory."""
    reply = await backends.conversations.DeleteConversation(
        pb.conversations.DeleteConversationRequest(owner=session, conversation_id=conversation_id)
    )
    return DeletedOut(deleted_messages=reply.deleted_messages)


@router.get("/{conversation_id}/messages", response_model=MessagesPageOut, responses=ERRORS)
async def list_messages(
    conversation_id: ConversationId,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessagesPageOut:
    """The latest messages, oldest first; `next_cursor` pages back to older ones."""
    reply = await backends.conversations.ListMessages(
        pb.conversations.ListMessagesRequest(owner=session, conversation_id=conversation_id, cursor=cursor or "", limit=limit)
    )
    return MessagesPageOut(items=[job_out(m) for m in reply.messages], next_cursor=reply.next_cursor or None)


@router.post("/{conversation_id}/messages", status_code=202, response_model=JobAccepted, responses=ERRORS)
async def post_conversation_message(
    conversation_id: ConversationId,
    body: MessageIn,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
    settings: Annotated[GatewaySettings, Depends(deps.settings)],
    idempotency: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JobAccepted:
    """Submits a message to this conversation, exactly as POST /messages does."""
    return await submit_message(backends, settings, session, conversation_id, body, idempotency)


@router.post("/{conversation_id}/files", status_code=202, response_model=JobAccepted, responses=ERRORS, openapi_extra=UPLOAD_BODY)
async def post_conversation_file(
    conversation_id: ConversationId,
    request: Request,
    session: Annotated[str, Depends(session_id)],
    backends: Annotated[Backends, Depends(deps.backends)],
    settings: Annotated[GatewaySettings, Depends(deps.settings)],
    idempotency: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JobAccepted:
    """Uploads a file to this conversation, exactly as POST /files does."""
    return await submit_file(request, backends, settings, session, conversation_id, idempotency)
