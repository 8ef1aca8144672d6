"""JSON shapes of /auth: sign-in, the signed-in account, and its API keys."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from gateway.accounts.api_keys import ApiKey
from gateway.accounts.passwords import MAX_PASSWORD_CHARS
from gateway.accounts.store import MAX_EMAIL_CHARS, Account
from gateway.schemas import iso


class Credentials(BaseModel):
    email: str = Field(max_length=MAX_EMAIL_CHARS + 10, examples=["ada@example.com"])
    password: str = Field(max_length=MAX_PASSWORD_CHARS + 10)


class OidcProviderOut(BaseModel):
    id: str
    name: str = Field(description="Shown as 'Sign in with <name>'.")
    login_url: str = Field(description="Open this in the browser (a full page, not fetch) to sign in.")


class AuthConfigOut(BaseModel):
    success: Literal[True] = True
    mode: Literal["guest", "accounts"] = Field(description="guest: no sign-in. accounts: sign in first.")
    allow_guests: bool = Field(description="With accounts: whether guests may chat without signing in.")
    password_min_length: int
    providers: list[OidcProviderOut]


class AccountOut(BaseModel):
    id: str
    email: str
    created_at: str
    sign_in: Literal["password", "oidc"]


class AccountEnvelope(BaseModel):
    success: Literal[True] = True
    account: AccountOut


class SignedOut(BaseModel):
    success: Literal[True] = True


class AccountDeleted(BaseModel):
    success: Literal[True] = True
    deleted_conversations: int


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="What the key is for.")


class ApiKeyOut(BaseModel):
    id: str
    name: str
    prefix: str = Field(description="The secret's first characters, to recognise it.")
    created_at: str
    last_used_at: str | None = Field(description="Updated at most once a minute.")


class ApiKeysOut(BaseModel):
    success: Literal[True] = True
    items: list[ApiKeyOut]


class ApiKeyCreated(BaseModel):
    success: Literal[True] = True
    key: ApiKeyOut
    secret: str = Field(description="Send as `Authorization: Bearer <secret>`. Shown only now: it is stored hashed.")


class ApiKeyRevoked(BaseModel):
    success: Literal[True] = True


def account_out(account: Account) -> AccountOut:
    return AccountOut(
        id=account.id,
        email=account.email,
        created_at=iso(account.created_ms),
        sign_in="password" if account.sign_in == "password" else "oidc",
    )


def api_key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        created_at=iso(key.created_ms),
        last_used_at=iso(key.last_used_ms) if key.last_used_ms else None,
    )
