"""Fake AI provider servers speaking the real wire formats, for tests without network."""

from tests.fakes.deepai import FakeDeepAI
from tests.fakes.gemini import FakeGemini
from tests.fakes.openai import FakeOpenAI

__all__ = ["FakeDeepAI", "FakeGemini", "FakeOpenAI"]
