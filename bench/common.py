"""Helpers the benchmarks share: percentiles, process memory, the machine's description."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from suite.processes import Suite

# Benchmarks measure the suite, not its rate limiter (0 turns a limit off).
NO_RATE_LIMITS = {
    "RATE_LIMIT_PER_SESSION": "0",
    "RATE_LIMIT_PER_IP": "0",
    "RATE_LIMIT_READS_PER_SESSION": "0",
    "RATE_LIMIT_READS_PER_IP": "0",
}


def http_client(base_url: str, connections: int, timeout_s: float = 60) -> aiohttp.ClientSession:
    """The load generators' HTTP client: aiohttp, whose C parser leaves more of the shared
    CPU to the suite being measured than a pure-Python client would."""
    return aiohttp.ClientSession(
        base_url=base_url,
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=timeout_s),
    )


async def sse_data(client: aiohttp.ClientSession, path: str, headers: dict[str, str]) -> AsyncIterator[dict[str, object]]:
    """The JSON `data:` of each Server-Sent Event of `path`, as it arrives."""
    async with client.get(path, headers=headers) as response:
        response.raise_for_status()
        async for line in response.content:
            if line.startswith(b"data:"):
                yield json.loads(line[5:])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values_s: list[float]) -> str:
    ms = [v * 1000 for v in values_s]
    return f"p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, mean {statistics.fmean(ms):.1f} ms"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def suite_memory(suite: Suite) -> dict[str, float]:
    memory = {name: rss_mb(p.pid) for name, p in suite.processes.items() if p.poll() is None}
    for name, server in suite.redis_servers().items():
        if server.process is not None and server.process.poll() is None:
            memory[name] = rss_mb(server.process.pid)
    return memory


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def suite_pids(suite: Suite) -> dict[str, int]:
    pids = {name: p.pid for name, p in suite.processes.items() if p.poll() is None}
    for name, server in suite.redis_servers().items():  # "redis", or each node of a cluster
        if server.process is not None and server.process.poll() is None:
            pids[name] = server.process.pid
    pids["load generator"] = os.getpid()
    return pids


def suite_cpu(suite: Suite) -> dict[str, float]:
    """CPU seconds used so far by each process of the suite, and by this benchmark itself."""
    return {name: cpu_seconds(pid) for name, pid in suite_pids(suite).items()}


def cpu_per_item_ms(before: dict[str, float], after: dict[str, float], items: int) -> str:
    parts = [f"{name} {(after[name] - before.get(name, 0.0)) * 1000 / items:.2f}" for name in after]
    return ", ".join(parts)


def machine() -> str:
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, {system}"


@dataclass
class Reply:
    """One message sent through the gateway and its streamed reply, timed from the POST."""

    job: dict[str, Any]
    ttft_s: float  # to the first delta over SSE
    total_s: float  # to the terminal status event

    @property
    def result(self) -> dict[str, Any]:
        return dict(self.job.get("result") or {})

    @property
    def decode_tps(self) -> float:
        tokens = int((self.result.get("usage") or {}).get("completion_tokens", 0))
        streaming = self.total_s - self.ttft_s
        return (tokens - 1) / streaming if tokens > 1 and streaming > 0 else 0.0


async def send_message(base_url: str, session: str, text: str, provider: str = "local") -> Reply:
    """POST /messages, follow its SSE stream to the end, then GET the job; it must come from `provider`."""
    headers = {"X-Session-Id": session}
    async with http_client(base_url, 2, timeout_s=600) as client:
        started = time.perf_counter()
        async with client.post("/messages", json={"text": text}, headers=headers) as response:
            job_id = (await response.json())["job_id"]
        first = None
        async for data in sse_data(client, f"/messages/{job_id}/events", headers):
            if "text" in data and first is None:
                first = time.perf_counter()
            if data.get("status") in ("done", "error"):
                break
        end = time.perf_counter()
        async with client.get(f"/messages/{job_id}", headers=headers) as response:
            job = (await response.json())["job"]
    reply = Reply(job, (first or end) - started, end - started)
    if reply.result.get("provider") != provider:
        raise SystemExit(f"answered by {reply.result.get('provider')!r}, not {provider}: {job}")
    return reply
