"""The ContextService gRPC API."""

from __future__ import annotations

import logging
import time

from grpc import aio

from chat_common import pb
from chat_common.errors import FailedPrecondition, InvalidArgument, require
from chat_common.metrics import CONTEXT_REDUCTION, CONTEXT_TOKENS_SAVED
from context_service.db.profiles import OwnerProfiles
from context_service.engine import BudgetTooSmallError, ContextEngine, ContextResult, SessionIndex, Turn
from context_service.owner_profile import OwnerNote, delete_fact, fact_out, learned, note_for, set_fact
from context_service.settings import ContextSettings
from context_service.store import TurnStore

log = logging.getLogger("context_service.servicer")

_ROLES = {"user": pb.common.ROLE_USER, "assistant": pb.common.ROLE_ASSISTANT, "system": pb.common.ROLE_SYSTEM}
MAX_BUDGET = 1_000_000


def to_response(result: ContextResult) -> pb.context.BuildContextResponse:
    stats = result.stats
    messages = [pb.common.ChatMessage(role=_ROLES[role], content=content) for role, content in result.messages[1:]]
    return pb.context.BuildContextResponse(
        system_instruction=result.system_instruction,
        messages=messages,
        stats=pb.common.ContextStats(
            full_history_tokens=stats.full_history_tokens,
            context_tokens=stats.context_tokens,
            # A short chat's context (system prompt included) can outgrow its history: nothing saved.
            reduction_ratio=min(1.0, max(0.0, stats.reduction_ratio)),
            turns_total=stats.turns_total,
            summary_used=stats.summary_used,
            selected=[
                pb.common.SelectedTurn(turn_id=s.turn_id, score=s.score, reason=s.reason, tokens=s.tokens, preview=s.preview)
                for s in stats.selected
            ],
        ),
    )


def _head(index: SessionIndex) -> str:
    """The exchange the memory ends with ("" when empty)."""
    return index.turns[-1].turn_id.split(":")[0] if index.turns else ""


