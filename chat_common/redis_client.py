"""One way to open Redis connections, so every service gets the same timeouts and retries.

`REDIS_MODE` says what Redis is: one server (`standalone`, at `REDIS_URL`), or a primary that
Redis Sentinel watches and replaces (`sentinel`: the client asks the sentinels at
`REDIS_SENTINELS` for the primary named `REDIS_SENTINEL_MASTER`, and again after a failover:
a connection to a former primary is dropped and retried like any broken one), or a Redis
Cluster (`cluster`: `REDIS_CLUSTER_NODES`, or `REDIS_URL`, names nodes to start from; the client
learns the rest and follows slots as they move). In a cluster every script and transaction
touches keys of one hash slot: each service tags its keys so (`tagged`; the job queue is sharded,
job_service/keys.py), and `slot_groups` splits the few multi-key calls that are not.

A hung Redis (paused for a fork, a failover, a stalled host) must cost a bounded wait, never
a hang: every command gives up after `socket_timeout_s`. The client itself retries only
refused or broken connections, where a short restart is the likely cause. A command that
timed out may have run, so it is never re-sent blindly: callers retry steps that are
idempotent, or check the effect first (`retry_transient`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelManagedConnection
from redis.backoff import ExponentialWithJitterBackoff
from redis.cluster import key_slot
from redis.commands.core import AsyncScript
from redis.exceptions import ClusterDownError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from chat_common.backoff import backoff_delay

log = logging.getLogger("chat_common.redis_client")

T = TypeVar("T")
# A cluster that is electing a new primary answers CLUSTERDOWN or TRYAGAIN for a moment.
TRANSIENT = (RedisConnectionError, RedisTimeoutError, ClusterDownError, TryAgainError)


def connect(
    url: str,
    socket_timeout_s: float = 2.0,
    connection_retries: int = 8,
    sentinels: Sequence[tuple[str, int]] = (),
    sentinel_master: str = "",
    cluster_nodes: Sequence[tuple[str, int]] | None = None,
) -> Redis:
    """An asyncio Redis client that rides out a short Redis restart (or a failover) and never
    hangs. With `sentinels`, the primary is the one they name `sentinel_master`; `url` then
    gives only the database and credentials. With `cluster_nodes` (empty: `url`'s node), a
    Redis Cluster client starting from those nodes."""
    options: dict[str, Any] = dict(
        decode_responses=True,
        socket_connect_timeout=min(2.0, socket_timeout_s),
        socket_timeout=socket_timeout_s,
        socket_keepalive=True,
        health_check_interval=10,
        retry=Retry(
            ExponentialWithJitterBackoff(base=0.05, cap=0.5),
            retries=connection_retries,
            # A reset socket is an OSError, not a RedisError.
            supported_errors=(RedisConnectionError, ConnectionResetError),
        ),
    )
    if cluster_nodes is not None:
        return _cluster(url, options, cluster_nodes)
    if not sentinels:
        return Redis.from_url(url, **options)
    credentials: dict[str, Any] = {key: value for key, value in parse_url(url).items() if key in ("db", "username", "password")}
    timeouts: dict[str, Any] = {"socket_timeout": socket_timeout_s, "socket_connect_timeout": min(2.0, socket_timeout_s)}
    watchers = Sentinel(list(sentinels), sentinel_kwargs=timeouts, **timeouts)
    primary: Redis = watchers.master_for(
        sentinel_master, redis_class=Redis, connection_class=SentinelManagedConnection, **options, **credentials
    )
    return primary


def _cluster(url: str, options: dict[str, Any], nodes: Sequence[tuple[str, int]]) -> Redis:
    """A RedisCluster typed as Redis: it speaks the same commands, for keys of one slot at a time."""
    retry = options.pop("retry")
    # The cluster client retries broken connections and CLUSTERDOWN itself, re-reading the
    # slot map between tries: long enough for a replica to be promoted (node timeout + election).
    options["retry"] = Retry(ExponentialWithJitterBackoff(base=0.1, cap=1.0), retries=max(retry.get_retries(), 8))
    options.pop("health_check_interval")  # not a cluster option: its nodes are probed by use
    if nodes:
        credentials: dict[str, Any] = {key: value for key, value in parse_url(url).items() if key in ("username", "password")}
        client = RedisCluster(startup_nodes=[ClusterNode(host, port) for host, port in nodes], **options, **credentials)
    else:
        client = RedisCluster.from_url(url, **options)
    return cast(Redis, client)


async def run_scripts(redis: Redis, calls: Sequence[tuple[AsyncScript, Sequence[str], Sequence[Any]]]) -> list[Any]:
    """Runs script calls in one pipeline: one round trip (per node, in a cluster)."""
    async with redis.pipeline(transaction=False) as pipe:
        for script, keys, args in calls:
            if is_cluster(redis):
                # A cluster pipeline refuses EVALSHA (a node may lack the script): send the source.
                pipe.eval(cast(str, script.script), len(keys), *keys, *args)
            else:
                await script(keys=keys, args=args, client=pipe)  # the pipeline loads missing scripts first
        return list(await pipe.execute())


def is_cluster(redis: Redis) -> bool:
    return isinstance(redis, RedisCluster)


def slot_groups(redis: Redis, keys: Sequence[str]) -> list[list[str]]:
    """`keys` split into groups of one hash slot each, in their order, for a cluster (which
    refuses a script or transaction across slots); one group otherwise."""
    if not is_cluster(redis):
        return [list(keys)] if keys else []
    groups: dict[int, list[str]] = {}
    for key in keys:
        groups.setdefault(key_slot(key.encode()), []).append(key)
    return list(groups.values())


def parse_addresses(addresses: str, variable: str) -> list[tuple[str, int]]:
    """`host:port,host:port` as (host, port) pairs; a clear ValueError for anything else."""
    out = []
    for address in filter(None, (part.strip() for part in addresses.split(","))):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"{variable}: {address!r} is not host:port")
        out.append((host, int(port)))
    return out


async def retry_transient(
    step: Callable[[], Awaitable[T]],
    what: str,
    until: float,
    ran: Callable[[], Awaitable[T | None]] | None = None,
    backoff_base_s: float = 0.1,
    backoff_max_s: float = 2.0,
) -> T:
    """Run a Redis step, retrying timeouts and lost connections with backoff and jitter
    until the monotonic time `until`.

    `ran`, for a step that is not idempotent: after a failure, it looks for the step's
    effect and returns the step's result if it had run (None if not), so it runs once.
    """
    attempt = 0
    while True:
        try:
            return await step()
        except TRANSIENT as exc:
            failure = exc
        attempt += 1
        delay = backoff_delay(attempt, backoff_base_s, backoff_max_s)
        if time.monotonic() + delay >= until:
            raise failure
        log.warning("redis %s failed (%s); retrying in %.2f s", what, type(failure).__name__, delay)
        await asyncio.sleep(delay)
        if ran is not None:
            try:
                done = await ran()
            except TRANSIENT:
                continue  # still unreachable: look again after the next pause
            if done is not None:
                return done


def tagged(prefix: str, key_id: str, suffix: str = "") -> str:
    """`prefix:{id}:suffix`: the braces keep every key of one job or session in one cluster slot."""
    return f"{prefix}:{{{key_id}}}" + (f":{suffix}" if suffix else "")
