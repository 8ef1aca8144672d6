"""ProviderChain policy with scripted in-process providers (no HTTP)."""

from __future__ import annotations

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
    return ProviderChain(list(providers), policy)  # type: ignore[arg-type]


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
    assert a.calls == 3 and events[-1].provider == "b"  # type: ignore[attr-defined]