class ContextServicer(pb.context_grpc.ContextServiceServicer):
    def __init__(self, engine: ContextEngine, store: TurnStore, settings: ContextSettings, profiles: OwnerProfiles) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings
        self.profiles = profiles

    async def BuildContext(
        self, request: pb.context.BuildContextRequest, context: aio.ServicerContext
    ) -> pb.context.BuildContextResponse:
        require(request.session_id, "session_id")
        require(request.message.strip(), "message")
        if not 0 <= request.token_budget <= MAX_BUDGET:
            raise InvalidArgument(f"token_budget must be between 0 and {MAX_BUDGET}")
        budget = request.token_budget or self.settings.default_token_budget
        index = await self.store.index(request.session_id)
        if request.check_branch and _head(index) != request.after_turn_id:
            # Not the branch the message follows: the user regenerated, edited or switched.
            if not request.set_branch:
                raise FailedPrecondition("the conversation's branch changed: send the branch (set_branch)")
            await self.store.set_branch(request.session_id, list(request.branch_turn_ids))
            index = await self.store.index(request.session_id)
        note = OwnerNote("", frozenset())
        if request.owner:
            note = note_for(await self.profiles.all(request.owner), index)
        note_tokens = self.engine.tok.count(note.text) + 4 if note.text else 0
        if note_tokens and budget - note_tokens < budget // 2:
            note, note_tokens = OwnerNote("", note.hidden), 0  # a small budget keeps its room for the turns
        budget -= note_tokens
        message, sent_at = request.message, time.time()  # "yesterday" in the message counts from now
        await self._prepare_meaning(index, budget, message)
        index.hidden_facts = note.hidden  # after the await: another build of this session may run meanwhile
        # A message larger than the whole budget (a pasted document) is cut to fit, not refused.
        while True:
            try:
                result = self.engine.build(index, message, budget, self.settings.system_prompt, now=sent_at)
                break
            except BudgetTooSmallError:
                if len(message) < 64:
                    raise InvalidArgument("token_budget is too small for the system prompt") from None
                message = message[: len(message) * 3 // 4]
        stats = result.stats
        if stats.full_history_tokens:
            CONTEXT_TOKENS_SAVED.inc(max(0, stats.full_history_tokens - stats.context_tokens))
            CONTEXT_REDUCTION.observe(max(0.0, stats.reduction_ratio))
        log.info(
            "context: %d of %d tokens (%d turns chosen of %d)",
            result.stats.context_tokens,
            result.stats.full_history_tokens,
            len(result.turns),
            result.stats.turns_total,
        )
        response = to_response(result)
        if note.text:
            response.messages.insert(0, pb.common.ChatMessage(role=pb.common.ROLE_SYSTEM, content=note.text))
            response.stats.context_tokens += note_tokens
        return response

    async def _prepare_meaning(self, index: SessionIndex, budget: int, message: str) -> None:
        """Vectors for the message and any turn still without one, computed off the event loop
        and held by the index on it (appends may change the index meanwhile)."""
        semantic = self.engine.semantic
        if semantic is None or not self.engine.will_compact(index, budget, message, self.settings.system_prompt):
            return
        positions = index.take_unembedded()
        try:
            await semantic.embed_async([index.turns[position] for position in positions], message)
        finally:
            index.attach_vectors(positions)

    async def AppendTurn(
        self, request: pb.context.AppendTurnRequest, context: aio.ServicerContext
    ) -> pb.context.AppendTurnResponse:
        require(request.session_id, "session_id")
        require(request.turn_id, "turn_id")
        if not request.user_text and not request.assistant_text:
            raise InvalidArgument("user_text or assistant_text is required")
        ts = (request.at_ms or int(time.time() * 1000)) / 1000
        turns = []
        if request.user_text:
            turns.append(Turn(f"{request.turn_id}:u", "user", request.user_text, ts))
        if request.assistant_text:
            turns.append(Turn(f"{request.turn_id}:a", "assistant", request.assistant_text, ts))
        appended, total = await self.store.append(request.session_id, request.turn_id, turns)
        if appended and request.owner:
            index = await self.store.index(request.session_id)
            await self.profiles.learn(request.owner, learned(index), int(ts * 1000))
        return pb.context.AppendTurnResponse(appended=appended, turns_total=total)

    async def ClearContext(
        self, request: pb.context.ClearContextRequest, context: aio.ServicerContext
    ) -> pb.context.ClearContextResponse:
        require(request.session_id, "session_id")
        return pb.context.ClearContextResponse(cleared_turns=await self.store.clear(request.session_id, request.deleted))

    async def GetProfile(self, request: pb.context.GetProfileRequest, context: aio.ServicerContext) -> pb.context.UserProfile:
        require(request.session_id, "session_id")
        index = await self.store.index(request.session_id)
        facts = [
            pb.context.ProfileFact(
                key=f.key,
                value=f.value,
                confidence=f.confidence,
                source_turn=f.turn_id.split(":")[0],
                updated_at_ms=int(f.ts * 1000),
            )
            for f in index.profile.facts()
        ]
        return pb.context.UserProfile(facts=facts, summary="; ".join(index.profile.render_lines()))

    async def GetOwnerProfile(
        self, request: pb.context.OwnerProfileRequest, context: aio.ServicerContext
    ) -> pb.context.UserProfile:
        require(request.owner, "owner")
        facts = [f for f in await self.profiles.all(request.owner) if not f.deleted]
        return pb.context.UserProfile(facts=[fact_out(f) for f in facts], summary="; ".join(f"{f.key}: {f.value}" for f in facts))

    async def SetFact(self, request: pb.context.SetFactRequest, context: aio.ServicerContext) -> pb.context.ProfileFact:
        require(request.owner, "owner")
        return await set_fact(self.profiles, request.owner, request.key, request.value)

    async def DeleteFact(
        self, request: pb.context.DeleteFactRequest, context: aio.ServicerContext
    ) -> pb.context.DeleteFactResponse:
        require(request.owner, "owner")
        await delete_fact(self.profiles, request.owner, request.key)
        return pb.context.DeleteFactResponse(deleted=True)

    async def MoveProfile(
        self, request: pb.context.MoveProfileRequest, context: aio.ServicerContext
    ) -> pb.context.MoveProfileResponse:
        require(request.from_owner, "from_owner")
        require(request.to_owner, "to_owner")
        if request.from_owner == request.to_owner:
            return pb.context.MoveProfileResponse(moved=0)
        return pb.context.MoveProfileResponse(moved=await self.profiles.move(request.from_owner, request.to_owner))

    async def DeleteProfile(
        self, request: pb.context.OwnerProfileRequest, context: aio.ServicerContext
    ) -> pb.context.DeleteProfileResponse:
        require(request.owner, "owner")
        return pb.context.DeleteProfileResponse(deleted=await self.profiles.erase(request.owner))
