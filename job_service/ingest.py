"""Turns a job into what the model reads: the user's text, or the content of an uploaded file.

Extraction is bounded (pages, characters, pixels) because every upload is untrusted.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from chat_common import pb
from chat_common.filetypes import IMAGE_TYPES, detect

log = logging.getLogger("job_service.ingest")

MAX_CHARS = 20_000
MAX_PDF_PAGES = 50
MAX_IMAGE_PIXELS = 40_000_000
FILE_PROMPT = (
    "The user uploaded the file below. Summarise it in two or three sentences, "
    "then list its key points as bullets."
)


@dataclass
class Ingested:
    prompt: str                 # what the model is asked now
    turn_text: str              # what the conversation remembers of the user's turn
    attachments: list[pb.inference.Attachment] = field(default_factory=list)


class UnreadableFile(ValueError):
    pass


def upload_path(upload_dir: str, storage_key: str) -> Path:
    # storage_key is our own random hex name; refuse anything else outright.
    if not storage_key or not all(c in "0123456789abcdef" for c in storage_key):
        raise UnreadableFile("invalid storage key")
    return Path(upload_dir) / storage_key


def ingest(job: pb.jobs.Job, upload_dir: str) -> Ingested:
    if job.kind == pb.common.JOB_KIND_MESSAGE:
        return Ingested(prompt=job.text, turn_text=job.text)
    path = upload_path(upload_dir, job.file.storage_key)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableFile("the uploaded file is no longer available") from exc
    name = job.file.name
    detected = detect(data[:8192], name)
    if detected.media_type in IMAGE_TYPES:
        description = describe_image(data)
        header = f"[Uploaded image {name}: {description}]"
        attachment = pb.inference.Attachment(name=name, media_type=detected.media_type, data=data)
        prompt = (
            f"{header}\nDescribe this image. If you cannot see images, say what its metadata tells "
            "and that visual analysis needs a multimodal provider."
        )
        return Ingested(prompt=prompt, turn_text=header, attachments=[attachment])
    text = extract_text(data, detected.kind)
    truncated = len(text) > MAX_CHARS
    text = text[:MAX_CHARS]
    note = " (truncated)" if truncated else ""
    header = f"[Uploaded file {name}, {detected.media_type}{note}]"
    return Ingested(prompt=f"{FILE_PROMPT}\n\n{header}\n{text}", turn_text=f"{header}\n{text}")


def extract_text(data: bytes, kind: str) -> str:
    if kind == "text":
        return data.decode("utf-8", errors="replace")
    if kind == "pdf":
        return _pdf_text(data)
    if kind == "docx":
        return _docx_text(data)
    raise UnreadableFile(f"no text extractor for {kind}")


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    # Any parser failure on an untrusted file is "unreadable", whatever its type.
    try:
        reader = PdfReader(io.BytesIO(data))
        parts: list[str] = []
        size = 0
        for page in reader.pages[:MAX_PDF_PAGES]:
            chunk = page.extract_text() or ""
            parts.append(chunk)
            size += len(chunk)
            if size > MAX_CHARS:
                break
    except Exception as exc:  # noqa: BLE001
        raise UnreadableFile(f"the PDF could not be read ({type(exc).__name__})") from exc
    text = "\n".join(parts).strip()
    return text or "(the PDF has no extractable text)"


def _docx_text(data: bytes) -> str:
    import zipfile

    from docx import Document

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise UnreadableFile("the document is not a valid DOCX file") from exc
    # A zip bomb declares a huge uncompressed size; refuse before inflating.
    if expanded > 100 * 1024 * 1024:
        raise UnreadableFile("the document expands to more than 100 MB")
    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - lxml, KeyError, ...: any failure of an untrusted file
        raise UnreadableFile(f"the document could not be read ({type(exc).__name__})") from exc
    return "\n".join(p.text for p in document.paragraphs).strip() or "(the document has no text)"


def describe_image(data: bytes) -> str:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            frames = getattr(image, "n_frames", 1)
            described = f"{image.format} image, {image.width}x{image.height} pixels, mode {image.mode}"
            return described + (f", {frames} frames" if frames > 1 else "")
    except Image.DecompressionBombError as exc:
        raise UnreadableFile("the image is too large to process") from exc
    except OSError as exc:
        raise UnreadableFile("the image could not be read") from exc
