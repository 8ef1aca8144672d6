"""A provider that answers at once with a fixed text, to measure the pipeline's own overhead."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from inference_service.providers.base import Chunk, Delta, Finished, Prompt, Usage


class InstantProvider:
    name = "instant"
    is_fallback = False

    def __init__(self, reply: str, delay_s: float = 0.0) -> None:
        self.words = reply.split(" ")
        # A pause per word makes replies that take time, for fan-out and fault tests.
        self.delay_s = delay_s

    def available(self) -> bool:
        return True

    async def stream(self, prompt: Prompt) -> AsyncIterator[Chunk]:
        for i, word in enumerate(self.words):
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            yield Delta(word if i == 0 else " " + word)
        yield Finished(usage=Usage(0, len(self.words)), model="instant")
