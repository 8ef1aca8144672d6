"""Fake Gemini and DeepAI servers for the whole session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes import FakeDeepAI, FakeGemini, FakeOpenAI


@pytest.fixture(scope="session")
def _gemini_server() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        yield fake


@pytest.fixture(scope="session")
def _deepai_server() -> Iterator[FakeDeepAI]:
    with FakeDeepAI() as fake:
        yield fake


@pytest.fixture(scope="session")
def _openai_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def gemini(_gemini_server: FakeGemini) -> FakeGemini:
    _gemini_server.reset()
    _gemini_server.hang_s = 3.0  # longer than every provider timeout the tests use
    return _gemini_server


@pytest.fixture
def deepai(_deepai_server: FakeDeepAI) -> FakeDeepAI:
    _deepai_server.reset()
    _deepai_server.hang_s = 3.0
    return _deepai_server


@pytest.fixture
def openai(_openai_server: FakeOpenAI) -> FakeOpenAI:
    _openai_server.reset()
    _openai_server.hang_s = 3.0
    return _openai_server
