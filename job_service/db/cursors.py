"""Opaque page cursors: the sort key of the last row a page showed, base64url-encoded JSON.

Keyset pagination (never OFFSET): a page costs the same at the start and deep into a long
conversation, and rows added meanwhile never shift a page.
"""

from __future__ import annotations

import base64
import binascii
import json

from chat_common.errors import ErrorCode, InvalidArgument


def encode(ms: int, row_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([ms, row_id]).encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[int, str]:
    """(ms, id) of a cursor this module made; INVALID_ARGUMENT (invalid_cursor) for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        ms, row_id = json.loads(raw)
        if isinstance(ms, int) and not isinstance(ms, bool) and isinstance(row_id, str) and len(row_id) <= 64:
            return ms, row_id
    except (binascii.Error, ValueError, TypeError):
        pass
    raise InvalidArgument("cursor is not one this API gave out", ErrorCode.INVALID_CURSOR)


def page_limit(limit: int, default: int, maximum: int) -> int:
    if limit < 0 or limit > maximum:
        raise InvalidArgument(f"limit must be between 1 and {maximum}")
    return limit or default
