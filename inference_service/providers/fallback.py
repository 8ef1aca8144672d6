"""The friendly fallback: a kind, clear reply when no AI provider can answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

from inference_service.providers.base import Chunk, Delta, Finished, Prompt, Usage

MESSAGE = (
    "I'm sorry — no AI provider is available right now, so I can't give you a real answer. "
    "Your message is saved; please try again in a moment."
)


class FallbackProvider:
    name = "fallback"
    is_fallback = True

    def available(self) -> bool:
        return True

    async def stream(self, prompt: Prompt) -> AsyncIterator[Chunk]:
        yield Delta(MESSAGE)
        yield Finished(usage=Usage(), model="none")
