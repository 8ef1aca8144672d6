"""DeepAI's text generator: one form POST, one JSON answer (no streaming, no token counts)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from inference_service.providers.base import Chunk, Delta, Finished, Prompt, ProviderError, Usage, flatten
from inference_service.providers.errors import from_exception, from_status

MODEL = "text-generator"


class DeepAIProvider:
    name = "deepai"
    is_fallback = False

    def __init__(self, api_key: str, base_url: str = "https://api.deepai.org", timeout_s: float = 30.0) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._client: httpx.AsyncClient | None = None

    def available(self) -> bool:
        return bool(self.api_key)

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.base_url, timeout=httpx.Timeout(self.timeout_s, connect=5.0))
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def stream(self, prompt: Prompt) -> AsyncIterator[Chunk]:
        try:
            response = await self.client.post(
                "/api/text-generator", data={"text": flatten(prompt)}, headers={"api-key": self.api_key}
            )
        except Exception as exc:
            raise from_exception("deepai", exc) from exc
        if response.status_code != 200:
            raise from_status("deepai", response.status_code, response.text, response.headers)
        try:
            output = response.json()["output"]
        except Exception as exc:
            raise from_exception("deepai", exc) from exc
        if not isinstance(output, str) or not output.strip():
            raise ProviderError("deepai answered without any text", retryable=False)
        yield Delta(output)
        # DeepAI reports no token counts: usage stays 0/0.
        yield Finished(usage=Usage(), model=MODEL)
