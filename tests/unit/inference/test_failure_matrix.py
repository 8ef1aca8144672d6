"""Every failure of every provider, through the real gRPC InferenceService and a real Redis.

Whatever breaks, the stream ends with `done` from the next provider within the deadline;
only 429/5xx/timeouts/connection errors are retried, and only before the first token.
"""

from __future__ import annotations

import pytest

from tests.fakes import FakeDeepAI, FakeGemini
from tests.fakes.harness import Service, fast_settings, request

DEADLINE = 5.0

# behaviour -> (requests the fake must see, whether the client sees a restart)
GEMINI_CASES = {
    "429": (3, False),  # retried: 1 + gemini_max_retries
    "500": (3, False),
    "503": (3, False),
    "401": (1, False),  # never retried
    "400": (1, False),
    "hang": (3, False),  # a timeout is retryable
    "malformed": (1, False),
    "blocked": (1, False),  # prompt blocked for safety: never retried
    "cut": (1, True),  # broke after tokens were sent: restart on the next provider
    "truncate": (1, True),  # ended cleanly but without a finish reason
    "safety": (1, True),  # finishReason SAFETY after some text
}


@pytest.mark.parametrize("behaviour", list(GEMINI_CASES))
async def test_gemini_failure_falls_through_to_deepai(
    behaviour: str, gemini: FakeGemini, deepai: FakeDeepAI, redis_url: str
) -> None:
    expected_calls, restarted = GEMINI_CASES[behaviour]
    gemini.default = behaviour
    async with Service(fast_settings(gemini, deepai), redis_url) as service:
        reply = await service.generate(request(), timeout=DEADLINE)

    assert reply.events[-1] == "done"
    assert reply.done.provider == "deepai" and not reply.done.fallback
    assert reply.done.model == "text-generator"
    assert reply.text == deepai.output  # no Gemini text survives a restart
    assert gemini.calls(":streamGenerateContent") == expected_calls
    assert deepai.calls() == 1
    assert len(reply.restarts) == (1 if restarted else 0)
    if restarted:
        assert reply.restarts[0].failed_provider == "gemini"
        first_restart = reply.events.index("restart")
        assert "delta" in reply.events[:first_restart]  # Gemini text was shown, then withdrawn
    assert reply.elapsed < DEADLINE


DEEPAI_CASES = {
    "429": 2,  # 1 + deepai_max_retries
    "500": 2,
    "401": 1,
    "400": 1,
    "hang": 2,
    "malformed": 1,
    "cut": 2,  # the connection dropped mid-body: a connection error, retryable
}


@pytest.mark.parametrize("behaviour", list(DEEPAI_CASES))
async def test_deepai_failure_ends_with_the_fallback(
    behaviour: str, gemini: FakeGemini, deepai: FakeDeepAI, redis_url: str
) -> None:
    deepai.default = behaviour
    settings = fast_settings(gemini, deepai, providers="deepai,fallback")
    async with Service(settings, redis_url) as service:
        reply = await service.generate(request(), timeout=DEADLINE)

    assert reply.events[-1] == "done"
    assert reply.done.provider == "fallback" and reply.done.fallback
    assert "sorry" in reply.text.lower()
    assert deepai.calls() == DEEPAI_CASES[behaviour]
    assert gemini.calls() == 0
    assert reply.elapsed < DEADLINE


async def test_a_retry_that_succeeds_keeps_the_provider(gemini: FakeGemini, deepai: FakeDeepAI, redis_url: str) -> None:
    gemini.queue("429", "500")  # then "ok"
    async with Service(fast_settings(gemini, deepai), redis_url) as service:
        reply = await service.generate(request(), timeout=DEADLINE)
    assert reply.done.provider == "gemini"
    assert reply.text == gemini.text
    assert gemini.calls() == 3 and deepai.calls() == 0
    assert reply.done.usage.completion_tokens == 3 and reply.done.usage.prompt_tokens > 0
    assert reply.done.usage.total_tokens == reply.done.usage.prompt_tokens + 3


async def test_both_providers_cut_midway_restart_twice(gemini: FakeGemini, deepai: FakeDeepAI, redis_url: str) -> None:
    gemini.default = "cut"
    deepai.default = "401"
    async with Service(fast_settings(gemini, deepai), redis_url) as service:
        reply = await service.generate(request(), timeout=DEADLINE)
    # Gemini's partial text is withdrawn; DeepAI sent none, so one restart only.
    assert [r.failed_provider for r in reply.restarts] == ["gemini"]
    assert reply.done.provider == "fallback"
    assert "Gemini" not in reply.text


async def test_the_request_deadline_leaves_time_for_the_fallback(gemini: FakeGemini, deepai: FakeDeepAI, redis_url: str) -> None:
    gemini.default = "hang"
    # Gemini's own timeout (10 s) is far beyond the caller's deadline (1.5 s).
    settings = fast_settings(gemini, deepai, providers="gemini,fallback", gemini_timeout_s=10.0, fallback_reserve_s=0.5)
    async with Service(settings, redis_url) as service:
        reply = await service.generate(request(), timeout=1.5)
    assert reply.done.provider == "fallback"
    assert 0.9 < reply.elapsed < 1.5
    assert gemini.calls() == 1  # no time was left for a retry
