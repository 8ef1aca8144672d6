"""Rows of the `messages` table as chat.v1.Job messages, and back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from sqlalchemy import Row

from chat_common import pb
from chat_common.database import storable
from job_service.db.tables import messages

PENDING = pb.common.JOB_STATUS_PENDING
PROCESSING = pb.common.JOB_STATUS_PROCESSING
UNFINISHED = (PENDING, PROCESSING)
# A message's columns as read: all but its search vector, which only queries use.
COLUMNS = tuple(column for column in messages.c if column.name != "search")


def file_json(ref: pb.jobs.FileRef) -> dict[str, Any]:
    return {
        "name": storable(ref.name),
        "media_type": ref.media_type,
        "size_bytes": ref.size_bytes,
        "storage_key": ref.storage_key,
    }


def result_columns(result: pb.jobs.JobResult) -> dict[str, Any]:
    return {
        "reply": storable(result.reply),
        "provider": storable(result.provider),
        "model": storable(result.model),
        "fallback": result.fallback,
        "stopped": result.stopped,
        "usage": json_format.MessageToDict(result.usage, preserving_proto_field_name=True),
        "context": json_format.MessageToDict(result.context, preserving_proto_field_name=True),
        "latency_ms": result.latency_ms,
        "first_token_ms": result.first_token_ms,
    }


@dataclass(frozen=True)
class Ending:
    """How a job ended, as recorded."""

    status: int
    result: pb.jobs.JobResult | None
    error: str


def job_from_row(row: Row[Any]) -> pb.jobs.Job:
    data = row._mapping
    job = pb.jobs.Job(
        id=data["id"],
        session_id=data["owner"],
        conversation_id=data["conversation_id"],
        parent_id=data["parent_id"] or "",
        kind=data["kind"],
        status=data["status"],
        text=data["text"],
        error=data["error"],
        attempts=data["attempts"],
        request_id=data["request_id"],
        created_at_ms=data["created_ms"],
        updated_at_ms=data["updated_ms"],
    )
    if data["file"]:
        job.file.CopyFrom(pb.jobs.FileRef(**data["file"]))
    if data["reply"] is not None:
        result = job.result
        result.reply = data["reply"]
        result.provider = data["provider"] or ""
        result.model = data["model"] or ""
        result.fallback = bool(data["fallback"])
        result.stopped = data["stopped"]
        result.latency_ms = data["latency_ms"] or 0
        result.first_token_ms = data["first_token_ms"] or 0
        json_format.ParseDict(data["usage"] or {}, result.usage, ignore_unknown_fields=True)
        json_format.ParseDict(data["context"] or {}, result.context, ignore_unknown_fields=True)
    return job
