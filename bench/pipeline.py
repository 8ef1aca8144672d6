"""Pipeline overhead: latency from POST /messages to the DONE event, and jobs/s.

    python -m bench.pipeline [--jobs 1000] [--rounds 3] [--concurrency 32] [--rates 50,100,150]

Runs the whole suite as real processes with the instant benchmark provider, so what is
measured is the suite itself: gateway, gRPC hops, Redis queue and event log, context build.

Two loads, one after the other on the same suite:
- closed loop: `--concurrency` clients, each submitting its next job when the last is DONE,
  `--rounds` times `--jobs` jobs (this machine is noisy: the median round is the figure).
  This gives the capacity (jobs/s). Its latency is mostly queueing: by Little's law it is
  about concurrency / throughput.
- open loop, once per rate in `--rates`: jobs arrive on a fixed schedule (each its own client,
  spread over `--concurrency` sessions), so the latency is that of a suite not yet saturated.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from bench.common import (
    NO_RATE_LIMITS,
    cpu_per_item_ms,
    http_client,
    machine,
    sse_data,
    suite_cpu,
    suite_memory,
    summary_ms,
)
from suite.processes import Suite


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


async def open_loop(client: aiohttp.ClientSession, jobs: int, sessions: int, rate: float) -> tuple[list[float], float]:
    names = [f"paced-{i}-{uuid.uuid4().hex[:8]}" for i in range(sessions)]
    tasks = []
    started = time.perf_counter()
    for n in range(jobs):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one_job(client, names[n % sessions])))
    latencies = list(await asyncio.gather(*tasks))
    return latencies, time.perf_counter() - started


async def run(suite: Suite, jobs: int, rounds: int, concurrency: int, rates: list[float]) -> list[str]:
    lines = []
    async with http_client(suite.base_url, connections=1000) as client:
        await asyncio.gather(*(one_job(client, "warmup-" + uuid.uuid4().hex) for _ in range(concurrency)))
        cpu_before = suite_cpu(suite)
        latencies: list[float] = []
        throughputs = []
        for _ in range(rounds):
            round_latencies, wall = await closed_loop(client, jobs, concurrency)
            latencies += round_latencies
            throughputs.append(jobs / wall)
        cpu = cpu_per_item_ms(cpu_before, suite_cpu(suite), jobs * rounds)
        lines += [
            f"closed loop, {concurrency} concurrent clients, {rounds} rounds of {jobs} jobs: "
            f"median {statistics.median(throughputs):.1f} jobs/s (rounds: {', '.join(f'{t:.1f}' for t in throughputs)})",
            f"  submit -> DONE event: {summary_ms(latencies)}",
            f"  CPU ms per job: {cpu}",
        ]
        for rate in rates:
            paced = min(jobs, max(100, int(rate * 5)))
            latencies, wall = await open_loop(client, paced, concurrency, rate)
            lines += [
                f"open loop at {rate:.0f} jobs/s offered ({paced} jobs, {paced / wall:.1f} jobs/s done):",
                f"  submit -> DONE event: {summary_ms(latencies)}",
            ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rates", default="50,100,150", help="open-loop arrival rates in jobs/s; empty for none")
    parser.add_argument("--job-workers", type=int, default=32, help="JOB_WORKERS of the job service")
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of every process (INFO logs a few lines per job)")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        suite = Suite(
            data_dir=Path(tmp),
            env={
                "PROVIDERS": "instant",
                "LOG_LEVEL": args.log_level,
                "JOB_WORKERS": str(args.job_workers),
                **NO_RATE_LIMITS,
            },
        ).start()
        try:
            lines = asyncio.run(run(suite, args.jobs, args.rounds, args.concurrency, rates))
            memory = suite_memory(suite)
        finally:
            suite.stop()
    print(f"machine: {machine()}")
    print(f"pipeline: instant provider, JOB_WORKERS={args.job_workers}, LOG_LEVEL={args.log_level}")
    for line in lines:
        print(line)
    print("RSS after load: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in memory.items()))


if __name__ == "__main__":
    main()
