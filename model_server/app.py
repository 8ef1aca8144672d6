"""Builds llama-cpp-python's server app for one resolved model, plus a /health route."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence

from fastapi import FastAPI

from chat_common.local_models import ResolvedModel
from model_server.settings import ModelServerSettings

log = logging.getLogger("model_server.app")


def _compact_cache_class() -> type:
    import llama_cpp

    class CompactRAMCache(llama_cpp.LlamaRAMCache):
        """Keeps one row of logits per state: a restored state re-evaluates its last token
        before sampling (Llama.generate), so the rest of the logits are never read."""

        def __setitem__(self, key: Sequence[int], value: llama_cpp.LlamaState) -> None:
            value.scores = value.scores[-1:].copy()
            super().__setitem__(key, value)

    return CompactRAMCache


def attach_cache(capacity_bytes: int) -> None:
    """Gives the served model a RAM cache of prompt states, so conversations taking turns each
    keep their prefix. The library's own server option would copy the whole logits buffer
    (n_batch x vocabulary: 311 MB for Qwen) into every saved state, outside its byte limit."""
    from llama_cpp.server import app as server_app

    proxy = getattr(server_app, "_llama_proxy", None)
    model = getattr(proxy, "_current_model", None)
    if model is None:  # the library changed shape: serve without a cache rather than fail
        log.warning("no prompt-state cache: llama_cpp.server has no loaded model to attach it to")
        return
    model.set_cache(_compact_cache_class()(capacity_bytes))


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
                cache=False,  # set below: a cache that keeps states compact
                # The library's server default (True) keeps logits for every prompt token: with
                # Qwen's 151,936-token vocabulary that is 0.6 MB per token, and it tripled TTFT.
                logits_all=False,
                verbose=False,
            )
        ],
    )
    if settings.local_cache_bytes > 0:
        attach_cache(settings.local_cache_bytes)
    log.info(
        "loaded %s (%s, n_ctx=%d, %d threads) in %.2f s",
        model.name,
        model.path.name,
        n_ctx,
        threads,
        time.perf_counter() - started,
    )

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, object]:
        return {"status": "ok", "model": model.name, "title": model.title, "n_ctx": n_ctx}

    return app
