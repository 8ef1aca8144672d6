"""Wires settings, providers, cooldown and the gRPC server; shared by __main__, tests and bench."""

from __future__ import annotations

import asyncio
import logging

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

SERVICE = "chat.v1.InferenceService"


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


async def warm_up(chain: ProviderChain) -> None:
    """Loads the local model now, so the first request does not pay for it."""
    for provider in chain.active():
        if isinstance(provider, LocalProvider):
            try:
                await asyncio.to_thread(provider.load)
            except Exception:  # noqa: BLE001 - serve anyway; each request then skips the local model
                log.exception("could not load the local model %s", provider.model_path)


async def serve(settings: InferenceSettings, chain: ProviderChain, bind: str | None = None) -> GrpcServer:
    servicer = InferenceServicer(chain, settings)
    return await start_server(
        lambda s: pb.inference_grpc.add_InferenceServiceServicer_to_server(servicer, s),
        [SERVICE],
        bind or settings.bind,
    )
