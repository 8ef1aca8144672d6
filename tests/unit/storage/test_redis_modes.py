"""REDIS_MODE: how a service finds Redis (chat_common/settings.py, chat_common/redis_client.py)."""

from __future__ import annotations

import asyncio

import pytest
import uvloop
from pydantic import ValidationError
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.sentinel import SentinelConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError

from chat_common.redis_client import connect, parse_addresses, slot_groups
from chat_common.settings import ServiceSettings
from job_service.settings import JobSettings


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


def test_cluster_mode_starts_from_the_listed_nodes():
    client = ServiceSettings(redis_mode="cluster", redis_cluster_nodes="127.0.0.1:7000, 127.0.0.1:7001").redis()
    assert isinstance(client, RedisCluster)
    assert [(n.host, n.port) for n in client.nodes_manager.startup_nodes.values()] == [("127.0.0.1", 7000), ("127.0.0.1", 7001)]


def test_cluster_mode_without_nodes_starts_from_the_url():
    client = ServiceSettings(redis_mode="cluster", redis_url="redis://127.0.0.1:7005/0").redis()
    assert isinstance(client, RedisCluster)
    assert [(n.host, n.port) for n in client.nodes_manager.startup_nodes.values()] == [("127.0.0.1", 7005)]


def test_multi_key_calls_are_split_by_slot_only_in_a_cluster():
    keys = ["ratelimit:w:session:a", "ratelimit:w:ip:1.2.3.4", "x:{a}:1", "x:{a}:2"]
    standalone = ServiceSettings(redis_url="redis://127.0.0.1:7005/0").redis()
    cluster = ServiceSettings(redis_mode="cluster", redis_url="redis://127.0.0.1:7005/0").redis()
    assert slot_groups(standalone, keys) == [keys]
    groups = slot_groups(cluster, keys)
    assert sorted(map(len, groups)) == [1, 1, 2] and ["x:{a}:1", "x:{a}:2"] in groups


def test_the_queue_is_split_in_a_cluster_unless_told(monkeypatch):
    monkeypatch.delenv("JOB_QUEUE_SHARDS", raising=False)
    assert JobSettings().job_queue_shards == 1
    assert JobSettings(redis_mode="cluster").job_queue_shards == 6
    assert JobSettings(redis_mode="cluster", job_queue_shards=12).job_queue_shards == 12
    with pytest.raises(ValidationError):
        JobSettings(job_queue_shards=0)


@pytest.mark.parametrize("bad", ["localhost", "localhost:port", ":26379"])
def test_an_address_must_be_host_and_port(bad):
    with pytest.raises(ValueError, match="host:port"):
        parse_addresses(bad, "REDIS_SENTINELS")
    with pytest.raises(ValidationError, match="REDIS_CLUSTER_NODES"):
        ServiceSettings(redis_mode="cluster", redis_cluster_nodes=bad)


def test_a_write_to_a_connection_the_peer_closed_is_a_connection_error(redis_server):
    """On uvloop, as the services run, redis-py 8.1 leaked the loop's RuntimeError here (its
    issue 4287), which ended a job in ERROR when a cluster primary was killed: 8.2 is the floor."""

    async def write_after_a_reset() -> None:
        client = connect(redis_server.url, connection_retries=0)
        try:
            await client.ping()
            connection = client.connection_pool._available_connections[0]
            connection._writer.transport.abort()  # as when the peer resets the connection
            await asyncio.sleep(0.01)
            await connection.send_command("PING")
        finally:
            await client.aclose()

    with pytest.raises(RedisConnectionError):
        uvloop.run(write_after_a_reset())
