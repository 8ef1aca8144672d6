"""The real local model server (llama-cpp-python, SmolLM2) behind the InferenceService.

The model runs in a process of its own: these tests stream real tokens from it over gRPC,
cancel, queue concurrent requests, and SIGKILL it in the middle of a reply.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from model_server.native import system_info, uses_amx
from tests.fakes.harness import Service, fast_settings, request
from tests.model_server import ModelServer


def test_the_llama_cpp_build_has_no_amx_kernels() -> None:
    """Holds on every machine: the build never enables AMX (it crashes on AMX CPUs)."""
    info = system_info()
    assert "CPU" in info and "AVX" in info or "NEON" in info, info  # the feature line itself
    assert not uses_amx(info), info


def local_settings(model_server: ModelServer, **overrides: object) -> object:
    return fast_settings(providers="local,fallback", local_model_url=model_server.url, local_timeout_s=20.0, **overrides)


async def test_the_local_model_streams_a_real_answer_over_grpc(model_server: ModelServer, redis_url: str) -> None:
    async with Service(local_settings(model_server), redis_url) as service:
        reply = await service.generate(request("Name three colours.", max_output_tokens=48), timeout=30)
    assert reply.done.provider == "local" and not reply.done.fallback
    assert reply.done.model == "smollm2-135m"
    assert len(reply.deltas) >= 3  # streamed token by token, not in one piece
    assert reply.text.strip()
    # llama-cpp-python's server streams one chunk per token and no usage: the chunks are counted.
    assert len(reply.deltas) <= reply.done.usage.completion_tokens <= 48


async def test_concurrent_requests_take_turns_without_cancelling_each_other(model_server: ModelServer, redis_url: str) -> None:
    async with Service(local_settings(model_server), redis_url) as service:
        replies = await asyncio.gather(
            *(
                service.generate(request(f"Say hello to {name}.", max_output_tokens=16), timeout=60)
                for name in ("Ann", "Bo", "Cy")
            )
        )
    assert [r.done.provider for r in replies] == ["local"] * 3
    assert all(r.done.usage.completion_tokens > 0 and not r.restarts for r in replies)


async def test_a_cancelled_call_frees_the_model_for_the_next(model_server: ModelServer, redis_url: str) -> None:
    """The server serves one reply at a time: a quick answer right after a cancelled long one
    proves the long one stopped instead of running to its 1,000 tokens."""
    async with Service(local_settings(model_server), redis_url) as service:
        call = service.stub.Generate(request("Tell me a very long story about the sea.", max_output_tokens=1000), timeout=60)
        async for event in call:
            assert event.WhichOneof("event") == "delta"
            break
        call.cancel()
        started = time.monotonic()
        reply = await service.generate(request("Say hi.", max_output_tokens=8), timeout=60)
        waited = time.monotonic() - started
    assert reply.done.provider == "local"
    assert waited < 6, f"the next reply waited {waited:.1f}s: the cancelled generation went on"


async def test_a_prompt_longer_than_the_window_gets_the_fallback_at_once(model_server: ModelServer, redis_url: str) -> None:
    async with Service(local_settings(model_server), redis_url) as service:
        reply = await service.generate(request("word " * 4000, max_output_tokens=16), timeout=30)
    assert reply.done.fallback and reply.done.provider == "fallback"
    assert reply.elapsed < 10


@pytest.mark.slow
async def test_the_model_process_dying_mid_reply_ends_in_the_fallback_then_recovers(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str
) -> None:
    server = ModelServer(tmp_path_factory.mktemp("dying_model")).start()
    try:
        async with Service(local_settings(server), redis_url) as service:
            call = service.stub.Generate(request("Write a long story about a lighthouse.", max_output_tokens=400), timeout=60)
            kinds: list[str] = []
            done = None
            async for event in call:
                kinds.append(event.WhichOneof("event"))
                if kinds.count("delta") == 3:
                    server.kill()  # as a segfault in llama.cpp would
                if event.HasField("done"):
                    done = event.done
            assert done is not None and done.fallback and done.provider == "fallback"
            assert "restart" in kinds  # the client is told to drop the partial text
            server.start()
            reply = await service.generate(request("Say hi.", max_output_tokens=8), timeout=60)
        assert reply.done.provider == "local" and not reply.done.fallback
        assert "Traceback" not in server.log_text()
    finally:
        server.stop()
