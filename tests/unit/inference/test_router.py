"""ProviderChain policy with scripted in-process providers (no HTTP)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from inference_service.policy import ChainPolicy, ProviderPolicy
from inference_service.providers.base import Chunk, Delta, Finished, Prompt, ProviderError, Turn, Usage
from inference_service.providers.fallback import FallbackProvider
from inference_service.router import Done, ProviderChain, Restart

PROMPT = Prompt(system="", turns=[Turn("user", "hi")])


class Scripted:
    """Fails with the queued errors (None = answer), counting calls."""

    is_fallback = False

    def __init__(self, name: str, *script: BaseException | None, text: str = "ok") -> None:
        self.name, self.script, self.text, self.calls = name, list(script), text, 0

    def available(self) -> bool:
        return True

    async def stream(self, prompt: Prompt) -> AsyncIterator[Chunk]:
        self.calls += 1
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        yield Delta(self.text)
        yield Finished(Usage(1, 1), "m")


def chain(*providers: object, retries: int = 2, timeout: float = 1.0) -> ProviderChain:
    policy = ChainPolicy(default=ProviderPolicy(timeout_s=timeout, max_retries=retries), backoff_base_s=0.01, backoff_max_s=0.05)
    return ProviderChain(list(providers), policy)


async def run(c: ProviderChain, timeout: float = 5.0) -> list[object]:
    return [e async for e in c.generate(PROMPT, timeout=timeout)]


async def test_a_long_retry_after_moves_on_instead_of_waiting() -> None:
    a = Scripted("a", ProviderError("slow down", retryable=True, status=429, retry_after=30))
    b = Scripted("b")
    started = time.monotonic()
    events = await run(chain(a, b))
    assert isinstance(events[-1], Done) and events[-1].provider == "b"
    assert a.calls == 1 and time.monotonic() - started < 1


async def test_a_provider_bug_does_not_end_the_chain() -> None:
    a = Scripted("a", RuntimeError("bug"))
    events = await run(chain(a, FallbackProvider()))
    assert isinstance(events[-1], Done) and events[-1].fallback
    assert a.calls == 1  # unexpected errors are not retried


async def test_a_stream_without_finish_is_retried_then_skipped() -> None:
    class NoFinish(Scripted):
        async def stream(self, prompt: Prompt) -> AsyncIterator[Chunk]:
            self.calls += 1
            if False:
                yield Delta("")

    a = NoFinish("a")
    events = await run(chain(a, Scripted("b"), retries=1))
    assert a.calls == 2 and isinstance(events[-1], Done) and events[-1].provider == "b"
    assert not any(isinstance(e, Restart) for e in events)  # no text had been sent


async def test_the_last_provider_failing_raises() -> None:
    with pytest.raises(ProviderError):
        await run(chain(Scripted("a", ProviderError("no", retryable=False))))


async def test_retries_stop_at_the_limit() -> None:
    error = ProviderError("busy", retryable=True, status=503)
    a = Scripted("a", error, error, error, error)
    events = await run(chain(a, Scripted("b"), retries=2))
    assert a.calls == 3 and events[-1].provider == "b"


class Stalling(Scripted):
    """Waits `first_s` before its first token, then `gap_s` before the second."""

    def __init__(self, name: str, first_s: float, gap_s: float) -> None:
        super().__init__(name)
        self.first_s, self.gap_s = first_s, gap_s

    async def stream(self, prompt: Prompt) -> AsyncIterator[Chunk]:
        self.calls += 1
        await asyncio.sleep(self.first_s)
        yield Delta("partial ")
        await asyncio.sleep(self.gap_s)
        yield Delta("rest")
        yield Finished(Usage(1, 2), "m")


def limits(first: float, idle: float) -> ChainPolicy:
    return ChainPolicy(default=ProviderPolicy(timeout_s=first, idle_timeout_s=idle, max_retries=0))


async def test_a_slow_first_token_is_allowed_its_own_longer_limit() -> None:
    """Reading the prompt may take a while; the silence limit starts with the reply."""
    a = Stalling("a", first_s=0.4, gap_s=0.05)
    events = await run(ProviderChain([a, FallbackProvider()], limits(first=1.0, idle=0.2)))
    assert isinstance(events[-1], Done) and events[-1].provider == "a"


async def test_a_stream_that_goes_silent_moves_to_the_next_provider() -> None:
    a = Stalling("a", first_s=0.0, gap_s=5.0)
    started = time.monotonic()
    events = await run(ProviderChain([a, FallbackProvider()], limits(first=1.0, idle=0.3)))
    assert time.monotonic() - started < 2.0
    restart = next(e for e in events if isinstance(e, Restart))
    assert "silent" in restart.reason
    assert isinstance(events[-1], Done) and events[-1].fallback
