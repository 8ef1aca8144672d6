"""Rolling extractive summary of the history.

Why extractive: no model needed, faithful to the source, and cheap to maintain
incrementally -- each appended turn offers at most one key sentence to a bounded pool; at
build time the items whose turns were not sent verbatim stand for them.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

from .importance import importance
from .text import sentences


@dataclass
class SummaryItem:
    pos: int  # position of the source turn in the session
    turn_id: str
    line: str  # rendered bullet line
    score: float
    est_tokens: int  # estimate from the turn's exact count; the final text is counted exactly


class RollingSummary:
    def __init__(self, pool_size: int = 400, min_score: float = 0.15, max_words: int = 24) -> None:
        self.pool_size, self.min_score, self.max_words = pool_size, min_score, max_words
        self.items: dict[int, SummaryItem] = {}  # pos -> item, insertion = chronological

    def offer(self, pos: int, turn_id: str, text: str, who: str, ts: float, role: str,
              turn_score: float, turn_tokens: int) -> None:
        if turn_score < self.min_score:
            return
        # prefer informative statements over questions/greetings as the key sentence
        sents = [s for s in sentences(text) if not s.endswith("?")] or sentences(text) or [text]
        best = max(sents, key=lambda s: (importance(s, "", 0), len(s)))
        words = best.split()
        if len(words) > self.max_words:
            best = " ".join(words[: self.max_words]) + "..."
        day = time.strftime("%Y-%m-%d", time.gmtime(ts)) if ts > 0 else ""
        line = f"- {day} {who}: {best}".replace("  ", " ")
        ratio = len(line) / max(1, len(text))
        est = int(math.ceil(turn_tokens * ratio)) + 3
        self.items[pos] = SummaryItem(pos, turn_id, line, turn_score, est)
        if len(self.items) > self.pool_size:  # evict the weakest, older first on ties
            weakest = min(self.items.values(), key=lambda it: (it.score, it.pos))
            del self.items[weakest.pos]

    def select(self, exclude: set[int], budget_tokens: int, before_pos: int) -> list[SummaryItem]:
        """Best items for turns not sent verbatim, within an estimated budget, chronological."""
        if budget_tokens <= 0:
            return []
        pool = [it for it in self.items.values() if it.pos < before_pos and it.pos not in exclude]
        pool.sort(key=lambda it: (-it.score, -it.pos))
        chosen, used = [], 0
        for it in pool:
            if used + it.est_tokens <= budget_tokens:
                chosen.append(it)
                used += it.est_tokens
        chosen.sort(key=lambda it: it.pos)
        return chosen

    def to_dict(self) -> dict:
        return {"items": [asdict(it) for it in self.items.values()]}

    def load(self, d: dict) -> None:
        self.items = {it["pos"]: SummaryItem(**it) for it in d.get("items", [])}
