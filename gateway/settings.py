from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from chat_common.database import DatabaseSettings
from chat_common.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent


class OidcProviderSettings(BaseModel):
    """One OpenID Connect provider users may sign in with (an entry of OIDC_PROVIDERS)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")  # in the login and callback paths
    name: str = Field(min_length=1, max_length=60)  # "Sign in with <name>"
    issuer: str  # discovery: <issuer>/.well-known/openid-configuration
    client_id: str
    client_secret: str = ""  # empty: a public client (PKCE only)
    scopes: str = "openid email profile"


class GatewaySettings(ServiceSettings, DatabaseSettings):
    """Gateway settings (environment variables of the same names, upper-case). The database
    settings are used only with AUTH_MODE=accounts (the gateway owns the accounts tables)."""

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    # Signs session cookies. Empty: a random secret kept in Redis, shared by every replica.
    session_secret: str = ""
    session_cookie: str = "chat_session"
    cookie_secure: bool = False
    max_message_chars: int = 8000
    local_model: str = ""  # shown in /config; the model server's own setting of the same name
    max_upload_bytes: int = 10 * 1024 * 1024
    upload_dir: str = "data/uploads"
    frontend_dist: str = str(ROOT / "frontend" / "dist")
    # The longest a request waits for a backend call (they take milliseconds): a hung job
    # service or Redis gets a 503 with Retry-After after this, not a hung request.
    gateway_rpc_timeout_s: float = 3.0
    # An import writes up to MAX_IMPORT_BYTES of messages and remembers their replies: seconds,
    # not milliseconds, for the largest.
    gateway_import_timeout_s: float = 120.0
    # Deadline of a live event stream; browsers reconnect with Last-Event-ID after it.
    sse_stream_timeout_s: float = 600.0
    sse_ping_s: float = 15.0
    # Serves POST /messages/_bench and /messages/_bench_grpc, baselines for bench.submit only.
    bench_endpoints: bool = False

    # --- security -------------------------------------------------------------------------
    # Comma-separated API keys. Empty (the default): the API is open, for offline laptop use.
    # Set: every endpoint but /healthz, /readyz, the web UI's files and the API docs needs
    # `Authorization: Bearer <key>` or `X-API-Key: <key>`.
    api_keys: str = ""
    # Requests per window (RATE_LIMIT_WINDOW_S), shared by every replica through Redis.
    # Writes are POST /messages, POST /files and DELETE /chat/clear; reads are every other API call
    # (polling GET /messages/{id} several times a second stays well inside the read limits).
    # 0 turns a limit off.
    rate_limit_per_session: int = 30
    rate_limit_per_ip: int = 120
    rate_limit_reads_per_session: int = 1200
    rate_limit_reads_per_ip: int = 6000
    rate_limit_window_s: float = 60.0
    # A Redis call of the limiter slower than this fails open (the request is let through).
    rate_limit_redis_timeout_s: float = 0.5
    # Largest JSON request body; larger ones get 413 before they are read (uploads have their own limit).
    max_json_body_bytes: int = 256 * 1024
    # Largest conversation export that POST /conversations/import takes.
    max_import_bytes: int = 16 * 1024 * 1024
    # Comma-separated origins allowed to call the API from a browser. Empty: same origin only.
    cors_origins: str = ""
    # Upload files older than this are deleted (a finished job deletes its own file at once;
    # this catches files orphaned by a crash between upload and job creation).
    upload_orphan_ttl_s: float = 3600.0
    upload_cleanup_interval_s: float = 300.0
    # Comma-separated proxy addresses whose X-Forwarded-For is trusted for the client IP.
    # Empty: never trusted (a client could otherwise choose its own IP for the per-IP limit).
    trusted_proxies: str = ""

    # --- accounts (gateway/accounts/, gateway/SECURITY.md) -----------------------------------
    # guest: no sign-in, each browser (cookie) or API client (X-Session-Id) is its own owner.
    # accounts: everything but health, the UI's files and the docs needs a signed-in user.
    auth_mode: Literal["guest", "accounts"] = "guest"
    # With accounts: guests (a cookie each) may chat too; signing up keeps their chats.
    allow_guests: bool = False
    auth_cookie: str = "chat_auth"
    csrf_cookie: str = "chat_csrf"
    # A session ends this long after sign-in (or at sign-out, or when the account goes).
    auth_session_ttl_s: float = 14 * 24 * 3600
    # How long a request may trust Redis's copy of a session before asking PostgreSQL again
    # (a sign-out deletes the copy at once; this bounds a copy Redis kept through a failure).
    auth_cache_ttl_s: float = 300.0
    password_min_length: int = Field(default=10, ge=8)
    # Sign-in attempts per window: per account (by email) and per client IP; then 429.
    login_attempts_per_account: int = 5
    login_attempts_per_ip: int = 20
    signups_per_ip: int = 10
    login_window_s: float = 900.0
    # JSON list of providers: [{"id": "corp", "name": "Corp SSO", "issuer": "https://...",
    # "client_id": "...", "client_secret": "..."}]. Each gets "Sign in with <name>".
    oidc_providers: list[OidcProviderSettings] = []
    # Discovery, keys and the token exchange each give up after this.
    oidc_timeout_s: float = 5.0
    # The address users reach the gateway at (for OIDC redirect URIs behind a proxy). Empty:
    # the address of the request.
    public_url: str = ""

    @model_validator(mode="after")
    def _one_kind_of_key(self) -> GatewaySettings:
        if self.auth_mode == "accounts" and self.api_key_list():
            raise ValueError(
                "API_KEYS are service keys for AUTH_MODE=guest; with AUTH_MODE=accounts each user creates "
                "keys of their own (POST /auth/api-keys). Unset API_KEYS."
            )
        return self

    @property
    def accounts(self) -> bool:
        return self.auth_mode == "accounts"

    def api_key_list(self) -> list[str]:
        return [k.strip() for k in self.api_keys.split(",") if k.strip()]

    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]
