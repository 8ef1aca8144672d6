"""Builds llama-cpp-python's server app for one resolved model, plus a /health route."""

from __future__ import annotations

import logging
import os
import time

from fastapi import FastAPI

from chat_common.local_models import ResolvedModel
from model_server.settings import ModelServerSettings

log = logging.getLogger("model_server.app")


def build_app(settings: ModelServerSettings, model: ResolvedModel) -> FastAPI:
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    threads = settings.local_model_threads or os.cpu_count() or 1
    n_ctx = settings.local_n_ctx or model.n_ctx
    started = time.perf_counter()
    app = create_app(
        # Requests queue instead of cancelling each other (the library's default interrupts).
        server_settings=ServerSettings(host=settings.host, port=settings.port, interrupt_requests=False),
        model_settings=[
            ModelSettings(
                model=str(model.path),
                model_alias=model.name,
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                cache=settings.local_cache_bytes > 0,
                cache_type="ram",
                cache_size=settings.local_cache_bytes,
                # The library's server default (True) keeps logits for every prompt token: with
                # Qwen's 151,936-token vocabulary that is 0.6 MB per token, and it tripled TTFT.
                logits_all=False,
                verbose=False,
            )
        ],
    )
    log.info("loaded %s (%s, n_ctx=%d, %d threads) in %.2f s", model.name, model.path.name, n_ctx, threads, time.perf_counter() - started)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, object]:
        return {"status": "ok", "model": model.name, "title": model.title, "n_ctx": n_ctx}

    return app
