"""Pipeline overhead: latency from POST /messages to the DONE event, and jobs/s.

    python -m bench.pipeline [--jobs 1000] [--rounds 3] [--concurrency 32] [--rates 50,100,150]
    python -m bench.pipeline --rates "" --replicas "" job_service=2   (side by side)
    python -m bench.pipeline --rates "" --redis standalone cluster:1 cluster:6

Runs the whole suite as real processes with the instant benchmark provider, so what is
measured is the suite itself: gateway, gRPC hops, Redis queue and event log, context build.

Two loads, one after the other on the same suite:
- closed loop: `--concurrency` clients, each submitting its next job when the last is DONE,
  `--rounds` times `--jobs` jobs (this machine is noisy: the median round is the figure).
  This gives the capacity (jobs/s). Its latency is mostly queueing: by Little's law it is
  about concurrency / throughput.
- open loop, once per rate in `--rates`: jobs arrive on a fixed schedule (each its own client,
  spread over `--concurrency` sessions), so the latency is that of a suite not yet saturated.

`--replicas` takes one or more layouts (`python -m suite --replicas` syntax; "" is one process
of each) and measures each on its own suite, one after the other, then prints them side by side.
`--redis` does the same for Redis setups: `standalone` (one redis-server), or `cluster:N` (the
suite's own Redis Cluster of 3 primaries and 3 replicas, the queue in N shards).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp

from bench.common import (
    NO_RATE_LIMITS,
    cpu_per_item_ms,
    cpu_seconds,
    http_client,
    machine,
    sse_data,
    suite_cpu,
    suite_memory,
    summary_ms,
)
from suite.processes import Suite, parse_replicas


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of a process and all its children, live or reaped: PostgreSQL does its work
    in one backend process per connection, beside the postmaster."""
    fields = Path(f"/proc/{root}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[1]) == root:
                total += cpu_seconds(int(entry.name))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue  # exited meanwhile: its time is in the parent's reaped-children figures
    return total


def cpu_with_postgres(suite: Suite) -> dict[str, float]:
    """suite_cpu, plus the suite's PostgreSQL (postmaster and every backend) before the load generator."""
    cpu = suite_cpu(suite)
    if suite.postgres is not None and suite.postgres.process is not None:
        load = cpu.pop("load generator")
        cpu["postgres"] = tree_cpu_seconds(suite.postgres.process.pid)
        cpu["load generator"] = load
    return cpu


async def one_job(client: aiohttp.ClientSession, session: str) -> float:
    started = time.perf_counter()
    headers = {"X-Session-Id": session}
    async with client.post("/messages", json={"text": "benchmark message"}, headers=headers) as response:
        response.raise_for_status()
        job_id = (await response.json())["job_id"]
    async for data in sse_data(client, f"/messages/{job_id}/events", headers):
        if data.get("status") == "done":
            return time.perf_counter() - started
        if data.get("status") == "error":
            raise RuntimeError(data)
    raise RuntimeError("stream ended before DONE")


def failure(error: BaseException) -> str:
    """What failed: an HTTP status, a job's error (its code, else its text), or the exception."""
    if isinstance(error, aiohttp.ClientResponseError):
        return str(error.status)
    if isinstance(error, RuntimeError) and error.args and isinstance(error.args[0], dict):
        event = error.args[0]
        return f"job error {event.get('code') or str(event.get('error', ''))[:80]!r}"
    return type(error).__name__


async def closed_loop(client: aiohttp.ClientSession, jobs: int, concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    left = [jobs]

    async def submitter(index: int) -> None:
        session = f"bench-{index}-{uuid.uuid4().hex[:8]}"
        while left[0] > 0:
            left[0] -= 1
            latencies.append(await one_job(client, session))

    started = time.perf_counter()
    await asyncio.gather(*(submitter(i) for i in range(concurrency)))
    return latencies, time.perf_counter() - started


async def open_loop(
    client: aiohttp.ClientSession, jobs: int, sessions: int, rate: float
) -> tuple[list[float], float, Counter[str]]:
    names = [f"paced-{i}-{uuid.uuid4().hex[:8]}" for i in range(sessions)]
    tasks = []
    started = time.perf_counter()
    for n in range(jobs):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one_job(client, names[n % sessions])))
    # Offered beyond capacity, submits queue up and some fail (503 at the gateway's deadline):
    # they are counted, not fatal, so the other rates are still measured.
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    failures = Counter(failure(o) for o in outcomes if isinstance(o, BaseException))
    latencies = [o for o in outcomes if isinstance(o, float)]
    return latencies, time.perf_counter() - started, failures


