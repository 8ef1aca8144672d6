"""The ConversationService gRPC API: an owner's conversations and their messages."""

from __future__ import annotations

import asyncio
import logging

from grpc import aio

from chat_common import pb
from chat_common.errors import NotFound, require
from job_service.db import cursors
from job_service.db.conversations import Conversations, not_found
from job_service.db.messages import Messages
from job_service.db.owners import Owners
from job_service.db.transfer import Imported, Transfer
from job_service.files.removal import remove_uploads
from job_service.jobs import Jobs

log = logging.getLogger("job_service.conversation_servicer")

MAX_ID_CHARS = 64


def _check(owner: str, conversation_id: str | None = None) -> None:
    require(owner, "owner")
    if conversation_id is not None:
        require(conversation_id, "conversation_id")
        if len(conversation_id) > MAX_ID_CHARS:
            raise not_found(conversation_id[:MAX_ID_CHARS])


class ConversationServicer(pb.conversations_grpc.ConversationServiceServicer):
    def __init__(
        self,
        conversations: Conversations,
        messages: Messages,
        jobs: Jobs,
        context: pb.context_grpc.ContextServiceStub,
        upload_dir: str,
    ) -> None:
        self.transfer = Transfer(conversations.engine, conversations)
        self.owners = Owners(conversations.engine)
        self.conversations = conversations
        self.messages = messages
        self.jobs = jobs
        self.context = context
        self.upload_dir = upload_dir
        self._remembering: set[asyncio.Task[None]] = set()

    async def CreateConversation(
        self, request: pb.conversations.CreateConversationRequest, context: aio.ServicerContext
    ) -> pb.conversations.Conversation:
        _check(request.owner)
        return await self.conversations.create(request.owner, request.title)

    async def ListConversations(
        self, request: pb.conversations.ListConversationsRequest, context: aio.ServicerContext
    ) -> pb.conversations.ListConversationsResponse:
        _check(request.owner)
        page, next_cursor = await self.conversations.page(request.owner, request.query, request.cursor, request.limit)
        return pb.conversations.ListConversationsResponse(conversations=page, next_cursor=next_cursor)

    async def GetConversation(
        self, request: pb.conversations.GetConversationRequest, context: aio.ServicerContext
    ) -> pb.conversations.Conversation:
        _check(request.owner, request.conversation_id)
        return await self.conversations.get(request.owner, request.conversation_id)

    async def UpdateConversation(
        self, request: pb.conversations.UpdateConversationRequest, context: aio.ServicerContext
    ) -> pb.conversations.Conversation:
        _check(request.owner, request.conversation_id)
        return await self.conversations.rename(request.owner, request.conversation_id, request.title)

    async def DeleteConversation(
        self, request: pb.conversations.DeleteConversationRequest, context: aio.ServicerContext
    ) -> pb.conversations.DeleteConversationResponse:
        _check(request.owner, request.conversation_id)
        deleted = await self._delete(request.owner, request.conversation_id)
        log.info("conversation deleted with %d messages", deleted)
        return pb.conversations.DeleteConversationResponse(deleted_messages=deleted)

    async def _delete(self, owner: str, conversation_id: str) -> int:
        removed = await self.jobs.delete(owner, conversation_id)
        # The memory goes with it; the context service keys it by conversation id.
        await self.context.ClearContext(pb.context.ClearContextRequest(session_id=conversation_id, deleted=True))
        remove_uploads(self.upload_dir, removed.files)
        return len(removed.messages)

    async def TransferConversations(
        self, request: pb.conversations.TransferConversationsRequest, context: aio.ServicerContext
    ) -> pb.conversations.TransferConversationsResponse:
        require(request.from_owner, "from_owner")
        require(request.to_owner, "to_owner")
        if request.from_owner == request.to_owner:
            return pb.conversations.TransferConversationsResponse(conversations=0)
        moved = await self.owners.transfer(request.from_owner, request.to_owner)
        await self.jobs.store.reassign(moved.messages, request.to_owner)
        log.info("%d conversations changed owner", moved.conversations)
        return pb.conversations.TransferConversationsResponse(conversations=moved.conversations)

    async def DeleteOwner(
        self, request: pb.conversations.DeleteOwnerRequest, context: aio.ServicerContext
    ) -> pb.conversations.DeleteOwnerResponse:
        _check(request.owner)
        ids = await self.owners.conversation_ids(request.owner)
        messages = 0
        for conversation_id in ids:
            try:
                messages += await self._delete(request.owner, conversation_id)
            except NotFound:
                continue  # deleted meanwhile
        log.info("owner erased: %d conversations, %d messages", len(ids), messages)
        return pb.conversations.DeleteOwnerResponse(deleted_conversations=len(ids), deleted_messages=messages)

    async def SelectMessage(
        self, request: pb.conversations.SelectMessageRequest, context: aio.ServicerContext
    ) -> pb.conversations.Conversation:
        _check(request.owner)
        require(request.message_id, "message_id")
        conversation_id = await self.jobs.select(request.owner, request.message_id)
        return await self.conversations.get(request.owner, conversation_id)

    async def ExportConversation(
        self, request: pb.conversations.GetConversationRequest, context: aio.ServicerContext
    ) -> pb.conversations.ConversationExport:
        _check(request.owner, request.conversation_id)
        return await self.transfer.export(request.owner, request.conversation_id)

    async def ImportConversation(
        self, request: pb.conversations.ImportConversationRequest, context: aio.ServicerContext
    ) -> pb.conversations.Conversation:
        _check(request.owner)
        imported = await self.transfer.import_(request.owner, request.title, list(request.messages), request.leaf_id)
        # The import is committed: its memory is finished even if the caller stops waiting.
        task = asyncio.create_task(self._remember(imported))
        self._remembering.add(task)
        task.add_done_callback(self._remembering.discard)
        await asyncio.shield(task)
        log.info("conversation imported with %d messages", len(imported.messages))
        return imported.conversation

    async def _remember(self, imported: Imported) -> None:
        """The replies of the branch on show go into the assistant's memory of the conversation,
        in order (an alternative's are not remembered). Best effort: a memory that misses some
        still answers, from the rest."""
        for job in imported.branch():
            if job.status != pb.common.JOB_STATUS_DONE or not job.result.reply:
                continue
            turn = pb.context.AppendTurnRequest(
                session_id=job.conversation_id,
                owner=job.session_id,
                turn_id=job.id,
                user_text=job.text or f"[file: {job.file.name}]",
                assistant_text=job.result.reply,
                at_ms=job.created_at_ms,
            )
            try:
                await self.context.AppendTurn(turn, timeout=5, wait_for_ready=True)
            except aio.AioRpcError as exc:
                log.warning("an imported turn was not remembered (%s); the rest still is", exc.code().name)

    async def ListMessages(
        self, request: pb.conversations.ListMessagesRequest, context: aio.ServicerContext
    ) -> pb.conversations.ListMessagesResponse:
        _check(request.owner, request.conversation_id)
        limit = cursors.page_limit(request.limit, 50, 200)

        async def read() -> tuple[list[pb.jobs.Job], str]:
            async with self.conversations.engine.connect() as conn:
                await self.conversations.check_owner(conn, request.owner, request.conversation_id)
                leaf = await self.conversations.leaf(conn, request.conversation_id)
                return await self.messages.page(conn, leaf, request.cursor, limit)

        page, next_cursor = await read()
        await self.jobs.overlay_live(page)
        return pb.conversations.ListMessagesResponse(messages=page, next_cursor=next_cursor)
