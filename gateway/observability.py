"""Request ids and request metrics for every gateway request, as one pure ASGI layer.

The request id comes from `X-Request-ID` (when well-formed) or is made here; it is echoed
back, stamped on every log line, and sent on every gRPC call, so one id follows a message
from the browser through every service. Latency is recorded per route template (not per
raw path, which would explode the label set) until the response starts.
"""

from __future__ import annotations

import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chat_common.logs import job_id_var, request_id_var
from chat_common.metrics import HTTP_LATENCY

HEADER = "x-request-id"
_VALID = re.compile(r"^[A-Za-z0-9_.\-]{8,64}$")


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex[:16]
        request_id_var.set(request_id)
        job_id_var.set("")
        started = time.perf_counter()

        async def send_observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
                route = scope.get("route")
                template = getattr(route, "path", None) or ("ui" if scope.get("endpoint") is None else "other")
                HTTP_LATENCY.labels(scope["method"], template, str(message["status"])).observe(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, send_observed)
