"""The reader for each kind of upload (kinds as `chat_common.filetypes.detect` names them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chat_common.file_limits import FileLimits
from job_service.files.extracted import Extracted, Progress, UnreadableFile
from job_service.files.image import read_image
from job_service.files.office import read_docx, read_pptx, read_xlsx
from job_service.files.pdf import read_pdf
from job_service.files.text import read_html, read_text

Reader = Callable[[Path, FileLimits, Progress], Extracted]

READERS: dict[str, Reader] = {
    "text": read_text,
    "html": read_html,
    "pdf": read_pdf,
    "docx": read_docx,
    "xlsx": read_xlsx,
    "pptx": read_pptx,
    "image": read_image,
}


def read_file(path: Path, kind: str, limits: FileLimits, progress: Progress) -> Extracted:
    reader = READERS.get(kind)
    if reader is None:
        raise UnreadableFile(f"no reader for {kind} files")
    try:
        return reader(path, limits, progress)
    except FileNotFoundError as exc:
        raise UnreadableFile("the uploaded file is no longer available") from exc
