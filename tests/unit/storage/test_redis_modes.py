"""REDIS_MODE: how a service finds Redis (chat_common/settings.py, chat_common/redis_client.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from redis.asyncio.sentinel import SentinelConnectionPool

from chat_common.redis_client import parse_sentinels
from chat_common.settings import ServiceSettings


def test_standalone_is_the_default_and_opens_the_url(monkeypatch):
    monkeypatch.delenv("REDIS_MODE", raising=False)
    client = ServiceSettings(redis_url="redis://127.0.0.1:6399/3").redis()
    assert client.connection_pool.connection_kwargs["port"] == 6399
    assert client.connection_pool.connection_kwargs["db"] == 3


def test_sentinel_mode_asks_the_sentinels_for_the_named_primary():
    settings = ServiceSettings(
        redis_mode="sentinel",
        redis_sentinels="127.0.0.1:26379, 10.0.0.2:26380",
        redis_sentinel_master="chat",
        redis_url="redis://:secret@ignored:1/2",
    )
    client = settings.redis()
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool)
    assert pool.service_name == "chat"
    assert pool.connection_kwargs["db"] == 2 and pool.connection_kwargs["password"] == "secret"
    assert [
        (s.connection_pool.connection_kwargs["host"], s.connection_pool.connection_kwargs["port"])
        for s in pool.sentinel_manager.sentinels
    ] == [
        ("127.0.0.1", 26379),
        ("10.0.0.2", 26380),
    ]


def test_sentinel_mode_without_sentinels_is_a_clear_error():
    with pytest.raises(ValidationError, match="REDIS_SENTINELS"):
        ServiceSettings(redis_mode="sentinel", redis_sentinels="")


def test_cluster_mode_is_not_offered_yet():
    with pytest.raises(ValidationError):
        ServiceSettings(redis_mode="cluster")


@pytest.mark.parametrize("bad", ["localhost", "localhost:port", ":26379"])
def test_a_sentinel_address_must_be_host_and_port(bad):
    with pytest.raises(ValueError, match="host:port"):
        parse_sentinels(bad)
