"""Which uploads are allowed, decided from the content (magic bytes), never the name alone.

The gateway rejects anything else; the job worker uses the same table to extract text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import filetype

from chat_common.errors import ErrorCode

TEXT_EXTENSIONS = {
    "txt": "text/plain",
    "md": "text/markdown",
    "csv": "text/csv",
    "json": "application/json",
    "log": "text/plain",
    "py": "text/x-python",
    "js": "text/javascript",
    "ts": "text/x-typescript",
    "java": "text/x-java",
    "c": "text/x-c",
    "cpp": "text/x-c++",
    "h": "text/x-c",
    "go": "text/x-go",
    "rs": "text/x-rust",
    "rb": "text/x-ruby",
    "sh": "text/x-shellscript",
    "html": "text/html",
    "htm": "text/html",
    "css": "text/css",
    "xml": "application/xml",
    "yaml": "application/yaml",
    "yml": "application/yaml",
    "toml": "application/toml",
    "sql": "application/sql",
}
BINARY_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
}
ALLOWED_EXTENSIONS = sorted({*TEXT_EXTENSIONS, *BINARY_TYPES})
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}


@dataclass(frozen=True)
class Detected:
    media_type: str
    kind: str  # text | html | pdf | docx | xlsx | pptx | image


class Rejected(ValueError):
    """The upload's content is not an allowed type; `code` says how."""

    def __init__(self, message: str, code: ErrorCode = ErrorCode.UNSUPPORTED_TYPE) -> None:
        super().__init__(message)
        self.code = code


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


_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|table)[\s>/]", re.I | re.S
)


def looks_like_html(head: bytes) -> bool:
    return _HTML_START.match(head.removeprefix(b"\xef\xbb\xbf")) is not None


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
    if ext in TEXT_EXTENSIONS:
        if not looks_like_text(head):
            raise Rejected(f"The content of this .{ext} file is not UTF-8 text.", ErrorCode.NOT_UTF8)
        media = TEXT_EXTENSIONS[ext]
        # A page is read as a page only if it looks like one; else it is shown as written.
        return Detected(media, "html" if media == "text/html" and looks_like_html(head) else "text")
    if ext in BINARY_TYPES:
        raise Rejected(f"The file's content does not match its .{ext} extension.", ErrorCode.TYPE_MISMATCH)
    raise Rejected(f"File type not supported. Allowed types: {', '.join(ALLOWED_EXTENSIONS)}.")
