"""Builds the configured provider chain from settings, by name."""

from __future__ import annotations

from collections.abc import Callable

from inference_service.providers.base import Provider
from inference_service.providers.deepai import DeepAIProvider
from inference_service.providers.fallback import FallbackProvider
from inference_service.providers.gemini import GeminiProvider
from inference_service.providers.instant import InstantProvider
from inference_service.providers.local import LocalProvider
from inference_service.providers.openai_compat import OpenAICompatProvider
from inference_service.settings import InferenceSettings

Factory = Callable[[InferenceSettings], Provider]


FACTORIES: dict[str, Factory] = {
    "gemini": lambda s: GeminiProvider(
        s.gemini_api_key, s.gemini_model, s.gemini_base_url, s.gemini_timeout_s, s.gemini_api_version
    ),
    "deepai": lambda s: DeepAIProvider(s.deepai_api_key, s.deepai_base_url, s.deepai_timeout_s),
    "local": lambda s: LocalProvider(s.local_model_url, s.local_timeout_s, s.local_repeat_penalty),
    "openai": lambda s: OpenAICompatProvider(s.openai_base_url, s.openai_model, s.openai_api_key, s.openai_timeout_s),
    "instant": lambda s: InstantProvider(s.instant_reply, s.instant_delay_s),
    "fallback": lambda s: FallbackProvider(),
}


def build_providers(settings: InferenceSettings) -> list[Provider]:
    providers = []
    for name in settings.provider_order:
        factory = FACTORIES.get(name)
        if factory is None:
            raise ValueError(f"unknown provider {name!r}; known: {', '.join(sorted(FACTORIES))}")
        providers.append(factory(settings))
    if not any(p.is_fallback for p in providers):
        providers.append(FallbackProvider())  # a reply, always
    return providers
