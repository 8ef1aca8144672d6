"""FastAPI dependencies shared by the routes."""

from __future__ import annotations

from fastapi import Request

from gateway.backends import Backends
from gateway.settings import GatewaySettings


def backends(request: Request) -> Backends:
    return request.app.state.backends  # type: ignore[no-any-return]


def settings(request: Request) -> GatewaySettings:
    return request.app.state.settings  # type: ignore[no-any-return]
