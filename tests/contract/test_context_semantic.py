"""ContextService with CONTEXT_SEMANTIC on, over real gRPC: a long session is searched by meaning."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from grpc import aio

from chat_common import pb
from chat_common.grpc.client import channel
from chat_common.redis_client import tagged
from context_service.engine.semantic import unpack
from suite.processes import Suite
from tests.contract.conftest import start_suite

FILLER = [
    ("I finally finished that novel about the lighthouse.", "Noted, good luck with that."),
    ("I still need to repaint the kitchen cabinets.", "Thanks for telling me."),
    ("The new coffee place downtown opens at seven.", "Good to know."),
    ("My laptop battery barely lasts two hours now.", "That is annoying."),
    ("We should book the dentist appointment soon.", "I can remind you."),
    ("My tax forms are due on Friday.", "Do not forget them."),
]
EVIDENCE = ("Every weekend I'm out on the ocean catching waves on my board.", "That sounds wonderful.")
QUESTION = "Which sport do I do?"


@pytest.fixture(scope="module")
def semantic_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    suite = start_suite(tmp_path_factory.mktemp("semantic"), ["context_service"], {"CONTEXT_SEMANTIC": "true"})
    yield suite
    suite.stop()


@pytest.fixture
async def semantic_channel(semantic_backend: Suite) -> AsyncIterator[aio.Channel]:
    ch = channel(semantic_backend.addr("context_service"), unary_timeout=30)
    yield ch
    await ch.close()


async def long_session(stub: pb.context_grpc.ContextServiceStub) -> str:
    sid = uuid.uuid4().hex
    for i in range(24):
        user, assistant = EVIDENCE if i == 3 else FILLER[i % len(FILLER)]
        await stub.AppendTurn(
            pb.context.AppendTurnRequest(session_id=sid, turn_id=f"job-{i}", user_text=user, assistant_text=assistant)
        )
    return sid


async def chosen(stub: pb.context_grpc.ContextServiceStub, sid: str) -> dict[str, str]:
    reply = await stub.BuildContext(pb.context.BuildContextRequest(session_id=sid, message=QUESTION, token_budget=400))
    assert reply.stats.context_tokens <= 400 and reply.stats.turns_total == 48
    return {selected.turn_id: selected.reason for selected in reply.stats.selected}


async def test_a_turn_that_shares_no_word_with_the_message_is_chosen_for_its_meaning(semantic_channel: aio.Channel) -> None:
    stub = pb.context_grpc.ContextServiceStub(semantic_channel)
    sid = await long_session(stub)
    assert (await chosen(stub, sid)).get("job-3:u") == "meaning"


async def test_the_vectors_are_stored_with_the_turns_and_serve_after_a_restart(semantic_backend: Suite) -> None:
    ch = channel(semantic_backend.addr("context_service"), unary_timeout=30)
    sid = await long_session(pb.context_grpc.ContextServiceStub(ch))
    await ch.close()
    redis = semantic_backend.redis_client()
    try:
        stored = [json.loads(item) for item in await redis.lrange(tagged("ctx", sid, "turns"), 0, -1)]
    finally:
        await redis.aclose()
    assert len(stored) == 48 and all(unpack(turn["vector"]) is not None for turn in stored)
    semantic_backend.restart("context_service")
    ch = channel(semantic_backend.addr("context_service"), unary_timeout=30)
    try:
        assert (await chosen(pb.context_grpc.ContextServiceStub(ch), sid)).get("job-3:u") == "meaning"
    finally:
        await ch.close()


async def test_without_it_the_words_alone_miss_that_turn(context_channel: aio.Channel) -> None:
    stub = pb.context_grpc.ContextServiceStub(context_channel)  # the default service: CONTEXT_SEMANTIC off
    sid = await long_session(stub)
    assert "job-3:u" not in await chosen(stub, sid)
