"""Meaning, not only words: turns and messages as sentence vectors, compared by cosine.

BM25 finds a turn that shares the message's words; "What sports does John like?" also needs
"surfing and riding the waves". A turn's vector is computed once and kept
with the turn (quantised to int8, 516 characters), so a restart or a Redis restore never embeds
a session again. Turns are embedded as they are stored (an exchange at a time, off the event loop); a build
embeds the new message.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np

from .embedding import DIMENSIONS
from .model import Turn


class Encoder(Protocol):
    """What embeds texts: SentenceEncoder, or a wrapper of it in the tests."""

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


log = logging.getLogger("context_service.semantic")

_SCALE_BYTES = 2  # a float16 scale ahead of the int8 components
_CHUNK = 32  # turns per executor job


def pack(vector: np.ndarray) -> str:
    """A unit vector as text: int8 components scaled to the largest, and the scale."""
    peak = float(np.abs(vector).max()) or 1.0
    scale = np.float16(peak / 127.0)
    quantised = np.clip(np.rint(vector / np.float32(scale)), -127, 127).astype(np.int8)
    return base64.b64encode(scale.tobytes() + quantised.tobytes()).decode()


def unpack(text: str) -> np.ndarray | None:
    """The vector `pack` wrote, or None for text that is not one (then the turn is re-embedded)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    if len(raw) != _SCALE_BYTES + DIMENSIONS:
        return None
    scale = np.frombuffer(raw[:_SCALE_BYTES], dtype=np.float16)[0]
    vector = np.frombuffer(raw[_SCALE_BYTES:], dtype=np.int8).astype(np.float32) * np.float32(scale)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


class TurnVectors:
    """The unit vectors of a session's turns, rows of a float32 matrix that grows by half
    again (1.5 KB a turn, and up to half as much free). Nothing is held until a turn comes with
    a vector; a turn without one has cosine 0 with everything."""

    def __init__(self) -> None:
        self._rows = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self.count = 0  # the turns seen so far

    def add(self, position: int, vector: np.ndarray | None) -> None:
        self.count = max(self.count, position + 1)
        if vector is None:
            return
        if position >= len(self._rows):
            grown = np.zeros((max(16, len(self._rows) * 3 // 2, position + 1), DIMENSIONS), dtype=np.float32)
            grown[: len(self._rows)] = self._rows
            self._rows = grown
        self._rows[position] = vector

    def cosines(self, query: np.ndarray) -> np.ndarray:
        held = min(self.count, len(self._rows))
        if held == self.count:
            return self._rows[:held] @ query
        out = np.zeros(self.count, dtype=np.float32)
        out[:held] = self._rows[:held] @ query
        return out

    @property
    def nbytes(self) -> int:
        return int(self._rows.nbytes)


class SemanticReader:
    """Embeds turns (once, as they are stored) and messages (cached: a build scores twice)."""

    def __init__(self, encoder: Encoder, cached_queries: int = 64) -> None:
        self.encoder = encoder
        # Where the service runs embeddings, off its event loop: one at a time, since each
        # already spreads its matrix products over the cores.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")
        self._queries: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._cached_queries = cached_queries
        self._lock = threading.Lock()

    def embed_turns(self, turns: Iterable[Turn]) -> None:
        """Gives each turn without a vector its vector, from its text as the model sees it
        ("Speaker: text" in a multi-party chat)."""
        missing = [turn for turn in turns if turn.vector is None]
        if missing:
            for turn, vector in zip(missing, self.encoder.encode([turn.content for turn in missing]), strict=True):
                turn.vector = pack(vector)

    def prepare(self, turns: list[Turn], message: str) -> None:
        """What a build by meaning needs: these turns' vectors, and the message's (cached)."""
        self.embed_turns(turns)
        self.query(message)

    async def embed_async(self, turns: list[Turn], message: str | None = None) -> bool:
        """Embeds the turns (and the message) on the executor, a chunk at a time so that other
        sessions' work interleaves. False, with a warning, if the encoder failed: the caller goes
        on with words alone."""
        loop = asyncio.get_running_loop()
        try:
            missing = [turn for turn in turns if turn.vector is None]
            for start in range(0, len(missing), _CHUNK):
                await loop.run_in_executor(self.executor, self.embed_turns, missing[start : start + _CHUNK])
            if message is not None:
                await loop.run_in_executor(self.executor, self.query, message)
        except Exception:
            log.warning("sentence embedding failed; scoring by words alone", exc_info=True)
            return False
        return True

    def query(self, message: str) -> np.ndarray:
        key = _query_key(message)
        with self._lock:
            vector = self._queries.get(key)
            if vector is not None:
                self._queries.move_to_end(key)
                return vector
        vector = self.encoder.encode([message])[0]
        with self._lock:
            self._queries[key] = vector
            while len(self._queries) > self._cached_queries:
                self._queries.popitem(last=False)
        return vector

    def cached_query(self, message: str) -> np.ndarray | None:
        """The message's vector if it was embedded already; never embeds."""
        with self._lock:
            return self._queries.get(_query_key(message))

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def _query_key(message: str) -> bytes:
    return hashlib.blake2b(message.encode(), digest_size=16).digest()
