"""The token budget of one build, and what the system prompt and the new message take of it."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Budget:
    total: int  # tokens the whole prompt may cost
    overhead: int  # framing tokens of every chat message
    system_tokens: int  # system prompt, unframed
    message_tokens: int  # the new message, unframed

    def framed(self, tokens: int, messages: int = 1) -> int:
        """What `tokens` of content cost sent as `messages` chat messages."""
        return tokens + self.overhead * messages

    @property
    def system_cost(self) -> int:
        return self.framed(self.system_tokens)

    @property
    def message_cost(self) -> int:
        return self.framed(self.message_tokens)

    @property
    def fixed(self) -> int:
        """What every prompt spends before any history: the system prompt and the new message."""
        return self.system_cost + self.message_cost

    @property
    def for_history(self) -> int:
        return self.total - self.fixed

    def room(self, prompt_tokens: int) -> int:
        """What is left beside `prompt_tokens` (system prompt and history) and the new message."""
        return self.total - prompt_tokens - self.message_cost

    def less(self, tokens: int) -> Budget:
        """This budget with `tokens` set aside, unless the fixed part would then not fit."""
        total = self.total - tokens
        return replace(self, total=total) if self.fixed <= total else self
