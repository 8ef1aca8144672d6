"""Sessions: a signed, HttpOnly, SameSite cookie for browsers, or an X-Session-Id header for API clients.

A pure ASGI middleware (not BaseHTTPMiddleware) so streamed responses pass untouched.
"""

from __future__ import annotations

import re
import secrets

from fastapi import Request
from itsdangerous import BadSignature, Signer
from redis.asyncio import Redis
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chat_common.errors import ErrorCode
from gateway.errors import ApiError

HEADER = "x-session-id"
_VALID = re.compile(r"^[A-Za-z0-9_\-]{8,128}$")
_SECRET_KEY = "gateway:session-secret"
MAX_AGE_S = 30 * 24 * 3600


async def load_secret(redis: Redis, configured: str) -> str:
    """The configured secret, else one random secret shared by all replicas through Redis."""
    if configured:
        return configured
    await redis.set(_SECRET_KEY, secrets.token_hex(32), nx=True)
    return str(await redis.get(_SECRET_KEY))


class SessionKeys:
    """The cookie signer; set at start-up, once the secret is loaded from Redis."""

    def __init__(self) -> None:
        self.signer: Signer | None = None
        self.secret = ""  # also keys the CSRF tokens of signed-in sessions (gateway/accounts/csrf.py)

    def configure(self, secret: str) -> None:
        self.signer = Signer(secret, salt="chat-session")
        self.secret = secret


class SessionMiddleware:
    """`honour_header`: X-Session-Id names the session (guest mode only: with accounts, an API
    client is a user with a key). `issue`: new browsers get a guest cookie."""

    def __init__(
        self, app: ASGIApp, keys: SessionKeys, cookie_name: str, secure: bool, honour_header: bool = True, issue: bool = True
    ) -> None:
        self.app = app
        self.keys = keys
        self.cookie_name = cookie_name
        self.secure = secure
        self.honour_header = honour_header
        self.issue = issue

    @property
    def signer(self) -> Signer | None:
        return self.keys.signer

    def _from_cookie(self, headers: Headers) -> str | None:
        raw = cookie_value(headers, self.cookie_name)
        if not raw or self.signer is None:
            return None
        try:
            value = self.signer.unsign(raw).decode()
        except BadSignature:
            return None
        return value if _VALID.match(value) else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        header_id = headers.get(HEADER) if self.honour_header else None
        session_id = header_id if header_id and _VALID.match(header_id) else None
        if header_id and session_id is None:
            session_id = ""  # an invalid header is an error for the route, not a new session
        issue = False
        if session_id is None:
            session_id = self._from_cookie(headers)
            if session_id is None:
                session_id, issue = secrets.token_hex(16), self.issue and self.signer is not None
        scope.setdefault("state", {})["session_id"] = session_id
        if not issue:
            await self.app(scope, receive, send)
            return
        assert self.signer is not None
        cookie = (
            f"{self.cookie_name}={self.signer.sign(session_id).decode()}; Path=/; Max-Age={MAX_AGE_S}; "
            f"HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def cookie_value(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


async def session_id(request: Request) -> str:
    """FastAPI dependency: the caller's session id (async: no thread-pool hop)."""
    value = request.state.session_id
    if not value:
        raise ApiError(400, "X-Session-Id must be 8-128 characters of letters, digits, '-' or '_'.", ErrorCode.INVALID_SESSION)
    return str(value)