async def run(suite: Suite, jobs: int, rounds: int, concurrency: int, rates: list[float]) -> list[str]:
    lines = []
    async with http_client(suite.base_url, connections=1000) as client:
        await asyncio.gather(*(one_job(client, "warmup-" + uuid.uuid4().hex) for _ in range(concurrency)))
        cpu_before = cpu_with_postgres(suite)
        latencies: list[float] = []
        throughputs = []
        for _ in range(rounds):
            round_latencies, wall = await closed_loop(client, jobs, concurrency)
            latencies += round_latencies
            throughputs.append(jobs / wall)
        cpu = cpu_per_item_ms(cpu_before, cpu_with_postgres(suite), jobs * rounds)
        lines += [
            f"closed loop, {concurrency} concurrent clients, {rounds} rounds of {jobs} jobs: "
            f"median {statistics.median(throughputs):.1f} jobs/s (rounds: {', '.join(f'{t:.1f}' for t in throughputs)})",
            f"  submit -> DONE event: {summary_ms(latencies)}",
            f"  CPU ms per job: {cpu}",
        ]
        for rate in rates:
            paced = min(jobs, max(100, int(rate * 5)))
            latencies, wall, failures = await open_loop(client, paced, concurrency, rate)
            failed = f"; FAILED: {', '.join(f'{n} x {what}' for what, n in failures.items())}" if failures else ""
            lines += [
                f"open loop at {rate:.0f} jobs/s offered ({paced} jobs, {len(latencies) / wall:.1f} jobs/s done{failed}):",
                f"  submit -> DONE event: {summary_ms(latencies)}",
            ]
    return lines


def redis_env(setup: str) -> dict[str, str]:
    """The suite's settings for a `--redis` setup: "standalone" or "cluster:<shards>"."""
    if setup == "standalone":
        return {"REDIS_MODE": "standalone"}
    mode, _, shards = setup.partition(":")
    if mode != "cluster" or not shards.isdigit() or int(shards) < 1:
        raise ValueError(f"--redis: {setup!r} is neither standalone nor cluster:<shards>")
    return {"REDIS_MODE": "cluster", "JOB_QUEUE_SHARDS": shards}


def measure(args: argparse.Namespace, layout: str, redis: str, rates: list[float]) -> tuple[list[str], dict[str, float]]:
    """One layout of replicas on one Redis setup, on its own suite: the report's lines and each
    process's RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        suite = Suite(
            data_dir=Path(tmp),
            replicas=parse_replicas(layout),
            env={
                **redis_env(redis),
                "PROVIDERS": "instant",
                "LOG_LEVEL": args.log_level,
                "JOB_WORKERS": str(args.job_workers),
                **NO_RATE_LIMITS,
            },
        ).start()
        try:
            lines = asyncio.run(run(suite, args.jobs, args.rounds, args.concurrency, rates))
            return lines, suite_memory(suite)
        finally:
            suite.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rates", default="50,100,150", help="open-loop arrival rates in jobs/s; empty for none")
    parser.add_argument("--job-workers", type=int, default=32, help="JOB_WORKERS of each job-service process")
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of every process (INFO logs a few lines per job)")
    parser.add_argument(
        "--replicas", nargs="*", default=[""], help='layouts to compare, e.g. "" job_service=2 (each on its own suite)'
    )
    parser.add_argument(
        "--redis", nargs="+", default=["standalone"], help="Redis setups to compare: standalone, cluster:<queue shards>"
    )
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    layouts = args.replicas or [""]
    for layout in layouts:
        parse_replicas(layout)  # a typo fails now, not after the first layout's run
    for setup in args.redis:
        redis_env(setup)
    reports = [
        (f"{setup}; {layout or 'one process of each'}", *measure(args, layout, setup, rates))
        for setup in args.redis
        for layout in layouts
    ]
    print(f"machine: {machine()}")
    print(f"pipeline: instant provider, JOB_WORKERS={args.job_workers} per job-service process, LOG_LEVEL={args.log_level}")
    for name, lines, memory in reports:
        print(f"-- redis and replicas: {name}")
        for line in lines:
            print(line)
        print("RSS after load: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in memory.items()))


if __name__ == "__main__":
    main()
