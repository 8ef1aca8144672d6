"""Wires settings, providers, cooldown and the gRPC server; shared by __main__, tests and bench."""

from __future__ import annotations

import asyncio
import logging
import time

from redis.asyncio import Redis

from chat_common import pb
from chat_common.grpc.server import GrpcServer, start_server
from inference_service.cooldown import Cooldown
from inference_service.policy import ChainPolicy
from inference_service.providers.local import LocalProvider
from inference_service.providers.registry import build_providers
from inference_service.router import ProviderChain
from inference_service.servicer import InferenceServicer
from inference_service.settings import InferenceSettings

log = logging.getLogger("inference_service.app")

SERVICE = pb.INFERENCE_SERVICE


def build_chain(settings: InferenceSettings, redis: Redis | None = None) -> ProviderChain:
    cooldown = Cooldown(
        redis,
        failures=settings.cooldown_failures,
        cooldown_s=settings.cooldown_s,
        window_s=settings.cooldown_window_s,
        prefix=settings.cooldown_key_prefix,
        redis_timeout_s=settings.cooldown_redis_timeout_s,
    )
    return ProviderChain(build_providers(settings), ChainPolicy.from_settings(settings), cooldown)


# A model server started beside this service answers within this long (it loads the model
# first): until then "not answering" is the start, not an outage.
STARTUP_GRACE_S = 60.0


def provider_health_name(provider: str) -> str:
    """The gRPC health service name that reports one probed provider (the gateway's /readyz reads it)."""
    return f"{SERVICE}.{provider}"


async def watch_providers(chain: ProviderChain, server: GrpcServer, interval_s: float) -> None:
    """Keeps each probed provider's health status current: SERVING while its server answers."""
    probed = [p for p in chain.active() if isinstance(p, LocalProvider)]
    known: dict[str, bool] = {}
    waiting: set[str] = set()
    started = time.monotonic()
    while probed:
        for provider in probed:
            up = await provider.probe()
            starting = not up and provider.name not in known and time.monotonic() - started < STARTUP_GRACE_S
            if starting and provider.name not in waiting:  # its server is still loading the model
                log.info("provider %s is not answering yet", provider.name)
                waiting.add(provider.name)
            elif not starting and known.get(provider.name) != up:
                (log.info if up else log.warning)("provider %s is %s", provider.name, "up" if up else "down")
                known[provider.name] = up
            await server.set_part_serving(provider_health_name(provider.name), up)
        await asyncio.sleep(interval_s)


async def serve(settings: InferenceSettings, chain: ProviderChain, bind: str | None = None) -> GrpcServer:
    servicer = InferenceServicer(chain, settings)
    return await start_server(
        lambda s: pb.inference_grpc.add_InferenceServiceServicer_to_server(servicer, s),
        [SERVICE],
        bind or settings.bind,
    )
