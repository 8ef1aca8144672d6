"""The cookies of a signed-in browser: the session (HttpOnly, so no script reads it) and its
CSRF token (readable by the app's own scripts, which echo it in X-CSRF-Token)."""

from __future__ import annotations

from fastapi import Response

from gateway.accounts import csrf
from gateway.settings import GatewaySettings


def set_session(response: Response, settings: GatewaySettings, secret: str, token: str) -> None:
    max_age = int(settings.auth_session_ttl_s)
    secure = settings.cookie_secure
    response.set_cookie(settings.auth_cookie, token, max_age=max_age, path="/", secure=secure, httponly=True, samesite="lax")
    response.set_cookie(
        settings.csrf_cookie,
        csrf.token_for(secret, token),
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=False,
        samesite="strict",
    )


def clear_session(response: Response, settings: GatewaySettings) -> None:
    for name in (settings.auth_cookie, settings.csrf_cookie):
        response.delete_cookie(name, path="/", secure=settings.cookie_secure, samesite="lax")
