"""Pipeline overhead: latency from POST /messages to the DONE event, and jobs/s.

    python -m bench.pipeline [--jobs 600] [--concurrency 32]

Runs the whole suite as real processes with the instant benchmark provider, so what is
measured is the suite itself: gateway, gRPC hops, Redis queue and event log, context build.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.common import NO_RATE_LIMITS, machine, percentile, suite_memory, summary_ms
from suite.processes import Suite


async def one_job(client: httpx.AsyncClient, session: str) -> float:
    started = time.perf_counter()
    response = await client.post("/messages", json={"text": "benchmark message"}, headers={"X-Session-Id": session})
    response.raise_for_status()
    job_id = response.json()["job_id"]
    async with client.stream("GET", f"/messages/{job_id}/events", headers={"X-Session-Id": session}) as stream:
        async for line in stream.aiter_lines():
            if line.startswith("data:") and '"status": "done"' in line:
                return time.perf_counter() - started
            if line.startswith("data:") and '"status": "error"' in line:
                raise RuntimeError(line)
    raise RuntimeError("stream ended before DONE")


async def run(base_url: str, jobs: int, concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(jobs):
        queue.put_nowait(n)
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:

        async def worker(index: int) -> None:
            session = f"bench-{index}-{uuid.uuid4().hex[:8]}"
            while True:
                try:
                    queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                latencies.append(await one_job(client, session))

        await asyncio.gather(*(one_job(client, "warmup-" + uuid.uuid4().hex) for _ in range(concurrency)))
        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        wall = time.perf_counter() - started
    return latencies, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--job-workers", type=int, default=32, help="JOB_WORKERS of the job service")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        suite = Suite(
            data_dir=Path(tmp),
            env={
                "PROVIDERS": "instant",
                "LOG_LEVEL": "WARNING",
                "JOB_WORKERS": str(args.job_workers),
                **NO_RATE_LIMITS,
            },
        ).start()
        try:
            latencies, wall = asyncio.run(run(suite.base_url, args.jobs, args.concurrency))
            memory = suite_memory(suite)
        finally:
            suite.stop()
    print(f"machine: {machine()}")
    print(f"pipeline: {args.jobs} jobs, {args.concurrency} concurrent clients, JOB_WORKERS={args.job_workers}, instant provider")
    print(f"submit -> DONE event: {summary_ms(latencies)}")
    print(f"throughput: {args.jobs / wall:.1f} jobs/s over {wall:.1f} s")
    print("RSS after load: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in memory.items()))
    print(f"p50_ms={percentile(latencies, 50) * 1000:.2f} p99_ms={percentile(latencies, 99) * 1000:.2f}")


if __name__ == "__main__":
    main()
