"""Accounts (AUTH_MODE=accounts): sign up, sign in and out, the signed-in account, its API
keys. Every failed sign-in gets the same answer, whichever part was wrong."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from chat_common.errors import ErrorCode
from gateway import deps
from gateway.accounts.api_keys import TooManyKeys
from gateway.accounts.cookies import clear_session, set_session
from gateway.accounts.schemas import (
    AccountDeleted,
    AccountEnvelope,
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyRevoked,
    ApiKeysOut,
    AuthConfigOut,
    Credentials,
    OidcProviderOut,
    SignedOut,
    account_out,
    api_key_out,
)
from gateway.accounts.service import AccountService, SignedIn
from gateway.accounts.store import Account
from gateway.error_docs import ERRORS
from gateway.errors import ApiError
from gateway.sessions import cookie_value
from gateway.settings import GatewaySettings

router = APIRouter(prefix="/auth", tags=["accounts"])

KeyId = Annotated[str, Path(max_length=64, description="An API key's id.")]


async def accounts(request: Request) -> AccountService:
    service: AccountService | None = getattr(request.app.state, "accounts", None)
    if service is None:
        raise ApiError(404, "Accounts are off on this server (AUTH_MODE=guest).", ErrorCode.ACCOUNTS_DISABLED)
    return service


async def current_account(request: Request, service: Annotated[AccountService, Depends(accounts)]) -> Account:
    """The signed-in account (by session or API key); 401 for a guest."""
    account_id = request.state.account_id
    account = await service.accounts.by_id(account_id) if account_id else None
    if account is None:
        raise ApiError(401, "Sign in to continue.", ErrorCode.UNAUTHENTICATED)
    return account


async def session_account(request: Request, account: Annotated[Account, Depends(current_account)]) -> Account:
    """The account, signed in by a session: a leaked API key can neither make keys nor delete the account."""
    if request.state.auth != "session":
        raise ApiError(
            403, "Sign in with a password or your provider for this (API keys cannot do it).", ErrorCode.SIGN_IN_REQUIRED
        )
    return account


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _signed_in(request: Request, response: Response, service: AccountService, signed_in: SignedIn) -> AccountEnvelope:
    set_session(response, service.settings, request.app.state.session_keys.secret, signed_in.token)
    return AccountEnvelope(account=account_out(signed_in.account))


async def _end_presented_session(request: Request, service: AccountService) -> None:
    token = cookie_value(request.headers, service.settings.auth_cookie)
    if token:
        await service.sessions.end(token)


@router.get("/config", response_model=AuthConfigOut, responses=ERRORS)
async def auth_config(settings: Annotated[GatewaySettings, Depends(deps.settings)]) -> AuthConfigOut:
    """How this server signs people in: the mode, and the OIDC providers to offer."""
    return AuthConfigOut(
        mode=settings.auth_mode,
        allow_guests=settings.allow_guests or not settings.accounts,
        password_min_length=settings.password_min_length,
        providers=[OidcProviderOut(id=p.id, name=p.name, login_url=f"/auth/oidc/{p.id}/login") for p in settings.oidc_providers],
    )


@router.post("/signup", status_code=201, response_model=AccountEnvelope, responses=ERRORS)
async def signup(
    body: Credentials, request: Request, response: Response, service: Annotated[AccountService, Depends(accounts)]
) -> AccountEnvelope:
    """Creates an account and signs it in. A guest's conversations become the account's."""
    signed_in = await service.signup(body.email, body.password, _client_ip(request), request.state.guest_id)
    await _end_presented_session(request, service)
    return _signed_in(request, response, service, signed_in)


@router.post("/login", response_model=AccountEnvelope, responses=ERRORS)
async def login(
    body: Credentials, request: Request, response: Response, service: Annotated[AccountService, Depends(accounts)]
) -> AccountEnvelope:
    """Signs in with a new session (the cookie rotates). Throttled per account and per IP."""
    signed_in = await service.login(body.email, body.password, _client_ip(request), request.state.guest_id)
    await _end_presented_session(request, service)
    return _signed_in(request, response, service, signed_in)


@router.post("/logout", response_model=SignedOut, responses=ERRORS)
async def logout(request: Request, response: Response, service: Annotated[AccountService, Depends(accounts)]) -> SignedOut:
    """Ends this session at once, on every replica."""
    await _end_presented_session(request, service)
    clear_session(response, service.settings)
    return SignedOut()


@router.get("/me", response_model=AccountEnvelope, responses=ERRORS)
async def me(account: Annotated[Account, Depends(current_account)]) -> AccountEnvelope:
    """The signed-in account; 401 `unauthenticated` when there is none."""
    return AccountEnvelope(account=account_out(account))


@router.delete("/me", response_model=AccountDeleted, responses=ERRORS)
async def delete_me(
    response: Response,
    account: Annotated[Account, Depends(session_account)],
    service: Annotated[AccountService, Depends(accounts)],
) -> AccountDeleted:
    """Erases the account: every conversation, message, upload, profile fact, session and API key."""
    deleted = await service.erase(account)
    clear_session(response, service.settings)
    return AccountDeleted(deleted_conversations=deleted)


@router.get("/api-keys", response_model=ApiKeysOut, responses=ERRORS)
async def list_api_keys(
    account: Annotated[Account, Depends(current_account)], service: Annotated[AccountService, Depends(accounts)]
) -> ApiKeysOut:
    """The account's API keys (never their secrets)."""
    return ApiKeysOut(items=[api_key_out(k) for k in await service.api_keys.of_account(account.id)])


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreated, responses=ERRORS)
async def create_api_key(
    body: ApiKeyIn,
    account: Annotated[Account, Depends(session_account)],
    service: Annotated[AccountService, Depends(accounts)],
) -> ApiKeyCreated:
    """A new key: `Authorization: Bearer <secret>` then acts as this account. The secret is shown only here."""
    name = body.name.strip()
    if not name:
        raise ApiError(400, "Give the key a name.", ErrorCode.INVALID_REQUEST)
    try:
        key, secret = await service.api_keys.create(account.id, name)
    except TooManyKeys:
        raise ApiError(400, "An account has at most 50 keys. Revoke one first.", ErrorCode.TOO_MANY_KEYS) from None
    return ApiKeyCreated(key=api_key_out(key), secret=secret)


@router.delete("/api-keys/{key_id}", response_model=ApiKeyRevoked, responses=ERRORS)
async def revoke_api_key(
    key_id: KeyId,
    account: Annotated[Account, Depends(session_account)],
    service: Annotated[AccountService, Depends(accounts)],
) -> ApiKeyRevoked:
    """Revokes a key at once: its next request is a 401."""
    if not await service.api_keys.revoke(account.id, key_id):
        raise ApiError(404, "No such API key.", ErrorCode.API_KEY_NOT_FOUND)
    return ApiKeyRevoked()
