"""Failover under load: a Redis primary SIGKILLed mid-load, on Sentinel and on a Redis Cluster.

    python -m bench.redis_failover [--jobs 150] [--modes sentinel cluster]

Each mode runs the scenario of tests/faults/failover.py on its own suite (the instant provider,
one client per session sending every 0.1 s) and the figures are printed side by side: seconds
from the kill until a replica served as primary, the longest single POST /messages a client
waited, and what became of every accepted message.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from bench.common import machine
from tests.faults.failover import failover


def measure(mode: str, jobs: int) -> str:
    with tempfile.TemporaryDirectory() as tmp, failover(mode, Path(tmp), jobs) as outcome:
        try:
            outcome.load.assert_histories_hold_each_job_once()
            once = "yes"
        except AssertionError as exc:
            once = f"NO ({exc})"
        return (
            f"{mode:9} promoted after {outcome.promoted_s:4.1f} s | longest POST {outcome.longest_post_s:4.1f} s | "
            f"accepted {outcome.accepted}, done {outcome.states['done']}, error {outcome.states['error']} | "
            f"each reply once: {once}" + "".join(f"\n          error: {error}" for error in outcome.errors)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=150)
    parser.add_argument("--modes", nargs="+", default=["sentinel", "cluster"], choices=["sentinel", "cluster"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    lines = [measure(mode, args.jobs) for mode in args.modes]
    print(f"machine: {machine()}")
    print(f"failover under load: {args.jobs} messages, primary SIGKILLed 4 s in")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
