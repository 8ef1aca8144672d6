"""Integration tests: the whole suite as real processes, driven through the REST gateway."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from suite.processes import Suite


@pytest.fixture(scope="package")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    running = Suite(data_dir=tmp_path_factory.mktemp("suite"), env={"PROVIDERS": "fallback"}).start()
    yield running
    running.stop()
