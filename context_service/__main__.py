"""Runs the ContextService."""

from __future__ import annotations

import logging

from chat_common import pb
from chat_common.grpc.server import run_until_signal, start_server
from chat_common.process import init_process, run_service
from chat_common.redis_client import connect
from context_service.engine import ContextEngine, get_tokenizer
from context_service.servicer import ContextServicer
from context_service.settings import ContextSettings
from context_service.store import TurnStore

log = logging.getLogger("context_service")


async def main() -> None:
    settings = ContextSettings()
    init_process("context_service", settings)
    engine = ContextEngine(get_tokenizer(settings.tokenizer_gguf or None))
    redis = connect(settings.redis_url)
    servicer = ContextServicer(engine, TurnStore(redis, engine, settings.index_cache_sessions), settings)
    server = await start_server(
        lambda s: pb.context_grpc.add_ContextServiceServicer_to_server(servicer, s),
        ["chat.v1.ContextService"],
        settings.bind,
    )

    async def on_stop() -> None:
        await redis.aclose()

    await run_until_signal(server, settings.shutdown_grace_s, on_stop)


if __name__ == "__main__":
    run_service(main())
