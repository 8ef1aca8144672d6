from __future__ import annotations

from pathlib import Path

from chat_common.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent


class GatewaySettings(ServiceSettings):
    """Gateway settings (environment variables of the same names, upper-case)."""

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
    # Comma-separated origins allowed to call the API from a browser. Empty: same origin only.
    cors_origins: str = ""
    # Upload files older than this are deleted (a finished job deletes its own file at once;
    # this catches files orphaned by a crash between upload and job creation).
    upload_orphan_ttl_s: float = 3600.0
    upload_cleanup_interval_s: float = 300.0
    # Comma-separated proxy addresses whose X-Forwarded-For is trusted for the client IP.
    # Empty: never trusted (a client could otherwise choose its own IP for the per-IP limit).
    trusted_proxies: str = ""

    def api_key_list(self) -> list[str]:
        return [k.strip() for k in self.api_keys.split(",") if k.strip()]

    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]
