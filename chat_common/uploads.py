"""Where an upload lives: one rule for the gateway (which stores it), the job service (which
reads and deletes it) and the orphan cleaner.

An upload is stored in the upload directory under a random name of 32 hex digits, never under
the client's name; anything else found there, or given as a key, is not ours.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

_STORAGE_KEY = re.compile(r"[0-9a-f]{32}")


class InvalidStorageKey(ValueError):
    """A storage key that this suite never makes (a forged path, say)."""


def new_storage_key() -> str:
    return secrets.token_hex(16)


def is_storage_key(name: str) -> bool:
    return _STORAGE_KEY.fullmatch(name) is not None


def upload_path(upload_dir: str | Path, storage_key: str) -> Path:
    """The upload's path; refuses any key that is not one of ours, so no path is built from input."""
    if not is_storage_key(storage_key):
        raise InvalidStorageKey("invalid storage key")
    return Path(upload_dir) / storage_key
