"""One attempt's reply: streamed from the inference service into the job's event log.

Deltas are written in small batches (fewer Redis round trips, the same stream). A provider
that breaks mid-stream voids its partial text (a `restart` event). The stream is bounded: its
first event and each later one must come within their limits, or it counts as stalled. A
stream can also be stopped by the user: what was streamed so far is the reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from chat_common import pb
from chat_common.metrics import TIME_TO_FIRST_TOKEN
from job_service.store import JobStore

# Deltas are written to the log in small batches: fewer Redis round trips, same stream.
FLUSH_INTERVAL_S = 0.03


class StreamStalled(Exception):
    """The inference service went silent: a hung process, retried like an unavailable one."""


class ReplyStream:
    def __init__(self, store: JobStore, job_id: str, started: float, first_event_timeout_s: float, idle_timeout_s: float) -> None:
        self.store = store
        self.job_id = job_id
        self.started = started  # perf_counter() when the attempt began: first-token time is from it
        self.first_event_timeout_s = first_event_timeout_s
        self.idle_timeout_s = idle_timeout_s
        self.parts: list[str] = []
        self.pending: list[str] = []
        self.first_token_ms = 0
        self.done: pb.inference.GenerationDone | None = None
        self._last_flush = time.perf_counter()

    @property
    def text(self) -> str:
        return "".join(self.parts)

    async def run(
        self, inference: pb.inference_grpc.InferenceServiceStub, request: pb.inference.GenerateRequest, timeout: float
    ) -> None:
        """Streams the reply to its end (`done` set) or until the stream ends without one."""
        async for message in self._events(inference, request, timeout):
            kind = message.WhichOneof("event")
            if kind == "delta":
                if not self.first_token_ms:
                    self.first_token_ms = int((time.perf_counter() - self.started) * 1000)
                    TIME_TO_FIRST_TOKEN.observe(self.first_token_ms / 1000)
                self.parts.append(message.delta)
                self.pending.append(message.delta)
                if time.perf_counter() - self._last_flush >= FLUSH_INTERVAL_S:
                    await self.flush()
            elif kind == "restart":
                # The provider broke mid-stream: its partial text is void, never kept.
                self.pending.clear()
                self.parts.clear()
                notice = pb.jobs.StreamRestarted(failed_provider=message.restart.failed_provider, reason=message.restart.reason)
                await self.store.append_event(self.job_id, pb.jobs.JobEvent(restarted=notice))
            elif kind == "done":
                self.done = message.done
        await self.flush()

    async def flush(self) -> None:
        if self.pending:
            text = "".join(self.pending)
            self.pending.clear()
            await self.store.append_event(self.job_id, pb.jobs.JobEvent(delta=pb.jobs.TextDelta(text=text)))
        self._last_flush = time.perf_counter()

    async def _events(
        self, inference: pb.inference_grpc.InferenceServiceStub, request: pb.inference.GenerateRequest, timeout: float
    ) -> AsyncIterator[pb.inference.GenerateResponse]:
        """The inference stream, bounded: its first event (the providers read the prompt and
        may fail over first) and each later one must come within their limits. Leaving it
        early (a stop, a stall) cancels the call, which reaches the provider's stream."""
        call = inference.Generate(request, timeout=max(1.0, timeout), wait_for_ready=True)
        events = aiter(call)
        limit = self.first_event_timeout_s
        try:
            while True:
                try:
                    async with asyncio.timeout(limit):
                        message = await anext(events)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise StreamStalled(f"the inference service sent nothing for {limit:.0f} s") from None
                yield message
                limit = self.idle_timeout_s
        finally:
            if hasattr(call, "cancel"):
                call.cancel()


async def unless_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Runs `work` to its end, or until `stop` is set: then cancels it. True if it was stopped."""
    task = asyncio.create_task(work)
    stopping = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if task in done:
        task.result()  # its error, if it failed
        return False
    return True
