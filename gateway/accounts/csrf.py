"""CSRF protection of cookie-authenticated writes.

Two checks, both needed for a signed-in cookie:
- Origin: a write whose Origin (or, without one, Referer) is another site is refused.
- A token: the `chat_csrf` cookie holds HMAC(secret, session token); the UI copies it into the
  `X-CSRF-Token` header (signed double submit). Another site can neither read the cookie nor
  make a valid token, and a token is worth nothing without its own session.
Requests authenticated by an API key carry no cookie, so they need neither.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.datastructures import Headers

HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def token_for(secret: str, session_token: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def valid_token(secret: str, session_token: str, presented: str) -> bool:
    return hmac.compare_digest(token_for(secret, session_token), presented)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def same_site(headers: Headers, scheme: str, allowed: frozenset[str]) -> bool:
    """False when the request says it comes from another origin than this server's (or one
    of CORS_ORIGINS). A request that names no origin (a script, curl) passes this check."""
    claimed = headers.get("origin") or _origin_of(headers.get("referer", ""))
    if not claimed:
        return True
    if claimed == "null":
        return False
    own = f"{scheme}://{headers.get('host', '')}".lower()
    return claimed.lower() == own or claimed.lower() in allowed
