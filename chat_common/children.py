"""How the suite launcher starts child processes (Redis, the services).

Each child gets its own session (`start_new_session=True`), so a Ctrl-C in the terminal
reaches only the launcher, which stops the children in dependency order (Redis last). On
Linux each child also asks the kernel for SIGTERM when its launcher dies, so a crashed
launcher leaves no orphans.

The parent-death signal is set by this module run as an exec wrapper
(`python -m chat_common.children PARENT_PID CMD...`), not by a `preexec_fn`: a `preexec_fn`
forces a plain fork() of a process that may run gRPC threads, and gRPC aborts such a child.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

_PR_SET_PDEATHSIG = 1


# Listening ports are drawn from below the kernel's range for outgoing connections: a port the
# kernel hands out (a bind to port 0) may be taken by a client socket's source port before our
# server binds it, as CI saw once ("address already in use").
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST_PORT = 20000
# A port handed out is free until its server binds it, a second or two later: meanwhile it is
# not handed out again (a suite draws the ports of all its parts before any binds; CI saw two
# parts given one port).
_HANDED_OUT: dict[int, float] = {}
_HELD_S = 120.0


def free_port(also_free_above: int = 0) -> int:
    """A port free on 127.0.0.1 now, for a server about to start; with `also_free_above`, one whose
    port that far above is free too (a Redis Cluster node's bus listens at port + 10000)."""
    try:
        first_ephemeral = int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        first_ephemeral = 0
    room = first_ephemeral - also_free_above - _LOWEST_PORT
    if room >= 1000:
        now = time.monotonic()
        for port, at in list(_HANDED_OUT.items()):
            if now - at > _HELD_S:
                del _HANDED_OUT[port]
        for _ in range(200):
            port = _LOWEST_PORT + secrets.randbelow(room)
            wanted = [port, port + also_free_above] if also_free_above else [port]
            if all(p not in _HANDED_OUT and _bindable(p) for p in wanted):
                _HANDED_OUT.update(dict.fromkeys(wanted, now))
                return port
    if also_free_above:
        raise RuntimeError(f"no free port pair {also_free_above} apart below {first_ephemeral}")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wrap(command: list[str]) -> list[str]:
    """`command`, run so that it gets SIGTERM if this process dies."""
    if not sys.platform.startswith("linux"):
        return command
    return [sys.executable, "-m", "chat_common.children", str(os.getpid()), *command]


def wait_ready(process: subprocess.Popen[bytes], is_ready: Callable[[], bool], timeout: float, what: str, hint: str = "") -> None:
    """Polls `is_ready` until it holds; a clear RuntimeError if the child exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while not is_ready():
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}{hint}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not become ready within {timeout}s{hint}")
        time.sleep(0.05)


class ChildServer:
    """What the launchers of child servers (Redis, PostgreSQL, the test model server) share:
    the process, a crash (`kill`), a clean stop within `stop_timeout_s` (SIGKILL after it) and a
    restart. Subclasses define `start()`, and may stop with another signal."""

    stop_signal: int = signal.SIGTERM
    stop_timeout_s: float = 10.0

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> ChildServer:
        raise NotImplementedError

    def kill(self) -> None:
        """SIGKILL: what a crash looks like from outside."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=self.stop_timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        self.stop()
        self.start()


def _exec(parent_pid: int, command: list[str]) -> None:
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        ctypes.CDLL(libc_name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:  # the launcher died before the signal was armed
        sys.exit(1)
    program = shutil.which(command[0]) or command[0]
    os.execv(program, command)  # the death signal survives exec


if __name__ == "__main__":
    _exec(int(sys.argv[1]), sys.argv[2:])
