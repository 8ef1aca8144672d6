"""JSON shapes of the REST API, converted from the gRPC messages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from chat_common import pb
from chat_common.errors import ErrorCode
from chat_common.file_limits import FileLimitsOut

STATUS = {
    pb.common.JOB_STATUS_PENDING: "pending",
    pb.common.JOB_STATUS_PROCESSING: "processing",
    pb.common.JOB_STATUS_DONE: "done",
    pb.common.JOB_STATUS_ERROR: "error",
}
KIND = {pb.common.JOB_KIND_MESSAGE: "message", pb.common.JOB_KIND_FILE: "file"}
JobStatus = Literal["pending", "processing", "done", "error"]


class MessageEdit(BaseModel):
    text: str = Field(description="The message's new text; it is sent again.", max_length=100_000)


class MessageIn(BaseModel):
    text: str = Field(description="The user's message.", max_length=100_000)
    client_id: str | None = Field(default=None, max_length=200, description="Optional idempotency key.")


class FileOut(BaseModel):
    name: str
    media_type: str
    size_bytes: int


class UsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class SelectedTurnOut(BaseModel):
    turn_id: str
    score: float
    reason: str
    tokens: int
    preview: str


class ContextOut(BaseModel):
    full_history_tokens: int
    context_tokens: int
    reduction_ratio: float
    turns_total: int
    summary_used: bool
    selected: list[SelectedTurnOut]


class ResultOut(BaseModel):
    reply: str
    stopped: bool = Field(description="The user stopped the reply: `reply` is what had been streamed.")
    provider: str
    model: str
    fallback: bool
    usage: UsageOut
    latency_ms: int
    first_token_ms: int
    context: ContextOut


class JobOut(BaseModel):
    id: str
    conversation_id: str
    parent_id: str | None = Field(description="The exchange this one follows on its branch; null for the first.")
    alternative_ids: list[str] = Field(
        description="This exchange and its alternatives (regenerated or edited), oldest first; filled in listings."
    )
    kind: Literal["message", "file"]
    status: JobStatus
    text: str
    file: FileOut | None
    result: ResultOut | None
    error: str | None
    attempts: int
    created_at: str
    updated_at: str


class JobAccepted(BaseModel):
    success: Literal[True] = True
    job_id: str
    status: JobStatus
    job: JobOut


class JobEnvelope(BaseModel):
    success: Literal[True] = True
    job: JobOut


class HistoryOut(BaseModel):
    success: Literal[True] = True
    items: list[JobOut]


class ClearedOut(BaseModel):
    success: Literal[True] = True
    cleared: int


class FactOut(BaseModel):
    key: str
    value: str
    confidence: float
    source_turn: str = Field(description="The message it was learned from; empty for one the user set.")
    updated_at: str
    edited: bool = Field(description="Set by the user, not learned from chat.")


class FactIn(BaseModel):
    value: str = Field(min_length=1, max_length=500)


class FactEnvelope(BaseModel):
    success: Literal[True] = True
    fact: FactOut


class FactDeleted(BaseModel):
    success: Literal[True] = True
    deleted: Literal[True] = True


class ProfileBody(BaseModel):
    facts: list[FactOut]
    summary: str


class ProfileOut(BaseModel):
    success: Literal[True] = True
    profile: ProfileBody


class ConfigOut(BaseModel):
    success: Literal[True] = True
    max_upload_bytes: int
    allowed_extensions: list[str]
    max_message_chars: int
    # The local model that answers when no cloud provider does (LOCAL_MODEL), e.g. "qwen2.5-coder-0.5b".
    local_model: str = ""
    local_model_title: str = ""
    # How much of an upload is read: pages, OCR pages, pixels, rows, characters.
    file_limits: FileLimitsOut


class ReadyOut(BaseModel):
    success: bool
    status: Literal["ready", "not ready"]
    checks: dict[str, str]
    # Optional parts that are down while the rest serves (e.g. the local model: replies fall back).
    degraded: list[str] = []
    error: str | None = None


class ConversationIn(BaseModel):
    title: str = Field(default="", max_length=200, description="Optional; the first message names it otherwise.")


class ConversationPatch(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class ConversationOut(BaseModel):
    id: str
    title: str
    created_at: str
    updated_at: str = Field(description="The last message or rename: the list's order.")
    message_count: int


class ConversationEnvelope(BaseModel):
    success: Literal[True] = True
    conversation: ConversationOut


class ConversationsOut(BaseModel):
    success: Literal[True] = True
    items: list[ConversationOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


class MessagesPageOut(BaseModel):
    success: Literal[True] = True
    items: list[JobOut] = Field(description="Oldest first.")
    next_cursor: str | None = Field(description="Pass as `cursor` for older messages; null at the first one.")


class DeletedOut(BaseModel):
    success: Literal[True] = True
    deleted_messages: int


class ErrorOut(BaseModel):
    success: Literal[False] = False
    error: str = Field(description="What went wrong, for people.")
    code: ErrorCode = Field(description="What went wrong, for programs: stable across releases.")


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


def fact_out(fact: pb.context.ProfileFact) -> FactOut:
    return FactOut(
        key=fact.key,
        value=fact.value,
        confidence=round(fact.confidence, 3),
        source_turn=fact.source_turn,
        updated_at=iso(fact.updated_at_ms),
        edited=fact.edited,
    )


def conversation_out(conversation: pb.conversations.Conversation) -> ConversationOut:
    return ConversationOut(
        id=conversation.id,
        title=conversation.title,
        created_at=iso(conversation.created_at_ms),
        updated_at=iso(conversation.updated_at_ms),
        message_count=conversation.message_count,
    )


def job_out(job: pb.jobs.Job) -> JobOut:
    result = None
    if job.HasField("result"):
        r = job.result
        c = r.context
        result = ResultOut(
            reply=r.reply,
            stopped=r.stopped,
            provider=r.provider,
            model=r.model,
            fallback=r.fallback,
            usage=UsageOut(
                prompt_tokens=r.usage.prompt_tokens,
                completion_tokens=r.usage.completion_tokens,
                total_tokens=r.usage.total_tokens,
            ),
            latency_ms=r.latency_ms,
            first_token_ms=r.first_token_ms,
            context=ContextOut(
                full_history_tokens=c.full_history_tokens,
                context_tokens=c.context_tokens,
                reduction_ratio=round(c.reduction_ratio, 4),
                turns_total=c.turns_total,
                summary_used=c.summary_used,
                selected=[
                    SelectedTurnOut(
                        turn_id=s.turn_id, score=round(s.score, 4), reason=s.reason, tokens=s.tokens, preview=s.preview
                    )
                    for s in c.selected
                ],
            ),
        )
    file = None
    if job.HasField("file"):
        file = FileOut(name=job.file.name, media_type=job.file.media_type, size_bytes=job.file.size_bytes)
    return JobOut(
        id=job.id,
        conversation_id=job.conversation_id,
        parent_id=job.parent_id or None,
        alternative_ids=list(job.alternative_ids),
        kind=KIND.get(job.kind, "message"),  # type: ignore[arg-type]  # the dict holds only Literal values
        status=STATUS.get(job.status, "pending"),  # type: ignore[arg-type]  # likewise
        text=job.text,
        file=file,
        result=result,
        error=job.error or None,
        attempts=job.attempts,
        created_at=iso(job.created_at_ms),
        updated_at=iso(job.updated_at_ms),
    )


def event_out(event: pb.jobs.JobEvent) -> tuple[str, dict[str, object]]:
    """(SSE event type, data) for one job event."""
    kind = event.WhichOneof("payload")
    if kind == "delta":
        return "delta", {"text": event.delta.text, "at_ms": event.at_ms}
    if kind == "progress":
        progress = event.progress
        return "progress", {"text": progress.text, "done": progress.done, "total": progress.total, "at_ms": event.at_ms}
    if kind == "restarted":
        return "restart", {
            "failed_provider": event.restarted.failed_provider,
            "reason": event.restarted.reason,
            "at_ms": event.at_ms,
        }
    status = event.status
    return "status", {
        "status": STATUS.get(status.status, "pending"),
        "error": status.error or None,
        "job": job_out(status.job).model_dump() if status.HasField("job") else None,
        "at_ms": event.at_ms,
    }
