"""Settings every service reads. Each service extends `ServiceSettings` with its own fields.

Values come from environment variables; the defaults work offline on one machine.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis.asyncio import Redis

from chat_common.redis_client import connect, parse_addresses


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    redis_url: str = "redis://127.0.0.1:6379/0"
    # standalone: REDIS_URL is the server. sentinel: the sentinels at REDIS_SENTINELS
    # ("host:port,host:port") name the primary REDIS_SENTINEL_MASTER; REDIS_URL gives only
    # the database and credentials. cluster: a Redis Cluster, found from the nodes at
    # REDIS_CLUSTER_NODES ("host:port,..."; empty: REDIS_URL's node), database 0 only.
    redis_mode: Literal["standalone", "sentinel", "cluster"] = "standalone"
    redis_sentinels: str = ""
    redis_sentinel_master: str = "chat"
    redis_cluster_nodes: str = ""
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

    @model_validator(mode="after")
    def _redis_mode_complete(self) -> ServiceSettings:
        if self.redis_mode == "sentinel" and not parse_addresses(self.redis_sentinels, "REDIS_SENTINELS"):
            raise ValueError("REDIS_MODE=sentinel needs REDIS_SENTINELS (host:port,host:port)")
        parse_addresses(self.redis_cluster_nodes, "REDIS_CLUSTER_NODES")
        return self

    def redis(self) -> Redis:
        """This service's Redis client, with the bounds above."""
        sentinels = parse_addresses(self.redis_sentinels, "REDIS_SENTINELS") if self.redis_mode == "sentinel" else []
        cluster = parse_addresses(self.redis_cluster_nodes, "REDIS_CLUSTER_NODES") if self.redis_mode == "cluster" else None
        return connect(
            self.redis_url,
            self.redis_socket_timeout_s,
            self.redis_connection_retries,
            sentinels,
            self.redis_sentinel_master,
            cluster_nodes=cluster,
        )
