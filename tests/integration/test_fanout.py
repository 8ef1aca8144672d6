"""Many browsers watching one reply share one WatchJob stream in the gateway."""

from __future__ import annotations

import json
import threading
import uuid

import httpx

from suite.processes import Suite
from tests.integration.helpers import read_sse, rpc_calls

READERS = 12


def watch_calls(suite: Suite) -> float:
    return rpc_calls(suite.metrics_ports["job_service"], "/chat.v1.JobService/WatchJob")


def test_concurrent_readers_get_identical_streams_from_one_upstream(suite: Suite) -> None:
    session = {"X-Session-Id": "fanout-" + uuid.uuid4().hex}
    with httpx.Client(base_url=suite.base_url, timeout=30, headers=session) as client:
        job_id = client.post("/messages", json={"text": "one reply, many readers"}).json()["job_id"]
        before = watch_calls(suite)
        results: list[list[tuple[int, str, str]]] = [[] for _ in range(READERS)]
        barrier = threading.Barrier(READERS)

        def read(index: int) -> None:
            with httpx.Client(base_url=suite.base_url, timeout=30, headers=session) as own:
                barrier.wait()
                after = 1 if index % 2 else 0  # half of them resume after the first event
                headers = {"Last-Event-ID": str(after)} if after else {}
                events = read_sse(own, job_id, headers=headers)
                results[index] = [(e.id, e.event, json.dumps(e.data, sort_keys=True)) for e in events]

        threads = [threading.Thread(target=read, args=(n,)) for n in range(READERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    full = results[0]
    assert full and full[-1][1] == "status" and '"status": "done"' in full[-1][2]
    for index, events in enumerate(results):
        expected = full[1:] if index % 2 else full
        assert events == expected, f"reader {index} saw a different stream"
    # The job service served far fewer streams than there were readers.
    assert watch_calls(suite) - before < READERS / 2
