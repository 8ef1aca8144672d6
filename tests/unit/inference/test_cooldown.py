"""Cooldown: a failing provider is skipped for a while, agreed by every replica via Redis."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from chat_common.children import free_port
from chat_common.redis_client import connect
from inference_service.app import build_chain
from inference_service.providers.base import Prompt, Turn
from inference_service.router import Done, ProviderChain
from tests.fakes import FakeDeepAI, FakeGemini
from tests.fakes.harness import fast_settings

PROMPT = Prompt(system="", turns=[Turn("user", "hi")], max_output_tokens=32)


def chain_for(gemini: FakeGemini, deepai: FakeDeepAI, redis_url: str | None, **overrides: Any) -> ProviderChain:
    values: dict[str, Any] = {"gemini_max_retries": 0, "cooldown_failures": 2, "cooldown_s": 30.0, **overrides}
    settings = fast_settings(gemini, deepai, **values)
    return build_chain(settings, connect(redis_url) if redis_url else None)


async def provider_of(chain: ProviderChain) -> str:
    events = [event async for event in chain.generate(PROMPT, timeout=5.0)]
    assert isinstance(events[-1], Done)
    return events[-1].provider


async def close(chain: ProviderChain) -> None:
    await chain.aclose()
    if chain.cooldown.redis is not None:
        await chain.cooldown.redis.aclose()


async def test_after_n_failures_the_provider_is_skipped(gemini: FakeGemini, deepai: FakeDeepAI, redis_url: str) -> None:
    chain = chain_for(gemini, deepai, redis_url)
    gemini.default = "500"
    assert await provider_of(chain) == "deepai"
    assert await provider_of(chain) == "deepai"
    assert gemini.calls() == 2
    gemini.default = "ok"  # healthy again, but still cooling down
    assert await provider_of(chain) == "deepai"
    assert gemini.calls() == 2  # skipped without a call
    await close(chain)


async def test_two_replicas_sharing_redis_agree(gemini: FakeGemini, deepai: FakeDeepAI, redis_url: str) -> None:
    first = chain_for(gemini, deepai, redis_url)
    second = chain_for(gemini, deepai, redis_url)
    gemini.default = "429"
    await provider_of(first)
    await provider_of(second)  # failures of both replicas add up: 2 = the limit
    gemini.default = "ok"
    calls = gemini.calls()
    assert await provider_of(second) == "deepai"
    assert await provider_of(first) == "deepai"
    assert gemini.calls() == calls
    await close(first)
    await close(second)


async def test_a_success_resets_the_streak(gemini: FakeGemini, deepai: FakeDeepAI, redis_url: str) -> None:
    chain = chain_for(gemini, deepai, redis_url)
    gemini.queue("500", "ok", "500", "ok")
    assert [await provider_of(chain) for _ in range(4)] == ["deepai", "gemini", "deepai", "gemini"]
    await close(chain)


async def test_request_faults_do_not_cool_a_provider_down(gemini: FakeGemini, deepai: FakeDeepAI, redis_url: str) -> None:
    chain = chain_for(gemini, deepai, redis_url)
    gemini.queue("400", "blocked", "400")  # the request's fault, not Gemini's
    for _ in range(3):
        assert await provider_of(chain) == "deepai"
    assert await provider_of(chain) == "gemini"
    assert gemini.calls() == 4
    await close(chain)


async def test_the_cooldown_ends(gemini: FakeGemini, deepai: FakeDeepAI, redis_url: str) -> None:
    chain = chain_for(gemini, deepai, redis_url, cooldown_s=0.3)
    gemini.default = "500"
    await provider_of(chain)
    await provider_of(chain)
    gemini.default = "ok"
    assert await provider_of(chain) == "deepai"
    await asyncio.sleep(0.35)
    assert await provider_of(chain) == "gemini"
    await close(chain)


async def test_unreachable_redis_fails_open(gemini: FakeGemini, deepai: FakeDeepAI) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    chain = chain_for(gemini, deepai, dead)
    started = time.monotonic()
    assert await provider_of(chain) == "gemini"  # answering is never blocked
    assert time.monotonic() - started < 1.5
    # Without Redis this replica still cools a failing provider down by itself.
    gemini.default = "500"
    await provider_of(chain)
    await provider_of(chain)
    calls = gemini.calls()
    assert await provider_of(chain) == "deepai"
    assert gemini.calls() == calls
    await close(chain)


async def test_redis_dying_mid_run_fails_open(gemini: FakeGemini, deepai: FakeDeepAI, fresh_redis: Any) -> None:
    chain = chain_for(gemini, deepai, fresh_redis.url)
    assert await provider_of(chain) == "gemini"
    fresh_redis.kill()
    started = time.monotonic()
    assert await provider_of(chain) == "gemini"
    assert await provider_of(chain) == "gemini"
    assert time.monotonic() - started < 1.5
    await close(chain)


async def test_a_short_caller_deadline_does_not_cool_a_provider_down(
    gemini: FakeGemini, deepai: FakeDeepAI, redis_url: str
) -> None:
    # Gemini may take 2 s per chunk, but callers allow only 0.8 s: not Gemini's fault. (0.3 s
    # was flaky on a loaded 2-core machine: the SDK's request sometimes never left in time.)
    chain = chain_for(gemini, deepai, redis_url, providers="gemini,fallback", gemini_timeout_s=2.0, fallback_reserve_s=0.1)
    gemini.default = "hang"
    for _ in range(3):
        events = [e async for e in chain.generate(PROMPT, timeout=0.8)]
        assert isinstance(events[-1], Done) and events[-1].fallback
    assert gemini.calls() == 3  # never skipped
    await close(chain)
