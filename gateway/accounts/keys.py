"""Every Redis key of the accounts, in one place. Secrets are never in a key: only their SHA-256."""

from __future__ import annotations

from gateway.security import digest


def session(token_hash: bytes) -> str:
    return f"auth:session:{token_hash.hex()}"  # -> account id ('' for a token that is no session)


def api_key(secret_hash: bytes) -> str:
    return f"auth:apikey:{secret_hash.hex()}"  # -> account id ('' for a secret that is no key)


def api_key_used(key_id: str) -> str:
    return f"auth:apikey-used:{key_id}"  # set while last_used_ms is fresh enough


def login_attempts_ip(ip: str) -> str:
    return f"auth:attempts:ip:{ip}"


def login_attempts_account(email: str) -> str:
    return f"auth:attempts:account:{digest(email).hex()}"


def signups_ip(ip: str) -> str:
    return f"auth:signups:ip:{ip}"


def oidc_pending(state: str) -> str:
    return f"auth:oidc:{digest(state).hex()}"  # the PendingLogin, read once
