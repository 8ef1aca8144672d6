"""The run command's launcher: Ctrl-C stops everything cleanly, and nothing outlives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chat_common.redis_server import free_port
from suite.processes import ROOT


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
    return " Z " not in stat  # a zombie has exited


def start_launcher(tmp_path: Path) -> tuple[subprocess.Popen[str], list[int]]:
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "PROVIDERS": "fallback",
        "GATEWAY_PORT": str(free_port()),
        "JOB_SERVICE_ADDR": f"127.0.0.1:{free_port()}",
        "CONTEXT_SERVICE_ADDR": f"127.0.0.1:{free_port()}",
        "INFERENCE_SERVICE_ADDR": f"127.0.0.1:{free_port()}",
        "JOB_SERVICE_METRICS_PORT": str(free_port()),
        "CONTEXT_SERVICE_METRICS_PORT": str(free_port()),
        "INFERENCE_SERVICE_METRICS_PORT": str(free_port()),
    }
    launcher = subprocess.Popen(
        [sys.executable, "-m", "suite"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )
    assert launcher.stdout is not None
    deadline = time.monotonic() + 120
    for line in launcher.stdout:
        if "is running" in line:
            break
        assert time.monotonic() < deadline, "the suite did not start"
    children = children_of(launcher.pid)
    assert len(children) == 5, "redis-server and four services"
    return launcher, children


@pytest.mark.slow
def test_ctrl_c_stops_every_part_cleanly(tmp_path: Path) -> None:
    launcher, children = start_launcher(tmp_path)
    os.killpg(launcher.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
    output, _ = launcher.communicate(timeout=90)
    assert launcher.returncode == 0
    assert not [pid for pid in children if alive(pid)]
    assert "Traceback" not in output and "ERROR" not in output, output[-3000:]


@pytest.mark.slow
def test_no_part_outlives_a_killed_launcher(tmp_path: Path) -> None:
    launcher, children = start_launcher(tmp_path)
    launcher.kill()
    launcher.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and [pid for pid in children if alive(pid)]:
        time.sleep(0.2)
    survivors = [pid for pid in children if alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, "children must not outlive their launcher"
