"""Sign-in throttling in Redis, shared by every replica: attempts per account (by email) and
per client IP within a window, and sign-ups per IP. Over a limit: 429 with Retry-After.
A successful sign-in clears its account's count. Fails open like the rate limiter
(gateway/ratelimit.py), whose fixed-window counters these are."""

from __future__ import annotations

from redis.asyncio import Redis

from chat_common.errors import ErrorCode
from gateway.accounts import keys
from gateway.errors import ApiError
from gateway.ratelimit import RateLimiter
from gateway.settings import GatewaySettings


def too_many(wait_s: int) -> ApiError:
    return ApiError(
        429,
        f"Too many attempts. Try again in {wait_s} {'second' if wait_s == 1 else 'seconds'}.",
        ErrorCode.TOO_MANY_ATTEMPTS,
        {"Retry-After": str(wait_s)},
    )


class LoginThrottle:
    def __init__(self, redis: Redis, settings: GatewaySettings) -> None:
        self.redis = redis
        self.limiter = RateLimiter(settings.login_window_s, settings.rate_limit_redis_timeout_s)
        self.per_account = settings.login_attempts_per_account
        self.per_ip = settings.login_attempts_per_ip
        self.signups_per_ip = settings.signups_per_ip

    async def attempt(self, email: str, ip: str) -> None:
        """Counts a sign-in attempt; ApiError 429 if the account or the IP has had too many."""
        wait = await self.limiter.check(
            self.redis, [(keys.login_attempts_account(email), self.per_account), (keys.login_attempts_ip(ip), self.per_ip)]
        )
        if wait:
            raise too_many(wait)

    async def succeeded(self, email: str) -> None:
        await self.redis.delete(keys.login_attempts_account(email))

    async def signup(self, ip: str) -> None:
        wait = await self.limiter.check(self.redis, [(keys.signups_ip(ip), self.signups_per_ip)])
        if wait:
            raise too_many(wait)
