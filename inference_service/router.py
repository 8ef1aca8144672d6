"""Runs the provider chain for one request.

Providers are tried in order. Before the first token reaches the client a failing
provider is retried (retryable errors only, with backoff) and then skipped; after it, the
client is told to discard the partial text (a restart event) and the next provider starts
over, so a reply is never silently truncated. Each provider waits at most its own timeout
for every chunk, the request's deadline bounds the whole, and some of it is kept back so
the friendly fallback can still answer. Providers in cooldown are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from chat_common.metrics import PROVIDER_CALLS
from inference_service.cooldown import Cooldown
from inference_service.policy import ChainPolicy, ProviderPolicy
from inference_service.providers.base import Delta, Finished, Prompt, Provider, ProviderError, Usage

log = logging.getLogger("inference_service.router")


@dataclass(frozen=True)
class Restart:
    failed_provider: str
    reason: str


@dataclass(frozen=True)
class Done:
    provider: str
    model: str
    fallback: bool
    usage: Usage


Event = Delta | Restart | Done


class ProviderChain:
    def __init__(
        self,
        providers: Sequence[Provider],
        policy: ChainPolicy | None = None,
        cooldown: Cooldown | None = None,
    ) -> None:
        if not providers:
            raise ValueError("the provider chain is empty")
        self.providers = list(providers)
        self.policy = policy or ChainPolicy()
        self.cooldown = cooldown or Cooldown()

    def active(self) -> list[Provider]:
        return [p for p in self.providers if p.available()]

    async def aclose(self) -> None:
        for provider in self.providers:
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()

    async def generate(self, prompt: Prompt, timeout: float | None = None) -> AsyncIterator[Event]:
        """Streams one reply. `timeout` is the caller's remaining deadline in seconds."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.policy.request_deadline_s)
        candidates = self.active()
        last_error: ProviderError | None = None
        for index, provider in enumerate(candidates):
            last = index == len(candidates) - 1
            fallback_later = any(p.is_fallback for p in candidates[index + 1 :])
            # Leave the fallback time to answer before the caller's deadline.
            until = deadline - (self.policy.fallback_reserve_s if fallback_later else 0.0)
            if until - time.monotonic() <= 0:
                log.warning("no time left for %s; skipping it", provider.name)
                continue
            if not provider.is_fallback and await self.cooldown.is_cooling(provider.name):
                log.info("provider %s is cooling down; skipping it", provider.name)
                continue
            sent = False
            try:
                async for event in self._with_retries(provider, prompt, until):
                    if isinstance(event, Delta):
                        sent = True
                    elif isinstance(event, Done) and not provider.is_fallback:
                        # Before yielding: a caller may stop reading once it has `done`.
                        await self.cooldown.record_success(provider.name)
                    yield event
                return
            except ProviderError as exc:
                last_error = exc
                if not provider.is_fallback and exc.blames_provider:
                    await self.cooldown.record_failure(provider.name)
                if last:
                    raise
                log.warning("provider %s failed (%s); trying the next one", provider.name, exc)
                if sent:
                    yield Restart(provider.name, str(exc))
        raise last_error or ProviderError("no provider is available", retryable=False)

    async def _with_retries(self, provider: Provider, prompt: Prompt, until: float) -> AsyncIterator[Event]:
        policy = self.policy.for_provider(provider.name)
        attempt = 0
        while True:
            sent = False
            try:
                async for event in self._attempt(provider, prompt, policy, until):
                    sent = sent or isinstance(event, Delta)
                    yield event
                PROVIDER_CALLS.labels(provider.name, "ok").inc()
                return
            except ProviderError as exc:
                PROVIDER_CALLS.labels(provider.name, "retryable_error" if exc.retryable else "error").inc()
                if sent or not exc.retryable or attempt >= policy.max_retries:
                    raise
                delay = self.policy.backoff(attempt)
                if exc.retry_after is not None:
                    if exc.retry_after > self.policy.backoff_max_s:
                        raise  # the server asks for a long pause: the next provider is faster
                    delay = max(delay, exc.retry_after)
                if time.monotonic() + delay >= until:
                    raise
                attempt += 1
                log.info("retrying %s in %.2fs (attempt %d): %s", provider.name, delay, attempt + 1, exc)
                await asyncio.sleep(delay)

    async def _attempt(self, provider: Provider, prompt: Prompt, policy: ProviderPolicy, until: float) -> AsyncIterator[Event]:
        stream = provider.stream(prompt)
        started = False
        try:
            while True:
                left = until - time.monotonic()
                limit = policy.idle_timeout_s if started else policy.timeout_s
                wait = min(limit, left)
                if wait <= 0:
                    raise ProviderError(f"{provider.name} ran out of the request's time", retryable=False, blames_provider=False)
                try:
                    async with asyncio.timeout(wait):
                        chunk = await anext(stream)
                except StopAsyncIteration:
                    raise ProviderError(f"{provider.name} ended its stream without finishing", retryable=True) from None
                except TimeoutError:
                    if left < limit:
                        # The caller's short deadline, not a slow provider: no retry, no cooldown.
                        raise ProviderError(
                            f"{provider.name} ran out of the request's time ({wait:.2f}s)", retryable=False, blames_provider=False
                        ) from None
                    what = "went silent for" if started else "sent nothing within"
                    raise ProviderError(f"{provider.name} {what} {wait:.2f}s", retryable=True) from None
                except ProviderError:
                    raise
                except Exception as exc:
                    log.exception("provider %s raised an unexpected error", provider.name)
                    raise ProviderError(f"{provider.name} failed: {type(exc).__name__}", retryable=False) from exc
                started = True
                if isinstance(chunk, Delta):
                    if chunk.text:
                        yield chunk
                elif isinstance(chunk, Finished):
                    log.info(
                        "reply by %s/%s: %d+%d tokens",
                        provider.name,
                        chunk.model,
                        chunk.usage.prompt_tokens,
                        chunk.usage.completion_tokens,
                    )
                    yield Done(provider.name, chunk.model, provider.is_fallback, chunk.usage)
                    return
        finally:
            # Releases the provider's connection or stops its generator thread.
            with contextlib.suppress(Exception):
                await stream.aclose()  # type: ignore[attr-defined]  # every provider stream is an async generator
