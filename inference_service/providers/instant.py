"""A provider that answers at once with a fixed text, to measure the pipeline's own overhead."""

from __future__ import annotations

from collections.abc import AsyncIterator

from inference_service.providers.base import Chunk, Delta, Finished, Prompt, Usage


class InstantProvider:
    name = "instant"
    is_fallback = False

    def __init__(self, reply: str) -> None:
        self.words = reply.split(" ")

    def available(self) -> bool:
        return True

    async def stream(self, prompt: Prompt) -> AsyncIterator[Chunk]:
        for i, word in enumerate(self.words):
            yield Delta(word if i == 0 else " " + word)
        yield Finished(usage=Usage(0, len(self.words)), model="instant")
