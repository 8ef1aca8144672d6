"""ContextService contract: every RPC over real gRPC, including the error cases."""

from __future__ import annotations

import uuid

import grpc
import pytest
from grpc import aio

from chat_common import pb


def session() -> str:
    return uuid.uuid4().hex


async def append(
    stub: pb.context_grpc.ContextServiceStub, sid: str, turn_id: str, user: str, assistant: str
) -> pb.context.AppendTurnResponse:
    return await stub.AppendTurn(
        pb.context.AppendTurnRequest(
            session_id=sid, turn_id=turn_id, user_text=user, assistant_text=assistant, at_ms=1_700_000_000_000
        )
    )


async def test_append_is_idempotent_per_turn(context_channel: aio.Channel) -> None:
    stub = pb.context_grpc.ContextServiceStub(context_channel)
    sid = session()
    first = await append(stub, sid, "job-1", "hello", "hi there")
    again = await append(stub, sid, "job-1", "hello", "hi there")
    assert first.appended and first.turns_total == 2
    assert not again.appended and again.turns_total == 2


async def test_build_context_returns_the_new_message_last_and_stats(context_channel: aio.Channel) -> None:
    stub = pb.context_grpc.ContextServiceStub(context_channel)
    sid = session()
    await append(stub, sid, "job-1", "My name is Dana and I work as a nurse.", "Nice to meet you, Dana.")
    await append(stub, sid, "job-2", "What's a good pasta recipe?", "Try cacio e pepe.")
    reply = await stub.BuildContext(pb.context.BuildContextRequest(session_id=sid, message="What is my job?"))
    assert reply.messages[-1].role == pb.common.ROLE_USER
    assert reply.messages[-1].content == "What is my job?"
    assert reply.system_instruction
    assert reply.stats.turns_total == 4
    assert reply.stats.full_history_tokens > 0
    assert 0 < reply.stats.context_tokens
    assert {s.turn_id for s in reply.stats.selected} <= {"job-1:u", "job-1:a", "job-2:u", "job-2:a"}


async def test_profile_learns_and_clear_forgets(context_channel: aio.Channel) -> None:
    stub = pb.context_grpc.ContextServiceStub(context_channel)
    sid = session()
    await append(stub, sid, "job-1", "Hi, my name is Priya and I live in Lisbon.", "Hello Priya!")
    profile = await stub.GetProfile(pb.context.GetProfileRequest(session_id=sid))
    facts = {f.key: f for f in profile.facts}
    assert facts["name"].value == "Priya"
    assert facts["name"].source_turn == "job-1"
    assert facts["location"].value == "Lisbon"
    cleared = await stub.ClearContext(pb.context.ClearContextRequest(session_id=sid))
    assert cleared.cleared_turns == 2
    assert not (await stub.GetProfile(pb.context.GetProfileRequest(session_id=sid))).facts
    reply = await stub.BuildContext(pb.context.BuildContextRequest(session_id=sid, message="hi"))
    assert reply.stats.turns_total == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.BuildContext(pb.context.BuildContextRequest(session_id="", message="x")),
        lambda s: s.BuildContext(pb.context.BuildContextRequest(session_id="abc", message="  ")),
        lambda s: s.BuildContext(pb.context.BuildContextRequest(session_id="abc", message="x", token_budget=-5)),
        lambda s: s.AppendTurn(pb.context.AppendTurnRequest(session_id="abc", turn_id="", user_text="x")),
        lambda s: s.AppendTurn(pb.context.AppendTurnRequest(session_id="abc", turn_id="t")),
        lambda s: s.ClearContext(pb.context.ClearContextRequest(session_id="")),
        lambda s: s.GetProfile(pb.context.GetProfileRequest(session_id="")),
    ],
    ids=["no-session", "blank-message", "negative-budget", "no-turn-id", "empty-turn", "clear-no-session", "profile-no-session"],
)
async def test_invalid_arguments(context_channel: aio.Channel, call) -> None:
    stub = pb.context_grpc.ContextServiceStub(context_channel)
    with pytest.raises(aio.AioRpcError) as err:
        await call(stub)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_fact_told_early_is_in_the_context_of_a_later_question(context_channel: aio.Channel) -> None:
    stub = pb.context_grpc.ContextServiceStub(context_channel)
    sid = session()
    await append(stub, sid, "job-000", "By the way, my sister Marta is allergic to peanuts.", "Thanks, I'll remember that.")
    topics = ["weather", "football", "taxes", "music", "travel", "cooking", "movies", "gardening"]
    for n in range(1, 120):
        topic = topics[n % len(topics)]
        await append(
            stub, sid, f"job-{n:03d}", f"Tell me something about {topic}, part {n}.", f"Here is a fact about {topic} number {n}."
        )
    reply = await stub.BuildContext(
        pb.context.BuildContextRequest(session_id=sid, message="What is Marta allergic to?", token_budget=600)
    )
    assert reply.stats.context_tokens <= 600
    assert reply.stats.full_history_tokens > 4 * reply.stats.context_tokens
    kept = {s.turn_id for s in reply.stats.selected}
    assert "job-000:u" in kept
    assert any("peanuts" in m.content for m in reply.messages)
