"""Per-session incremental state: turns, BM25 postings, importance, profile, summary.

Why a separate object: the service keeps one per session, appends to it as turns arrive,
and can persist it (`to_bytes`) or rebuild it from the stored turn list at start.
Not thread-safe: serialise access per session.
"""

from __future__ import annotations

import heapq
import json
import zlib

from .bm25 import BM25Index
from .entities import TurnEntities
from .model import Turn
from .plan import PromptPlan
from .profile import Profile
from .semantic import TurnVectors, unpack
from .summary import RollingSummary
from .text import says_when
from .text import terms as text_terms
from .timeref import TurnTimes

FORMAT_VERSION = 1


class SessionIndex:
    def __init__(
        self,
        bm25_k1: float = 1.2,
        bm25_b: float = 0.5,
        summary_pool_size: int = 400,
        top_important: int = 48,
        with_vectors: bool = False,
    ) -> None:
        self.with_vectors = with_vectors  # the engine scores by meaning: hold the turns' vectors
        self.turns: list[Turn] = []
        self.positions: dict[str, int] = {}
        self.terms: list[str] = []  # space-joined stems per turn: cheap reload, no GC-tracked lists
        self.importance: list[float] = []
        self.is_question: list[bool] = []
        self.says_when: list[bool] = []  # the turn names a time: what a "when" question wants
        self.times = TurnTimes()  # when each turn was said, and the times it names, resolved
        self.entities = TurnEntities()  # who and what each turn is about
        self.message_time: float | None = None  # when the message of the current build was sent
        # Each speaker's name as query terms ("Melanie" -> {"melani"}), so a message that names
        # a speaker can be read as a question about what they said (ContextEngine.score).
        self.speaker_terms: dict[str, frozenset[str]] = {}
        self.speaker_names: set[str] = set()  # lower-cased
        self.bm25 = BM25Index(bm25_k1, bm25_b)
        self.vectors = TurnVectors()
        # Turns held without a sentence vector (stored before CONTEXT_SEMANTIC was on, or the
        # encoder failed): embedded before the next build that scores by meaning.
        self.unembedded: list[int] = []
        self.profile = Profile()
        # Profile keys not to show (the owner deleted them, or set them in another place); the
        # context service sets them before each build.
        self.hidden_facts: frozenset[str] = frozenset()
        self.summary = RollingSummary(summary_pool_size)
        self.top_k = top_important
        self._top: list[tuple[float, int]] = []  # min-heap of (importance, pos)
        self.full_tokens = 0  # sum of turn token counts (content only)
        # Prompt plans of a live conversation, per (budget, system prompt); memory only.
        self.plans: dict[tuple[int, str], PromptPlan] = {}
        self.last_build: dict[tuple[int, str], int] = {}  # turns held at the last build

    def __len__(self) -> int:
        return len(self.turns)

    def _add(self, turn: Turn, terms: list[str], imp: float) -> int:
        """Record an already-analysed turn (used by the engine and by deserialisation)."""
        if turn.turn_id in self.positions:
            raise ValueError(f"duplicate turn_id {turn.turn_id!r}")
        vector = None
        if self.with_vectors and turn.vector:
            vector = unpack(turn.vector)
            if vector is None:
                turn.vector = None  # not a vector of ours: embedded again
        pos = len(self.turns)
        self.turns.append(turn)
        self.positions[turn.turn_id] = pos
        self.terms.append(" ".join(terms))
        self.importance.append(imp)
        self.is_question.append(turn.text.rstrip().endswith("?") or "?" in turn.text[-40:])
        self.says_when.append(says_when(turn.text))
        if turn.speaker and turn.speaker not in self.speaker_terms:
            self.speaker_terms[turn.speaker] = frozenset(text_terms(turn.speaker))
            self.speaker_names.add(turn.speaker.lower())
        self.times.add(pos, turn.ts, turn.text)
        self.entities.add(pos, turn.text, turn.speaker or turn.role, turn.ts, self.speaker_names)
        self.bm25.add(pos, terms)
        if self.with_vectors:
            self.vectors.add(pos, vector)
            if vector is None:
                self.unembedded.append(pos)
        self.full_tokens += turn.tokens
        if len(self._top) < self.top_k:
            heapq.heappush(self._top, (imp, pos))
        elif imp > self._top[0][0]:
            heapq.heapreplace(self._top, (imp, pos))
        return pos

    def take_unembedded(self) -> list[int]:
        """The positions of the turns without a vector, which the caller is to embed."""
        positions, self.unembedded = self.unembedded, []
        return positions

    def attach_vectors(self, positions: list[int]) -> None:
        """Holds the vectors just given to these turns (Turn.vector); a turn still without one
        (the embedding failed) waits for the next build."""
        for position in positions:
            packed = self.turns[position].vector
            vector = unpack(packed) if packed else None
            if vector is not None:
                self.vectors.add(position, vector)
            else:
                self.unembedded.append(position)

    def speakers_named(self, query: list[str]) -> frozenset[str]:
        """The speakers whose whole name the query terms hold."""
        held = set(query)
        return frozenset(name for name, name_terms in self.speaker_terms.items() if name_terms and name_terms <= held)

    def top_important(self) -> list[int]:
        return [p for _, p in self._top]

    # --- persistence -------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "v": FORMAT_VERSION,
            "bm25": [self.bm25.k1, self.bm25.b],
            "top_k": self.top_k,
            "turns": [t.to_dict() for t in self.turns],
            "terms": self.terms,  # reload without re-stemming
            "importance": [round(x, 4) for x in self.importance],
            "profile": self.profile.to_dict(),
            "summary": self.summary.to_dict(),
            "summary_pool": self.summary.pool_size,
        }

    @classmethod
    def from_dict(cls, d: dict) -> SessionIndex:
        if d.get("v") != FORMAT_VERSION:
            raise ValueError(f"unsupported SessionIndex format {d.get('v')!r}")
        idx = cls(d["bm25"][0], d["bm25"][1], d.get("summary_pool", 400), d.get("top_k", 48))
        for td, terms, imp in zip(d["turns"], d["terms"], d["importance"], strict=True):
            idx._add(Turn.from_dict(td), terms.split(), imp)
        idx.profile = Profile.from_dict(d["profile"])
        idx.summary.load(d["summary"])
        return idx

    def to_bytes(self) -> bytes:
        return zlib.compress(json.dumps(self.to_dict(), separators=(",", ":")).encode(), 3)

    @classmethod
    def from_bytes(cls, b: bytes) -> SessionIndex:
        return cls.from_dict(json.loads(zlib.decompress(b)))
