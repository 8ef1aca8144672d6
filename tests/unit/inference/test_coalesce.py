"""Deltas that queue up while the stream is busy are merged; nothing is delayed or reordered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from inference_service.coalesce import coalesced, merge_deltas
from inference_service.providers.base import Delta
from inference_service.router import Restart


async def burst(*items: object) -> AsyncIterator[object]:
    for item in items:
        yield item


async def collect(source: AsyncIterator[object]) -> list[object]:
    return [item async for item in coalesced(source)]


def test_adjacent_deltas_merge_and_other_events_keep_their_place() -> None:
    restart = Restart("gemini", "cut")
    items = [Delta("a"), Delta("b"), restart, Delta("c"), "done"]
    assert merge_deltas(items) == [Delta("ab"), restart, Delta("c"), "done"]


async def test_a_burst_becomes_one_delta() -> None:
    out = await collect(burst(Delta("Hel"), Delta("lo"), Delta(" there"), "done"))
    assert out == [Delta("Hello there"), "done"]


async def test_a_slow_source_is_passed_on_piece_by_piece() -> None:
    async def slow() -> AsyncIterator[object]:
        for word in ("one", " two", " three"):
            await asyncio.sleep(0.02)
            yield Delta(word)
        yield "done"

    assert await collect(slow()) == [Delta("one"), Delta(" two"), Delta(" three"), "done"]


async def test_a_restart_is_never_merged_across() -> None:
    restart = Restart("gemini", "cut")
    out = await collect(burst(Delta("partial"), restart, Delta("full"), "done"))
    assert out == [Delta("partial"), restart, Delta("full"), "done"]


async def test_an_error_of_the_source_reaches_the_reader_after_what_came_before() -> None:
    async def failing() -> AsyncIterator[object]:
        yield Delta("so far")
        raise RuntimeError("provider broke")

    seen: list[object] = []
    with pytest.raises(RuntimeError, match="provider broke"):
        async for item in coalesced(failing()):
            seen.append(item)
    assert seen == [Delta("so far")]


async def test_a_reader_that_stops_closes_the_source() -> None:
    closed = asyncio.Event()

    async def endless() -> AsyncIterator[object]:
        try:
            while True:
                await asyncio.sleep(0.01)
                yield Delta("x")
        finally:
            closed.set()

    stream = coalesced(endless())
    assert await anext(stream) == Delta("x")
    await stream.aclose()
    await asyncio.wait_for(closed.wait(), timeout=1)
