"""Pure ASGI layers (not BaseHTTPMiddleware, so SSE streams pass untouched) that guard the API:

- `SecurityHeadersMiddleware`: CSP, nosniff, frame and referrer policies on every response.
- `ApiKeyMiddleware`: with API keys configured, every request but the public ones needs a key.
- `JsonBodyMiddleware`: JSON bodies must say they are JSON (else 415) and stay under a size
  limit (else 413), checked by Content-Length first and by counting streamed bytes otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chat_common.errors import ErrorCode
from gateway.errors import error_response
from gateway.paths import IMPORT_PATH, is_upload

# Paths under these prefixes are the REST API; everything else is the UI, the docs or a 404.
API_PREFIXES = ("/messages", "/files", "/chat", "/config", "/conversations", "/profile", "/auth")
PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})
# The Swagger UI and ReDoc pages (gateway/docs.py) only describe the API; they hold no data.
DOCS_PATHS = frozenset({"/docs", "/redoc", "/openapi.json"})
# Their scripts, styles and favicon, served by the gateway itself (no CDN).
DOCS_ASSETS = "/docs-assets"

# The built React SPA: only its own scripts, no inline script, API on the same origin.
UI_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# /docs (Swagger UI): its bundle, stylesheet and start script are files under DOCS_ASSETS, so
# nothing inline and nothing remote; its icons are data: images.
SWAGGER_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# /redoc: scripts as strict, but ReDoc (styled-components) writes its styles into <style> elements
# at run time, so styles need 'unsafe-inline' (with style-src 'self' the page stays blank). Its
# search runs in a blob: worker. The Redocly logo it links from cdn.redoc.ly is left blocked.
REDOC_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOCS_CSP = {"/docs": SWAGGER_CSP, "/redoc": REDOC_CSP}
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()"
)


def is_api(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in API_PREFIXES)


async def _respond(
    scope: Scope, receive: Receive, send: Send, status: int, message: str, code: ErrorCode, headers: dict[str, str] | None = None
) -> None:
    """An early answer; the request's body (if any) is left unread, so the connection is closed."""
    close = scope["method"] in ("POST", "PUT", "PATCH", "DELETE")
    await error_response(status, message, code, headers, close=close)(scope, receive, send)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        csp = DOCS_CSP.get(path, UI_CSP)
        api = is_api(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", csp)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
                if api:
                    # Replies and history are private: never kept by a browser or proxy cache.
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def digest(secret: str) -> bytes:
    """SHA-256 of a key or token: what is compared and stored instead of the secret (these are
    high-entropy secrets, so no salt or stretching)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).digest()


def bearer_token(headers: Headers) -> str:
    """The token of `Authorization: Bearer <token>`, or ''."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class ApiKeyMiddleware:
    """Checks `Authorization: Bearer <key>` or `X-API-Key: <key>` in constant time."""

    def __init__(self, app: ASGIApp, keys: list[str], static_dir: str | None = None) -> None:
        self.app = app
        self.digests = [digest(k) for k in keys]
        self.static_files = _static_paths(static_dir)

    def _public(self, method: str, path: str) -> bool:
        if path in PUBLIC_PATHS or path in DOCS_PATHS:
            return True
        if method not in ("GET", "HEAD") or is_api(path):
            return False
        return path == "/" or path.startswith(("/assets/", DOCS_ASSETS + "/")) or path in self.static_files

    def _valid(self, headers: Headers) -> bool:
        presented = [token for token in (bearer_token(headers), headers.get("x-api-key", "").strip()) if token]
        ok = False
        for candidate in presented:
            candidate_digest = digest(candidate)
            for known in self.digests:  # every key is compared: no early exit
                ok |= hmac.compare_digest(candidate_digest, known)
        return ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.digests or self._public(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        if self._valid(Headers(scope=scope)):
            await self.app(scope, receive, send)
            return
        await _respond(
            scope,
            receive,
            send,
            401,
            "Missing or invalid API key. Send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.",
            ErrorCode.UNAUTHORIZED,
            {"WWW-Authenticate": 'Bearer realm="chat-assistant"'},
        )


def _static_paths(static_dir: str | None) -> frozenset[str]:
    if not static_dir or not (Path(static_dir) / "index.html").is_file():
        return frozenset()
    root = Path(static_dir)
    return frozenset("/" + p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class JsonBodyMiddleware:
    """Bounds and types the bodies of JSON endpoints before any of it is parsed.

    Uploads (POST /files, POST /conversations/{id}/files) are streamed and bounded by their own, larger limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, import_bytes: int = 0) -> None:
        self.app = app
        self.default_max_bytes = max_bytes
        # An imported conversation (POST /conversations/import) may be larger than a message.
        self.import_bytes = import_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH") or is_upload(scope["path"]):
            await self.app(scope, receive, send)
            return
        limit = self.import_bytes if scope["path"] == IMPORT_PATH else self.default_max_bytes
        await self._bounded(scope, receive, send, limit)

    async def _bounded(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        has_body = chunked or (declared is not None and declared.strip() != "0")
        content_type = headers.get("content-type")
        if has_body and content_type is not None and not _is_json(content_type):
            await _respond(
                scope,
                receive,
                send,
                415,
                "Unsupported content type. Send the body as JSON with 'Content-Type: application/json'.",
                ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            )
            return
        too_large = f"The request body is too large. The maximum is {max_bytes} bytes."
        if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
            await _respond(scope, receive, send, 413, too_large, ErrorCode.BODY_TOO_LARGE)
            return
        if declared is not None and not chunked:
            # The server reads exactly Content-Length bytes, already checked above.
            await self.app(scope, receive, send)
            return
        # No usable Content-Length: read the body here, counting, and stop at the limit.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > max_bytes:
                await _respond(scope, receive, send, 413, too_large, ErrorCode.BODY_TOO_LARGE)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
