"""ContextEngine: append turns incrementally, build a budgeted context for a new message.

Budget accounting (exact, never exceeded): every returned chat message costs
`count(content) + message_overhead_tokens` (ChatML framing splits messages at special
tokens, so per-message counts add up). Turn counts are taken once at append; the system
instruction (prompt + profile + summary) is counted once, exactly, at the end of a build.
"""

from __future__ import annotations

import heapq
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Set as AbstractSet

import numpy as np

from .budget import Budget
from .entities import mentions
from .importance import importance
from .index import SessionIndex
from .model import MATCHES, ContextConfig, ContextResult, ContextStats, SelectedTurn, Turn
from .plan import Note, PromptPlan
from .profile import extract_facts
from .semantic import SemanticReader
from .summary import render as render_summary
from .text import asks_when, terms
from .timeref import referenced
from .tokenizer import Tokenizer, get_tokenizer

log = logging.getLogger(__name__)

PROFILE_HEADER = "Known facts about the user:"
SUMMARY_HEADER = "Summary of earlier conversation:"
NOTE_HEADER = "Earlier messages that may matter here:"


class BudgetTooSmallError(ValueError):
    """The system prompt plus the new message alone exceed the budget."""


class ContextEngine:
    def __init__(
        self, tokenizer: Tokenizer | None = None, config: ContextConfig | None = None, semantic: SemanticReader | None = None
    ) -> None:
        self.tok = tokenizer if tokenizer is not None else get_tokenizer()
        self.cfg = config or ContextConfig()
        self.semantic = semantic  # None: relevance is BM25 alone
        # Whether a build may embed what it lacks itself. The context service embeds off its
        # event loop before each build and turns this off; what is still missing scores 0.
        self.embed_inline = True
        self._cache: OrderedDict[str, int] = OrderedDict()  # counts of repeated strings
        self._cache_lock = threading.Lock()

    # --- indexing ----------------------------------------------------------------------
    def new_index(self) -> SessionIndex:
        c = self.cfg
        return SessionIndex(c.bm25_k1, c.bm25_b, c.summary_pool_size, c.top_important, self.semantic is not None)

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

    def will_compact(self, index: SessionIndex, budget_tokens: int, message: str, system_prompt: str = "") -> bool:
        """Whether a build may score turns: the history, message and system prompt come near
        the budget (within a tenth; better a needless guess than a miss)."""
        framing = self.cfg.message_overhead_tokens * (len(index) + 2)
        needed = index.full_tokens + framing + self.tok.count(message) + self._count_cached(system_prompt)
        return needed > 0.9 * budget_tokens

    # --- scoring -----------------------------------------------------------------------
    def score(self, index: SessionIndex, message: str, exclude: AbstractSet[int] = frozenset()) -> dict[int, tuple[float, str]]:
        """Score candidate turns only: query-term postings + recency window + top-important +
        the turns of a time the message names."""
        c, n = self.cfg, len(index)
        query = terms(message)
        # A message that names a speaker asks about what they said: their name is not a word to
        # match (the others say it when they address them), their turns weigh more.
        about = index.speakers_named(query)
        if about:
            names = frozenset().union(*(index.speaker_terms[name] for name in about))
            query = [term for term in query if term not in names] or query
        rel, maxrel = index.bm25.score(query, c.max_candidates)
        maxrel = maxrel or 1.0
        cands = set(rel)
        meaning = self._meaning(index, message)
        if meaning is not None:
            related = np.flatnonzero(meaning > 0.0)
            if len(related) > c.semantic_candidates:
                related = related[np.argpartition(-meaning[related], c.semantic_candidates - 1)[: c.semantic_candidates]]
            cands.update(related.tolist())
        cands.update(range(max(0, n - c.recency_window), n))
        cands.update(index.top_important())
        timely = self._timely(index, message)
        if len(timely) <= c.time_candidates:
            cands.update(timely)
        about_entities = self._about_entities(index, message)
        cands.update(about_entities)
        cands.difference_update(exclude)
        imp, rw, hl = index.importance, c.recency_weight, c.recency_half_life_turns
        out: dict[int, tuple[float, str]] = {}
        turns, timed = index.turns, index.says_when
        when = c.when_factor if asks_when(message) else 1.0
        for p in cands:
            lexical = c.w_relevance * rel.get(p, 0.0) / maxrel
            semantic = c.w_semantic * float(meaning[p]) if meaning is not None else 0.0
            entity = c.w_entity * about_entities.get(p, 0.0)
            a = lexical + semantic + entity
            if about:
                a *= 1.0 if turns[p].speaker in about else c.other_speaker_factor
            if timed[p]:
                a *= when
            if p in timely:
                a = (a + c.time_bonus) * c.time_factor
            b = c.w_importance * imp[p]
            decay = 1.0 - rw + rw * 0.5 ** ((n - 1 - p) / hl)  # recency: a tie-breaker, not a gate
            if a < b:
                reason = "importance"
            elif p in timely or (timed[p] and when > 1.0):
                reason = "time"
            elif entity > max(lexical, semantic):
                reason = "entity"
            else:
                reason = "meaning" if semantic > lexical else "relevance"
            out[p] = ((a + b) * decay, reason)
        # continuity: the question a relevant turn answers / the answer to a relevant question
        top = heapq.nlargest(c.continuity_top, ((s, p) for p, (s, r) in out.items() if r in MATCHES))
        isq = index.is_question
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
        self._hop_by_entities(index, out, top, exclude)
        return out

    def _about_entities(self, index: SessionIndex, message: str) -> dict[int, float]:
        """The turns about the people and things the message names: each turn's share of the
        message's entities, weighted by rarity (half for a turn that only refers back)."""
        entities = index.entities
        asked = mentions(message, self.cfg.profile_role, None, entities.known_names).named - index.speaker_names
        # an entity of many turns ("my kids" in a family chat) is a word to match, not a link
        common = self.cfg.max_candidates // 4
        held = {
            entity: entities.turns_of[entity]
            for entity in asked
            if len(entities.turns_of.get(entity, ())) in range(1, common + 1)
        }
        if not held:
            return {}
        weights = {entity: math.log(1.0 + len(index) / len(positions)) for entity, positions in held.items()}
        total = sum(weights.values())
        out: dict[int, float] = {}
        for entity, positions in held.items():
            for position in positions:
                share = weights[entity] / total * (1.0 if entity in entities.named[position] else 0.5)
                out[position] = out.get(position, 0.0) + share
        return out

    def _hop_by_entities(
        self, index: SessionIndex, out: dict[int, tuple[float, str]], top: list[tuple[float, int]], exclude: AbstractSet[int]
    ) -> None:
        """Multi-hop: the other turns about a strongly chosen turn's rarer entities score a share of it."""
        config, entities = self.cfg, index.entities
        for score, position in top:
            for entity in entities.named[position]:
                positions = entities.turns_of[entity]
                if len(positions) > config.entity_hop_max_turns:
                    continue
                hop = score * config.entity_hop_factor
                for other in positions:
                    current = out.get(other)
                    if other not in exclude and (current is None or hop > current[0]):
                        out[other] = (hop, "entity")

    def _timely(self, index: SessionIndex, message: str) -> set[int]:
        """The turns said at, or naming, a time the message names ("last week" counts back from
        `index.message_time`, else from the newest turn); none if that is most of them."""
        if not len(index):
            return set()
        now = index.message_time if index.message_time is not None else index.turns[-1].ts
        spans = referenced(message, now)
        timely = index.times.matching(spans)
        return timely if len(timely) <= self.cfg.time_max_share * len(index) else set()

    # --- packing -----------------------------------------------------------------------
    def prepare_meaning(self, index: SessionIndex, message: str) -> None:
        """Embeds what scoring `message` by meaning needs: the turns stored without a vector, in
        one batch, and the message. (The context service does the embedding off its event loop
        first: ContextServicer.BuildContext.)"""
        if self.semantic is None:
            return
        positions = index.take_unembedded()
        try:
            self.semantic.prepare([index.turns[position] for position in positions], message)
        finally:
            index.attach_vectors(positions)

    def _meaning(self, index: SessionIndex, message: str) -> np.ndarray | None:
        """Each turn's closeness in meaning to the message, 0..1 (cosine above the floor,
        rescaled); None without a SemanticReader or turns."""
        if self.semantic is None or not len(index):
            return None
        if self.embed_inline:
            try:
                self.prepare_meaning(index, message)
            except Exception:
                log.warning("sentence embedding failed; scoring by words alone", exc_info=True)
        query = self.semantic.cached_query(message)
        if query is None:
            return None
        cosines = index.vectors.cosines(query)
        # Relative to this session: how much closer than its typical turn (the median), as a
        # share of the closest turn's lead. Raw cosines shift with the text: turns that start
        # with a speaker's name all share it.
        typical, best = float(np.median(cosines)), float(cosines.max())
        lead = (cosines - typical) / max(best - typical, 1e-6)
        floor = self.cfg.semantic_floor
        return np.maximum(lead - floor, 0.0) / (1.0 - floor)

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

    def _packing_order(self, index: SessionIndex, scores: dict[int, tuple[float, str]]) -> list[int]:
        """Turns that score enough, densest first (score per token, tempered by `density_alpha`)."""
        config, overhead, turns = self.cfg, self.cfg.message_overhead_tokens, index.turns
        return sorted(
            (position for position, (score, _) in scores.items() if score >= config.min_score),
            key=lambda position: -scores[position][0] / (turns[position].tokens + overhead) ** config.density_alpha,
        )

    def build(
        self,
        index: SessionIndex,
        message: str,
        budget_tokens: int,
        system_prompt: str = "",
        live: bool | None = None,
        now: float | None = None,
    ) -> ContextResult:
        """Choose what the model sees for `message` within `budget_tokens` (never exceeded).

        While the whole history fits, it all goes, in order. Beyond that the history is
        compacted (`_compact`) and later prompts of the conversation only append to it
        (`_follow_up`), so each prompt starts with the previous one. `live`: whether more
        turns will follow this prompt; None tells from the index (an earlier prompt of the
        conversation was built with fewer turns). `now`: when the message was sent (unix
        seconds; None: just after the newest turn), what "yesterday" in it counts from.
        """
        started = time.perf_counter()
        index.message_time = now
        turn_count = len(index)
        budget = Budget(
            total=int(budget_tokens),
            overhead=self.cfg.message_overhead_tokens,
            message_tokens=self.tok.count(message),
            system_tokens=self._count_cached(system_prompt),
        )
        if budget.fixed > budget.total:
            raise BudgetTooSmallError(f"system prompt + message need {budget.fixed} tokens > budget {budget.total}")
        key = (budget.total, system_prompt)
        if live is None:
            live = index.last_build.get(key, turn_count) < turn_count
        index.last_build[key] = turn_count
        if budget.framed(index.full_tokens, turn_count) <= budget.for_history:
            index.plans.pop(key, None)  # once it no longer fits, compact afresh
            plan = self._whole_history_plan(index, budget)
        else:
            plan = self._reuse_or_compact(index, key, message, budget, live)
        result = self._render(index, plan, system_prompt, message, budget)
        log.debug(
            "built context: %d/%d turns, %d/%d tokens in %.2f ms",
            len(result.turns),
            turn_count,
            result.stats.context_tokens,
            budget.total,
            (time.perf_counter() - started) * 1e3,
        )
        return result

    @staticmethod
    def _whole_history_plan(index: SessionIndex, budget: Budget) -> PromptPlan:
        """Every turn, in order, and no profile or summary (the turns say it all): the prompt only grows."""
        turn_count = len(index)
        every_turn = list(range(turn_count))
        reasons = {position: ("whole-history", 1.0) for position in every_turn}
        return PromptPlan(turn_count, every_turn, reasons, "", budget.system_cost + budget.framed(index.full_tokens, turn_count))

    def _reuse_or_compact(
        self, index: SessionIndex, key: tuple[int, str], message: str, budget: Budget, live: bool
    ) -> PromptPlan:
        """Extend the conversation's plan by the turns since, or compact afresh if they no longer fit."""
        plan = index.plans.get(key)
        if plan is not None and plan.n_head < len(index) and self._follow_up(index, plan, message, budget):
            return plan
        plan = self._compact_with_headroom(index, message, budget, live)
        index.plans[key] = plan
        return plan

    def _compact_with_headroom(self, index: SessionIndex, message: str, budget: Budget, live: bool) -> PromptPlan:
        """A compaction that, in a live conversation, leaves headroom for the next turns to append."""
        headroom = int(self.cfg.followup_headroom_fraction * budget.total) if live else 0
        plan = self._compact(index, message, budget.less(headroom))
        if headroom:
            # This prompt still spends the whole budget: what else fits goes in a note at its
            # end, which the next turns drop to make their room.
            turn_count = len(index)
            note = self._note(index, message, plan.shown(turn_count), budget.room(plan.base_tokens), opening=True)
            if note is not None:
                plan.notes[turn_count] = note
        return plan

    def _compact(self, index: SessionIndex, message: str, budget: Budget) -> PromptPlan:
        """A fresh selection within `budget`: profile > pinned recent turns > summary reserve >
        scored turns; leftovers go to the summary, then more turns."""
        overhead, turn_count, turns = budget.overhead, len(index), index.turns
        profile_lines, profile_estimate = self._profile_lines(index, budget)
        pinned, chosen, items, scores = self._select(index, message, budget, budget.for_history - profile_estimate)

        # 5) exact verification; degrade summary -> scored turns -> profile -> pinned turns
        turn_tokens = sum(turns[position].tokens + overhead for position in chosen + pinned)
        while True:
            memory = self._render_memory(profile_lines, render_summary(items))
            memory_tokens = self.tok.count(memory) + overhead if memory else 0
            if budget.fixed + turn_tokens + memory_tokens <= budget.total:
                break
            if items:  # drop the weakest summary line, recount exactly
                items.remove(min(items, key=lambda item: (item.score, item.pos)))
                continue
            if chosen:
                position = chosen.pop()  # lowest priority first
                turn_tokens -= turns[position].tokens + overhead
            elif profile_lines:
                profile_lines.pop()
            elif pinned:
                position = pinned.pop()  # oldest pinned first
                turn_tokens -= turns[position].tokens + overhead
            else:  # cannot happen: fixed <= total was checked
                raise BudgetTooSmallError(f"cannot fit mandatory parts in {budget.total} tokens")

        reasons = {position: ("pinned-recent", 1.0) for position in pinned}
        for position in chosen:
            score, reason = scores[position]
            reasons[position] = (reason, score)
        profile_tokens = self._count_cached(PROFILE_HEADER + "\n" + "\n".join(profile_lines)) if profile_lines else 0
        summary_tokens = 0
        if items:  # attribute the summary's share for stats (exact total is what matters)
            profile_only = self._render_memory(profile_lines, [])
            summary_tokens = memory_tokens - (self._count_cached(profile_only) + overhead if profile_only else 0)
        base_tokens = budget.system_cost + turn_tokens + memory_tokens
        return PromptPlan(turn_count, sorted(reasons), reasons, memory, base_tokens, profile_tokens, summary_tokens)

    def _profile_lines(self, index: SessionIndex, budget: Budget) -> tuple[list[str], int]:
        """Step 1 of `_compact`: the profile (compact; pinned, but capped) and its estimated tokens."""
        config = self.cfg
        cap = min(config.profile_max_tokens, int(config.profile_max_fraction * budget.total), budget.for_history)
        lines: list[str] = []
        used = self._count_cached(PROFILE_HEADER) + 3
        for line in index.profile.render_lines(hidden=index.hidden_facts):
            line_tokens = self._count_cached(line) + 1
            if used + line_tokens <= cap:
                lines.append(line)
                used += line_tokens
        return lines, used if lines else 0

    def _select(
        self, index: SessionIndex, message: str, budget: Budget, remaining: int
    ) -> tuple[list[int], list[int], list, dict[int, tuple[float, str]]]:
        """Steps 2-4 of `_compact`, within `remaining` tokens: pinned turns, scored turns, summary."""
        config, overhead, turn_count, turns = self.cfg, budget.overhead, len(index), index.turns
        # 2) pinned recent turns, newest first, contiguous
        pinned: list[int] = []
        pin_cap, used = int(config.pinned_max_fraction * budget.total), 0
        for position in range(turn_count - 1, max(-1, turn_count - 1 - config.pinned_recent_turns), -1):
            cost = turns[position].tokens + overhead
            if used + cost > remaining or (pinned and used + cost > pin_cap):
                break
            pinned.append(position)
            used += cost
        remaining -= used
        first_pinned = min(pinned) if pinned else turn_count

        # 3) scored turns, leaving a reserve for the summary of what is left out
        reserve = 0
        if first_pinned > 0 and index.summary.items:
            reserve = min(config.summary_max_tokens, int(config.summary_fraction * budget.total), remaining)
        scores = self.score(index, message, exclude=set(pinned))
        order = self._packing_order(index, scores)
        chosen: list[int] = []
        room = remaining - reserve
        for position in order:
            cost = turns[position].tokens + overhead
            if cost <= room:
                chosen.append(position)
                room -= cost
        room += reserve

        # 4) summary of older turns not sent verbatim; then spend any leftover on turns
        chosen_set = set(chosen)
        items = []
        if reserve:
            header = self._count_cached(SUMMARY_HEADER) + 3
            items = index.summary.select(chosen_set, min(room, config.summary_max_tokens) - header, first_pinned)
            if items:
                room -= index.summary.estimate(items) + header
        for position in order:
            cost = turns[position].tokens + overhead
            if position not in chosen_set and cost <= room:
                chosen.append(position)
                chosen_set.add(position)
                room -= cost
        return pinned, chosen, items, scores

    def _follow_up(self, index: SessionIndex, plan: PromptPlan, message: str, budget: Budget) -> bool:
        """Extend the plan by the turns since its last prompt; False when they no longer fit.

        If the new message recalls turns the prompt does not quote, a short note quoting the
        most relevant ones goes just before it, and stays there in later prompts.
        """
        turn_count, turns = len(index), index.turns
        plan.notes.pop(plan.n_head, None)  # the compaction's own note makes room for what follows
        appended = sum(
            turns[position].tokens + budget.overhead + (plan.notes[position].tokens if position in plan.notes else 0)
            for position in range(plan.n_head, turn_count)
        )
        room = budget.room(plan.base_tokens + appended)
        if room < 0:
            return False
        plan.notes.pop(turn_count, None)  # a retry of this turn chooses its note again
        room = min(room, int(self.cfg.followup_note_fraction * budget.total))
        note = self._note(index, message, plan.shown(turn_count), room, opening=False)
        if note is not None:
            plan.notes[turn_count] = note
        return True

    def _note(self, index: SessionIndex, message: str, shown: set[int], room: int, opening: bool) -> Note | None:
        """Earlier turns the prompt does not quote yet, in one note that fits `room`.

        A follow-up's note quotes only turns that match the message well, most relevant
        first; a compaction's note takes what else scores, in the packing order of `_select`.
        """
        config, overhead, turns = self.cfg, self.cfg.message_overhead_tokens, index.turns
        quote_room = room - overhead - self._count_cached(NOTE_HEADER) - 1
        if quote_room <= 0:
            return None
        scores = self.score(index, message, exclude=shown)
        if opening:
            order = self._packing_order(index, scores)
        else:
            order = sorted(
                (
                    position
                    for position, (score, reason) in scores.items()
                    # by words or time only: some turn is always closest in meaning, even to "thanks"
                    if reason in ("relevance", "time", "entity") and score >= config.followup_note_min_score
                ),
                key=lambda position: -scores[position][0],
            )
        picked: list[int] = []
        for position in order:
            turn = turns[position]
            # an estimate from the turn's own count (no tokenizer call per turn); the note's
            # text is counted exactly below
            cost = turn.tokens + 1 + (0 if turn.speaker else self._count_cached(f"- {turn.role}:"))
            if cost <= quote_room:
                picked.append(position)
                quote_room -= cost
        while picked:
            picked.sort()
            text = NOTE_HEADER + "\n" + "\n".join(_note_line(turns[position]) for position in picked)
            tokens = self.tok.count(text) + overhead
            if tokens <= room:
                return Note(
                    text,
                    tokens,
                    picked,
                    [scores[position][0] for position in picked],
                    [scores[position][1] for position in picked],
                )
            picked.remove(min(picked, key=lambda position: scores[position][0]))
        return None

    def _render(self, index: SessionIndex, plan: PromptPlan, system_prompt: str, message: str, budget: Budget) -> ContextResult:
        """The prompt of a plan at the index's current length, and its statistics."""
        overhead, turn_count, turns = budget.overhead, len(index), index.turns
        sequence = [(turns[position].role, turns[position].content) for position in plan.head]
        if plan.memory:
            sequence.append(("system", plan.memory))
        reasons = dict(plan.reasons)
        context_tokens = plan.base_tokens + budget.message_cost
        for position in range(plan.n_head, turn_count + 1):
            note = plan.notes.get(position)
            if note is not None:
                sequence.append(("system", note.text))
                context_tokens += note.tokens
                reasons.update(
                    (quoted, (reason, score))
                    for quoted, score, reason in zip(note.positions, note.scores, note.reasons, strict=True)
                )
            if position < turn_count:
                sequence.append((turns[position].role, turns[position].content))
                context_tokens += turns[position].tokens + overhead
                reasons[position] = ("pinned-recent", 1.0)
        verbatim = plan.head + list(range(plan.n_head, turn_count))
        selected = [
            SelectedTurn(
                turns[position].turn_id,
                round(reasons[position][1], 4),
                reasons[position][0],
                turns[position].tokens,
                turns[position].content[:80],
            )
            for position in sorted(reasons)
        ]
        full = budget.framed(index.full_tokens, turn_count)
        stats = ContextStats(
            turns_total=turn_count,
            full_history_tokens=full,
            context_tokens=context_tokens,
            reduction_ratio=round(1.0 - context_tokens / full, 4) if full else 0.0,
            budget_tokens=budget.total,
            profile_tokens=plan.profile_tokens,
            summary_used=plan.summary_tokens > 0,
            summary_tokens=plan.summary_tokens,
            selected=selected,
        )
        return ContextResult(system_prompt, [turns[position] for position in verbatim], message, stats, plan.memory, sequence)


def _note_line(turn: Turn) -> str:
    return f"- {turn.speaker or turn.role}: {turn.text}"
