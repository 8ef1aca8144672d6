"""Which uploads are allowed, decided from the content (magic bytes), never the name alone.

The gateway rejects anything else; the job worker uses the same table to extract text.
"""

from __future__ import annotations

from dataclasses import dataclass

import filetype

TEXT_EXTENSIONS = {
    "txt": "text/plain", "md": "text/markdown", "csv": "text/csv", "json": "application/json",
    "log": "text/plain", "py": "text/x-python", "js": "text/javascript", "ts": "text/x-typescript",
    "java": "text/x-java", "c": "text/x-c", "cpp": "text/x-c++", "h": "text/x-c", "go": "text/x-go",
    "rs": "text/x-rust", "rb": "text/x-ruby", "sh": "text/x-shellscript", "html": "text/html",
    "css": "text/css", "xml": "application/xml", "yaml": "application/yaml", "yml": "application/yaml",
    "toml": "application/toml", "sql": "application/sql",
}
BINARY_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
}
ALLOWED_EXTENSIONS = sorted({*TEXT_EXTENSIONS, *BINARY_TYPES})
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}


@dataclass(frozen=True)
class Detected:
    media_type: str
    kind: str  # text | pdf | docx | image


class Rejected(ValueError):
    """The upload's content is not an allowed type."""


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


def detect(head: bytes, name: str) -> Detected:
    """Classifies an upload from its first bytes; `name` only chooses among text types."""
    ext = extension_of(name)
    guess = filetype.guess(head)
    if guess is not None:
        media = BINARY_TYPES.get(guess.extension)
        if media is None:
            raise Rejected(f"File type {guess.extension} is not supported. Allowed types: {', '.join(ALLOWED_EXTENSIONS)}.")
        if ext in ("jpg", "jpeg") and guess.extension == "jpg":
            ext = "jpg"
        kind = "image" if media in IMAGE_TYPES else guess.extension
        return Detected(media, kind)
    if head.startswith(b"PK\x03\x04"):
        raise Rejected("Archives are not supported. Allowed types: " + ", ".join(ALLOWED_EXTENSIONS) + ".")
    if ext in TEXT_EXTENSIONS and looks_like_text(head):
        return Detected(TEXT_EXTENSIONS[ext], "text")
    if ext in BINARY_TYPES:
        raise Rejected(f"The file's content does not match its .{ext} extension.")
    raise Rejected(f"File type not supported. Allowed types: {', '.join(ALLOWED_EXTENSIONS)}.")
