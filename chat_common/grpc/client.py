"""Client channels between services: one per service, with deadlines and retries built in.

A service's address may list replicas (`127.0.0.1:50051,127.0.0.1:50061`) or be a DNS name
with one record per replica (`dns:///job-service:50051`, a Kubernetes headless service): the
channel spreads calls over them round-robin and leaves out a replica that stops answering.
"""

from __future__ import annotations

import json

from grpc import aio

from chat_common import pb
from chat_common.grpc.interceptors import DeadlineStreamInterceptor, DeadlineUnaryInterceptor

# Transparent retries for calls that never reached the server's handler.
_SERVICE_CONFIG = json.dumps(
    {
        "loadBalancingConfig": [{"round_robin": {}}],
        "methodConfig": [
            {
                "name": [{"service": pb.JOB_SERVICE}, {"service": pb.CONVERSATION_SERVICE}, {"service": pb.CONTEXT_SERVICE}],
                "retryPolicy": {
                    "maxAttempts": 4,
                    "initialBackoff": "0.1s",
                    "maxBackoff": "1s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ],
    }
)


def target(addr: str) -> str:
    """The gRPC target of an address: a list of replicas `host:port,host:port` becomes one
    `ipv4:` (or `ipv6:`) target; anything else is used as given."""
    replicas = [part.strip() for part in addr.split(",") if part.strip()]
    if len(replicas) < 2:
        return addr.strip()
    scheme = "ipv6" if all(replica.startswith("[") for replica in replicas) else "ipv4"
    return f"{scheme}:{','.join(replicas)}"


def channel(addr: str, unary_timeout: float, stream_timeout: float = 3600.0) -> aio.Channel:
    """An insecure aio channel to `addr` (one address, or replicas) whose calls always carry a deadline."""
    return aio.insecure_channel(
        target(addr),
        interceptors=[DeadlineUnaryInterceptor(unary_timeout), DeadlineStreamInterceptor(stream_timeout)],
        options=[
            ("grpc.service_config", _SERVICE_CONFIG),
            ("grpc.enable_retries", 1),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.max_receive_message_length", 32 * 1024 * 1024),
            ("grpc.max_send_message_length", 32 * 1024 * 1024),
        ],
    )
