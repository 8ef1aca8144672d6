"""Fan-out: event delivery delay with 1,000 concurrent SSE clients on one gateway.

    python -m bench.fanout [--clients 1000] [--jobs 20]

Clients split evenly over a few jobs that stream slowly (the instant provider with a
per-word delay), so every event reaches many readers. Delay = client receive time minus
the event's server timestamp (`at_ms`), for every event every client receives.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.common import NO_RATE_LIMITS, http_client, machine, sse_data, suite_memory, summary_ms
from suite.processes import Suite

REPLY = " ".join(f"word{n}" for n in range(60))


async def reader(client: aiohttp.ClientSession, job_id: str, session: str, delays: list[float]) -> int:
    received = 0
    async for data in sse_data(client, f"/messages/{job_id}/events", {"X-Session-Id": session}):
        at_ms = data.get("at_ms")
        if isinstance(at_ms, int) and at_ms:
            delays.append(time.time() - at_ms / 1000)
        received += 1
        if data.get("status") in ("done", "error"):
            return received
    return received


async def run(base_url: str, clients: int, jobs: int) -> tuple[list[float], int, float]:
    delays: list[float] = []
    async with http_client(base_url, connections=clients + 10, timeout_s=120) as client:
        session = "fanout-session-0001"
        job_ids = []
        for n in range(jobs):
            async with client.post("/messages", json={"text": f"fan-out {n}"}, headers={"X-Session-Id": session}) as response:
                response.raise_for_status()
                job_ids.append((await response.json())["job_id"])
        started = time.perf_counter()
        tasks = [asyncio.create_task(reader(client, job_ids[i % jobs], session, delays)) for i in range(clients)]
        counts = await asyncio.gather(*tasks)
        wall = time.perf_counter() - started
    return delays, sum(counts), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    with tempfile.TemporaryDirectory() as tmp:
        suite = Suite(
            data_dir=Path(tmp),
            env={
                "PROVIDERS": "instant",
                "INSTANT_REPLY": REPLY,
                "INSTANT_DELAY_S": "0.1",
                "LOG_LEVEL": "WARNING",
                "JOB_WORKERS": str(args.jobs),
                **NO_RATE_LIMITS,
            },
        ).start()
        try:
            delays, events, wall = asyncio.run(run(suite.base_url, args.clients, args.jobs))
            memory = suite_memory(suite)
        finally:
            suite.stop()
    print(f"machine: {machine()}")
    print(f"fan-out: {args.clients} SSE clients over {args.jobs} jobs, {events} events delivered in {wall:.1f} s")
    print(f"delivery delay (server event -> client): {summary_ms(delays)}")
    print("RSS after load: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in memory.items()))


if __name__ == "__main__":
    main()
