"""Retries of idempotent unary calls that failed transiently, within an overall deadline.

A peer that stalls (paused by the OS, a long GC, a host hiccup) makes one attempt hit its
DEADLINE_EXCEEDED; a peer whose own store is down answers UNAVAILABLE. The caller's own
deadline may still be far away. An idempotent call is then tried again, with exponential
backoff and jitter, until it succeeds or the overall deadline leaves no room for another.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from grpc import aio

from chat_common.backoff import backoff_delay

log = logging.getLogger("chat_common.grpc.retry")

Reply = TypeVar("Reply")
TRANSIENT = {grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE}


async def retry_idempotent(
    call: Callable[[float], Awaitable[Reply]],
    what: str,
    deadline: float,
    attempt_timeout_s: float,
    backoff_base_s: float = 0.1,
    backoff_max_s: float = 2.0,
) -> Reply:
    """`call(timeout)` until it returns; `deadline` is a time.monotonic() value."""
    attempt = 0
    while True:
        left = deadline - time.monotonic()
        try:
            return await call(max(0.05, min(attempt_timeout_s, left)))
        except aio.AioRpcError as exc:
            if exc.code() not in TRANSIENT:
                raise
            delay = backoff_delay(attempt, backoff_base_s, backoff_max_s)
            if time.monotonic() + delay + 0.05 >= deadline:
                raise
            attempt += 1
            log.warning("%s failed (%s, attempt %d); retrying in %.2f s", what, exc.code().name, attempt, delay)
            await asyncio.sleep(delay)
