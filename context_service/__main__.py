"""Runs the ContextService."""

from __future__ import annotations

import logging

from chat_common import pb
from chat_common.database import migrate, open_engine, probe_database
from chat_common.grpc.server import run_until_signal, start_server
from chat_common.local_models import ModelError, lookup, resolve
from chat_common.process import init_process, run_service
from context_service.db import MIGRATIONS, VERSION_TABLE
from context_service.db.archive import TurnArchive
from context_service.db.profiles import OwnerProfiles
from context_service.engine import ContextConfig, ContextEngine, LlamaVocabTokenizer, get_tokenizer
from context_service.engine.embedding import EmbeddingModelUnavailable, SentenceEncoder
from context_service.engine.semantic import SemanticReader
from context_service.servicer import ContextServicer
from context_service.settings import ContextSettings
from context_service.store import TurnStore

log = logging.getLogger("context_service")


def model_tokenizer(settings: ContextSettings) -> LlamaVocabTokenizer:
    """Counts with the local model's vocabulary, and takes its default budget.

    The suite joins a packaged model before it starts the services; where it is not there
    (a container without the model volume) SmolLM2's vocabulary, shipped whole, stands in.
    """
    entry = lookup(settings.local_model)
    if not settings.default_token_budget:
        settings.default_token_budget = entry.context_budget if entry else 1400
    if settings.tokenizer_gguf:
        return get_tokenizer(settings.tokenizer_gguf)
    try:
        model = resolve(settings.local_model, prepare=False)
    except ModelError as exc:
        log.warning("%s; counting tokens with SmolLM2's vocabulary instead", exc)
        return get_tokenizer()
    log.info("tokens counted with %s's vocabulary; default budget %d", model.name, settings.default_token_budget)
    return get_tokenizer(str(model.path))


def semantic_reader(settings: ContextSettings) -> SemanticReader | None:
    """The sentence encoder, when it is wanted and installed; relevance by words alone otherwise."""
    if not settings.context_semantic:
        return None
    try:
        return SemanticReader(SentenceEncoder.load())
    except EmbeddingModelUnavailable as exc:
        log.warning("%s; turns are scored by their words alone", exc)
        return None


async def main() -> None:
    settings = ContextSettings()
    init_process("context_service", settings)
    config = ContextConfig(followup_headroom_fraction=settings.context_followup_headroom)
    semantic = semantic_reader(settings)
    engine = ContextEngine(model_tokenizer(settings), config, semantic)
    engine.embed_inline = False  # the servicer and the store embed on the reader's thread
    database = open_engine(settings, "context_service")
    await migrate(database, MIGRATIONS, VERSION_TABLE)
    redis = settings.redis()
    store = TurnStore(redis, engine, settings.index_cache_sessions, TurnArchive(database))
    servicer = ContextServicer(engine, store, settings, OwnerProfiles(database))
    server = await start_server(
        lambda s: pb.context_grpc.add_ContextServiceServicer_to_server(servicer, s),
        [pb.CONTEXT_SERVICE],
        settings.bind,
    )

    probe = probe_database(settings, server, pb.CONTEXT_SERVICE)

    async def on_stop() -> None:
        probe.cancel()
        if semantic is not None:
            semantic.close()
        await redis.aclose()
        await database.dispose()

    await run_until_signal(server, settings.shutdown_grace_s, on_stop)


if __name__ == "__main__":
    run_service(main())
