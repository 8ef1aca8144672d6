"""Sign-in with an OpenID Connect provider: the authorization code flow with PKCE.

/login keeps the flow's secrets (state, nonce, PKCE verifier) in Redis for ten minutes, under
the state's hash, and binds the browser to them with an HttpOnly cookie; /callback takes them
back exactly once (GETDEL), so a replayed callback finds nothing. The ID token's signature,
issuer, audience, expiry and nonce are checked by gateway/accounts/oidc.py. Both answer with
redirects: the browser lands on the app, with `?auth_error=<code>` when sign-in failed.
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse

from chat_common.errors import ErrorCode
from gateway.accounts import keys
from gateway.accounts.cookies import set_session
from gateway.accounts.oidc import OidcClient, OidcError, PendingLogin
from gateway.accounts.service import AccountService
from gateway.error_docs import ERRORS
from gateway.errors import ApiError
from gateway.routes.auth import accounts
from gateway.sessions import cookie_value

log = logging.getLogger("gateway.oidc")

router = APIRouter(prefix="/auth/oidc", tags=["accounts"])

STATE_COOKIE = "chat_oidc"
PENDING_TTL_S = 600
ProviderId = Annotated[str, Path(max_length=32)]


def _client(request: Request, provider: str) -> OidcClient:
    client: OidcClient | None = request.app.state.oidc.get(provider)
    if client is None:
        raise ApiError(404, "No such sign-in provider.", ErrorCode.NOT_FOUND)
    return client


def _redirect_uri(request: Request, service: AccountService, provider: str) -> str:
    base = service.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f"{base}/auth/oidc/{provider}/callback"


def _failed(code: ErrorCode = ErrorCode.OIDC_FAILED) -> RedirectResponse:
    response = RedirectResponse(f"/?auth_error={code.value}", status_code=303)
    response.delete_cookie(STATE_COOKIE, path="/auth/oidc")
    return response


@router.get("/{provider}/login", status_code=303, response_class=RedirectResponse, responses=ERRORS)
async def oidc_login(
    provider: ProviderId, request: Request, service: Annotated[AccountService, Depends(accounts)]
) -> RedirectResponse:
    """Sends the browser to the provider's sign-in page."""
    client = _client(request, provider)
    try:
        url, pending = await client.begin(_redirect_uri(request, service, provider))
    except OidcError as exc:
        log.warning("oidc sign-in with %s could not start: %s", provider, exc.reason)
        return _failed()
    await service.redis.set(keys.oidc_pending(pending.state), pending.to_json(), ex=PENDING_TTL_S)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        STATE_COOKIE,
        pending.state,
        max_age=PENDING_TTL_S,
        path="/auth/oidc",
        httponly=True,
        samesite="lax",
        secure=service.settings.cookie_secure,
    )
    return response


@router.get("/{provider}/callback", status_code=303, response_class=RedirectResponse, responses=ERRORS)
async def oidc_callback(
    provider: ProviderId,
    request: Request,
    service: Annotated[AccountService, Depends(accounts)],
    code: Annotated[str, Query(max_length=2048)] = "",
    state: Annotated[str, Query(max_length=512)] = "",
    error: Annotated[str, Query(max_length=256)] = "",
) -> RedirectResponse:
    """Where the provider sends the browser back: checks everything, then signs in."""
    client = _client(request, provider)
    browser_state = cookie_value(request.headers, STATE_COOKIE) or ""
    raw = await service.redis.getdel(keys.oidc_pending(state)) if state else None
    if error or not code or raw is None or not hmac.compare_digest(browser_state.encode(), state.encode()):
        log.warning("oidc callback refused (%s)", error or "unknown, replayed or foreign state")
        return _failed()
    try:
        pending = PendingLogin.from_json(str(raw))
        identity = await client.complete(pending, code)
        signed_in = await service.oidc_login(identity, request.state.guest_id)
    except OidcError as exc:
        log.warning("oidc sign-in with %s refused: %s", provider, exc.reason)
        return _failed()
    except ApiError as exc:
        return _failed(exc.code)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(STATE_COOKIE, path="/auth/oidc")
    set_session(response, service.settings, request.app.state.session_keys.secret, signed_in.token)
    return response
