"""Accounts as the routes use them: sign-up, sign-in (password or OIDC), a guest's chats
adopted at sign-in, API keys, and erasure. The gateway owns the accounts tables; what a user
wrote lives in the job and context services, reached only through gRPC."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from chat_common import pb
from chat_common.errors import ErrorCode
from gateway.accounts import keys
from gateway.accounts.api_keys import ApiKeys
from gateway.accounts.auth_sessions import AuthSessions
from gateway.accounts.oidc import OidcIdentity
from gateway.accounts.passwords import hash_password, verify_password, weakness
from gateway.accounts.store import Account, Accounts, EmailTaken, normal_email
from gateway.accounts.throttle import LoginThrottle
from gateway.backends import Backends
from gateway.errors import ApiError
from gateway.ratelimit import owner_counters
from gateway.settings import GatewaySettings

log = logging.getLogger("gateway.accounts")

# The one answer to a failed sign-in: it never says whether the email or the password was wrong.
BAD_CREDENTIALS = "The email or password is incorrect."


@dataclass(frozen=True)
class SignedIn:
    account: Account
    token: str  # the new session's cookie value


def _email(raw: str) -> str:
    email = normal_email(raw)
    if email is None:
        raise ApiError(400, "Enter a valid email address.", ErrorCode.INVALID_EMAIL)
    return email


class AccountService:
    def __init__(self, engine: AsyncEngine, redis: Redis, backends: Backends, settings: GatewaySettings) -> None:
        self.engine = engine
        self.redis = redis
        self.backends = backends
        self.settings = settings
        self.accounts = Accounts(engine)
        self.sessions = AuthSessions(engine, redis, settings.auth_session_ttl_s, settings.auth_cache_ttl_s)
        self.api_keys = ApiKeys(engine, redis)
        self.throttle = LoginThrottle(redis, settings)

    async def signup(self, raw_email: str, password: str, ip: str, guest: str) -> SignedIn:
        await self.throttle.signup(ip)
        email = _email(raw_email)
        problem = weakness(password, email, self.settings.password_min_length)
        if problem:
            raise ApiError(400, problem, ErrorCode.WEAK_PASSWORD)
        try:
            account = await self.accounts.create(email, await hash_password(password))
        except EmailTaken:
            raise ApiError(409, "An account with this email already exists. Sign in instead.", ErrorCode.EMAIL_TAKEN) from None
        log.info("account created")
        return await self._signed_in(account, guest)

    async def login(self, raw_email: str, password: str, ip: str, guest: str) -> SignedIn:
        email = normal_email(raw_email) or raw_email.strip().lower()[:254]
        await self.throttle.attempt(email, ip)
        account = await self.accounts.by_email(email) if normal_email(raw_email) else None
        # An unknown email costs a hash check too, so timing does not tell it apart.
        if not await verify_password(account.password_hash if account else None, password) or account is None:
            raise ApiError(401, BAD_CREDENTIALS, ErrorCode.INVALID_CREDENTIALS)
        await self.throttle.succeeded(email)
        return await self._signed_in(account, guest)

    async def oidc_login(self, identity: OidcIdentity, guest: str) -> SignedIn:
        """The account of this provider identity, made on its first sign-in. An email another
        account holds is not taken over: linking is by (issuer, subject) only."""
        account = await self.accounts.by_oidc(identity.issuer, identity.subject)
        if account is None:
            email = normal_email(identity.email) if identity.email_verified else None
            if email is None:
                raise ApiError(400, "The provider gave no verified email address.", ErrorCode.OIDC_FAILED)
            try:
                account = await self.accounts.create(email, None, identity.issuer, identity.subject)
            except EmailTaken:
                raise ApiError(
                    409, "An account with this email already exists. Sign in with its password.", ErrorCode.EMAIL_TAKEN
                ) from None
            log.info("account created from an OIDC sign-in")
        return await self._signed_in(account, guest)

    async def _signed_in(self, account: Account, guest: str) -> SignedIn:
        token = await self.sessions.start(account.id)
        if guest and self.settings.allow_guests:
            await self.adopt(guest, account)
        return SignedIn(account, token)

    async def adopt(self, guest: str, account: Account) -> None:
        """The guest's conversations and profile become the account's."""
        moved = await self.backends.conversations.TransferConversations(
            pb.conversations.TransferConversationsRequest(from_owner=guest, to_owner=account.owner)
        )
        await self.backends.context.MoveProfile(pb.context.MoveProfileRequest(from_owner=guest, to_owner=account.owner))
        if moved.conversations:
            log.info("a guest's %d conversations joined their account", moved.conversations)

    async def erase(self, account: Account) -> int:
        """Deletes everything of the account: conversations, messages, uploads and memory (in
        the job and context services), the profile, sessions, keys, and their Redis copies.
        Returns how many conversations went."""
        removed = await self.backends.conversations.DeleteOwner(pb.conversations.DeleteOwnerRequest(owner=account.owner))
        await self.backends.context.DeleteProfile(pb.context.OwnerProfileRequest(owner=account.owner))
        erased = await self.accounts.erase(account.id)
        await self.sessions.forget(erased.session_hashes)
        await self.api_keys.forget(erased.key_hashes, erased.key_ids)
        await self.redis.delete(keys.login_attempts_account(account.email), *owner_counters(account.owner))
        log.info("account erased with %d conversations", removed.deleted_conversations)
        return int(removed.deleted_conversations)
