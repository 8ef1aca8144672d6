"""Rolling extractive summary of the history.

Why extractive: no model needed, faithful to the source, and cheap to maintain
incrementally -- each appended turn offers at most one key sentence to a bounded pool; at
build time the items whose turns were not sent verbatim stand for them. Lines are grouped
under one date header per day because dates cost ~10 tokens each.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

from .importance import importance
from .text import sentences

DAY_HEADER_EST = 12  # tokens of "[2023-11-15]\n" in a BPE vocab that splits digits


@dataclass
class SummaryItem:
    pos: int  # position of the source turn in the session
    turn_id: str
    day: str
    who: str
    sentence: str
    score: float
    est_tokens: int  # estimate of "- who: sentence"; the final text is counted exactly

    @property
    def line(self) -> str:
        return f"- {self.who}: {self.sentence}"


def render(items: list[SummaryItem]) -> list[str]:
    """Chronological lines with a date header whenever the day changes."""
    out, day = [], None
    for it in items:
        if it.day and it.day != day:
            out.append(f"[{it.day}]")
            day = it.day
        out.append(it.line)
    return out


def _day(ts: float) -> str:
    """'8 May 2023': as people write dates (a small model copies an ISO date into its answer)."""
    moment = time.gmtime(ts)
    return f"{moment.tm_mday} {time.strftime('%B %Y', moment)}"


class RollingSummary:
    def __init__(self, pool_size: int = 400, min_score: float = 0.15, max_words: int = 24) -> None:
        self.pool_size, self.min_score, self.max_words = pool_size, min_score, max_words
        self.items: dict[int, SummaryItem] = {}  # pos -> item

    def offer(
        self, pos: int, turn_id: str, text: str, who: str, ts: float, role: str, turn_score: float, turn_tokens: int
    ) -> None:
        if turn_score < self.min_score:
            return
        # prefer informative statements over questions/greetings as the key sentence
        sents = [s for s in sentences(text) if not s.endswith("?")] or sentences(text) or [text]
        best = max(sents, key=lambda s: (importance(s, "", 0), len(s)))
        words = best.split()
        if len(words) > self.max_words:
            best = " ".join(words[: self.max_words]) + "..."
        day = _day(ts) if ts > 0 else ""
        est = math.ceil(turn_tokens * len(best) / max(1, len(text))) + math.ceil(len(who) / 3) + 4
        self.items[pos] = SummaryItem(pos, turn_id, day, who, best, turn_score, est)
        if len(self.items) > self.pool_size:  # evict the weakest, older first on ties
            weakest = min(self.items.values(), key=lambda it: (it.score, it.pos))
            del self.items[weakest.pos]

    def select(self, exclude: set[int], budget_tokens: int, before_pos: int) -> list[SummaryItem]:
        """Best items for turns not sent verbatim, within an estimated budget, chronological."""
        if budget_tokens <= 0:
            return []
        pool = [it for it in self.items.values() if it.pos < before_pos and it.pos not in exclude]
        pool.sort(key=lambda it: (-it.score, -it.pos))
        chosen, used, days, seen = [], 0, set(), set()
        for it in pool:
            key = (it.who, it.sentence.lower())
            if key in seen:  # repeated chit-chat says nothing new
                continue
            cost = it.est_tokens + (0 if it.day in days else DAY_HEADER_EST)
            if used + cost <= budget_tokens:
                chosen.append(it)
                seen.add(key)
                days.add(it.day)
                used += cost
        chosen.sort(key=lambda it: it.pos)
        return chosen

    @staticmethod
    def estimate(items: list[SummaryItem]) -> int:
        return sum(it.est_tokens for it in items) + DAY_HEADER_EST * len({it.day for it in items})

    def to_dict(self) -> dict:
        return {"items": [asdict(it) for it in self.items.values()]}

    def load(self, d: dict) -> None:
        self.items = {it["pos"]: SummaryItem(**it) for it in d.get("items", [])}
