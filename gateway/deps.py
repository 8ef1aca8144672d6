"""FastAPI dependencies shared by the routes."""

from __future__ import annotations

from fastapi import Request

from gateway.backends import Backends
from gateway.settings import GatewaySettings


# async: FastAPI runs plain `def` dependencies in a thread pool, a costly hop for an attribute read.
async def backends(request: Request) -> Backends:
    return request.app.state.backends


async def settings(request: Request) -> GatewaySettings:
    return request.app.state.settings
