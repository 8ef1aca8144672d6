"""Passwords: argon2id hashes (argon2-cffi, its default parameters) and the rules a new one
must meet. Hashing takes tens of milliseconds of CPU, so it runs off the event loop."""

from __future__ import annotations

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MAX_PASSWORD_CHARS = 256

_hasher = PasswordHasher()  # argon2id
# Verified when no account matches, so an unknown email costs the same time as a wrong password.
_DECOY = _hasher.hash("no account has this password")


@cache
def _common() -> frozenset[str]:
    """The 30,000 most common passwords of the leaks zxcvbn was built from."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def weakness(password: str, email: str, min_length: int) -> str | None:
    """Why the password cannot be used, in words for the user; None if it can."""
    if len(password) < min_length:
        return f"Use at least {min_length} characters."
    if len(password) > MAX_PASSWORD_CHARS:
        return f"Use at most {MAX_PASSWORD_CHARS} characters."
    lowered = password.lower()
    if lowered in _common() or lowered.strip("0123456789!.") in _common():
        return "This password is among the most common ones. Choose another."
    local = email.split("@", 1)[0].lower()
    if lowered in (email.lower(), local) or len(set(password)) < 4:
        return "This password is too easy to guess. Choose another."
    return None


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored: str | None, password: str) -> bool:
    """True if the password matches; an account without one is checked against a decoy."""

    def verify() -> bool:
        try:
            return _hasher.verify(stored or _DECOY, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)
