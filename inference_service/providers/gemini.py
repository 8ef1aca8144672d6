"""Google Gemini through the google-genai SDK, streamed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import cast

from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from inference_service.providers.base import Chunk, Delta, Finished, Prompt, ProviderError, Usage
from inference_service.providers.errors import from_exception, from_status

# Finish reasons that mean "blocked": the request's fault, never retried.
_BLOCKED = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE"}
_OK = {"STOP", "MAX_TOKENS"}


def build_request(prompt: Prompt, max_output_tokens: int) -> tuple[list[types.Content], types.GenerateContentConfig]:
    """Multi-turn contents (roles user/model) with images inline on the last user turn."""
    contents = [
        types.Content(role="model" if t.role == "assistant" else "user", parts=[types.Part.from_text(text=t.content)])
        for t in prompt.chat_turns
    ]
    images = [a for a in prompt.attachments if a.media_type.startswith("image/")]
    if images and contents:
        parts = [types.Part.from_bytes(data=a.data, mime_type=a.media_type) for a in images]
        last = contents[-1]
        contents[-1] = types.Content(role=last.role, parts=[*parts, *(last.parts or [])])
    config = types.GenerateContentConfig(
        system_instruction=prompt.system_with_memory or None,
        max_output_tokens=max_output_tokens,
    )
    return contents, config


def _usage(meta: types.GenerateContentResponseUsageMetadata | None) -> Usage:
    if meta is None:
        return Usage()
    # Thinking tokens are billed as output, so they count as completion tokens.
    completion = (meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0)
    return Usage(prompt_tokens=meta.prompt_token_count or 0, completion_tokens=completion)


def _text(response: types.GenerateContentResponse) -> str:
    if not response.candidates or not response.candidates[0].content:
        return ""
    parts = response.candidates[0].content.parts or []
    # Thought summaries are not part of the answer.
    return "".join(p.text for p in parts if p.text and not p.thought)


class GeminiProvider:
    name = "gemini"
    is_fallback = False

    def __init__(
        self, api_key: str, model: str, base_url: str = "", timeout_s: float = 20.0, api_version: str = "v1beta"
    ) -> None:
        self.api_key = api_key
        self.model = model
        self._client: genai.Client | None = None
        self._http_options = types.HttpOptions(
            base_url=base_url or None,
            api_version=api_version or None,
            timeout=int(timeout_s * 1000),
            # Our chain owns retries; attempts=1 also turns off the SDK's hidden
            # reconnect-after-sleep on aiohttp connection errors.
            retry_options=types.HttpRetryOptions(attempts=1),
        )

    def available(self) -> bool:
        return bool(self.api_key and self.model)

    @property
    def client(self) -> genai.Client:
        if self._client is None:
            self._client = genai.Client(api_key=self.api_key, http_options=self._http_options)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aio.aclose()

    async def stream(self, prompt: Prompt) -> AsyncIterator[Chunk]:
        contents, config = build_request(prompt, prompt.max_output_tokens)
        usage = Usage()
        finish = None
        model = self.model
        responses = None
        try:
            responses = await self.client.aio.models.generate_content_stream(model=self.model, contents=contents, config=config)
            async for response in responses:
                feedback = response.prompt_feedback
                if feedback is not None and feedback.block_reason:
                    raise ProviderError(
                        f"gemini blocked the prompt: {getattr(feedback.block_reason, 'value', feedback.block_reason)}",
                        retryable=False,
                        blames_provider=False,
                    )
                usage = _usage(response.usage_metadata) if response.usage_metadata else usage
                model = response.model_version or model
                text = _text(response)
                if text:
                    yield Delta(text)
                reason = response.candidates[0].finish_reason if response.candidates else None
                if reason:
                    finish = str(getattr(reason, "value", reason))
        except ProviderError:
            raise
        except genai_errors.APIError as exc:
            headers = getattr(exc.response, "headers", None)
            error = from_status("gemini", int(exc.code or 500), str(exc.message or exc.status or ""), headers)
            if exc.code == 400 and "API key" in str(exc.message):
                error.blames_provider = True  # Gemini reports a bad key as 400: our setup, not the request
            raise error from exc
        except Exception as exc:
            raise from_exception("gemini", exc) from exc
        finally:
            if responses is not None:  # closes the HTTP stream now, not at garbage collection
                with contextlib.suppress(Exception):
                    await cast(AsyncGenerator[types.GenerateContentResponse, None], responses).aclose()
        if finish is None:
            raise ProviderError("gemini stream ended without a finish reason (cut short)", retryable=True)
        if finish in _BLOCKED:
            raise ProviderError(f"gemini stopped the reply: {finish}", retryable=False, blames_provider=False)
        if finish not in _OK:
            raise ProviderError(f"gemini stopped the reply: {finish}", retryable=False)
        yield Finished(usage=usage, model=model)
