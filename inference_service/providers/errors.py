"""Turns HTTP statuses and client exceptions into ProviderError with the right retry flag.

Retry only what may pass on its own: 408, 429, 5xx, connection errors and timeouts.
A 400 or a safety block is the request's fault, not the provider's (no cooldown either).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx

from inference_service.providers.base import ProviderError

try:  # google-genai talks through httpx2, a fork of httpx with its own exception classes
    import httpx2

    TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (httpx.TransportError, httpx2.TransportError)
except ImportError:  # pragma: no cover - depends on the SDK's transport
    TRANSPORT_ERRORS = (httpx.TransportError,)


def retryable_status(status: int) -> bool:
    return status in (408, 429) or status >= 500


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """The Retry-After header in seconds (the date form is ignored)."""
    value = (headers or {}).get("retry-after") or (headers or {}).get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def from_status(provider: str, status: int, detail: str = "", headers: Mapping[str, str] | None = None) -> ProviderError:
    return ProviderError(
        f"{provider} answered HTTP {status}: {detail[:200]}".rstrip(": "),
        retryable=retryable_status(status),
        status=status,
        blames_provider=status not in (400, 404, 413, 422),
        retry_after=retry_after(headers),
    )


def from_exception(provider: str, exc: BaseException) -> ProviderError:
    """Classifies a client-side exception: transport trouble is retryable, the rest not."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, TRANSPORT_ERRORS) or isinstance(exc, (ConnectionError, TimeoutError)):
        return ProviderError(f"{provider} connection failed: {type(exc).__name__}: {exc}", retryable=True)
    if isinstance(exc, (json.JSONDecodeError, ValueError, KeyError, TypeError)):
        return ProviderError(f"{provider} sent a malformed response: {type(exc).__name__}: {exc}", retryable=False)
    return ProviderError(f"{provider} failed: {type(exc).__name__}: {exc}", retryable=False)
