"""The FastAPI application: routes, error shape, sessions, and the built web UI at /."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Match, Mount
from starlette.types import Scope

from chat_common.tracing import instrument_fastapi
from gateway import docs, errors
from gateway.accounts.identity import IdentityMiddleware
from gateway.accounts.lifecycle import open_accounts
from gateway.backends import Backends
from gateway.cleanup import cleanup_loop
from gateway.observability import ObservabilityMiddleware
from gateway.ratelimit import RateLimitMiddleware
from gateway.routes import auth, bench, chat, conversations, files, health, messages, oidc, profile
from gateway.security import (
    DOCS_PATHS,
    PUBLIC_PATHS,
    ApiKeyMiddleware,
    JsonBodyMiddleware,
    SecurityHeadersMiddleware,
    is_api,
)
from gateway.sessions import SessionKeys, SessionMiddleware, load_secret
from gateway.settings import GatewaySettings

log = logging.getLogger("gateway")

UI_MISSING = (
    "<!doctype html><title>Assistant</title><p>The web UI is not built. "
    "Run <code>make run</code> (it builds <code>frontend/</code>), or use the API at <a href='/docs'>/docs</a>.</p>"
)


class UiMount(Mount):
    """The web UI at /, which never answers for an API path: a wrong method on an API route
    then gets that route's 405 with its Allow header, not the static files' 405."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("type") == "http" and is_api(scope.get("path", "")):
            return Match.NONE, {}
        return super().matches(scope)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    session_keys = SessionKeys()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        backends = Backends.open(settings)
        app.state.backends = backends
        session_keys.configure(await load_secret(backends.redis, settings.session_secret))
        app.state.session_keys = session_keys
        Path(settings.upload_dir).mkdir(parents=True, exist_ok=True)
        cleanup = asyncio.create_task(
            cleanup_loop(settings.upload_dir, settings.upload_orphan_ttl_s, settings.upload_cleanup_interval_s),
            name="upload-cleanup",
        )
        log.info(
            "gateway ready on http://%s:%d (%s)",
            settings.gateway_host,
            settings.gateway_port,
            _access(settings),
        )
        async with open_accounts(app, settings, backends):
            try:
                yield
            finally:
                cleanup.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await cleanup
                await backends.close()

    app = FastAPI(
        title="Chat assistant API",
        version="1.0.0",
        description="Send messages and files to the AI assistant; follow replies live over Server-Sent Events.",
        lifespan=lifespan,
        docs_url=None,  # gateway/docs.py serves /docs and /redoc with local assets
        redoc_url=None,
    )
    app.state.settings = settings
    errors.install(app)
    docs.install(app)
    for module in (messages, files, conversations, profile, chat, auth, oidc, health):
        app.include_router(module.router)
    if settings.bench_endpoints:
        app.include_router(bench.router)

    # Added innermost first. A request passes: security headers -> CORS -> API key -> session
    # -> identity (with accounts) -> rate limit -> JSON body limit -> the routes. All are pure
    # ASGI, so SSE streams pass untouched.
    app.add_middleware(JsonBodyMiddleware, max_bytes=settings.max_json_body_bytes, import_bytes=settings.max_import_bytes)
    app.add_middleware(RateLimitMiddleware, settings=settings)
    if settings.accounts:
        app.add_middleware(IdentityMiddleware, settings=settings, keys=session_keys)
    app.add_middleware(
        SessionMiddleware,
        keys=session_keys,
        cookie_name=settings.session_cookie,
        secure=settings.cookie_secure,
        honour_header=not settings.accounts,
        issue=not settings.accounts or settings.allow_guests,
    )
    app.add_middleware(ApiKeyMiddleware, keys=settings.api_key_list(), static_dir=settings.frontend_dist)
    origins = settings.cors_origin_list()
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials="*" not in origins,  # never cookies for any origin
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "X-API-Key",
                "X-Session-Id",
                "X-CSRF-Token",
                "Idempotency-Key",
                "Last-Event-ID",
                "Content-Type",
            ],
            expose_headers=["Retry-After"],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.cookie_secure)
    app.add_middleware(ObservabilityMiddleware)
    instrument_fastapi(app)
    _customize_openapi(app, settings)

    dist = Path(settings.frontend_dist)
    if (dist / "index.html").is_file():
        app.router.routes.append(UiMount("/", StaticFiles(directory=dist, html=True), name="ui"))
    else:

        @app.get("/", include_in_schema=False)
        async def ui_missing() -> HTMLResponse:
            return HTMLResponse(UI_MISSING)

    return app


def _access(settings: GatewaySettings) -> str:
    if settings.accounts:
        return "accounts, guests " + ("allowed" if settings.allow_guests else "not allowed")
    return "guests, API keys " + ("required" if settings.api_key_list() else "not required")


# Python's str.strip() whitespace (str.isspace): a message must hold one character outside it.
NOT_BLANK = "[^\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"


def _customize_openapi(app: FastAPI, settings: GatewaySettings) -> None:
    """Makes the OpenAPI document say what the gateway really enforces: the configured message
    limits, and (with API keys configured) the key schemes, so /docs offers 'Authorize'."""
    keys_required = bool(settings.api_key_list())

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema["components"]["schemas"]
        for model in ("MessageIn", "MessageEdit"):
            text = components[model]["properties"]["text"]
            text["maxLength"] = min(text.get("maxLength", settings.max_message_chars), settings.max_message_chars)
        # Texts the routes strip and refuse when blank (with a code of their own, not a 422).
        for model, field in (("MessageIn", "text"), ("MessageEdit", "text"), ("ConversationPatch", "title"), ("FactIn", "value")):
            components[model]["properties"][field]["pattern"] = NOT_BLANK
        if keys_required:
            schema["components"]["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            }
            for path, operations in schema.get("paths", {}).items():
                if path in PUBLIC_PATHS or path in DOCS_PATHS:
                    continue
                for operation in operations.values():
                    operation["security"] = [{"bearer": []}, {"apiKey": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
