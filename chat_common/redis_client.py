"""One way to open Redis connections, so every service gets the same timeouts and retries."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


def connect(url: str) -> Redis:
    """An asyncio Redis client that rides out a short Redis restart."""
    return Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=2.0,
        socket_keepalive=True,
        health_check_interval=10,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=1.0), retries=8),
        retry_on_error=[RedisConnectionError, RedisTimeoutError, ConnectionResetError],
    )


def tagged(prefix: str, key_id: str, suffix: str = "") -> str:
    """`prefix:{id}:suffix`: the braces keep every key of one job or session in one cluster slot."""
    return f"{prefix}:{{{key_id}}}" + (f":{suffix}" if suffix else "")
