"""The local model: `python -m model_server`, a process of its own with an OpenAI-compatible API.

It is one more OpenAI-compatible provider, behind the same retries, timeouts and cooldown
as the others. When the model process dies mid-reply the chain restarts the reply on the
next provider (or the friendly fallback); once the process is back, requests reach it again.
"""

from __future__ import annotations

import logging

import httpx

from inference_service.providers.base import Prompt, ProviderError
from inference_service.providers.openai_compat import OpenAICompatProvider

log = logging.getLogger("inference_service.providers.local")


class LocalProvider(OpenAICompatProvider):
    name = "local"

    def __init__(self, base_url: str, timeout_s: float = 30.0, repeat_penalty: float = 1.1) -> None:
        super().__init__(base_url, model="", timeout_s=timeout_s)
        # Small models loop ("the capital is Oslo, the capital is Oslo, ..."); llama.cpp's usual 1.1 curbs it.
        self.repeat_penalty = repeat_penalty

    def available(self) -> bool:
        return bool(self.base_url)

    @property
    def health_url(self) -> str:
        """The model server's /health, beside /v1; it answers even while the model is generating."""
        return self.base_url.removesuffix("/v1") + "/health"

    async def probe(self, timeout: float = 1.0) -> bool:
        """Asks the server which model it serves; False when it does not answer."""
        try:
            response = await self.client.get(self.health_url, timeout=timeout)
            served = str(response.json()["model"]) if response.status_code == 200 else ""
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return False
        if served and served != self.model:
            log.info("the local model server serves %s", served)
            self.model = served
        return bool(served)

    async def prepare(self, prompt: Prompt) -> dict[str, object]:
        # The first request, or the server was down until now: learn the model's name.
        if not self.model and not await self.probe(timeout=self.timeout_s):
            raise ProviderError("the local model server is not answering", retryable=True)
        return {**self.request_body(prompt), "repeat_penalty": self.repeat_penalty}
