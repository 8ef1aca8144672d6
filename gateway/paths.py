"""Requests whose bodies have limits of their own: uploads (streamed multipart) and imports."""

from __future__ import annotations


def is_upload(path: str) -> bool:
    """POST /files and POST /conversations/{id}/files."""
    return path == "/files" or (path.startswith("/conversations/") and path.endswith("/files") and path.count("/") == 3)


# POST: a conversation exported as JSON, bounded by MAX_IMPORT_BYTES instead of MAX_JSON_BODY_BYTES.
IMPORT_PATH = "/conversations/import"
