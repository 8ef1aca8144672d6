"""Per-user API keys: `Authorization: Bearer ck_...` acts as the key's owner. Only the
secret's SHA-256 is stored; the secret itself is shown once, when the key is made."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from chat_common.database import autocommit
from gateway.accounts import keys
from gateway.accounts.store import now_ms
from gateway.accounts.tables import api_keys

SECRET_PREFIX = "ck_"
SHOWN_PREFIX_CHARS = 8  # "ck_" and 5 characters: enough to tell keys apart, useless to guess one
MAX_KEYS_PER_ACCOUNT = 50
# last_used_ms is written at most this often per key (not on every request): when its cached
# lookup expires.
USED_EVERY_S = 60
CACHE_TTL_S = USED_EVERY_S
UNKNOWN_TTL_S = 60


class TooManyKeys(Exception):
    pass


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    prefix: str
    created_ms: int
    last_used_ms: int | None


def _key(row: Row[Any]) -> ApiKey:
    return ApiKey(row.id, row.name, row.prefix, row.created_ms, row.last_used_ms)


def looks_like_key(token: str) -> bool:
    return token.startswith(SECRET_PREFIX)


class ApiKeys:
    def __init__(self, engine: AsyncEngine, redis: Redis) -> None:
        self.engine = engine
        self.single = autocommit(engine)
        self.redis = redis

    async def create(self, account_id: str, name: str) -> tuple[ApiKey, str]:
        """A new key and its secret (shown to the user once, never again)."""
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(uuid.uuid4().hex, name, secret[:SHOWN_PREFIX_CHARS], now_ms(), None)
        async with self.engine.begin() as conn:
            count = await conn.scalar(select(func.count()).where(api_keys.c.account_id == account_id))
            if (count or 0) >= MAX_KEYS_PER_ACCOUNT:
                raise TooManyKeys
            await conn.execute(
                insert(api_keys).values(
                    id=key.id,
                    account_id=account_id,
                    name=name,
                    prefix=key.prefix,
                    secret_hash=keys.digest(secret),
                    created_ms=key.created_ms,
                )
            )
        return key, secret

    async def of_account(self, account_id: str) -> list[ApiKey]:
        query = select(api_keys).where(api_keys.c.account_id == account_id).order_by(api_keys.c.created_ms.desc())
        async with self.single.connect() as conn:
            return [_key(r) for r in await conn.execute(query)]

    async def revoke(self, account_id: str, key_id: str) -> bool:
        """Deletes the key; False if the account has no such key. Takes effect at once."""
        async with self.single.connect() as conn:
            gone = await conn.execute(
                delete(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.account_id == account_id)
                .returning(api_keys.c.secret_hash)
            )
            hashes = list(gone.scalars())
        await self.forget(hashes, [key_id])
        return bool(hashes)

    async def account_of(self, secret: str) -> str | None:
        """The account the secret acts as, or None."""
        secret_hash = keys.digest(secret)
        cached = await self.redis.get(keys.api_key(secret_hash))
        if cached is not None:
            account_id = str(cached)
            return account_id or None
        query = select(api_keys.c.id, api_keys.c.account_id).where(api_keys.c.secret_hash == secret_hash)
        async with self.single.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            await self.redis.set(keys.api_key(secret_hash), "", ex=UNKNOWN_TTL_S)
            return None
        await self.redis.set(keys.api_key(secret_hash), row.account_id, ex=CACHE_TTL_S)
        await self._used(row.id)
        return str(row.account_id)

    async def _used(self, key_id: str) -> None:
        """Notes the key's use (at most once a minute: a cached key is noted when re-read)."""
        if not await self.redis.set(keys.api_key_used(key_id), "1", ex=USED_EVERY_S, nx=True):
            return
        async with self.single.connect() as conn:
            await conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(last_used_ms=now_ms()))

    async def forget(self, secret_hashes: list[bytes], key_ids: list[str]) -> None:
        names = [keys.api_key(h) for h in secret_hashes] + [keys.api_key_used(i) for i in key_ids]
        if names:
            await self.redis.delete(*names)
