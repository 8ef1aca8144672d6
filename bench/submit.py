"""Submit throughput: POST /messages beside a bare FastAPI endpoint in the same gateway process.

    python -m bench.submit [--connections 64] [--seconds 10] [--sessions-per-thread 1]

Both endpoints sit behind the same middleware and take the same JSON body; the bare one
(served only when BENCH_ENDPOINTS=1) returns at once, the real one creates a job through
gRPC and Redis. The load comes from wrk (Debian package `wrk`) in its own process.

For scale it also measures the floor of any design with one gRPC hop, twice: a third endpoint
(also BENCH_ENDPOINTS only) that is the bare one plus one unary gRPC call to the job service's
health check, under the same wrk load; and that call alone, its CPU in client and server with
64 calls in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import uvloop
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.common import NO_RATE_LIMITS, cpu_per_item_ms, cpu_seconds, machine
from bench.pipeline import cpu_with_postgres
from suite.processes import Suite

# wrk.format() replaces wrk.headers when given a table, so every header is listed here.
WRK_SCRIPT = """
local n = 0
setup = function(thread) n = n + 1; thread:set("tid", n) end
local i = 0
request = function()
  -- One session per wrk thread by default; --sessions-per-thread N takes turns over N.
  i = i + 1
  local sid = string.format("bench-session-%d-%04d", tid, i % SESSIONS)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["X-Session-Id"] = sid},
                    '{"text": "benchmark message"}')
end
"""


def wrk(url: str, connections: int, seconds: int, script: Path) -> tuple[float, str]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if failed:
        raise SystemExit(f"{url}: {failed.group(1)} responses were not 2xx; the figures would be meaningless")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = " / ".join(re.search(rf"^\s+{p}%\s+(\S+)", out, re.MULTILINE).group(1) for p in ("50", "99"))
    return rps, latency


def grpc_unary_floor(addr: str, server_pid: int, calls: int = 20_000, in_flight: int = 64) -> str:
    """calls/s and CPU ms per call (client, server) of a bare unary gRPC call."""

    async def run() -> tuple[float, float]:
        async with aio.insecure_channel(addr) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            request = health_pb2.HealthCheckRequest()
            await stub.Check(request, timeout=5)
            left = [calls]

            async def caller() -> None:
                while left[0] > 0:
                    left[0] -= 1
                    await stub.Check(request, timeout=5)

            cpu, started = time.process_time(), time.perf_counter()
            await asyncio.gather(*(caller() for _ in range(in_flight)))
            return time.perf_counter() - started, time.process_time() - cpu

    server_cpu = cpu_seconds(server_pid)
    wall, client_cpu = uvloop.run(run())
    server_ms = (cpu_seconds(server_pid) - server_cpu) * 1000 / calls
    return f"{calls / wall:.0f} calls/s; CPU per call: client {client_cpu * 1000 / calls:.3f} ms, server {server_ms:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--sessions-per-thread",
        type=int,
        default=1,
        help="sessions each of wrk's 2 threads takes turns over (each session's messages go to one conversation)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(WRK_SCRIPT.replace("SESSIONS", str(args.sessions_per_thread)))
        suite = Suite(
            data_dir=Path(tmp) / "suite",
            # Workers off: this measures accepting jobs, not processing them.
            env={"PROVIDERS": "instant", "LOG_LEVEL": "WARNING", "JOB_WORKERS": "0", "BENCH_ENDPOINTS": "1", **NO_RATE_LIMITS},
        ).start()
        results: dict[str, tuple[float, str, str]] = {}
        try:
            for name, path in (
                ("bare endpoint", "/messages/_bench"),
                ("bare + one gRPC call", "/messages/_bench_grpc"),
                ("POST /messages", "/messages"),
            ):
                before = cpu_with_postgres(suite)
                rps, latency = wrk(f"{suite.base_url}{path}", args.connections, args.seconds, script)
                after = cpu_with_postgres(suite)
                for snapshot in (before, after):
                    snapshot.pop("load generator", None)  # wrk is its own process
                results[name] = (rps, latency, cpu_per_item_ms(before, after, int(rps * args.seconds)))
            floor = grpc_unary_floor(suite.addr("job_service"), suite.processes["job_service"].pid)
        finally:
            suite.stop()
    print(f"machine: {machine()}")
    print(
        f"wrk -t2 -c{args.connections} -d{args.seconds}s, same gateway process, same middleware, "
        f"{args.sessions_per_thread} session(s) per wrk thread"
    )
    bare_rps = results["bare endpoint"][0]
    for name, (rps, latency, cpu) in results.items():
        print(f"{name:21s}: {rps:8.1f} req/s ({rps / bare_rps:.2f}x of bare), latency p50/p99 {latency}")
        print(f"{'':21s}  CPU ms per request: {cpu}")
    print(f"a unary gRPC call alone (health check, 64 in flight): {floor}")
    print(f"ratio: {results['POST /messages'][0] / bare_rps:.2f}x of the bare endpoint")


if __name__ == "__main__":
    main()
