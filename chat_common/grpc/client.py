"""Client channels between services: one per address, with deadlines and retries built in."""

from __future__ import annotations

import json

from grpc import aio

from chat_common import pb
from chat_common.grpc.interceptors import DeadlineStreamInterceptor, DeadlineUnaryInterceptor

# Transparent retries for calls that never reached the server's handler.
_SERVICE_CONFIG = json.dumps(
    {
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
        ]
    }
)


def channel(addr: str, unary_timeout: float, stream_timeout: float = 3600.0) -> aio.Channel:
    """An insecure aio channel to `addr` whose calls always carry a deadline."""
    return aio.insecure_channel(
        addr,
        interceptors=[DeadlineUnaryInterceptor(unary_timeout), DeadlineStreamInterceptor(stream_timeout)],
        options=[
            ("grpc.service_config", _SERVICE_CONFIG),
            ("grpc.enable_retries", 1),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.max_receive_message_length", 32 * 1024 * 1024),
            ("grpc.max_send_message_length", 32 * 1024 * 1024),
        ],
    )
