"""Settings every service reads. Each service extends `ServiceSettings` with its own fields.

Values come from environment variables; the defaults work offline on one machine.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict
from redis.asyncio import Redis

from chat_common.redis_client import connect


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    redis_url: str = "redis://127.0.0.1:6379/0"
    # Every Redis command gives up after this (commands take milliseconds; the longest
    # blocking read waits 1 s). Refused or broken connections are retried this many times.
    redis_socket_timeout_s: float = 2.0
    redis_connection_retries: int = 8
    log_level: str = "INFO"
    log_format: str = "json"  # json | text

    # Where each gRPC service listens and where clients find it.
    job_service_addr: str = "127.0.0.1:50051"
    context_service_addr: str = "127.0.0.1:50052"
    inference_service_addr: str = "127.0.0.1:50053"

    # Prometheus metrics port of this process (0 disables).
    metrics_port: int = 0

    # Deadline for unary calls between services, in seconds.
    rpc_timeout_s: float = 10.0
    # Seconds a server waits for in-flight calls on shutdown.
    shutdown_grace_s: float = 10.0

    def redis(self) -> Redis:
        """This service's Redis client, with the bounds above."""
        return connect(self.redis_url, self.redis_socket_timeout_s, self.redis_connection_retries)
