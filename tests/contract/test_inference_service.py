"""InferenceService contract: the real `python -m inference_service` process over real gRPC,
its own Redis, and a fake Gemini on a free port (no network, no keys)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import grpc
import pytest
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from chat_common import pb
from chat_common.grpc.client import channel
from suite.processes import Suite
from tests.contract.conftest import start_suite
from tests.fakes import FakeGemini
from tests.fakes.harness import collect, request

SERVICE = "chat.v1.InferenceService"


@pytest.fixture(scope="module")
def fake_gemini() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        fake.hang_s = 3.0
        yield fake


@pytest.fixture(scope="module")
def inference(tmp_path_factory: pytest.TempPathFactory, fake_gemini: FakeGemini) -> Iterator[Suite]:
    env = {
        "PROVIDERS": "gemini,fallback",
        "GEMINI_API_KEY": fake_gemini.api_key,
        "GEMINI_BASE_URL": fake_gemini.url,
        "GEMINI_TIMEOUT_S": "1",
        "GEMINI_MAX_RETRIES": "1",
        "RETRY_BACKOFF_BASE_S": "0.02",
        "COOLDOWN_FAILURES": "1000",
        "LOG_FORMAT": "text",
    }
    suite = start_suite(tmp_path_factory.mktemp("inference"), ["inference_service"], env)
    yield suite
    suite.stop()


@pytest.fixture
async def inference_channel(inference: Suite, fake_gemini: FakeGemini) -> AsyncIterator[aio.Channel]:
    fake_gemini.reset()
    ch = channel(inference.addr("inference_service"), unary_timeout=10, stream_timeout=30)
    yield ch
    await ch.close()


def stub(ch: aio.Channel) -> pb.inference_grpc.InferenceServiceStub:
    return pb.inference_grpc.InferenceServiceStub(ch)


async def test_generate_streams_deltas_then_done(inference_channel: aio.Channel, fake_gemini: FakeGemini) -> None:
    reply = await collect(stub(inference_channel), request("Hello there", request_id="r-1"), timeout=10)
    # Chunks that arrive together may travel as one delta (inference_service/coalesce.py).
    deltas = reply.events[:-1]
    assert reply.events[-1] == "done" and set(deltas) == {"delta"} and 1 <= len(deltas) <= len(fake_gemini.chunks)
    assert reply.text == fake_gemini.text
    done = reply.done
    assert (done.provider, done.model, done.fallback) == ("gemini", "gemini-2.5-flash", False)
    assert done.usage.prompt_tokens > 0 and done.usage.completion_tokens == len(fake_gemini.chunks)
    assert done.usage.total_tokens == done.usage.prompt_tokens + done.usage.completion_tokens


async def test_a_stream_cut_midway_restarts_on_the_next_provider(inference_channel: aio.Channel, fake_gemini: FakeGemini) -> None:
    fake_gemini.default = "cut"
    reply = await collect(stub(inference_channel), request(), timeout=10)
    assert reply.events[0] == "delta" and "restart" in reply.events and reply.events[-1] == "done"
    assert reply.restarts[0].failed_provider == "gemini" and reply.restarts[0].reason
    assert reply.done.provider == "fallback" and reply.done.fallback
    assert "Gemini" not in reply.text
    assert fake_gemini.calls() == 1  # never retried after tokens went out


async def test_the_callers_deadline_is_honoured(inference_channel: aio.Channel, fake_gemini: FakeGemini) -> None:
    fake_gemini.default = "hang"
    reply = await collect(stub(inference_channel), request(), timeout=2.0)
    assert reply.done.provider == "fallback"
    assert reply.elapsed < 2.0


@pytest.mark.parametrize(
    "bad",
    [
        pb.inference.GenerateRequest(messages=[]),
        pb.inference.GenerateRequest(
            messages=[
                pb.common.ChatMessage(role=pb.common.ROLE_USER, content="hi"),
                pb.common.ChatMessage(role=pb.common.ROLE_ASSISTANT, content="hello"),
            ]
        ),
        pb.inference.GenerateRequest(messages=[pb.common.ChatMessage(role=pb.common.ROLE_UNSPECIFIED, content="hi")]),
        pb.inference.GenerateRequest(
            messages=[pb.common.ChatMessage(role=pb.common.ROLE_USER, content="hi")], max_output_tokens=-1
        ),
    ],
    ids=["empty-messages", "last-is-assistant", "no-role", "negative-max-tokens"],
)
async def test_invalid_arguments(
    inference_channel: aio.Channel, fake_gemini: FakeGemini, bad: pb.inference.GenerateRequest
) -> None:
    with pytest.raises(aio.AioRpcError) as caught:
        await collect(stub(inference_channel), bad, timeout=5)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert fake_gemini.calls() == 0


async def test_health_and_reflection(inference_channel: aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(inference_channel)
    for name in (SERVICE, ""):
        reply = await health.Check(health_pb2.HealthCheckRequest(service=name))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    reflection = reflection_pb2_grpc.ServerReflectionStub(inference_channel)
    call = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    names = set()
    async for response in call:
        names |= {s.name for s in response.list_services_response.service}
    assert {SERVICE, "grpc.health.v1.Health"} <= names
