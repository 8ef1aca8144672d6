"""Receives a multipart upload as a stream, enforcing the rules before the body is read.

- The size limit is checked while streaming: 413 comes before the whole body arrives.
- The type is decided from the first bytes of the content (magic bytes), then 415.
- The file is written under a random, unguessable name in a directory nothing serves.
- The whole body (other parts, part headers) is bounded too, not only the file's bytes.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from chat_common.errors import ErrorCode
from chat_common.filetypes import Detected, Rejected, detect, extension_of
from chat_common.uploads import new_storage_key, upload_path
from gateway.errors import ApiError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks  # defined for type checkers only

SNIFF_BYTES = 8192
FORM_OVERHEAD = 64 * 1024  # boundaries and part headers on top of the file itself
MAX_PART_HEADER = 32 * 1024  # one part header line: a file name of 5,000 characters (even accented) fits
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_DISPOSITION_NAME = re.compile(r'\bname="([^"]*)"')
_DISPOSITION_FILENAME = re.compile(r'\bfilename="([^"]*)"')


@dataclass
class SavedUpload:
    storage_key: str
    name: str
    media_type: str
    size_bytes: int


def safe_filename(raw: str) -> str:
    """The client's file name reduced to something safe to show: no path, no controls, bounded."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot else name[:200]
    return name or "upload"


@dataclass
class _State:
    headers: dict[str, str] = field(default_factory=dict)
    field_name: bytes = b""
    header_value: bytes = b""
    in_file: bool = False
    filename: str = ""
    head: bytearray = field(default_factory=bytearray)
    size: int = 0
    detected: Detected | None = None
    done: bool = False
    error: ApiError | None = None


class UploadReceiver:
    def __init__(self, upload_dir: str, limit: int) -> None:
        self.dir = Path(upload_dir)
        self.limit = limit

    async def receive(self, request: Request) -> SavedUpload:
        content_type, params = parse_options_header(request.headers.get("content-type", ""))
        if content_type != b"multipart/form-data" or not params.get(b"boundary"):
            raise ApiError(
                415, "Send the file as multipart/form-data with a field named 'file'.", ErrorCode.UNSUPPORTED_MEDIA_TYPE
            )
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.limit + FORM_OVERHEAD:
            raise ApiError(413, _too_large(self.limit), ErrorCode.FILE_TOO_LARGE)

        self.dir.mkdir(parents=True, exist_ok=True)
        key = new_storage_key()
        path = upload_path(self.dir, key)
        state = _State()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        out = os.fdopen(fd, "wb")
        ok = False
        received = 0
        try:
            parser = MultipartParser(params[b"boundary"], self._callbacks(state, out), max_header_size=MAX_PART_HEADER)
            async for chunk in request.stream():
                # The parser alone would skip (not stop at) bytes past a limit: count them here.
                received += len(chunk)
                if received > self.limit + FORM_OVERHEAD:
                    raise ApiError(413, _too_large(self.limit), ErrorCode.FILE_TOO_LARGE)
                parser.write(chunk)
                if state.error:
                    raise state.error
                if state.done:
                    break  # the file part is complete; ignore anything after it
            if not state.done and not state.error:
                parser.finalize()
            if state.error:
                raise state.error
            if not state.done:
                raise ApiError(400, "The form has no file field named 'file'.", ErrorCode.MISSING_FILE_FIELD)
            if state.detected is None:
                self._sniff(state)
            assert state.detected is not None
            ok = True
            return SavedUpload(key, safe_filename(state.filename), state.detected.media_type, state.size)
        except MultipartParseError as exc:
            detail = " A part header is too long." if "header" in str(exc).lower() else ""
            raise ApiError(400, "The multipart body is malformed." + detail, ErrorCode.MALFORMED_UPLOAD) from exc
        finally:
            out.close()
            if not ok:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def _sniff(self, state: _State) -> None:
        if state.size == 0:
            raise ApiError(400, "The file is empty.", ErrorCode.FILE_EMPTY)
        head = bytes(state.head)
        try:
            state.detected = detect(head, state.filename)
        except Rejected as exc:
            ext = extension_of(state.filename)
            if exc.code == ErrorCode.NOT_UTF8 and head.startswith(UTF16_BOMS):
                raise ApiError(415, f"Text files must be UTF-8 encoded; this .{ext} file is UTF-16.", exc.code) from exc
            raise ApiError(415, str(exc), exc.code) from exc

    def _callbacks(self, state: _State, out: BinaryIO) -> MultipartCallbacks:
        def on_part_begin() -> None:
            state.headers = {}

        def on_header_field(data: bytes, start: int, end: int) -> None:
            state.field_name += data[start:end]

        def on_header_value(data: bytes, start: int, end: int) -> None:
            state.header_value += data[start:end]

        def on_header_end() -> None:
            state.headers[state.field_name.decode("latin-1").lower()] = state.header_value.decode("utf-8", "replace")
            state.field_name = b""
            state.header_value = b""

        def on_headers_finished() -> None:
            disposition = state.headers.get("content-disposition", "")
            name = _DISPOSITION_NAME.search(disposition)
            filename = _DISPOSITION_FILENAME.search(disposition)
            state.in_file = not state.done and bool(name and name.group(1) == "file" and filename is not None)
            if state.in_file and filename is not None:
                state.filename = filename.group(1)

        def on_part_data(data: bytes, start: int, end: int) -> None:
            if not state.in_file or state.error:
                return
            piece = data[start:end]
            state.size += len(piece)
            if state.size > self.limit:
                state.error = ApiError(413, _too_large(self.limit), ErrorCode.FILE_TOO_LARGE)
                return
            if state.detected is None:
                need = SNIFF_BYTES - len(state.head)
                state.head += piece[:need]
                if len(state.head) >= SNIFF_BYTES:
                    try:
                        self._sniff(state)
                    except ApiError as exc:
                        state.error = exc
                        return
            out.write(piece)

        def on_part_end() -> None:
            if state.in_file:
                state.in_file = False
                state.done = True

        return {  # python-multipart's TypedDict of callbacks
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        }


def _too_large(limit: int) -> str:
    return f"File too large. The maximum size is {limit // (1024 * 1024)} MB."
