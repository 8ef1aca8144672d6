"""Starts a gRPC aio server the same way for every service.

Every server gets the shared interceptors, grpc.health.v1 health checking and server
reflection (so `grpcurl -plaintext localhost:PORT list` works), and shuts down gracefully.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence

from grpc import aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from chat_common.grpc.interceptors import ServerInterceptor

log = logging.getLogger("chat_common.grpc.server")

Register = Callable[[aio.Server], None]


class GrpcServer:
    """A started server plus its health servicer, so owners can flip serving status."""

    def __init__(self, server: aio.Server, health_servicer: health.aio.HealthServicer, services: Sequence[str], port: int):
        self.server = server
        self.health = health_servicer
        self.services = list(services)
        self.port = port

    async def set_serving(self, serving: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ["", *self.services]:
            await self.health.set(name, status)

    async def set_part_serving(self, name: str, serving: bool) -> None:
        """The health status of a part behind this server (a provider, a database) under `name`."""
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        await self.health.set(name, status)

    async def stop(self, grace: float) -> None:
        await self.set_serving(False)
        await self.server.stop(grace)


async def start_server(
    register: Register,
    service_names: Sequence[str],
    bind: str,
) -> GrpcServer:
    """Builds, binds and starts a server. `bind` is host:port; port 0 picks a free one."""
    server = aio.server(interceptors=[ServerInterceptor()])
    register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection([*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    port = server.add_insecure_port(bind)
    await server.start()
    started = GrpcServer(server, health_servicer, service_names, port)
    await started.set_serving(True)
    log.info("gRPC server listening on port %d: %s", port, ", ".join(service_names))
    return started


async def run_until_signal(
    server: GrpcServer,
    grace: float,
    on_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Serves until SIGINT or SIGTERM, then drains in-flight calls and runs `on_stop`."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down (grace %.0fs)", grace)
    await server.stop(grace)
    if on_stop is not None:
        await on_stop()
