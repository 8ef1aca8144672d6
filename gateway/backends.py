"""The gateway's connections: gRPC stubs to each service, and Redis for shared state."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import grpc
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from redis.asyncio import Redis

from chat_common import pb
from chat_common.database import health_name
from chat_common.grpc.client import channel
from gateway.batching import JobBatcher
from gateway.fanout import FeedHub
from gateway.settings import GatewaySettings

SERVICES = pb.SERVICE_NAMES
# Parts behind a service, each reported by that service's health under a name of its own:
# required ones (the job service's PostgreSQL) and optional ones (the local model, when configured).
REQUIRED = {
    "postgres": ("job_service", health_name(pb.JOB_SERVICE)),
    "postgres_context": ("context_service", health_name(pb.CONTEXT_SERVICE)),
}
OPTIONAL = {"local_model": ("inference_service", f"{pb.INFERENCE_SERVICE}.local")}


@dataclass
class Backends:
    redis: Redis
    channels: dict[str, aio.Channel]
    jobs: pb.jobs_grpc.JobServiceStub
    conversations: pb.conversations_grpc.ConversationServiceStub
    context: pb.context_grpc.ContextServiceStub
    feeds: FeedHub
    submits: JobBatcher

    @classmethod
    def open(cls, settings: GatewaySettings) -> Backends:
        channels = {
            "job_service": channel(settings.job_service_addr, settings.gateway_rpc_timeout_s, settings.sse_stream_timeout_s),
            "context_service": channel(settings.context_service_addr, settings.gateway_rpc_timeout_s),
            "inference_service": channel(settings.inference_service_addr, settings.gateway_rpc_timeout_s),
        }
        jobs = pb.jobs_grpc.JobServiceStub(channels["job_service"])
        return cls(
            redis=settings.redis(),
            channels=channels,
            jobs=jobs,
            conversations=pb.conversations_grpc.ConversationServiceStub(channels["job_service"]),
            context=pb.context_grpc.ContextServiceStub(channels["context_service"]),
            feeds=FeedHub(jobs),
            submits=JobBatcher(jobs, timeout_s=settings.gateway_rpc_timeout_s),
        )

    async def close(self) -> None:
        for ch in self.channels.values():
            await ch.close()
        await self.redis.aclose()

    async def serving(self, name: str, timeout: float = 1.0, service: str = "") -> bool:
        """One health check of a gRPC dependency (raises AioRpcError when unreachable)."""
        stub = health_pb2_grpc.HealthStub(self.channels[name])
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=service or SERVICES[name]), timeout=timeout)
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    async def health(self, timeout: float = 1.0) -> dict[str, str]:
        """Each dependency by name: "ok" or what is wrong ("timeout" for one that hangs).

        The checks run at once, each bounded by `timeout`, so a hung part never holds up the
        answer: /readyz answers within about `timeout` whatever hangs.
        """
        parts = {**REQUIRED, **OPTIONAL}
        names = ["redis", *SERVICES, *parts]
        results = await asyncio.gather(
            self._redis_health(timeout),
            *(self._grpc_health(n, timeout) for n in SERVICES),
            *(self._grpc_health(owner, timeout, service) for owner, service in parts.values()),
        )
        states = dict(zip(names, results, strict=True))
        report = {name: states[name] for name in ["redis", *SERVICES]}
        for name, (owner, _service) in parts.items():  # a part is reported when its service answers
            state = states[name]
            if report.get(owner) == "ok" and state != "not configured":
                report[name] = "down" if state == "not serving" else state
        return report

    async def _redis_health(self, timeout: float) -> str:
        try:
            async with asyncio.timeout(timeout):
                await self.redis.ping()
            return "ok"
        except TimeoutError:
            return "timeout"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            return f"unreachable: {type(exc).__name__}"

    async def _grpc_health(self, name: str, timeout: float, service: str = "") -> str:
        try:
            return "ok" if await self.serving(name, timeout, service) else "not serving"
        except aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                return "timeout"
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return "not configured"
            return f"unreachable: {exc.code().name}"
