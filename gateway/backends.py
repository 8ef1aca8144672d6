"""The gateway's connections: gRPC stubs to each service, and Redis for shared state."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from redis.asyncio import Redis

from chat_common import pb
from chat_common.grpc.client import channel
from chat_common.redis_client import connect
from gateway.batching import JobBatcher
from gateway.fanout import FeedHub
from gateway.settings import GatewaySettings

SERVICES = {
    "job_service": "chat.v1.JobService",
    "context_service": "chat.v1.ContextService",
    "inference_service": "chat.v1.InferenceService",
}
# Optional parts, reported by the inference service's health under these names when configured.
OPTIONAL = {"local_model": ("inference_service", "chat.v1.InferenceService.local")}


@dataclass
class Backends:
    redis: Redis
    channels: dict[str, aio.Channel]
    jobs: pb.jobs_grpc.JobServiceStub
    context: pb.context_grpc.ContextServiceStub
    feeds: FeedHub
    submits: JobBatcher

    @classmethod
    def open(cls, settings: GatewaySettings) -> Backends:
        channels = {
            "job_service": channel(settings.job_service_addr, settings.rpc_timeout_s, settings.sse_stream_timeout_s),
            "context_service": channel(settings.context_service_addr, settings.rpc_timeout_s),
            "inference_service": channel(settings.inference_service_addr, settings.rpc_timeout_s),
        }
        jobs = pb.jobs_grpc.JobServiceStub(channels["job_service"])
        return cls(
            redis=connect(settings.redis_url),
            channels=channels,
            jobs=jobs,
            context=pb.context_grpc.ContextServiceStub(channels["context_service"]),
            feeds=FeedHub(jobs),
            submits=JobBatcher(jobs),
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
        """Each dependency by name: "ok" or what is wrong."""
        report: dict[str, str] = {}
        try:
            await self.redis.ping()
            report["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            report["redis"] = f"unreachable: {type(exc).__name__}"
        for name in SERVICES:
            try:
                report[name] = "ok" if await self.serving(name, timeout) else "not serving"
            except aio.AioRpcError as exc:
                report[name] = f"unreachable: {exc.code().name}"
        for name, (owner, service) in OPTIONAL.items():
            if report.get(owner) != "ok":
                continue
            try:
                report[name] = "ok" if await self.serving(owner, timeout, service) else "down"
            except aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.NOT_FOUND:  # NOT_FOUND: not configured
                    report[name] = f"unreachable: {exc.code().name}"
        return report
