"""Fixtures for the context engine tests: the real SmolLM2 vocab tokenizer (a dependency)."""

from __future__ import annotations

import random

import pytest

from context_service.engine import ContextConfig, ContextEngine, Turn, get_tokenizer


class CountingTokenizer:
    """Wraps a tokenizer and counts calls, to prove what is (not) re-tokenised."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, 0

    def count(self, text: str) -> int:
        self.calls += 1
        return self.inner.count(text)


@pytest.fixture(scope="session")
def tokenizer():
    return get_tokenizer()


@pytest.fixture
def counting(tokenizer):
    return CountingTokenizer(tokenizer)


@pytest.fixture
def engine(tokenizer):
    return ContextEngine(tokenizer, ContextConfig())


_TOPICS = [
    "the weather",
    "a movie I watched",
    "football",
    "my commute",
    "cooking pasta",
    "a podcast",
    "the new phone",
    "gardening",
    "a video game",
    "the traffic",
    "music festivals",
    "coffee",
]
_USER = [
    "I watched {t} yesterday, it was fine.",
    "What do you think about {t}?",
    "Tell me more about {t}.",
    "I was thinking about {t} again today.",
    "ok",
    "Haha, {t} is always fun.",
]
_EXTRA = [
    "Anyway, it was a long day at work.",
    "The kids were loud all evening.",
    "Not much else happened.",
    "I might go for a walk later.",
    "We had soup for dinner.",
    "",
]
_BOT = [
    "Sure! {t} is a popular topic.",
    "That sounds nice. What did you like about {t}?",
    "Here is a short note on {t}: people have many opinions.",
    "Interesting, thanks for sharing.",
]


def filler_turns(n: int, seed: int = 0, start: int = 0, t0: float = 1_700_000_000.0) -> list[Turn]:
    rng = random.Random(seed)
    out = []
    for i in range(start, start + n):
        role = "user" if i % 2 == 0 else "assistant"
        text = rng.choice(_USER if role == "user" else _BOT).format(t=rng.choice(_TOPICS))
        if role == "user":
            text = f"{text} {rng.choice(_EXTRA)}".strip()
        out.append(Turn(f"t{i}", role, text, t0 + 60 * i))
    return out


@pytest.fixture(scope="session")
def make_turns():
    return filler_turns


@pytest.fixture(scope="session")
def sentence_encoder():
    """The real all-MiniLM-L6-v2 (numpy forward pass), loaded once: about a second."""
    from context_service.engine.embedding import SentenceEncoder

    return SentenceEncoder.load()
