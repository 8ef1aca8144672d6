"""Accounts at start and stop: with AUTH_MODE=accounts the gateway opens its PostgreSQL
tables (migrating them first), its OIDC clients, and a sweeper of expired sessions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import text

from chat_common.database import migrate, open_engine
from gateway.accounts.oidc import OidcClient, OidcProviderConfig
from gateway.accounts.service import AccountService
from gateway.backends import Backends
from gateway.settings import GatewaySettings

log = logging.getLogger("gateway.accounts")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version_gateway"
SWEEP_INTERVAL_S = 3600.0


@contextlib.asynccontextmanager
async def open_accounts(app: FastAPI, settings: GatewaySettings, backends: Backends) -> AsyncIterator[None]:
    app.state.accounts = None
    app.state.oidc = {}
    if not settings.accounts:
        yield
        return
    engine = open_engine(settings, "gateway")
    await migrate(engine, MIGRATIONS, VERSION_TABLE)
    service = AccountService(engine, backends.redis, backends, settings)
    clients = {
        p.id: OidcClient(
            OidcProviderConfig(p.id, p.name, p.issuer, p.client_id, p.client_secret, p.scopes),
            http_timeout_s=settings.oidc_timeout_s,
        )
        for p in settings.oidc_providers
    }
    app.state.accounts, app.state.oidc = service, clients
    sweeper = asyncio.create_task(_sweep(service), name="auth-session-sweeper")
    try:
        yield
    finally:
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        for client in clients.values():
            await client.aclose()
        await engine.dispose()


async def _sweep(service: AccountService) -> None:
    while True:
        try:
            gone = await service.sessions.sweep()
            if gone:
                log.info("%d expired sessions deleted", gone)
        except Exception as exc:  # noqa: BLE001 - the next round tries again
            log.warning("session sweep failed: %s", type(exc).__name__)
        await asyncio.sleep(SWEEP_INTERVAL_S)


async def database_health(service: AccountService, timeout: float) -> str:
    try:
        async with asyncio.timeout(timeout), service.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except TimeoutError:
        return "timeout"
    except Exception as exc:  # noqa: BLE001 - any failure is "down"
        return f"down ({type(exc).__name__})"
    return "ok"
