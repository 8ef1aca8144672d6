"""Turns a job into what the model reads: the user's text, or what was read from an upload.

Every upload is untrusted: its type is decided again from its content, and it is read by a
sandboxed reader (`pool`) within limits that /config states (`chat_common.file_limits`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chat_common import pb
from chat_common.file_limits import FileLimits
from chat_common.filetypes import Detected, Rejected, detect
from chat_common.uploads import InvalidStorageKey, upload_path
from job_service.files.extracted import Extracted, UnreadableFile
from job_service.files.pool import AsyncProgress, FileReaders

SNIFF_BYTES = 8192
FILE_PROMPT = "The user uploaded the file below. Summarise it in two or three sentences, then list its key points as bullets."
IMAGE_TEXT_PROMPT = (
    "The user uploaded the image above. Say what it is and what it says, using the text read "
    "from it. If you cannot see images, work from that text and the metadata, and do not "
    "invent what they do not tell."
)
IMAGE_NO_TEXT_PROMPT = (
    "The user uploaded the image above; no text was found in it. If you cannot see images, "
    "say what its metadata tells and that describing the picture itself needs a multimodal "
    "provider."
)


@dataclass
class Ingested:
    prompt: str  # what the model is asked now
    turn_text: str  # what the conversation remembers of the user's turn
    attachments: list[pb.inference.Attachment] = field(default_factory=list)


def ingest_message(job: pb.jobs.Job) -> Ingested:
    return Ingested(prompt=job.text, turn_text=job.text)


async def ingest_file(job: pb.jobs.Job, upload_dir: str, readers: FileReaders, progress: AsyncProgress) -> Ingested:
    try:
        path = upload_path(upload_dir, job.file.storage_key)
    except InvalidStorageKey as exc:
        raise UnreadableFile(str(exc)) from exc
    detected = _detect(path, job.file.name)
    extracted = await readers.read(path, detected.kind, progress)
    if detected.kind == "image":
        attachment = pb.inference.Attachment(name=job.file.name, media_type=detected.media_type, data=path.read_bytes())
        return _image(job.file.name, extracted, attachment)
    return _document(job.file.name, detected, extracted, FileLimits().max_chars)


def _detect(path: Path, name: str) -> Detected:
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except FileNotFoundError as exc:
        raise UnreadableFile("the uploaded file is no longer available") from exc
    try:
        return detect(head, name)
    except Rejected as exc:
        raise UnreadableFile(str(exc)) from exc


def _document(name: str, detected: Detected, extracted: Extracted, max_chars: int) -> Ingested:
    text = extracted.text
    notes = list(extracted.notes)
    if len(text) > max_chars:
        text = text[:max_chars]
        notes.append(f"cut at {max_chars:,} characters")
    note = f" ({'; '.join(notes)})" if notes else ""
    header = f"[Uploaded file {name}, {detected.media_type}{note}]"
    return Ingested(prompt=f"{FILE_PROMPT}\n\n{header}\n{text}", turn_text=f"{header}\n{text}")


def _image(name: str, extracted: Extracted, attachment: pb.inference.Attachment) -> Ingested:
    notes = "".join(f"; {note}" for note in extracted.notes)
    header = f"[Uploaded image {name}: {extracted.description}{notes}]"
    if extracted.text.strip():
        memory = f"{header}\nText read from the image by OCR:\n{extracted.text.strip()}"
        prompt = f"{memory}\n\n{IMAGE_TEXT_PROMPT}"
    else:
        memory = f"{header}\n(OCR found no text in the image.)"
        prompt = f"{memory}\n\n{IMAGE_NO_TEXT_PROMPT}"
    return Ingested(prompt=prompt, turn_text=memory, attachments=[attachment])
