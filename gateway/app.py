"""The FastAPI application: routes, error shape, sessions, and the built web UI at /."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from gateway import errors
from gateway.backends import Backends
from gateway.routes import chat, files, health, messages
from gateway.sessions import SessionKeys, SessionMiddleware, load_secret
from gateway.settings import GatewaySettings

log = logging.getLogger("gateway")

UI_MISSING = (
    "<!doctype html><title>Assistant</title><p>The web UI is not built. "
    "Run <code>make run</code> (it builds <code>frontend/</code>), or use the API at <a href='/docs'>/docs</a>.</p>"
)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    session_keys = SessionKeys()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        backends = Backends.open(settings)
        app.state.backends = backends
        session_keys.configure(await load_secret(backends.redis, settings.session_secret))
        Path(settings.upload_dir).mkdir(parents=True, exist_ok=True)
        log.info("gateway ready on http://%s:%d", settings.gateway_host, settings.gateway_port)
        try:
            yield
        finally:
            await backends.close()

    app = FastAPI(
        title="Chat assistant API",
        version="1.0.0",
        description="Send messages and files to the AI assistant; follow replies live over Server-Sent Events.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    for module in (messages, files, chat, health):
        app.include_router(module.router)

    app.add_middleware(
        SessionMiddleware, keys=session_keys, cookie_name=settings.session_cookie, secure=settings.cookie_secure
    )

    dist = Path(settings.frontend_dist)
    if (dist / "index.html").is_file():
        app.mount("/", StaticFiles(directory=dist, html=True), name="ui")
    else:
        @app.get("/", include_in_schema=False)
        async def ui_missing() -> HTMLResponse:
            return HTMLResponse(UI_MISSING)

    return app

