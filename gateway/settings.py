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
    max_upload_bytes: int = 10 * 1024 * 1024
    upload_dir: str = "data/uploads"
    frontend_dist: str = str(ROOT / "frontend" / "dist")
    # Deadline of a live event stream; browsers reconnect with Last-Event-ID after it.
    sse_stream_timeout_s: float = 600.0
    sse_ping_s: float = 15.0
