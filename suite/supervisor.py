"""Restarts any part of the suite that exits unexpectedly, with backoff, as an init system would.

Each exit is logged with the part's name, its exit code or signal, and its restart count.
A part that exits `loop_exits` times within `loop_window_s` is crash-looping: that is logged
as an error, and it is retried at the longest backoff; meanwhile /readyz names it as down and
the other parts keep serving.
"""

from __future__ import annotations

import logging
import signal
import time
from collections import deque
from dataclasses import dataclass, field

from suite.processes import Suite

log = logging.getLogger("suite.supervisor")


def describe_exit(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class Record:
    exits: deque[float] = field(default_factory=deque)
    restarts: int = 0
    due: float | None = None  # when the pending restart is to happen
    looping: bool = False


@dataclass
class Supervisor:
    suite: Suite
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    loop_exits: int = 5
    loop_window_s: float = 60.0
    records: dict[str, Record] = field(default_factory=dict)

    def parts(self) -> dict[str, int | None]:
        """Each supervised part and its exit status (None while it runs)."""
        status = {name: process.poll() for name, process in self.suite.processes.items()}
        for name, server in self.suite.redis_servers().items():
            if server.process is not None:
                status[name] = server.process.poll()
        return status

    def check(self, now: float | None = None) -> None:
        """One round: note new exits, and start the parts whose backoff has passed."""
        now = time.monotonic() if now is None else now
        for name, returncode in self.parts().items():
            record = self.records.setdefault(name, Record())
            if returncode is None or record.due is not None:
                continue
            self._exited(name, record, returncode, now)
        for name, record in self.records.items():
            if record.due is not None and now >= record.due:
                record.due = None
                record.restarts += 1
                log.info("restarting %s (restart %d)", name, record.restarts)
                try:
                    self._start(name)
                except RuntimeError as exc:  # e.g. Redis did not come up: try again later
                    log.error("%s did not start: %s", name, exc)
                    self._exited(name, record, None, time.monotonic())

    def _exited(self, name: str, record: Record, returncode: int | None, now: float) -> None:
        record.exits.append(now)
        while record.exits and now - record.exits[0] > self.loop_window_s:
            record.exits.popleft()
        recent = len(record.exits)
        record.looping = recent >= self.loop_exits
        delay = self.backoff_max_s if record.looping else min(self.backoff_max_s, self.backoff_base_s * 2 ** (recent - 1))
        record.due = now + delay
        if record.looping:
            log.error(
                "%s is crash-looping: %d exits in %.0f s (last: %s); it is down until it stays up, next try in %.0f s",
                name,
                recent,
                self.loop_window_s,
                describe_exit(returncode),
                delay,
            )
        else:
            log.warning(
                "%s exited unexpectedly (%s); restart %d in %.1f s",
                name,
                describe_exit(returncode),
                record.restarts + 1,
                delay,
            )

    def _start(self, name: str) -> None:
        servers = self.suite.redis_servers()
        if name in servers:
            servers[name].start()
        else:
            self.suite.start_process(name)
