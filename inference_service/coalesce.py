"""Merges reply deltas that pile up while the gRPC stream is busy sending.

A provider that makes text faster than the stream sends it (the instant provider, a burst of
chunks from one network read) would otherwise cost a gRPC message, and a decode in the
worker, per chunk. Here a task drains the provider into a queue, and the stream takes
everything queued at once, merging adjacent deltas. A stream that keeps up gets each delta
alone, as soon as it exists: no delay is ever added to wait for more.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TypeVar

from inference_service.providers.base import Delta

T = TypeVar("T")

# Bounds memory if the caller stops reading; the provider then waits (back-pressure).
_QUEUE_SIZE = 1024


@dataclass
class _Failed:
    error: BaseException


_END = object()


def merge_deltas(items: list[object]) -> list[object]:
    """Adjacent deltas become one; every other item keeps its place."""
    merged: list[object] = []
    for item in items:
        if isinstance(item, Delta) and merged and isinstance(merged[-1], Delta):
            merged[-1] = Delta(merged[-1].text + item.text)
        else:
            merged.append(item)
    return merged


async def coalesced(source: AsyncIterator[T]) -> AsyncIterator[T]:
    """Yields what `source` yields, with the deltas that queued up meanwhile merged."""
    queue: asyncio.Queue[object] = asyncio.Queue(_QUEUE_SIZE)

    async def pump() -> None:
        try:
            async for item in source:
                await queue.put(item)
        except Exception as exc:  # noqa: BLE001 - handed to the reader, which raises it
            await queue.put(_Failed(exc))
            return
        finally:
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                await aclose()
        await queue.put(_END)

    task = asyncio.create_task(pump(), name="coalesce-pump")
    try:
        while True:
            batch = [await queue.get()]
            while not queue.empty():
                batch.append(queue.get_nowait())
            for item in merge_deltas(batch):
                if item is _END:
                    return
                if isinstance(item, _Failed):
                    raise item.error
                yield item  # type: ignore[misc]  # the queue holds items or the end sentinel
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
