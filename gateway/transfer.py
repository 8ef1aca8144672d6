"""Conversation exports at the edge: our JSON format (which POST /conversations/import takes
back) and Markdown for people. The job service supplies every message; the formats live here."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from chat_common import pb
from gateway.schemas import KIND, STATUS, JobStatus, iso

_KIND_NUMBER = {name: number for number, name in KIND.items()}
_STATUS_NUMBER = {name: number for number, name in STATUS.items()}


def _iso_text(value: object) -> object:
    """An export's times are ISO 8601 text, as the schema says: not numbers read as epochs."""
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value is not None and not isinstance(value, datetime):
        raise ValueError("must be an ISO 8601 date-time string")
    return value


# Strict: an export is our own format, so a value of the wrong JSON type (0 for false, "3" for 3)
# is refused, not coerced.
STRICT = ConfigDict(strict=True)


class ExportedFile(BaseModel):
    model_config = STRICT
    name: str = Field(max_length=255)
    media_type: str = Field(max_length=255)
    size_bytes: int = Field(ge=0, le=2**53)


class ExportedReply(BaseModel):
    model_config = STRICT
    reply: str = Field(max_length=100_000)
    stopped: bool = False
    provider: str = Field(default="", max_length=100)
    model: str = Field(default="", max_length=200)
    fallback: bool = False


class ExportedMessage(BaseModel):
    model_config = STRICT
    id: str = Field(min_length=1, max_length=64)
    parent_id: str | None = Field(default=None, max_length=64)
    kind: Literal["message", "file"] = "message"
    text: str = Field(default="", max_length=100_000)
    file: ExportedFile | None = None
    status: JobStatus = "done"
    error: str | None = Field(default=None, max_length=2_000)
    created_at: Annotated[datetime | None, BeforeValidator(_iso_text)] = None
    result: ExportedReply | None = None


class ExportedConversation(BaseModel):
    model_config = STRICT
    id: str = ""
    title: str = Field(default="", max_length=200)
    created_at: str = ""
    updated_at: str = ""


class ConversationExport(BaseModel):
    """A conversation with every message of every branch, in the order they were sent."""

    model_config = STRICT

    format: Literal["chat-assistant.conversation"] = "chat-assistant.conversation"
    version: Literal[1] = 1
    exported_at: str = ""
    conversation: ExportedConversation = ExportedConversation()
    leaf_id: str | None = Field(default=None, max_length=64, description="The last message of the branch on show.")
    messages: list[ExportedMessage] = Field(min_length=1, max_length=10_000)


def to_export(export: pb.conversations.ConversationExport, now_ms: int) -> ConversationExport:
    c = export.conversation
    return ConversationExport(
        exported_at=iso(now_ms),
        conversation=ExportedConversation(
            id=c.id, title=c.title, created_at=iso(c.created_at_ms), updated_at=iso(c.updated_at_ms)
        ),
        leaf_id=export.leaf_id or None,
        messages=[_message_out(job) for job in export.messages],
    )


def _message_out(job: pb.jobs.Job) -> ExportedMessage:
    file = (
        ExportedFile(name=job.file.name, media_type=job.file.media_type, size_bytes=job.file.size_bytes)
        if job.HasField("file")
        else None
    )
    r = job.result
    result = ExportedReply(reply=r.reply, stopped=r.stopped, provider=r.provider, model=r.model, fallback=r.fallback)
    return ExportedMessage(
        id=job.id,
        parent_id=job.parent_id or None,
        kind=KIND.get(job.kind, "message"),  # type: ignore[arg-type]  # the dict holds only Literal values
        text=job.text,
        file=file,
        status=STATUS.get(job.status, "pending"),  # type: ignore[arg-type]  # likewise
        error=job.error or None,
        created_at=datetime.fromisoformat(iso(job.created_at_ms)),
        result=result if job.HasField("result") else None,
    )


def to_import(owner: str, doc: ConversationExport) -> pb.conversations.ImportConversationRequest:
    request = pb.conversations.ImportConversationRequest(owner=owner, title=doc.conversation.title, leaf_id=doc.leaf_id or "")
    for message in doc.messages:
        job = request.messages.add(
            id=message.id,
            parent_id=message.parent_id or "",
            kind=_KIND_NUMBER[message.kind],
            text=message.text,
            status=_STATUS_NUMBER[message.status],
            error=message.error or "",
            created_at_ms=int(message.created_at.timestamp() * 1000) if message.created_at else 0,
        )
        if message.file is not None:
            job.file.CopyFrom(
                pb.jobs.FileRef(name=message.file.name, media_type=message.file.media_type, size_bytes=message.file.size_bytes)
            )
        if message.result is not None:
            r = message.result
            job.result.CopyFrom(
                pb.jobs.JobResult(reply=r.reply, stopped=r.stopped, provider=r.provider, model=r.model, fallback=r.fallback)
            )
    return request


def to_markdown(export: pb.conversations.ConversationExport) -> str:
    """The branch on show, for people to read."""
    by_id = {job.id: job for job in export.messages}
    branch: list[pb.jobs.Job] = []
    current = by_id.get(export.leaf_id)
    while current is not None:
        branch.append(current)
        current = by_id.get(current.parent_id)
    lines = [f"# {export.conversation.title or 'Conversation'}", ""]
    for job in reversed(branch):
        asked = f"a file: {job.file.name}" if job.kind == pb.common.JOB_KIND_FILE else job.text
        lines += [f"**You** · {iso(job.created_at_ms)}", "", asked, ""]
        if job.HasField("result"):
            by = " / ".join(x for x in (job.result.provider, job.result.model) if x)
            note = " (stopped)" if job.result.stopped else ""
            lines += [f"**Assistant**{f' · {by}' if by else ''}{note}", "", job.result.reply, ""]
        elif job.error:
            lines += ["**Assistant** · error", "", job.error, ""]
    return "\n".join(lines)


def file_name(title: str, extension: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60]
    return f"{slug or 'conversation'}.{extension}"
