"""The `accounts` table: who can sign in, by password or by an OIDC provider."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from chat_common.database import autocommit
from gateway.accounts.tables import accounts, api_keys, auth_sessions

MAX_EMAIL_CHARS = 254
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
# The owner of a user's conversations in the other services; a guest's owner is their session
# id, which cannot hold ':'.
OWNER_PREFIX = "user:"


class EmailTaken(Exception):
    """Another account has this email."""


def now_ms() -> int:
    return int(time.time() * 1000)


def normal_email(email: str) -> str | None:
    """The email as stored (trimmed, lower-case), or None if it is not one."""
    email = email.strip().lower()
    return email if len(email) <= MAX_EMAIL_CHARS and _EMAIL.match(email) else None


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    password_hash: str | None
    oidc_issuer: str | None
    created_ms: int

    @property
    def owner(self) -> str:
        return OWNER_PREFIX + self.id

    @property
    def sign_in(self) -> str:
        return "password" if self.password_hash else "oidc"


def _account(row: Row[Any]) -> Account:
    return Account(row.id, row.email, row.password_hash, row.oidc_issuer, row.created_ms)


@dataclass(frozen=True)
class Erased:
    """What an erased account leaves in Redis, to be removed there too."""

    session_hashes: list[bytes]
    key_hashes: list[bytes]
    key_ids: list[str]


class Accounts:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.single = autocommit(engine)

    async def create(
        self, email: str, password_hash: str | None, issuer: str | None = None, subject: str | None = None
    ) -> Account:
        """A new account; EmailTaken if the email (or the OIDC identity) has one."""
        account = Account(uuid.uuid4().hex, email, password_hash, issuer, now_ms())
        row = {
            "id": account.id,
            "email": email,
            "password_hash": password_hash,
            "oidc_issuer": issuer,
            "oidc_subject": subject,
            "created_ms": account.created_ms,
        }
        try:
            async with self.single.connect() as conn:
                await conn.execute(insert(accounts).values(row))
        except IntegrityError as exc:
            raise EmailTaken(email) from exc
        return account

    async def by_email(self, email: str) -> Account | None:
        return await self._one(accounts.c.email == email)

    async def by_id(self, account_id: str) -> Account | None:
        return await self._one(accounts.c.id == account_id)

    async def by_oidc(self, issuer: str, subject: str) -> Account | None:
        return await self._one((accounts.c.oidc_issuer == issuer) & (accounts.c.oidc_subject == subject))

    async def _one(self, where: Any) -> Account | None:
        async with self.single.connect() as conn:
            row = (await conn.execute(select(accounts).where(where))).first()
        return _account(row) if row else None

    async def erase(self, account_id: str) -> Erased:
        """Deletes the account with its sessions and keys (one transaction); returns their
        hashes so their Redis copies go too."""
        async with self.engine.begin() as conn:
            sessions = await conn.execute(
                delete(auth_sessions).where(auth_sessions.c.account_id == account_id).returning(auth_sessions.c.token_hash)
            )
            session_hashes = list(sessions.scalars())
            keys = (
                await conn.execute(
                    delete(api_keys).where(api_keys.c.account_id == account_id).returning(api_keys.c.id, api_keys.c.secret_hash)
                )
            ).all()
            await conn.execute(delete(accounts).where(accounts.c.id == account_id))
        return Erased(session_hashes, [k.secret_hash for k in keys], [k.id for k in keys])
