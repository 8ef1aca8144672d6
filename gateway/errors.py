"""Every error leaves the gateway in the design document's shape, with a stable code:
`{"success": false, "error": "<human text>", "code": "<code>"}` (`chat_common.errors.ErrorCode`),
with a fitting status and never a 500 for bad input. Errors from the services are mapped by the
reason in their status details, never by their message text.
"""

from __future__ import annotations

import logging
import re

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from grpc import aio
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from chat_common.database import transient
from chat_common.errors import ErrorCode
from chat_common.grpc.status import reason_of
from gateway.paths import is_upload

log = logging.getLogger("gateway.errors")

_GRPC_TO_HTTP = {
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
    grpc.StatusCode.CANCELLED: 503,
}


# What the gateway says for a service's reason: its own wording, the same on every path.
_REASON_TEXT = {
    ErrorCode.JOB_NOT_FOUND: "Job not found.",
    ErrorCode.CONVERSATION_NOT_FOUND: "Conversation not found.",
    ErrorCode.FACT_NOT_FOUND: "No such fact in the profile.",
    ErrorCode.INVALID_CURSOR: "The cursor is not valid: pass next_cursor from a previous page.",
    ErrorCode.NOT_FOUND: "Not found.",
}
# Codes of errors raised by the web framework itself, by HTTP status.
_HTTP_CODES = {
    400: ErrorCode.MALFORMED_BODY,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.BODY_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: ErrorCode.RATE_LIMITED,
}
UNAVAILABLE_TEXT = "The service is temporarily unavailable. Please try again."


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: ErrorCode, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers


def error_response(
    status: int, message: str, code: ErrorCode, headers: dict[str, str] | None = None, close: bool = False
) -> JSONResponse:
    """The error shape. `close`: the request body may be unread; closing the connection stops
    the server from reading (and discarding) the rest of it, however large."""
    if close or status == 413:
        headers = {**(headers or {}), "Connection": "close"}
    return JSONResponse({"success": False, "error": message, "code": code.value}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header"))
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "Invalid request: " + "; ".join(parts) if parts else "Invalid request."


def _allowed(request: Request, fallback: str) -> str:
    """Every method the API documents for this path: Starlette names only the first matching
    route's, and GET and PATCH /messages/{id} are two routes. A literal path (/conversations/
    import) is its own resource, not an id of the templated one beside it."""
    if not hasattr(request.app.state, "allowed_methods"):
        request.app.state.allowed_methods = [
            (re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"), {m.upper() for m in operations})
            for path, operations in request.app.openapi().get("paths", {}).items()
        ]
    path = request.url.path
    matching = [(pattern, found) for pattern, found in request.app.state.allowed_methods if pattern.match(path)]
    literal = [found for pattern, found in matching if "[^/]+" not in pattern.pattern]
    methods = set().union(*(literal or [found for _, found in matching]))
    return ", ".join(sorted(methods)) or fallback


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        # An upload refused part-way has an unread rest of body.
        return error_response(exc.status, exc.message, exc.code, exc.headers, close=is_upload(request.url.path))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, _validation_message(exc), ErrorCode.INVALID_REQUEST)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404 and message == "Not Found":
            message = "Not found."
        elif message == "There was an error parsing the body":
            message = "The request body could not be parsed. Send JSON encoded as UTF-8."
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST)
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed(request, (headers or {}).get("Allow", ""))}
        return error_response(exc.status_code, message, code, headers)

    @app.exception_handler(aio.AioRpcError)
    async def _rpc(request: Request, exc: aio.AioRpcError) -> JSONResponse:
        return rpc_error_response(exc)

    @app.exception_handler(RedisError)
    async def _redis(request: Request, exc: RedisError) -> JSONResponse:
        log.warning("redis unavailable: %s", type(exc).__name__)
        return error_response(503, UNAVAILABLE_TEXT, ErrorCode.SERVICE_UNAVAILABLE, {"Retry-After": "2"})

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        if transient(exc):  # the accounts tables' PostgreSQL is away or slow
            log.warning("database unavailable: %s", type(exc).__name__)
            return error_response(503, UNAVAILABLE_TEXT, ErrorCode.SERVICE_UNAVAILABLE, {"Retry-After": "2"})
        log.exception("database error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal server error.", ErrorCode.INTERNAL)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal server error.", ErrorCode.INTERNAL)


def rpc_error_response(exc: aio.AioRpcError) -> JSONResponse:
    """A service's error as the REST error: status from the gRPC code, code from the reason."""
    status = _GRPC_TO_HTTP.get(exc.code(), 502)
    if status == 503:
        log.warning("backend unavailable: %s", exc.code().name)
        return error_response(503, UNAVAILABLE_TEXT, ErrorCode.SERVICE_UNAVAILABLE, {"Retry-After": "2"})
    if status == 502:
        log.error("backend error %s: %s", exc.code().name, exc.details())
        return error_response(502, "The backend failed to handle the request.", ErrorCode.BACKEND_ERROR)
    code = reason_of(exc) or (ErrorCode.NOT_FOUND if status == 404 else ErrorCode.INVALID_ARGUMENT)
    return error_response(status, _REASON_TEXT.get(code) or exc.details() or code.value, code)
