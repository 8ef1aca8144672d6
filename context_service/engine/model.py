"""Explicit data model of the engine: turns, configuration and results."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

REASONS = ("pinned-recent", "relevance", "meaning", "time", "entity", "importance", "continuity", "whole-history")
# The reasons of a turn chosen for what it says about the message: its words ("relevance"), its
# meaning (semantic.py), the time it was said or names (timeref.py), or the people and things
# it is about (entities.py).
MATCHES = frozenset({"relevance", "meaning", "time", "entity"})


@dataclass(slots=True)
class Turn:
    """One stored message of a session.

    `tokens` is the model-token count of `content` (what the engine sends); 0 means "not
    counted yet" and is filled once by `ContextEngine.append`. Persist it with the turn so a
    rebuild at service start needs no tokenizer calls.
    """

    turn_id: str
    role: str  # "user" | "assistant"
    text: str
    ts: float  # unix seconds
    tokens: int = 0
    speaker: str | None = None  # display name in multi-party chats
    vector: str | None = None  # its sentence vector, packed (semantic.pack); None: not embedded

    @property
    def content(self) -> str:
        return f"{self.speaker}: {self.text}" if self.speaker else self.text

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Turn:
        # Fields a newer release adds are ignored, so replicas of two releases share turns.
        return cls(**{name: value for name, value in d.items() if name in _TURN_FIELDS})


_TURN_FIELDS = frozenset(field.name for field in fields(Turn))


@dataclass
class ContextConfig:
    # pinned recent turns (always sent unless the budget cannot hold them)
    pinned_recent_turns: int = 4
    pinned_max_fraction: float = 0.35  # cap so one pasted document cannot eat the budget
    # profile block
    profile_max_tokens: int = 160
    profile_max_fraction: float = 0.08
    # rolling summary of older, unchosen turns
    summary_max_tokens: int = 200
    summary_fraction: float = 0.06
    summary_pool_size: int = 400
    # per-message framing cost (ChatML: <|im_start|>role\n ... <|im_end|>\n)
    message_overhead_tokens: int = 5
    # BM25 (short chat turns -> milder length normalisation than the classic 0.75)
    bm25_k1: float = 1.2
    bm25_b: float = 0.5
    # scoring weights
    w_relevance: float = 1.0
    w_importance: float = 0.15
    recency_weight: float = 0.25  # multiplicative share of the score that decays with age
    recency_half_life_turns: float = 200.0
    max_candidates: int = 400  # best BM25 matches that go on to full scoring (bounds latency)
    recency_window: int = 30  # newest turns always scored, even without query overlap
    # A message that names a speaker: the relevance of the other speakers' turns is scaled by this.
    other_speaker_factor: float = 0.8
    # A message that asks when: the relevance of turns that name a time is scaled by this.
    when_factor: float = 1.3
    # A message that names a time ("last week", "in May 2023"): turns said then, or naming a
    # time then, get time_bonus added to their relevance and are scaled by time_factor, unless
    # more than time_max_share of the session matches (then the time tells nothing apart).
    time_factor: float = 2.0
    time_bonus: float = 0.2
    time_max_share: float = 0.5
    time_candidates: int = 100  # more turns of that time than this are boosted, not all scored
    # meaning (semantic.py, when the engine has a SemanticReader): relevance adds w_semantic
    # times a turn's lead in cosine over the session's median turn, as a share of the closest
    # turn's lead, above semantic_floor and rescaled to 0..1; the closest turns by cosine are
    # scored even without a shared word
    w_semantic: float = 0.6
    semantic_floor: float = 0.2
    semantic_candidates: int = 200
    # entities (entities.py): a turn about entities the message names adds w_entity times their
    # share of the message's (half for a turn that only refers back to one); the turns about a
    # strongly chosen turn's rarer entities (named by at most entity_hop_max_turns turns) score
    # entity_hop_factor of it (multi-hop)
    w_entity: float = 0.5
    entity_hop_factor: float = 0.5
    entity_hop_max_turns: int = 8
    top_important: int = 48  # most important turns always scored
    # continuity: neighbours of strongly selected turns
    continuity_top: int = 12
    continuity_qa_factor: float = 0.7  # question <-> its answer
    continuity_factor: float = 0.5  # other adjacent turns
    # packing: priority = score / cost**density_alpha; 0 packs by score alone (evidence tends
    # to be the longer turns: 0.5, which favoured short ones, lost 0.05 of LoCoMo recall at 5 %)
    density_alpha: float = 0.0
    min_score: float = 0.03
    # follow-ups of a live conversation (see plan.py)
    followup_headroom_fraction: float = 0.4  # left free at compaction for the turns to come
    followup_note_fraction: float = 0.1  # at most this much of the budget quotes older turns
    followup_note_min_score: float = 0.3
    profile_role: str = "user"


@dataclass
class SelectedTurn:
    turn_id: str
    score: float
    reason: str  # one of REASONS
    tokens: int
    preview: str


@dataclass
class ContextStats:
    turns_total: int
    full_history_tokens: int  # all stored turns as messages (content + framing)
    context_tokens: int  # everything returned: system + chosen turns + new message
    reduction_ratio: float  # 1 - context_tokens / full_history_tokens
    budget_tokens: int
    profile_tokens: int
    summary_used: bool
    summary_tokens: int
    selected: list[SelectedTurn] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ContextResult:
    system_instruction: str  # the system prompt: stable from turn to turn
    turns: list[Turn]  # turns sent verbatim, chronological
    message: str  # the new user message
    stats: ContextStats
    memory: str = ""  # profile + summary (also a note in `sequence`)
    # (role, content) between the system prompt and the message, in prompt order; role
    # "system" is a note: the memory, or earlier turns quoted for a follow-up
    sequence: list[tuple[str, str]] = field(default_factory=list)

    @property
    def messages(self) -> list[tuple[str, str]]:
        """Chat messages: the system prompt, the sequence, then the new user message."""
        return [("system", self.system_instruction), *self.sequence, ("user", self.message)]
