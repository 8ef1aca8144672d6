"""Who is calling, with AUTH_MODE=accounts: a pure ASGI layer between the guest sessions and
the rate limiter (so limits count per user).

- `Authorization: Bearer ck_...`: a user's API key; the request acts as that user.
- the `chat_auth` cookie: a signed-in session (writes also pass the CSRF checks).
- otherwise, with ALLOW_GUESTS, the guest cookie's session (X-Session-Id is not honoured).

The owner (`user:<account id>`, or the guest's session id) goes into the scope as
`session_id`, which every route passes to the services. An API path with no identity gets 401
`unauthenticated`, except the sign-in endpoints themselves.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from chat_common.errors import ErrorCode
from gateway.accounts import csrf
from gateway.accounts.api_keys import looks_like_key
from gateway.accounts.cookies import clear_session
from gateway.accounts.store import OWNER_PREFIX
from gateway.errors import UNAVAILABLE_TEXT, error_response
from gateway.security import bearer_token, is_api
from gateway.sessions import SessionKeys, cookie_value
from gateway.settings import GatewaySettings

log = logging.getLogger("gateway.identity")

# Reachable signed out: how one signs in, what sign-in looks like, and the UI's limits (no data).
PUBLIC_AUTH_PATHS = frozenset({"/auth/config", "/auth/signup", "/auth/login", "/auth/logout", "/config"})
PUBLIC_AUTH_PREFIX = "/auth/oidc/"


def _public(path: str) -> bool:
    return path in PUBLIC_AUTH_PATHS or path.startswith(PUBLIC_AUTH_PREFIX)


class IdentityMiddleware:
    def __init__(self, app: ASGIApp, settings: GatewaySettings, keys: SessionKeys) -> None:
        self.app = app
        self.settings = settings
        self.keys = keys
        self.allowed_origins = frozenset(o.lower() for o in settings.cors_origin_list())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_api(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        state = scope.setdefault("state", {})
        guest = state.get("session_id") or ""
        state.update(session_id="", account_id="", auth="", auth_token="", guest_id=guest, ended="")
        try:
            async with asyncio.timeout(self.settings.gateway_rpc_timeout_s):
                refusal: Response | None = await self._identify(scope, headers, state, guest)
        except Exception as exc:  # noqa: BLE001 - Redis or PostgreSQL away: a clear 503, never a 500
            log.warning("identity lookup failed: %s", type(exc).__name__)
            refusal = error_response(503, UNAVAILABLE_TEXT, ErrorCode.SERVICE_UNAVAILABLE, {"Retry-After": "2"}, close=True)
        if refusal is None and not state["session_id"] and not _public(scope["path"]):
            refusal = _sign_in_first(self.settings, ended=bool(state["ended"]))
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _identify(self, scope: Scope, headers: Headers, state: dict[str, str], guest: str) -> Response | None:
        service = scope["app"].state.accounts
        unsafe = scope["method"] in csrf.UNSAFE_METHODS
        bearer = bearer_token(headers)
        if bearer:
            account_id = await service.api_keys.account_of(bearer) if looks_like_key(bearer) else None
            if account_id is None:
                return error_response(
                    401,
                    "The API key is not valid (revoked, or never issued).",
                    ErrorCode.INVALID_API_KEY,
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                    close=True,
                )
            state.update(session_id=OWNER_PREFIX + account_id, account_id=account_id, auth="api_key")
            return None
        if unsafe and not csrf.same_site(headers, scope.get("scheme", "http"), self.allowed_origins):
            return _csrf_refusal()
        token = cookie_value(headers, self.settings.auth_cookie) or ""
        account_id = await service.sessions.account_of(token) if token else None
        if account_id:
            if unsafe and not csrf.valid_token(self.keys.secret, token, headers.get(csrf.HEADER, "")):
                return _csrf_refusal()
            state.update(session_id=OWNER_PREFIX + account_id, account_id=account_id, auth="session", auth_token=token)
        elif token:
            # A session that ended (signed out elsewhere, expired, account deleted) is a 401
            # even where guests may chat, so the app shows sign-in rather than an empty guest.
            state["ended"] = "1"
        elif guest and self.settings.allow_guests:
            state.update(session_id=guest, auth="guest")
        return None


def _sign_in_first(settings: GatewaySettings, ended: bool) -> Response:
    message = "Your session has ended. Sign in again to continue." if ended else "Sign in to continue."
    response = error_response(
        401, message, ErrorCode.UNAUTHENTICATED, {"WWW-Authenticate": 'Bearer realm="chat-assistant"'}, close=True
    )
    if ended:
        clear_session(response, settings)
    return response


def _csrf_refusal() -> Response:
    return error_response(
        403,
        "This request did not come from the app's own page. Reload the page and try again.",
        ErrorCode.CSRF_FAILED,
        close=True,
    )
