"""Rate limits per session and per client IP, shared by every gateway replica through Redis.

Algorithm: a fixed window counter. One Lua script INCRements the session's and the IP's
counters and sets their expiry on the first hit, atomically, in one round trip (one per
counter in a Redis Cluster, where they live in different slots); a request
over either limit gets 429 with `Retry-After` (the seconds until that window ends).

Two classes of request, each with its own limits (see GatewaySettings):
- writes: every API request that changes something (POST, PATCH, DELETE: messages, files,
  conversations, a clear);
- reads: every GET (polling a message, history, events, conversations, profile, config).
Health checks, the web UI's files and the docs are not limited.

If Redis is unreachable or slow the limiter fails open: the request goes through and a
warning is logged (at most every 30 s), because the rest of the suite decides availability.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from starlette.types import ASGIApp, Receive, Scope, Send

from chat_common.errors import ErrorCode
from chat_common.redis_client import slot_groups
from gateway.errors import error_response
from gateway.security import is_api
from gateway.settings import GatewaySettings

log = logging.getLogger("gateway.ratelimit")

READ_METHODS = frozenset({"GET", "HEAD"})

# KEYS: counters; ARGV[1]: window in ms. Returns count, ttl_ms for each key.
_LUA = """
local out = {}
local window = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if count == 1 or ttl < 0 then
    redis.call('PEXPIRE', key, window)
    ttl = window
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
end
return out
"""


@dataclass(frozen=True)
class Limits:
    per_session: int
    per_ip: int


class RateLimiter:
    def __init__(self, window_s: float, redis_timeout_s: float) -> None:
        self.window_ms = max(1, int(window_s * 1000))
        self.timeout = redis_timeout_s
        self._script_for: dict[int, object] = {}
        self._last_warning = 0.0
        self._skip_until = 0.0

    async def check(self, redis: Redis, counters: list[tuple[str, int]]) -> int:
        """0 when allowed, else the seconds to wait. `counters` are (key, limit) pairs."""
        counters = [(k, n) for k, n in counters if n > 0]
        if not counters:
            return 0
        now = time.monotonic()
        if now < self._skip_until:
            return 0
        script = self._script_for.get(id(redis))
        if script is None:
            script = self._script_for[id(redis)] = redis.register_script(_LUA)
        # A cluster holds the session's and the IP's counters in different slots: one call each.
        groups = slot_groups(redis, [key for key, _ in counters])
        try:
            async with asyncio.timeout(self.timeout):
                replies = await asyncio.gather(*(script(keys=group, args=[self.window_ms]) for group in groups))  # type: ignore[operator]  # redis-py types Script as not callable
        except Exception as exc:  # noqa: BLE001 - the limiter fails open
            # Do not add the timeout to every request while Redis is away.
            self._skip_until = now + 2.0
            if now - self._last_warning > 30:
                self._last_warning = now
                log.warning("rate limiter unavailable (%s); failing open", type(exc).__name__)
            return 0
        seen = {
            key: (int(reply[2 * i]), int(reply[2 * i + 1]))
            for group, reply in zip(groups, replies, strict=True)
            for i, key in enumerate(group)
        }
        wait_ms = 0
        for key, limit in counters:
            count, ttl = seen[key]
            if count > limit:
                wait_ms = max(wait_ms, ttl)
        return max(1, math.ceil(wait_ms / 1000)) if wait_ms else 0


def owner_counter(kind: str, owner: str) -> str:
    """The window counter of one owner's reads ("r") or writes ("w")."""
    return f"ratelimit:{kind}:session:{owner}"


def owner_counters(owner: str) -> list[str]:
    return [owner_counter(kind, owner) for kind in ("r", "w")]


class RateLimitMiddleware:
    """Pure ASGI; sits inside the session middleware, which puts the session id in the scope."""

    def __init__(self, app: ASGIApp, settings: GatewaySettings) -> None:
        self.app = app
        self.writes = Limits(settings.rate_limit_per_session, settings.rate_limit_per_ip)
        self.reads = Limits(settings.rate_limit_reads_per_session, settings.rate_limit_reads_per_ip)
        self.limiter = RateLimiter(settings.rate_limit_window_s, settings.rate_limit_redis_timeout_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS" or not is_api(scope["path"]):
            await self.app(scope, receive, send)
            return
        kind = "r" if scope["method"] in READ_METHODS else "w"
        limits = self.writes if kind == "w" else self.reads
        session = scope.get("state", {}).get("session_id") or ""
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        counters = [(f"ratelimit:{kind}:ip:{ip}", limits.per_ip)]
        if session:
            counters.append((owner_counter(kind, session), limits.per_session))
        backends = getattr(scope["app"].state, "backends", None)
        wait = await self.limiter.check(backends.redis, counters) if backends is not None else 0
        if wait:
            response = error_response(
                429,
                f"Too many requests. Please wait {wait} seconds and try again.",
                ErrorCode.RATE_LIMITED,
                {"Retry-After": str(wait)},
                close=kind == "w",  # an upload's body is left unread
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
