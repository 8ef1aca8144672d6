"""Provider cooldown shared by every replica through Redis.

After `failures` failed requests in a row a provider is skipped for `cooldown_s`. The state
lives in Redis so all replicas agree. Redis trouble must never block answering: every call
is bounded by a short timeout and then fails open (the provider counts as healthy); while
Redis is down each replica keeps a cooldown of its own in memory.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_common.metrics import PROVIDER_COOLDOWNS

log = logging.getLogger("inference_service.cooldown")

# INCR the streak; on reaching the limit start the cooldown and reset the streak, atomically.
_RECORD_FAILURE = """
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if n >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""

# After a Redis failure, leave it alone this long instead of paying the timeout per request.
_REDIS_RETRY_S = 5.0


class _Memory:
    """The same bookkeeping in one process, used without Redis or while it is down."""

    def __init__(self) -> None:
        self.streak: dict[str, tuple[int, float]] = {}
        self.until: dict[str, float] = {}

    def is_cooling(self, name: str) -> bool:
        return self.until.get(name, 0.0) > time.monotonic()

    def failure(self, name: str, limit: int, cooldown_s: float, window_s: float) -> bool:
        now = time.monotonic()
        count, last = self.streak.get(name, (0, now))
        count = count + 1 if now - last <= window_s else 1
        if count >= limit:
            self.streak.pop(name, None)
            self.until[name] = now + cooldown_s
            return True
        self.streak[name] = (count, now)
        return False

    def success(self, name: str) -> None:
        self.streak.pop(name, None)


class Cooldown:
    def __init__(
        self,
        redis: Redis | None = None,
        *,
        failures: int = 3,
        cooldown_s: float = 30.0,
        window_s: float = 300.0,
        prefix: str = "inference:cooldown",
        redis_timeout_s: float = 0.25,
    ) -> None:
        self.redis = redis
        self.failures = max(1, failures)
        self.cooldown_s = cooldown_s
        self.window_s = window_s
        self.prefix = prefix
        self.redis_timeout_s = redis_timeout_s
        self._memory = _Memory()
        self._redis_down_until = 0.0
        # Providers whose shared failure count was last seen non-zero: only their successes
        # need a DEL, so a healthy provider costs one Redis read per request, not two.
        self._streak_seen: set[str] = set()
        self._script = redis.register_script(_RECORD_FAILURE) if redis is not None else None

    def _keys(self, name: str) -> tuple[str, str]:
        # One hash tag per provider: the failure script and MGET touch both keys, in one cluster slot.
        return f"{self.prefix}:{{{name}}}:fails", f"{self.prefix}:{{{name}}}:until"

    def _use_redis(self) -> bool:
        return self.redis is not None and time.monotonic() >= self._redis_down_until

    def _redis_failed(self, exc: BaseException) -> None:
        if time.monotonic() >= self._redis_down_until:
            log.warning("cooldown store unreachable (%s: %s); failing open", type(exc).__name__, exc or "no answer in time")
        self._redis_down_until = time.monotonic() + _REDIS_RETRY_S

    async def is_cooling(self, name: str) -> bool:
        if not self._use_redis():
            return self._memory.is_cooling(name)
        assert self.redis is not None
        try:
            async with asyncio.timeout(self.redis_timeout_s):
                fails, until = await self.redis.mget(self._keys(name))
            if fails:
                self._streak_seen.add(name)
            else:
                self._streak_seen.discard(name)
            return until is not None
        except (RedisError, OSError, TimeoutError) as exc:
            self._redis_failed(exc)
            return self._memory.is_cooling(name)

    async def record_failure(self, name: str) -> bool:
        """Counts a failed request; True when this failure started a cooldown."""
        self._streak_seen.add(name)
        started = False
        if self._use_redis():
            assert self._script is not None
            fails, until = self._keys(name)
            try:
                async with asyncio.timeout(self.redis_timeout_s):
                    started = bool(
                        await self._script(
                            keys=[fails, until],
                            args=[self.failures, int(self.cooldown_s * 1000), int(self.window_s * 1000)],
                        )
                    )
            except (RedisError, OSError, TimeoutError) as exc:
                self._redis_failed(exc)
                started = self._memory.failure(name, self.failures, self.cooldown_s, self.window_s)
        else:
            started = self._memory.failure(name, self.failures, self.cooldown_s, self.window_s)
        if started:
            PROVIDER_COOLDOWNS.labels(name).inc()
            log.warning("provider %s cools down for %.0fs after %d failures", name, self.cooldown_s, self.failures)
        return started

    async def record_success(self, name: str) -> None:
        self._memory.success(name)
        if not self._use_redis() or name not in self._streak_seen:
            return
        self._streak_seen.discard(name)
        assert self.redis is not None
        try:
            async with asyncio.timeout(self.redis_timeout_s):
                await self.redis.delete(self._keys(name)[0])
        except (RedisError, OSError, TimeoutError) as exc:
            self._redis_failed(exc)
