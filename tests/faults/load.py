"""A steady load of clients for the fault tests, sending as the web UI does.

Each message is POSTed with one Idempotency-Key until it is accepted, so a retry can never
create a second job. Every HTTP request's duration is recorded: the fault tests bound them.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

TERMINAL = ("done", "error")


@dataclass
class Accepted:
    session: str
    key: str
    job_id: str


@dataclass
class Load:
    base_url: str
    sessions: list[str]
    clients: int = 4
    interval_s: float = 0.2
    total: int = 0  # messages to send in all; 0 sends until stop()
    accepted: list[Accepted] = field(default_factory=list)
    # (method and path, seconds, status code or the transport error's name)
    requests: list[tuple[str, float, int | str]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def request(self, client: httpx.Client, method: str, path: str, **kwargs: object) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = client.request(method, f"{self.base_url}{path}", **kwargs)
            outcome: int | str = response.status_code
        except httpx.TransportError as exc:
            response, outcome = None, type(exc).__name__
        with self._lock:
            self.requests.append((f"{method} {path.split('?')[0]}", time.monotonic() - started, outcome))
        return response

    def submit_until_accepted(self, client: httpx.Client, session: str, text: str, deadline_s: float = 90) -> Accepted:
        key = str(uuid.uuid4())
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            response = self.request(
                client, "POST", "/messages", json={"text": text}, headers={"X-Session-Id": session, "Idempotency-Key": key}
            )
            if response is not None and response.status_code == 202:
                return Accepted(session, key, str(response.json()["job_id"]))
            if response is not None:
                assert response.status_code in (502, 503), response.text  # only "try again" answers
                assert response.status_code != 503 or response.headers.get("Retry-After"), "503 without Retry-After"
            time.sleep(0.2)
        raise AssertionError(f"message not accepted within {deadline_s}s")

    def _client(self, n: int) -> None:
        try:
            with httpx.Client(timeout=30) as client:
                sent = 0
                while not self._stop.is_set():
                    number = n + sent * self.clients
                    if self.total and number >= self.total:
                        return
                    session = self.sessions[number % len(self.sessions)]
                    done = self.submit_until_accepted(client, session, f"client {n} message {sent}")
                    with self._lock:
                        self.accepted.append(done)
                    sent += 1
                    self._stop.wait(self.interval_s)
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread
            self.errors.append(exc)

    def start(self) -> Load:
        self._threads = [threading.Thread(target=self._client, args=(n,), name=f"client-{n}") for n in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 120) -> None:
        self._stop.set()
        self.join(timeout)

    def join(self, timeout: float = 120) -> None:
        """Waits for the clients to finish (after `total` messages, or stop())."""
        for thread in self._threads:
            thread.join(timeout)
        assert not any(t.is_alive() for t in self._threads), "a client did not finish"
        assert not self.errors, self.errors

    def final_states(self, within_s: float = 120) -> dict[str, tuple[str, str]]:
        """Each accepted job's final status and error, polled until every job has ended."""
        states: dict[str, tuple[str, str]] = {}
        deadline = time.monotonic() + within_s
        pending = list(self.accepted)
        with httpx.Client(timeout=30) as client:
            while pending and time.monotonic() < deadline:
                still = []
                for item in pending:
                    response = self.request(client, "GET", f"/messages/{item.job_id}", headers={"X-Session-Id": item.session})
                    job = response.json()["job"] if response is not None and response.status_code == 200 else None
                    if job is not None and job["status"] in TERMINAL:
                        states[item.job_id] = (job["status"], job.get("error") or "")
                    else:
                        still.append(item)
                pending = still
                if pending:
                    time.sleep(1)
        assert not pending, f"{len(pending)} accepted jobs never finished"
        return states

    def assert_histories_hold_each_job_once(self) -> None:
        with httpx.Client(timeout=30) as client:
            for session in self.sessions:
                response = client.get(f"{self.base_url}/chat/history", headers={"X-Session-Id": session})
                ids = [item["id"] for item in response.json()["items"]]
                assert len(ids) == len(set(ids)), "a job appears twice in the history"
                assert set(ids) == {a.job_id for a in self.accepted if a.session == session}
                assert all(item["result"] is None or item["result"]["reply"] for item in response.json()["items"])


def summary(states: dict[str, tuple[str, str]]) -> Counter[str]:
    return Counter(status for status, _ in states.values())
