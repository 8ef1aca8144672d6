"""The ContextService gRPC API."""

from __future__ import annotations

import logging
import time

from grpc import aio

from chat_common import pb
from chat_common.errors import InvalidArgument, require
from chat_common.metrics import CONTEXT_REDUCTION, CONTEXT_TOKENS_SAVED
from context_service.engine import BudgetTooSmallError, ContextEngine, ContextResult, Turn
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


class ContextServicer(pb.context_grpc.ContextServiceServicer):
    def __init__(self, engine: ContextEngine, store: TurnStore, settings: ContextSettings) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings

    async def BuildContext(
        self, request: pb.context.BuildContextRequest, context: aio.ServicerContext
    ) -> pb.context.BuildContextResponse:
        require(request.session_id, "session_id")
        require(request.message.strip(), "message")
        if not 0 <= request.token_budget <= MAX_BUDGET:
            raise InvalidArgument(f"token_budget must be between 0 and {MAX_BUDGET}")
        budget = request.token_budget or self.settings.default_token_budget
        index = await self.store.index(request.session_id)
        message = request.message
        # A message larger than the whole budget (a pasted document) is cut to fit, not refused.
        while True:
            try:
                result = self.engine.build(index, message, budget, self.settings.system_prompt)
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
        return to_response(result)

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
        return pb.context.AppendTurnResponse(appended=appended, turns_total=total)

    async def ClearContext(
        self, request: pb.context.ClearContextRequest, context: aio.ServicerContext
    ) -> pb.context.ClearContextResponse:
        require(request.session_id, "session_id")
        return pb.context.ClearContextResponse(cleared_turns=await self.store.clear(request.session_id))

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
