"""Sessions on the server: a random token in an HttpOnly cookie, its SHA-256 in PostgreSQL
(so it can be revoked), and a copy in Redis so a request costs no database round trip.
Ending a session deletes both at once: the next request with its cookie is signed out."""

from __future__ import annotations

import secrets

from redis.asyncio import Redis
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chat_common.database import autocommit
from gateway.accounts import keys
from gateway.accounts.store import now_ms
from gateway.accounts.tables import auth_sessions

# A token that is no session is remembered as such this long (a flood of made-up cookies
# costs Redis, not PostgreSQL); a real token can never become one later.
UNKNOWN_TTL_S = 60


class AuthSessions:
    def __init__(self, engine: AsyncEngine, redis: Redis, ttl_s: float, cache_ttl_s: float) -> None:
        self.engine = autocommit(engine)
        self.redis = redis
        self.ttl_ms = int(ttl_s * 1000)
        self.cache_ttl_ms = int(cache_ttl_s * 1000)

    async def start(self, account_id: str) -> str:
        """A new session's token (the cookie's value)."""
        token = secrets.token_urlsafe(32)
        token_hash, now = keys.digest(token), now_ms()
        async with self.engine.connect() as conn:
            await conn.execute(
                insert(auth_sessions).values(
                    token_hash=token_hash, account_id=account_id, created_ms=now, expires_ms=now + self.ttl_ms
                )
            )
        await self.redis.set(keys.session(token_hash), account_id, px=min(self.cache_ttl_ms, self.ttl_ms))
        return token

    async def account_of(self, token: str) -> str | None:
        """The account the token signs in, or None (unknown, ended or expired)."""
        token_hash = keys.digest(token)
        cached = await self.redis.get(keys.session(token_hash))
        if cached is not None:
            return str(cached) or None
        query = select(auth_sessions.c.account_id, auth_sessions.c.expires_ms).where(auth_sessions.c.token_hash == token_hash)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        left_ms = row.expires_ms - now_ms() if row else 0
        if row is None or left_ms <= 0:
            await self.redis.set(keys.session(token_hash), "", ex=UNKNOWN_TTL_S)
            return None
        await self.redis.set(keys.session(token_hash), row.account_id, px=min(self.cache_ttl_ms, left_ms))
        return str(row.account_id)

    async def end(self, token: str) -> None:
        token_hash = keys.digest(token)
        async with self.engine.connect() as conn:
            await conn.execute(delete(auth_sessions).where(auth_sessions.c.token_hash == token_hash))
        await self.forget([token_hash])

    async def forget(self, token_hashes: list[bytes]) -> None:
        """Drops sessions' Redis copies (their rows are gone): they sign no one in from now on."""
        if token_hashes:
            await self.redis.delete(*(keys.session(h) for h in token_hashes))

    async def sweep(self) -> int:
        """Deletes expired sessions' rows."""
        async with self.engine.connect() as conn:
            gone = await conn.execute(delete(auth_sessions).where(auth_sessions.c.expires_ms < now_ms()))
        return int(gone.rowcount)
