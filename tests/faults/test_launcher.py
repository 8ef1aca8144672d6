"""The run command's launcher: it restarts what crashes, Ctrl-C stops everything cleanly, and
nothing outlives it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from bench.common import NO_RATE_LIMITS
from chat_common.children import free_port
from chat_common.local_models import resolve
from suite.processes import ROOT
from tests.model_server import FAST_MODEL


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def part_name(pid: int) -> str:
    """`job_service` for `python -m job_service`, `redis` for redis-server, `postgres` for postgres."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except FileNotFoundError:
        return ""
    if "-m" in args:
        return args[args.index("-m") + 1]
    if "redis-server" in args[0]:
        return "redis"
    return "postgres" if Path(args[0]).name == "postgres" else args[0]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
    return " Z " not in stat  # a zombie has exited


@dataclass
class Launcher:
    process: subprocess.Popen[str]
    base_url: str
    env: dict[str, str]
    lines: list[str] = field(default_factory=list)

    def parts(self) -> dict[str, int]:
        return {part_name(pid): pid for pid in children_of(self.process.pid)}

    @property
    def output(self) -> str:
        return "".join(self.lines)


def start_launcher(tmp_path: Path, **env: str) -> Launcher:
    full_env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "PROVIDERS": "fallback",
        "GATEWAY_PORT": str(free_port()),
        "JOB_SERVICE_ADDR": f"127.0.0.1:{free_port()}",
        "CONTEXT_SERVICE_ADDR": f"127.0.0.1:{free_port()}",
        "INFERENCE_SERVICE_ADDR": f"127.0.0.1:{free_port()}",
        "MODEL_SERVER_ADDR": f"127.0.0.1:{free_port()}",
        "JOB_SERVICE_METRICS_PORT": str(free_port()),
        "CONTEXT_SERVICE_METRICS_PORT": str(free_port()),
        "INFERENCE_SERVICE_METRICS_PORT": str(free_port()),
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "suite"],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    launcher = Launcher(process, f"http://127.0.0.1:{full_env['GATEWAY_PORT']}", full_env)
    running = threading.Event()

    def drain() -> None:  # the children log to this pipe too: it must never fill up
        assert process.stdout is not None
        for line in process.stdout:
            launcher.lines.append(line)
            if "is running" in line:
                running.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + 120
    while not running.wait(0.2):
        assert process.poll() is None and time.monotonic() < deadline, f"the suite did not start:\n{launcher.output[-3000:]}"
    return launcher


