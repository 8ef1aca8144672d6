"""The local provider's health watch: a model server still loading at start is not an outage."""

from __future__ import annotations

import asyncio
import logging

import pytest

from inference_service import app
from inference_service.providers.local import LocalProvider


class ScriptedProvider(LocalProvider):
    """Answers its probes from a script: True (up) or False (down), then stops the watch."""

    def __init__(self, answers: list[bool]) -> None:
        super().__init__("http://127.0.0.1:9/v1")
        self.answers = answers

    async def probe(self, timeout: float = 1.0) -> bool:
        if not self.answers:
            raise asyncio.CancelledError
        return self.answers.pop(0)


class Chain:
    def __init__(self, provider: LocalProvider) -> None:
        self.provider = provider

    def active(self) -> list[LocalProvider]:
        return [self.provider]


class Server:
    def __init__(self) -> None:
        self.states: list[bool] = []

    async def set_part_serving(self, name: str, serving: bool) -> None:
        self.states.append(serving)


async def watch(answers: list[bool]) -> Server:
    server = Server()
    with pytest.raises(asyncio.CancelledError):
        await app.watch_providers(Chain(ScriptedProvider(answers)), server, interval_s=0)  # type: ignore[arg-type]
    return server


async def test_a_server_still_loading_at_start_is_noted_once_not_warned(caplog):
    caplog.set_level(logging.INFO, logger="inference_service.app")
    server = await watch([False, False, False, True, False])
    assert server.states == [False, False, False, True, False]
    messages = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert messages == [
        ("INFO", "provider local is not answering yet"),
        ("INFO", "provider local is up"),
        ("WARNING", "provider local is down"),  # after it was up: an outage
    ]


async def test_a_server_that_never_comes_up_is_warned_about_after_the_grace(caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="inference_service.app")
    monkeypatch.setattr(app, "STARTUP_GRACE_S", 0.0)
    await watch([False, False])
    assert [(record.levelname, record.getMessage()) for record in caplog.records] == [("WARNING", "provider local is down")]
