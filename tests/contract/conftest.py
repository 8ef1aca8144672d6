"""Contract tests: each service as a real process on free ports, with its own real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from grpc import aio

from chat_common.grpc.client import channel
from suite.processes import Suite


def start_suite(tmp: Path, only: list[str], env: dict[str, str] | None = None) -> Suite:
    return Suite(data_dir=tmp, env={"PROVIDERS": "fallback", **(env or {})}).start(only=only)


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """Redis plus the three gRPC services, no gateway."""
    suite = start_suite(tmp_path_factory.mktemp("backend"), ["context_service", "inference_service", "job_service"])
    yield suite
    suite.stop()


@pytest.fixture
async def job_channel(backend: Suite) -> AsyncIterator[aio.Channel]:
    ch = channel(backend.addr("job_service"), unary_timeout=10, stream_timeout=30)
    yield ch
    await ch.close()


@pytest.fixture
async def context_channel(backend: Suite) -> AsyncIterator[aio.Channel]:
    ch = channel(backend.addr("context_service"), unary_timeout=10)
    yield ch
    await ch.close()