def stop(launcher: Launcher) -> None:
    os.killpg(launcher.process.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
    launcher.process.wait(timeout=90)


@pytest.mark.slow
def test_ctrl_c_stops_every_part_cleanly(tmp_path: Path) -> None:
    launcher = start_launcher(tmp_path)
    parts = launcher.parts()
    children = list(parts.values())
    # PROVIDERS=fallback: no model server.
    assert set(parts) == {"redis", "postgres", "job_service", "context_service", "inference_service", "gateway"}, parts
    stop(launcher)
    time.sleep(0.5)  # the drain thread reads the last lines
    assert launcher.process.returncode == 0
    assert not [pid for pid in children if alive(pid)]
    assert "Traceback" not in launcher.output and "ERROR" not in launcher.output, launcher.output[-3000:]


@pytest.mark.slow
def test_no_part_outlives_a_killed_launcher(tmp_path: Path) -> None:
    launcher = start_launcher(tmp_path)
    children = list(launcher.parts().values())
    launcher.process.kill()
    launcher.process.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and [pid for pid in children if alive(pid)]:
        time.sleep(0.2)
    survivors = [pid for pid in children if alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, "children must not outlive their launcher"


def ask(base_url: str, text: str, timeout: float = 60) -> dict:
    """One message through the gateway, polled until it ends."""
    headers = {"X-Session-Id": f"supervised-{uuid.uuid4().hex[:12]}"}
    accepted = httpx.post(f"{base_url}/messages", json={"text": text}, headers=headers, timeout=10)
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{base_url}/messages/{job_id}", headers=headers, timeout=10).json()["job"]
        if job["status"] in ("done", "error"):
            return dict(job)
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not end within {timeout}s")


def ready(base_url: str) -> dict | None:
    try:
        response = httpx.get(f"{base_url}/readyz", timeout=2)
    except httpx.HTTPError:
        return None
    return dict(response.json()) if response.status_code == 200 else None


def model_server_up(launcher: Launcher) -> bool:
    try:
        return httpx.get(f"http://{launcher.env['MODEL_SERVER_ADDR']}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.slow
def test_every_killed_part_is_restarted_and_the_next_message_is_answered(tmp_path: Path) -> None:
    launcher = start_launcher(
        tmp_path, PROVIDERS="local,fallback", LOCAL_MODEL=FAST_MODEL, MAX_OUTPUT_TOKENS="16", **NO_RATE_LIMITS
    )
    try:
        for name in ("model_server", "context_service", "inference_service", "job_service", "gateway"):
            old = launcher.parts()[name]
            os.kill(old, signal.SIGKILL)
            killed = time.monotonic()
            while True:
                new = launcher.parts().get(name)
                if new not in (None, old) and ready(launcher.base_url) and model_server_up(launcher):
                    break
                assert time.monotonic() - killed < 20, f"{name} was not back within 20 s:\n{launcher.output[-3000:]}"
                time.sleep(0.1)
            job = ask(launcher.base_url, "Say hello.")
            assert job["status"] == "done", (name, job)
            assert job["result"]["provider"] == "local", (name, job["result"])
            assert f"{name} exited unexpectedly (signal SIGKILL)" in launcher.output
    finally:
        stop(launcher)
    assert launcher.process.returncode == 0


@pytest.mark.slow
def test_a_crash_looping_model_is_reported_while_the_rest_keeps_answering(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    shutil.copy(resolve(FAST_MODEL).path, model)
    launcher = start_launcher(
        tmp_path, PROVIDERS="local,fallback", LOCAL_MODEL=str(model), MAX_OUTPUT_TOKENS="16", **NO_RATE_LIMITS
    )
    try:
        model.write_bytes(model.read_bytes()[:4096])  # every restart now fails to load it
        os.kill(launcher.parts()["model_server"], signal.SIGKILL)
        deadline = time.monotonic() + 40
        while "model_server is crash-looping: 5 exits in 60 s" not in launcher.output:
            assert time.monotonic() < deadline, launcher.output[-3000:]
            time.sleep(0.2)
        response = httpx.get(f"{launcher.base_url}/readyz", timeout=5)
        assert response.status_code == 200  # the suite still answers
        assert response.json()["checks"]["local_model"] == "down"
        assert response.json()["degraded"] == ["local_model"]
        job = ask(launcher.base_url, "Say hello.")
        assert job["status"] == "done" and job["result"]["fallback"]
    finally:
        stop(launcher)
    assert "Traceback" not in launcher.output


@pytest.mark.slow
def test_the_model_dying_mid_reply_ends_the_job_in_the_flagged_fallback_and_the_suite_stays_ready(tmp_path: Path) -> None:
    launcher = start_launcher(
        tmp_path, PROVIDERS="local,fallback", LOCAL_MODEL=FAST_MODEL, MAX_OUTPUT_TOKENS="400", **NO_RATE_LIMITS
    )
    try:
        headers = {"X-Session-Id": f"dying-{uuid.uuid4().hex[:12]}"}
        accepted = httpx.post(
            f"{launcher.base_url}/messages",
            json={"text": "Write a long story about a lighthouse keeper."},
            headers=headers,
            timeout=10,
        )
        job_id = accepted.json()["job_id"]
        events: list[str] = []
        with httpx.stream("GET", f"{launcher.base_url}/messages/{job_id}/events", headers=headers, timeout=60) as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    events.append(line.split(":", 1)[1].strip())
                    if events[-1] == "delta" and events.count("delta") == 3:
                        os.kill(launcher.parts()["model_server"], signal.SIGKILL)  # mid-reply
                        assert httpx.get(f"{launcher.base_url}/readyz", timeout=5).status_code == 200
                if line.startswith("data:") and ('"status": "done"' in line or '"status": "error"' in line):
                    break
        job = httpx.get(f"{launcher.base_url}/messages/{job_id}", headers=headers, timeout=10).json()["job"]
        assert job["status"] == "done", job
        assert job["result"]["provider"] == "fallback" and job["result"]["fallback"] is True
        assert "restart" in events  # the UI is told to drop the partial text
        deadline = time.monotonic() + 20
        while not model_server_up(launcher):
            assert time.monotonic() < deadline, "the model server was not restarted"
            time.sleep(0.1)
        assert ask(launcher.base_url, "Say hello.")["result"]["provider"] == "local"
    finally:
        stop(launcher)
    assert "model_server exited unexpectedly (signal SIGKILL)" in launcher.output


def test_free_ports_are_outside_the_range_client_sockets_take() -> None:
    # A client socket's source port comes from this range; a server port from it can be taken
    # between free_port() and the server's bind (CI once saw "address already in use").
    first_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {free_port() for _ in range(50)}
    assert all(20000 <= port < first_ephemeral for port in ports)
    assert len(ports) > 40  # drawn at random, not one port handed out again and again
