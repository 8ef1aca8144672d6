"""Timeouts, retries and backoff of the provider chain, read from settings."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from inference_service.settings import InferenceSettings


@dataclass(frozen=True)
class ProviderPolicy:
    # The longest wait for the provider's first chunk (it reads the prompt first).
    timeout_s: float = 30.0
    # The longest silence between two chunks once the reply has started.
    idle_timeout_s: float = 10.0
    # Extra attempts after a retryable failure, only before any token was sent.
    max_retries: int = 0


@dataclass(frozen=True)
class ChainPolicy:
    providers: dict[str, ProviderPolicy] = field(default_factory=dict)
    default: ProviderPolicy = ProviderPolicy()
    request_deadline_s: float = 120.0
    fallback_reserve_s: float = 0.5
    backoff_base_s: float = 0.25
    backoff_max_s: float = 2.0

    def for_provider(self, name: str) -> ProviderPolicy:
        return self.providers.get(name, self.default)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt` (0-based): exponential, 'equal jitter'.

        Half of the delay is fixed so replicas never retry in lockstep yet never hammer.
        """
        ceiling = min(self.backoff_max_s, self.backoff_base_s * (2**attempt))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    @classmethod
    def from_settings(cls, settings: InferenceSettings) -> ChainPolicy:
        per = {}
        for name in ("gemini", "deepai", "local", "openai", "fallback"):
            per[name] = ProviderPolicy(
                timeout_s=getattr(settings, f"{name}_timeout_s"),
                idle_timeout_s=getattr(settings, f"{name}_idle_timeout_s"),
                max_retries=getattr(settings, f"{name}_max_retries", 0),
            )
        return cls(
            providers=per,
            default=ProviderPolicy(timeout_s=30.0, idle_timeout_s=10.0, max_retries=0),
            request_deadline_s=settings.request_deadline_s,
            fallback_reserve_s=settings.fallback_reserve_s,
            backoff_base_s=settings.retry_backoff_base_s,
            backoff_max_s=settings.retry_backoff_max_s,
        )
