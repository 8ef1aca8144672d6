"""Replicas of a service behind one address list: the channel spreads calls round-robin over
real service processes, and goes on with the others when one is SIGKILLed."""

from __future__ import annotations

import uuid
from pathlib import Path

from chat_common import pb
from chat_common.grpc.client import channel, target
from suite.processes import Suite
from tests.integration.helpers import rpc_calls

METHOD = "/chat.v1.ContextService/GetProfile"


def handled(suite: Suite) -> float:
    """GetProfile calls the context service of `suite` answered."""
    return rpc_calls(suite.metrics_ports["context_service"], METHOD)


def test_a_list_of_replicas_is_one_round_robin_target() -> None:
    assert target("127.0.0.1:1, 127.0.0.1:2") == "ipv4:127.0.0.1:1,127.0.0.1:2"
    assert target("[::1]:1,[::1]:2") == "ipv6:[::1]:1,[::1]:2"
    assert target("job-service:50051") == "job-service:50051"
    assert target("dns:///job-service:50051") == "dns:///job-service:50051"


async def test_calls_spread_over_replicas_and_survive_a_killed_one(tmp_path: Path) -> None:
    first = Suite(data_dir=tmp_path / "a", env={"PROVIDERS": "fallback"}).start(only=["context_service"])
    second = Suite(
        data_dir=tmp_path / "b",
        env={"PROVIDERS": "fallback"},
        redis_url=first.redis_url,
        database_url=first.database_url,
    ).start(only=["context_service"])
    replicas = f"{first.addr('context_service')},{second.addr('context_service')}"
    try:
        async with channel(replicas, unary_timeout=10) as ch:
            stub = pb.context_grpc.ContextServiceStub(ch)
            before = handled(first), handled(second)
            for _ in range(20):
                await stub.GetProfile(pb.context.GetProfileRequest(session_id=uuid.uuid4().hex))
            spread = handled(first) - before[0], handled(second) - before[1]
            assert sum(spread) == 20 and min(spread) >= 5, spread

            second.kill("context_service")
            for _ in range(10):  # every call still answered, by the replica left
                await stub.GetProfile(pb.context.GetProfileRequest(session_id=uuid.uuid4().hex))
            assert handled(first) - before[0] == spread[0] + 10
    finally:
        second.stop()
        first.stop()
