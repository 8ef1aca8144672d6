from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ModelServerSettings(BaseSettings):
    """Model server settings (environment variables of the same names, upper-case)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    # A catalogue name (see chat_common.local_models) or the path of a GGUF file.
    local_model: str = ""
    # Where the OpenAI-compatible API listens; the inference service finds it at /v1 there.
    model_server_addr: str = "127.0.0.1:8090"
    local_n_ctx: int = 0  # 0: the catalogue's window for the model (2,048 for a file)
    local_model_threads: int = 0  # 0: every core
    # Prompt states kept in RAM per conversation prefix, so a follow-up skips the shared prefix.
    local_cache_bytes: int = 256 << 20
    log_level: str = "INFO"
    log_format: str = "json"

    @property
    def host(self) -> str:
        return self.model_server_addr.rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        return int(self.model_server_addr.rsplit(":", 1)[1])
