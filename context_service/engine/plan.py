"""The prompt plan of a live conversation: what its prompts share, so each extends the last.

Why: a local model reuses the cached prefix of its previous prompt, so a follow-up costs
only what is new if the new prompt starts with the old one. Once the history outgrows the
budget, the engine compacts it: it chooses a head of turns and a memory within part of the budget,
and fills the rest with a note quoting what else scores, which the next turn drops. Later
prompts only append: each follow-up adds the previous exchange and, if the new message
recalls something older, a short note quoting it. When the appended part no longer fits,
the engine compacts again. A plan lives in memory only; a restart just compacts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Note:
    """A system message among the turns, quoting earlier turns relevant to a new message."""

    text: str
    tokens: int  # framing included
    positions: list[int]
    scores: list[float]
    reasons: list[str]


@dataclass
class PromptPlan:
    n_head: int  # turns the index held at compaction
    head: list[int]  # turns sent verbatim at compaction, chronological
    reasons: dict[int, tuple[str, float]]  # why each head turn was chosen, and its score
    memory: str  # profile and summary at compaction, sent after the head
    base_tokens: int  # system prompt + head + memory, framing included
    profile_tokens: int = 0
    summary_tokens: int = 0
    notes: dict[int, Note] = field(default_factory=dict)  # shown just before the turn at this position

    def shown(self, n: int) -> set[int]:
        """Every turn the prompt already quotes, verbatim or in a note."""
        out = set(self.head) | set(range(self.n_head, n))
        for p, note in self.notes.items():
            if p <= n:
                out.update(note.positions)
        return out
