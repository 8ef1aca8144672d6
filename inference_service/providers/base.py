"""The one small interface every provider implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Turn:
    role: str  # "user" | "assistant" | "system" (a note among the turns)
    content: str


@dataclass(frozen=True)
class Attachment:
    name: str
    media_type: str
    data: bytes


@dataclass(frozen=True)
class Prompt:
    system: str
    turns: list[Turn]
    attachments: list[Attachment] = field(default_factory=list)
    max_output_tokens: int = 512
    memory: str = ""  # a note for just before the new message (GenerateRequest.memory)

    @property
    def chat_turns(self) -> list[Turn]:
        """The user and assistant turns, without the notes."""
        return [t for t in self.turns if t.role != "system"]

    @property
    def system_with_memory(self) -> str:
        """For providers with one system text and no prefix cache of ours: every note joins it."""
        notes = [t.content for t in self.turns if t.role == "system"]
        return "\n\n".join(part for part in (self.system, *notes, self.memory) if part)


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Finished:
    """The last item of a provider's stream."""

    usage: Usage
    model: str


Chunk = Delta | Finished


class ProviderError(Exception):
    """A provider failed. `retryable` says whether trying it again may help.

    `blames_provider` is False for failures caused by the request itself (a 400, a safety
    block): those must not push a healthy provider into cooldown. `retry_after` is the
    server's hint in seconds, if it gave one.
    """

    def __init__(
        self,
        message: str,
        retryable: bool,
        status: int | None = None,
        *,
        blames_provider: bool = True,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.blames_provider = blames_provider
        self.retry_after = retry_after


class Provider(Protocol):
    name: str
    # True for the friendly fallback, which answers without any AI.
    is_fallback: bool

    def available(self) -> bool:
        """False when the provider lacks its key, model or endpoint: it is skipped."""
        ...

    def stream(self, prompt: Prompt) -> AsyncIterator[Chunk]:
        """Yields Delta chunks, then exactly one Finished; raises ProviderError on failure.

        Providers may also define `async def aclose()` to release clients on shutdown.
        """
        ...


def flatten(prompt: Prompt, labels: dict[str, str] | None = None) -> str:
    """The conversation as plain text, system first, for text-only endpoints."""
    names = labels or {"user": "User", "assistant": "Assistant"}
    system = prompt.system_with_memory.strip()
    lines = [system] if system else []
    lines += [f"{names.get(t.role, t.role)}: {t.content}" for t in prompt.chat_turns]
    return "\n\n".join(lines)
