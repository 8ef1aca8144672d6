"""Meaning, not only words: turns and messages as sentence vectors, compared by cosine.

BM25 finds a turn that shares the message's words; "What sports does John like?" also needs
"surfing and riding the waves". A turn's vector is computed once and kept
with the turn (quantised to int8, 516 characters), so a restart or a Redis restore never embeds
a session again. A session is embedded only once it outgrows its budget, since only then does a build choose
among its turns: its earlier turns in one batch at that first build, later ones as they are
stored. A build embeds the new message.
"""

from __future__ import annotations

import base64
import threading
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .embedding import DIMENSIONS, SentenceEncoder
from .model import Turn

_SCALE_BYTES = 2  # a float16 scale ahead of the int8 components


def pack(vector: np.ndarray) -> str:
    """A unit vector as text: int8 components scaled to the largest, and the scale."""
    peak = float(np.abs(vector).max()) or 1.0
    scale = np.float16(peak / 127.0)
    quantised = np.clip(np.rint(vector / np.float32(scale)), -127, 127).astype(np.int8)
    return base64.b64encode(scale.tobytes() + quantised.tobytes()).decode()


def unpack(text: str) -> np.ndarray:
    raw = base64.b64decode(text)
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

    def __init__(self, encoder: SentenceEncoder, cached_queries: int = 64) -> None:
        self.encoder = encoder
        # Where the service runs embeddings, off its event loop: one at a time, since each
        # already spreads its matrix products over the cores.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
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

    def query(self, message: str) -> np.ndarray:
        with self._lock:
            vector = self._queries.get(message)
            if vector is not None:
                self._queries.move_to_end(message)
                return vector
        vector = self.encoder.encode([message])[0]
        with self._lock:
            self._queries[message] = vector
            while len(self._queries) > self._cached_queries:
                self._queries.popitem(last=False)
        return vector
