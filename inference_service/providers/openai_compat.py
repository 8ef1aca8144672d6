"""Any OpenAI-compatible /chat/completions endpoint (llama.cpp server, vLLM, Ollama, ...), streamed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx

from inference_service.providers.base import Chunk, Delta, Finished, Prompt, ProviderError, Usage
from inference_service.providers.errors import from_exception, from_status


def messages(prompt: Prompt) -> list[dict[str, str]]:
    """System prompt, the turns and notes in order, then the new message: the start stays
    stable, so a server with a prompt cache (llama.cpp) evaluates only what is new."""
    out = [{"role": "system", "content": prompt.system}] if prompt.system else []
    out += [{"role": t.role, "content": t.content} for t in prompt.turns[:-1]]
    if prompt.memory:
        out.append({"role": "system", "content": prompt.memory})
    return out + [{"role": t.role, "content": t.content} for t in prompt.turns[-1:]]


class OpenAICompatProvider:
    name = "openai"
    is_fallback = False

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s
        self._client: httpx.AsyncClient | None = None

    def request_body(self, prompt: Prompt) -> dict[str, object]:
        return {
            "model": self.model,
            "messages": messages(prompt),
            "stream": True,
            "max_tokens": prompt.max_output_tokens,
            "stream_options": {"include_usage": True},
        }

    def available(self) -> bool:
        return bool(self.base_url and self.model)

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            self._client = httpx.AsyncClient(
                base_url=self.base_url, headers=headers, timeout=httpx.Timeout(self.timeout_s, connect=5.0)
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def prepare(self, prompt: Prompt) -> dict[str, object]:
        """The request body; a subclass may first ask the server something."""
        return self.request_body(prompt)

    async def stream(self, prompt: Prompt) -> AsyncIterator[Chunk]:
        usage, finish, chunks = Usage(), None, 0
        try:
            body = await self.prepare(prompt)
            model = self.model
            async with self.client.stream("POST", "/chat/completions", json=body) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise from_status(self.name, response.status_code, response.text, response.headers)
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue  # SSE comments, keep-alives, event names
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    event = json.loads(data)
                    model = event.get("model") or model
                    if event.get("usage"):
                        u = event["usage"]
                        usage = Usage(u.get("prompt_tokens") or 0, u.get("completion_tokens") or 0)
                    for choice in event.get("choices") or []:
                        text = (choice.get("delta") or {}).get("content")
                        if text:
                            chunks += 1
                            yield Delta(text)
                        finish = choice.get("finish_reason") or finish
        except ProviderError:
            raise
        except Exception as exc:
            raise from_exception(self.name, exc) from exc
        if finish is None:
            raise ProviderError(f"{self.name} stream ended without a finish reason (cut short)", retryable=True)
        if finish == "content_filter":
            raise ProviderError(f"{self.name} filtered the reply", retryable=False, blames_provider=False)
        if not usage.completion_tokens:
            # A server that sends no usage (llama-cpp-python's, streaming) sends a chunk per token.
            usage = Usage(usage.prompt_tokens, chunks)
        yield Finished(usage=usage, model=model)
