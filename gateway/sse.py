"""Server-Sent Events responses, on Starlette's StreamingResponse.

Not sse-starlette: it runs four tasks, a lock and a cancel scope per stream and another
cancel scope per event, which on Python 3.11 (anyio asks for the current task each time,
and each ask is a getpid system call) cost about a third of the gateway's CPU per stream
under `bench.pipeline`. Starlette's StreamingResponse, on an ASGI 2.4 server such as uvicorn,
streams from the request's own task and learns of a disconnect from the failed send.
What else a stream needs is here or in the feed: keep-alive comments
(`JobFeed.follow(keepalive_s=...)`) and no caching or proxy buffering. (FastAPI routes do not
answer HEAD, so the never-ending HEAD stream that sse-starlette guards against cannot occur.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse

MEDIA_TYPE = "text/event-stream"
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
KEEPALIVE = b": ping\n\n"


def encode(event_id: int, kind: str, data: str) -> bytes:
    """One event; `data` must be a single line (compact JSON is)."""
    return f"id: {event_id}\nevent: {kind}\ndata: {data}\n\n".encode()


def event_stream(chunks: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(chunks, media_type=MEDIA_TYPE, headers=HEADERS)
