"""Helpers the benchmarks share: percentiles, process memory, the machine's description."""

from __future__ import annotations

import os
import platform
import statistics
from pathlib import Path

from suite.processes import Suite


# Benchmarks measure the suite, not its rate limiter (0 turns a limit off).
NO_RATE_LIMITS = {
    "RATE_LIMIT_PER_SESSION": "0",
    "RATE_LIMIT_PER_IP": "0",
    "RATE_LIMIT_READS_PER_SESSION": "0",
    "RATE_LIMIT_READS_PER_IP": "0",
}


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
    if suite.redis is not None and suite.redis.process is not None:
        memory["redis"] = rss_mb(suite.redis.process.pid)
    return memory


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, {platform.system()} {platform.release()}"
