"""The InferenceService gRPC API: one streaming Generate over the provider chain."""

from __future__ import annotations

from collections.abc import AsyncIterator

from grpc import aio

from chat_common import pb
from chat_common.errors import InvalidArgument, Unavailable
from inference_service.coalesce import coalesced
from inference_service.providers.base import Attachment, Delta, Prompt, ProviderError, Turn
from inference_service.router import Done, ProviderChain, Restart
from inference_service.settings import InferenceSettings

_ROLES = {pb.common.ROLE_USER: "user", pb.common.ROLE_ASSISTANT: "assistant", pb.common.ROLE_SYSTEM: "system"}


def to_prompt(request: pb.inference.GenerateRequest, default_max_tokens: int) -> Prompt:
    if not request.messages:
        raise InvalidArgument("messages must not be empty")
    turns = []
    for message in request.messages:
        role = _ROLES.get(message.role)
        if role is None:
            raise InvalidArgument("every message needs role ROLE_USER, ROLE_ASSISTANT or ROLE_SYSTEM")
        turns.append(Turn(role, message.content))
    if turns[-1].role != "user":
        raise InvalidArgument("the last message must be the user's")
    if request.max_output_tokens < 0:
        raise InvalidArgument("max_output_tokens must not be negative")
    return Prompt(
        system=request.system_instruction,
        memory=request.memory,
        turns=turns,
        attachments=[Attachment(a.name, a.media_type, a.data) for a in request.attachments],
        max_output_tokens=request.max_output_tokens or default_max_tokens,
    )


class InferenceServicer(pb.inference_grpc.InferenceServiceServicer):
    def __init__(self, chain: ProviderChain, settings: InferenceSettings) -> None:
        self.chain = chain
        self.settings = settings

    async def Generate(
        self, request: pb.inference.GenerateRequest, context: aio.ServicerContext
    ) -> AsyncIterator[pb.inference.GenerateResponse]:
        prompt = to_prompt(request, self.settings.max_output_tokens)
        # The caller's deadline bounds the whole chain (None when the caller set none).
        remaining = context.time_remaining()
        try:
            async for event in coalesced(self.chain.generate(prompt, timeout=remaining)):
                if isinstance(event, Delta):
                    yield pb.inference.GenerateResponse(delta=event.text)
                elif isinstance(event, Restart):
                    yield pb.inference.GenerateResponse(
                        restart=pb.inference.ProviderRestart(failed_provider=event.failed_provider, reason=event.reason)
                    )
                elif isinstance(event, Done):
                    yield pb.inference.GenerateResponse(
                        done=pb.inference.GenerationDone(
                            provider=event.provider,
                            model=event.model,
                            fallback=event.fallback,
                            usage=pb.common.TokenUsage(
                                prompt_tokens=event.usage.prompt_tokens,
                                completion_tokens=event.usage.completion_tokens,
                                total_tokens=event.usage.total_tokens,
                            ),
                        )
                    )
        except ProviderError as exc:
            raise Unavailable(f"no provider could answer: {exc}") from exc
