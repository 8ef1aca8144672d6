from __future__ import annotations

from chat_common.settings import ServiceSettings


class InferenceSettings(ServiceSettings):
    """InferenceService settings (environment variables of the same names, upper-case).

    Every `<provider>_timeout_s` bounds the wait for that provider's first chunk, and
    `<provider>_idle_timeout_s` the silence between two later ones; the request's own
    deadline bounds the whole reply.
    """

    inference_bind: str = ""
    # Providers tried in order; one without its key or model is skipped.
    # Known: gemini, deepai, local, openai, instant (benchmarks only), fallback.
    providers: str = "gemini,deepai,local,fallback"
    max_output_tokens: int = 512
    # Deadline of a request whose caller set none, in seconds.
    request_deadline_s: float = 120.0
    # Time kept back for the friendly fallback when a provider uses up the deadline.
    fallback_reserve_s: float = 0.5

    # Retries (only before the first token was sent): backoff base*2^n with jitter, capped.
    retry_backoff_base_s: float = 0.25
    retry_backoff_max_s: float = 2.0

    # Cooldown, shared by all replicas through Redis: after `cooldown_failures` failed
    # requests in a row a provider is skipped for `cooldown_s`.
    cooldown_failures: int = 3
    cooldown_s: float = 30.0
    # A failure streak older than this is forgotten (a quiet provider is not "consecutive").
    cooldown_window_s: float = 300.0
    # Redis calls of the cooldown give up after this and fail open.
    cooldown_redis_timeout_s: float = 0.25
    cooldown_key_prefix: str = "inference:cooldown"

    gemini_api_key: str = ""
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str = ""  # empty: the SDK's default endpoint
    # Pinned: google-genai 3.x defaults to v1, older releases to v1beta.
    gemini_api_version: str = "v1beta"
    gemini_timeout_s: float = 20.0
    gemini_idle_timeout_s: float = 10.0
    gemini_max_retries: int = 2

    deepai_api_key: str = ""
    deepai_base_url: str = "https://api.deepai.org"
    deepai_timeout_s: float = 30.0
    deepai_idle_timeout_s: float = 30.0
    deepai_max_retries: int = 1

    # The model server (`python -m model_server`, started by the suite); empty turns it off.
    local_model_url: str = "http://127.0.0.1:8090/v1"
    local_repeat_penalty: float = 1.1
    # How often the model server is probed for the `chat.v1.InferenceService.local` health status.
    local_probe_interval_s: float = 2.0
    local_timeout_s: float = 30.0
    local_idle_timeout_s: float = 10.0
    local_max_retries: int = 0

    openai_base_url: str = ""  # e.g. http://127.0.0.1:8080/v1 (any OpenAI-compatible server)
    openai_model: str = ""
    openai_api_key: str = ""
    openai_timeout_s: float = 30.0
    openai_idle_timeout_s: float = 10.0
    openai_max_retries: int = 2

    instant_reply: str = "This is an instant reply for benchmarks."
    instant_delay_s: float = 0.0  # pause before each word of the instant reply
    fallback_timeout_s: float = 5.0
    fallback_idle_timeout_s: float = 5.0

    @property
    def bind(self) -> str:
        return self.inference_bind or f"[::]:{self.inference_service_addr.rsplit(':', 1)[1]}"

    @property
    def provider_order(self) -> list[str]:
        return [name.strip() for name in self.providers.split(",") if name.strip()]
