"""Runs the real InferenceService in-process on a free port, against fake providers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from grpc import aio

from chat_common import pb
from chat_common.grpc.client import channel
from chat_common.grpc.server import GrpcServer
from chat_common.redis_client import connect
from inference_service.app import build_chain, serve
from inference_service.router import ProviderChain
from inference_service.settings import InferenceSettings
from tests.fakes.deepai import FakeDeepAI
from tests.fakes.gemini import FakeGemini


def fast_settings(gemini: FakeGemini | None = None, deepai: FakeDeepAI | None = None, **overrides: Any) -> InferenceSettings:
    """Settings for tests: fake endpoints, short timeouts, tiny backoff, no cooldown unless asked."""
    values: dict[str, Any] = {
        "providers": "gemini,deepai,fallback",
        "gemini_api_key": gemini.api_key if gemini else "",
        "gemini_base_url": gemini.url if gemini else "",
        "deepai_api_key": deepai.api_key if deepai else "",
        "deepai_base_url": deepai.url if deepai else "http://127.0.0.1:9",
        "gemini_timeout_s": 0.5,
        "deepai_timeout_s": 0.5,
        "gemini_max_retries": 2,
        "deepai_max_retries": 1,
        "retry_backoff_base_s": 0.02,
        "retry_backoff_max_s": 0.05,
        "cooldown_failures": 1000,
        "cooldown_key_prefix": "test:cooldown",
        "log_format": "text",
    }
    values.update(overrides)
    return InferenceSettings(**values)


def request(text: str = "Hello?", system: str = "Be brief.", **kwargs: Any) -> pb.inference.GenerateRequest:
    return pb.inference.GenerateRequest(
        system_instruction=system,
        messages=[pb.common.ChatMessage(role=pb.common.ROLE_USER, content=text)],
        **kwargs,
    )


@dataclass
class Reply:
    events: list[str] = field(default_factory=list)  # "delta" | "restart" | "done", in order
    deltas: list[str] = field(default_factory=list)
    restarts: list[Any] = field(default_factory=list)
    done: Any = None
    text: str = ""  # the text the client shows: everything after the last restart
    elapsed: float = 0.0


async def collect(
    stub: pb.inference_grpc.InferenceServiceStub, req: pb.inference.GenerateRequest, timeout: float = 10.0
) -> Reply:
    reply = Reply()
    started = time.monotonic()
    async for event in stub.Generate(req, timeout=timeout):
        kind = event.WhichOneof("event")
        reply.events.append(kind)
        if kind == "delta":
            reply.deltas.append(event.delta)
            reply.text += event.delta
        elif kind == "restart":
            reply.restarts.append(event.restart)
            reply.text = ""
        elif kind == "done":
            reply.done = event.done
    reply.elapsed = time.monotonic() - started
    return reply


class Service:
    """The InferenceService on 127.0.0.1:<free port> with its Redis-backed chain."""

    def __init__(self, settings: InferenceSettings, redis_url: str | None) -> None:
        self.settings = settings
        self.redis = connect(redis_url) if redis_url else None
        self.chain: ProviderChain = build_chain(settings, self.redis)
        self.server: GrpcServer | None = None
        self.channel: aio.Channel | None = None

    async def __aenter__(self) -> Service:
        self.server = await serve(self.settings, self.chain, "127.0.0.1:0")
        self.channel = channel(f"127.0.0.1:{self.server.port}", unary_timeout=5, stream_timeout=30)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.channel is not None:
            await self.channel.close()
        if self.server is not None:
            await self.server.stop(0)
        await self.chain.aclose()
        if self.redis is not None:
            await self.redis.aclose()

    @property
    def stub(self) -> pb.inference_grpc.InferenceServiceStub:
        assert self.channel is not None
        return pb.inference_grpc.InferenceServiceStub(self.channel)

    async def generate(self, req: pb.inference.GenerateRequest | None = None, timeout: float = 10.0) -> Reply:
        return await collect(self.stub, req or request(), timeout)
