from __future__ import annotations

from chat_common.database import DatabaseSettings
from chat_common.settings import ServiceSettings

DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful, concise assistant in a chat app. Use the conversation and the known facts "
    "about the user to answer. If you do not know something, say so."
)


class ContextSettings(ServiceSettings, DatabaseSettings):
    """ContextService settings (environment variables of the same names, upper-case)."""

    context_bind: str = ""
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    # The local model (a catalogue name or a GGUF path): its vocabulary counts tokens and its
    # entry gives the default budget.
    local_model: str = ""
    # Default token budget of a built context; 0: the local model's (chat_common/local_models.py).
    default_token_budget: int = 0
    # Share of the budget a live conversation leaves free when its history is compacted, so
    # the next turns only append to the prompt and a local model reuses its cached prefix.
    # 0 spends the whole budget on every prompt (a provider with no prefix cache of ours).
    context_followup_headroom: float = 0.4
    # Sessions whose index stays in memory; others are rebuilt from Redis (or PostgreSQL) on demand.
    index_cache_sessions: int = 256
    # Score turns by meaning as well as by words (all-MiniLM-L6-v2 with numpy). Off here for its
    # CPU per message (docs/context.md); the run command, python -m suite, turns it on.
    context_semantic: bool = False
    # Optional path to a GGUF whose vocabulary counts tokens (default: the local model's).
    tokenizer_gguf: str = ""

    @property
    def bind(self) -> str:
        return self.context_bind or f"[::]:{self.context_service_addr.rsplit(':', 1)[1]}"
