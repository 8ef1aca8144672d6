"""The pause before a retry: exponential, capped, with jitter so retries do not align."""

from __future__ import annotations

import random


def backoff_delay(attempt: int, base_s: float, max_s: float) -> float:
    """Seconds to wait before retry number `attempt` (0 first): between half and all of
    min(max_s, base_s * 2**attempt)."""
    return min(max_s, base_s * 2.0**attempt) * random.uniform(0.5, 1.0)
