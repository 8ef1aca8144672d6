"""Runs the InferenceService."""

from __future__ import annotations

import asyncio
import logging

from chat_common.grpc.server import run_until_signal
from chat_common.process import init_process, run_service
from inference_service.app import build_chain, serve, watch_providers
from inference_service.settings import InferenceSettings

log = logging.getLogger("inference_service")


async def main() -> None:
    settings = InferenceSettings()
    init_process("inference_service", settings)
    # Redis holds the shared provider cooldown; when it is down the chain fails open.
    redis = settings.redis()
    chain = build_chain(settings, redis)
    log.info("provider chain: %s", " -> ".join(p.name for p in chain.active()))
    server = await serve(settings, chain)
    watcher = asyncio.create_task(watch_providers(chain, server, settings.local_probe_interval_s))

    async def close() -> None:
        watcher.cancel()
        await chain.aclose()
        await redis.aclose()

    await run_until_signal(server, settings.shutdown_grace_s, on_stop=close)


if __name__ == "__main__":
    run_service(main())
