"""The supervisor's restart policy, on real short-lived processes and a clock the test moves."""

from __future__ import annotations

import logging
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from suite.supervisor import Supervisor, describe_exit


@dataclass
class ExitingServer:
    """Stands in for a RedisServer whose process has exited; `start` counts restarts."""

    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        self.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])


@dataclass
class CrashingSuite:
    """Stands in for Suite: its one part exits with code 3 each time it starts."""

    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    servers: dict[str, ExitingServer] = field(default_factory=dict)
    starts: int = 0

    def redis_servers(self) -> dict[str, ExitingServer]:
        return self.servers

    def start_process(self, name: str) -> None:
        self.starts += 1
        self.processes[name] = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
        self.processes[name].wait()


def test_exits_are_restarted_with_growing_backoff_then_reported_as_a_crash_loop(caplog: pytest.LogCaptureFixture) -> None:
    suite = CrashingSuite()
    suite.start_process("job_service")
    supervisor = Supervisor(suite, backoff_base_s=1.0, backoff_max_s=30.0, loop_exits=5, loop_window_s=60.0)
    now, delays = 1000.0, []
    caplog.set_level(logging.INFO, "suite.supervisor")
    for _ in range(5):
        supervisor.check(now)  # notes the exit
        record = supervisor.records["job_service"]
        assert record.due is not None
        delays.append(record.due - now)
        now = record.due
        supervisor.check(now)  # due: starts it again (and it exits again)
    assert delays == [1.0, 2.0, 4.0, 8.0, 30.0]  # the fifth exit within 60 s: a crash loop
    assert supervisor.records["job_service"].looping
    assert supervisor.records["job_service"].restarts == 5 and suite.starts == 6
    text = caplog.text
    assert "job_service exited unexpectedly (exit code 3); restart 1 in 1.0 s" in text
    assert "job_service is crash-looping: 5 exits in 60 s (last: exit code 3)" in text


def test_a_part_that_stays_up_long_enough_starts_over_with_a_short_backoff() -> None:
    suite = CrashingSuite()
    suite.start_process("context_service")
    supervisor = Supervisor(suite, backoff_base_s=1.0, loop_window_s=60.0)
    supervisor.check(0.0)
    supervisor.check(1.0)
    supervisor.check(500.0)  # the second exit comes long after the first
    record = supervisor.records["context_service"]
    assert record.due == 501.0 and not record.looping


def test_a_dead_node_of_the_suite_s_redis_cluster_is_restarted() -> None:
    dead = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
    dead.wait()
    node = ExitingServer(process=dead)
    suite = CrashingSuite(servers={"redis-node-4": node})
    supervisor = Supervisor(suite, backoff_base_s=1.0)
    supervisor.check(0.0)
    assert supervisor.records["redis-node-4"].due == 1.0
    supervisor.check(1.0)
    try:
        assert node.starts == 1 and node.process is not None and node.process.poll() is None
    finally:
        node.process.kill()
        node.process.wait()


def test_exit_descriptions_name_the_signal() -> None:
    assert describe_exit(-9) == "signal SIGKILL"
    assert describe_exit(-11) == "signal SIGSEGV"
    assert describe_exit(1) == "exit code 1"
