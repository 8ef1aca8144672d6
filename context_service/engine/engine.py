"""ContextEngine: append turns incrementally, build a budgeted context for a new message.

Budget accounting (exact, never exceeded): every returned chat message costs
`count(content) + message_overhead_tokens` (ChatML framing splits messages at special
tokens, so per-message counts add up). Turn counts are taken once at append; the system
instruction (prompt + profile + summary) is counted once, exactly, at the end of a build.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Set as AbstractSet

from .importance import importance
from .index import SessionIndex
from .model import ContextConfig, ContextResult, ContextStats, SelectedTurn, Turn
from .plan import Note, PromptPlan
from .profile import extract_facts
from .summary import render as render_summary
from .text import terms
from .tokenizer import Tokenizer, get_tokenizer

log = logging.getLogger(__name__)

PROFILE_HEADER = "Known facts about the user:"
SUMMARY_HEADER = "Summary of earlier conversation:"
NOTE_HEADER = "Earlier messages that may matter here:"


class BudgetTooSmallError(ValueError):
    """The system prompt plus the new message alone exceed the budget."""


class ContextEngine:
    def __init__(self, tokenizer: Tokenizer | None = None, config: ContextConfig | None = None) -> None:
        self.tok = tokenizer if tokenizer is not None else get_tokenizer()
        self.cfg = config or ContextConfig()
        self._cache: OrderedDict[str, int] = OrderedDict()  # counts of repeated strings
        self._cache_lock = threading.Lock()

    # --- indexing ----------------------------------------------------------------------
    def new_index(self) -> SessionIndex:
        c = self.cfg
        return SessionIndex(c.bm25_k1, c.bm25_b, c.summary_pool_size, c.top_important)

    def append(self, index: SessionIndex, turn: Turn) -> Turn:
        """Add one turn: count tokens once (unless already known), update every index."""
        if turn.tokens <= 0:
            turn.tokens = self.tok.count(turn.content)
        facts = extract_facts(turn.text, turn.turn_id, turn.ts) if turn.role == self.cfg.profile_role else []
        for f in facts:
            index.profile.add(f)
        imp = importance(turn.text, turn.role, len(facts))
        pos = index._add(turn, terms(turn.text), imp)
        index.summary.offer(pos, turn.turn_id, turn.text, turn.speaker or turn.role, turn.ts, turn.role, imp, turn.tokens)
        return turn

    def rebuild(self, turns: list[Turn]) -> SessionIndex:
        """Rebuild a session at service start from its persisted turn list."""
        index = self.new_index()
        for t in turns:
            self.append(index, t)
        return index

    # --- scoring -----------------------------------------------------------------------
    def score(self, index: SessionIndex, message: str, exclude: AbstractSet[int] = frozenset()) -> dict[int, tuple[float, str]]:
        """Score candidate turns only: query-term postings + recency window + top-important."""
        c, n = self.cfg, len(index)
        rel, maxrel = index.bm25.score(terms(message), c.max_candidates)
        maxrel = maxrel or 1.0
        cands = set(rel)
        cands.update(range(max(0, n - c.recency_window), n))
        cands.update(index.top_important())
        cands.difference_update(exclude)
        imp, rw, hl = index.importance, c.recency_weight, c.recency_half_life_turns
        out: dict[int, tuple[float, str]] = {}
        for p in cands:
            a = c.w_relevance * rel.get(p, 0.0) / maxrel
            b = c.w_importance * imp[p]
            decay = 1.0 - rw + rw * 0.5 ** ((n - 1 - p) / hl)  # recency: a tie-breaker, not a gate
            out[p] = ((a + b) * decay, "relevance" if a >= b else "importance")
        # continuity: the question a relevant turn answers / the answer to a relevant question
        top = heapq.nlargest(c.continuity_top, ((s, p) for p, (s, r) in out.items() if r == "relevance"))
        isq, turns = index.is_question, index.turns
        for s, p in top:
            for nb in (p - 1, p + 1):
                if nb < 0 or nb >= n or nb in exclude:
                    continue
                q, a = (nb, p) if nb < p else (p, nb)
                qa = isq[q] and turns[q].role != turns[a].role
                cs = s * (c.continuity_qa_factor if qa else c.continuity_factor)
                cur = out.get(nb)
                if cur is None or cs > cur[0]:
                    out[nb] = (cs, "continuity")
        return out

    # --- packing -----------------------------------------------------------------------
    def _count_cached(self, text: str) -> int:
        with self._cache_lock:
            n = self._cache.get(text)
            if n is not None:
                self._cache.move_to_end(text)
                return n
        n = self.tok.count(text)
        with self._cache_lock:
            self._cache[text] = n
            if len(self._cache) > 4096:
                self._cache.popitem(last=False)
        return n

    @staticmethod
    def _render_memory(profile_lines: list[str], summary_lines: list[str]) -> str:
        parts = []
        if profile_lines:
            parts.append(PROFILE_HEADER + "\n" + "\n".join(profile_lines))
        if summary_lines:
            parts.append(SUMMARY_HEADER + "\n" + "\n".join(summary_lines))
        return "\n\n".join(parts)

    def _select(
        self, index: SessionIndex, message: str, B: int, rem: int
    ) -> tuple[list[int], list[int], list, dict[int, tuple[float, str]]]:
        """Steps 2-4 of `build` when the history does not fit: pinned turns, scored turns, summary."""
        c, ov, n, turns = self.cfg, self.cfg.message_overhead_tokens, len(index), index.turns
        # 2) pinned recent turns, newest first, contiguous
        pinned: list[int] = []
        pin_cap, used = int(c.pinned_max_fraction * B), 0
        for p in range(n - 1, max(-1, n - 1 - c.pinned_recent_turns), -1):
            cost = turns[p].tokens + ov
            if used + cost > rem or (pinned and used + cost > pin_cap):
                break
            pinned.append(p)
            used += cost
        rem -= used
        first_pinned = min(pinned) if pinned else n

        # 3) scored turns, leaving a reserve for the summary of what is left out
        reserve = min(c.summary_max_tokens, int(c.summary_fraction * B), rem) if first_pinned > 0 and index.summary.items else 0
        scores = self.score(index, message, exclude=set(pinned))
        alpha = c.density_alpha
        order = sorted(
            (p for p, (s, _) in scores.items() if s >= c.min_score), key=lambda p: -scores[p][0] / (turns[p].tokens + ov) ** alpha
        )
        chosen: list[int] = []
        room = rem - reserve
        for p in order:
            cost = turns[p].tokens + ov
            if cost <= room:
                chosen.append(p)
                room -= cost
        room += reserve

        # 4) summary of older turns not sent verbatim; then spend any leftover on turns
        chosen_set = set(chosen)
        header = self._count_cached(SUMMARY_HEADER) + 3 if reserve else 0
        items = index.summary.select(chosen_set, min(room, c.summary_max_tokens) - header, first_pinned) if reserve else []
        room -= index.summary.estimate(items) + header if items else 0
        for p in order:
            if p not in chosen_set and turns[p].tokens + ov <= room:
                chosen.append(p)
                chosen_set.add(p)
                room -= turns[p].tokens + ov
        return pinned, chosen, items, scores

    def build(
        self, index: SessionIndex, message: str, budget_tokens: int, system_prompt: str = "", live: bool | None = None
    ) -> ContextResult:
        """Choose what the model sees for `message` within `budget_tokens` (never exceeded).

        While the whole history fits, it all goes, in order. Beyond that the history is
        compacted (`_compact`) and later prompts of the conversation only append to it
        (`_follow_up`), so each prompt starts with the previous one. `live`: whether more
        turns will follow this prompt; None tells from the index (an earlier prompt of the
        conversation was built with fewer turns).
        """
        t0 = time.perf_counter()
        ov, n = self.cfg.message_overhead_tokens, len(index)
        B = int(budget_tokens)
        msg_tokens = self.tok.count(message)
        sys_tokens = self._count_cached(system_prompt)
        fixed = sys_tokens + msg_tokens + 2 * ov
        if fixed > B:
            raise BudgetTooSmallError(f"system prompt + message need {fixed} tokens > budget {B}")
        key = (B, system_prompt)
        if live is None:
            live = index.last_build.get(key, n) < n
        index.last_build[key] = n
        plan: PromptPlan | None
        if index.full_tokens + ov * n <= B - fixed:
            # The whole history fits: send it all, in order, with no profile or summary (the
            # turns say it all). The prompt only grows from turn to turn.
            index.plans.pop(key, None)
            whole = {p: ("whole-history", 1.0) for p in range(n)}
            plan = PromptPlan(n, list(range(n)), whole, "", sys_tokens + ov + index.full_tokens + ov * n)
        else:
            plan = index.plans.get(key)
            if plan is None or plan.n_head >= n or not self._follow_up(index, plan, message, msg_tokens, B):
                # A live conversation keeps headroom, so the next turns append to this prompt.
                headroom = int(self.cfg.followup_headroom_fraction * B) if live else 0
                plan = self._compact(index, message, B - headroom if fixed <= B - headroom else B, sys_tokens, msg_tokens)
                if headroom:
                    # This prompt still spends the whole budget: what else fits goes in a note
                    # at its end, which the next turns drop to make their room.
                    room = B - plan.base_tokens - msg_tokens - ov
                    note = self._note(index, message, plan.shown(n), room, opening=True)
                    if note is not None:
                        plan.notes[n] = note
                index.plans[key] = plan
        result = self._render(index, plan, system_prompt, message, msg_tokens, B)
        log.debug(
            "built context: %d/%d turns, %d/%d tokens in %.2f ms",
            len(result.turns),
            n,
            result.stats.context_tokens,
            B,
            (time.perf_counter() - t0) * 1e3,
        )
        return result

    def _compact(self, index: SessionIndex, message: str, B: int, sys_tokens: int, msg_tokens: int) -> PromptPlan:
        """A fresh selection within `B`: profile > pinned recent turns > summary reserve >
        scored turns; leftovers go to the summary, then more turns."""
        c, ov, n, turns = self.cfg, self.cfg.message_overhead_tokens, len(index), index.turns
        rem = B - (sys_tokens + msg_tokens + 2 * ov)
        # 1) profile (compact; pinned, but capped)
        prof_lines: list[str] = []
        cap = min(c.profile_max_tokens, int(c.profile_max_fraction * B), rem)
        used = self._count_cached(PROFILE_HEADER) + 3
        for line in index.profile.render_lines():
            lc = self._count_cached(line) + 1
            if used + lc <= cap:
                prof_lines.append(line)
                used += lc
        rem -= used if prof_lines else 0
        pinned, chosen, items, scores = self._select(index, message, B, rem)

        # 5) exact verification; degrade summary -> scored turns -> profile -> pinned turns
        turn_cost = sum(turns[p].tokens + ov for p in chosen) + sum(turns[p].tokens + ov for p in pinned)
        while True:
            memory = self._render_memory(prof_lines, render_summary(items))
            memory_tokens = self.tok.count(memory) + ov if memory else 0
            total = sys_tokens + ov + turn_cost + memory_tokens + msg_tokens + ov
            if total <= B:
                break
            if items:  # drop the weakest summary line, recount exactly
                items.remove(min(items, key=lambda it: (it.score, it.pos)))
                continue
            if chosen:
                p = chosen.pop()  # lowest priority first
                turn_cost -= turns[p].tokens + ov
            elif prof_lines:
                prof_lines.pop()
            elif pinned:
                p = pinned.pop()  # oldest pinned first
                turn_cost -= turns[p].tokens + ov
            else:  # cannot happen: fixed <= B was checked
                raise BudgetTooSmallError(f"cannot fit mandatory parts in {B} tokens")

        reasons = {p: ("pinned-recent", 1.0) for p in pinned}
        for p in chosen:
            s, r = scores[p]
            reasons[p] = (r, s)
        profile_tokens = self._count_cached(PROFILE_HEADER + "\n" + "\n".join(prof_lines)) if prof_lines else 0
        summary_tokens = 0
        if items:  # attribute the summary's share for stats (exact total is what matters)
            profile_only = self._render_memory(prof_lines, [])
            summary_tokens = memory_tokens - (self._count_cached(profile_only) + ov if profile_only else 0)
        return PromptPlan(
            n, sorted(reasons), reasons, memory, sys_tokens + ov + turn_cost + memory_tokens, profile_tokens, summary_tokens
        )

    def _follow_up(self, index: SessionIndex, plan: PromptPlan, message: str, msg_tokens: int, B: int) -> bool:
        """Extend the plan by the turns since its last prompt; False when they no longer fit.

        If the new message recalls turns the prompt does not quote, a short note quoting the
        most relevant ones goes just before it, and stays there in later prompts.
        """
        c, ov, n, turns = self.cfg, self.cfg.message_overhead_tokens, len(index), index.turns
        plan.notes.pop(plan.n_head, None)  # the compaction's own note makes room for what follows
        cost = plan.base_tokens + msg_tokens + ov
        cost += sum(turns[p].tokens + ov + (plan.notes[p].tokens if p in plan.notes else 0) for p in range(plan.n_head, n))
        if cost > B:
            return False
        plan.notes.pop(n, None)  # a retry of this turn chooses its note again
        room = min(B - cost, int(c.followup_note_fraction * B))
        note = self._note(index, message, plan.shown(n), room, opening=False)
        if note is not None:
            plan.notes[n] = note
        return True

    def _note(self, index: SessionIndex, message: str, shown: set[int], room: int, opening: bool) -> Note | None:
        """Earlier turns the prompt does not quote yet, in one note that fits `room`.

        A follow-up's note quotes only turns that match the message well, most relevant
        first; a compaction's note takes what else scores, in the packing order of `_select`.
        """
        c, ov, turns = self.cfg, self.cfg.message_overhead_tokens, index.turns
        budget = room - ov - self._count_cached(NOTE_HEADER) - 1
        if budget <= 0:
            return None
        scores = self.score(index, message, exclude=shown)
        if opening:
            order = sorted(
                (p for p, (s, _) in scores.items() if s >= c.min_score),
                key=lambda p: -scores[p][0] / (turns[p].tokens + ov) ** c.density_alpha,
            )
        else:
            order = sorted(
                (p for p, (s, r) in scores.items() if r == "relevance" and s >= c.followup_note_min_score),
                key=lambda p: -scores[p][0],
            )
        picked: list[int] = []
        for p in order:
            # an estimate from the turn's own count (no tokenizer call per turn); the note's
            # text is counted exactly below
            cost = turns[p].tokens + 1 + (0 if turns[p].speaker else self._count_cached(f"- {turns[p].role}:"))
            if cost <= budget:
                picked.append(p)
                budget -= cost
        while picked:
            picked.sort()
            text = NOTE_HEADER + "\n" + "\n".join(_note_line(turns[p]) for p in picked)
            tokens = self.tok.count(text) + ov
            if tokens <= room:
                return Note(text, tokens, picked, [scores[p][0] for p in picked], [scores[p][1] for p in picked])
            picked.remove(min(picked, key=lambda p: scores[p][0]))
        return None

    def _render(
        self, index: SessionIndex, plan: PromptPlan, system_prompt: str, message: str, msg_tokens: int, B: int
    ) -> ContextResult:
        """The prompt of a plan at the index's current length, and its statistics."""
        ov, n, turns = self.cfg.message_overhead_tokens, len(index), index.turns
        sequence = [(turns[p].role, turns[p].content) for p in plan.head]
        if plan.memory:
            sequence.append(("system", plan.memory))
        reasons = dict(plan.reasons)
        total = plan.base_tokens + msg_tokens + ov
        for p in range(plan.n_head, n + 1):
            note = plan.notes.get(p)
            if note is not None:
                sequence.append(("system", note.text))
                total += note.tokens
                reasons.update((q, (r, s)) for q, s, r in zip(note.positions, note.scores, note.reasons, strict=True))
            if p < n:
                sequence.append((turns[p].role, turns[p].content))
                total += turns[p].tokens + ov
                reasons[p] = ("pinned-recent", 1.0)
        verbatim = plan.head + list(range(plan.n_head, n))
        selected = [
            SelectedTurn(turns[p].turn_id, round(reasons[p][1], 4), reasons[p][0], turns[p].tokens, turns[p].content[:80])
            for p in sorted(reasons)
        ]
        full = index.full_tokens + ov * n
        stats = ContextStats(
            turns_total=n,
            full_history_tokens=full,
            context_tokens=total,
            reduction_ratio=round(1.0 - total / full, 4) if full else 0.0,
            budget_tokens=B,
            profile_tokens=plan.profile_tokens,
            summary_used=plan.summary_tokens > 0,
            summary_tokens=plan.summary_tokens,
            selected=selected,
        )
        return ContextResult(system_prompt, [turns[p] for p in verbatim], message, stats, plan.memory, sequence)


def _note_line(turn: Turn) -> str:
    return f"- {turn.speaker or turn.role}: {turn.text}"
