"""Cross-cutting work of every RPC, kept out of the handlers.

Server side: the request id and job id from metadata go into the logging context; domain
errors become status codes; a Redis or PostgreSQL that is down or restarting becomes
UNAVAILABLE (callers retry); unexpected errors are logged once and become INTERNAL.
Client side: every call carries a deadline and the current request and job ids.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from grpc import aio

from chat_common.database import transient as database_transient
from chat_common.errors import ErrorCode, ServiceError
from chat_common.grpc.status import status_with_reason
from chat_common.logs import job_id_var, request_id_var
from chat_common.metrics import RPC_LATENCY
from chat_common.redis_client import TRANSIENT as REDIS_TRANSIENT

log = logging.getLogger("chat_common.grpc")

REQUEST_ID_KEY = "x-request-id"
JOB_ID_KEY = "x-job-id"


def _bind_ids(context: aio.ServicerContext) -> None:
    request_id = job_id = ""
    for key, value in context.invocation_metadata() or ():
        if key == REQUEST_ID_KEY:
            request_id = str(value)
        elif key == JOB_ID_KEY:
            job_id = str(value)
    # Not security-relevant: a cheap random id instead of a uuid4 (a syscall per call).
    request_id_var.set(request_id or f"{random.getrandbits(64):016x}")
    job_id_var.set(job_id)


async def _fail(context: aio.ServicerContext, method: str, exc: BaseException) -> None:
    if isinstance(exc, ServiceError):
        status = status_with_reason(exc.status, exc.message, exc.error_code)
        await context.abort(status.code, status.details, status.trailing_metadata)
    if isinstance(exc, REDIS_TRANSIENT) or database_transient(exc):
        # Redis or PostgreSQL is restarting, failing over or unreachable: a retry later will work.
        log.warning("storage unavailable in %s: %s", method, type(exc).__name__)
        status = status_with_reason(grpc.StatusCode.UNAVAILABLE, "storage temporarily unavailable", ErrorCode.SERVICE_UNAVAILABLE)
        await context.abort(status.code, status.details, status.trailing_metadata)
    log.exception("unhandled error in %s", method)
    await context.abort(grpc.StatusCode.INTERNAL, "internal error")


class _Latency:
    """The RPC latency histogram's children, looked up once per (method, code)."""

    def __init__(self) -> None:
        self._children: dict[tuple[str, str], Any] = {}

    def observe(self, method: str, context: aio.ServicerContext, started: float) -> None:
        code = context.code()
        key = (method, code.name if isinstance(code, grpc.StatusCode) else "OK")
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = RPC_LATENCY.labels(*key)
        child.observe(time.perf_counter() - started)


class ServerInterceptor(aio.ServerInterceptor):  # type: ignore[misc]  # grpc ships no type hints
    """Binds ids, maps errors and logs the outcome of every RPC.

    The wrapped handler of each method is built once and cached: it reads the call's ids
    from its context, so nothing is allocated per call but the call itself.
    """

    def __init__(self) -> None:
        self._wrapped: dict[str, grpc.RpcMethodHandler | None] = {}
        self._latency = _Latency()

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        method = details.method
        if method in self._wrapped:
            return self._wrapped[method]
        handler = await continuation(details)
        wrapped = self._wrap(method, handler) if handler is not None else None
        if wrapped is not None:
            self._wrapped[method] = wrapped
        return wrapped

    def _wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        latency = self._latency
        if handler.unary_unary:
            inner_uu = handler.unary_unary

            async def unary_unary(request: Any, context: aio.ServicerContext) -> Any:
                _bind_ids(context)
                started = time.perf_counter()
                try:
                    return await inner_uu(request, context)
                except aio.AbortError:
                    raise
                except Exception as exc:  # noqa: BLE001 - mapped to a status code
                    await _fail(context, method, exc)
                finally:
                    latency.observe(method, context, started)

            return grpc.unary_unary_rpc_method_handler(unary_unary, handler.request_deserializer, handler.response_serializer)

        if handler.unary_stream:
            inner_us = handler.unary_stream

            async def unary_stream(request: Any, context: aio.ServicerContext) -> AsyncIterator[Any]:
                _bind_ids(context)
                started = time.perf_counter()
                try:
                    async for item in inner_us(request, context):
                        yield item
                except aio.AbortError:
                    raise
                except Exception as exc:  # noqa: BLE001 - mapped to a status code
                    await _fail(context, method, exc)
                finally:
                    latency.observe(method, context, started)

            return grpc.unary_stream_rpc_method_handler(unary_stream, handler.request_deserializer, handler.response_serializer)
        return handler


def _outgoing_metadata(metadata: Any) -> list[tuple[str, str]]:
    out = list(metadata or ())
    keys = {k for k, _ in out}
    if REQUEST_ID_KEY not in keys and request_id_var.get():
        out.append((REQUEST_ID_KEY, request_id_var.get()))
    if JOB_ID_KEY not in keys and job_id_var.get():
        out.append((JOB_ID_KEY, job_id_var.get()))
    return out


def _with_defaults(details: aio.ClientCallDetails, timeout: float) -> aio.ClientCallDetails:
    return aio.ClientCallDetails(
        method=details.method,
        timeout=details.timeout if details.timeout is not None else timeout,
        metadata=aio.Metadata(*_outgoing_metadata(details.metadata)),
        credentials=details.credentials,
        wait_for_ready=details.wait_for_ready,
    )


class DeadlineUnaryInterceptor(aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]  # grpc ships no type hints
    """Gives every unary call a deadline and the current ids."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    async def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]  # grpc ships no type hints
        return await continuation(_with_defaults(client_call_details, self.timeout), request)


class DeadlineStreamInterceptor(aio.UnaryStreamClientInterceptor):  # type: ignore[misc]  # grpc ships no type hints
    """Gives every server-streaming call a deadline and the current ids."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    async def intercept_unary_stream(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]  # grpc ships no type hints
        return await continuation(_with_defaults(client_call_details, self.timeout), request)
