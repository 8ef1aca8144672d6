"""The design document's endpoints, end to end through the gateway and every service."""

from __future__ import annotations

import uuid

import httpx

from suite.processes import Suite
from tests.integration.helpers import read_sse, wait_done


def send(client: httpx.Client, text: str, key: str | None = None) -> dict:
    headers = {"Idempotency-Key": key} if key else {}
    response = client.post("/messages", json={"text": text}, headers=headers)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["success"] is True and body["job_id"] == body["job"]["id"]
    return body


def test_post_then_poll_until_done_with_reply(client: httpx.Client) -> None:
    body = send(client, "Hello there")
    assert body["status"] == "pending"
    job = wait_done(client, body["job_id"])
    assert job["status"] == "done"
    assert job["result"]["reply"]
    assert job["result"]["provider"] == "fallback"
    assert job["text"] == "Hello there"


def test_session_cookie_is_signed_httponly_samesite(suite: Suite) -> None:
    with httpx.Client(base_url=suite.base_url) as fresh:
        response = fresh.get("/chat/history")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert "." in value, "the session id carries a signature"


def test_history_in_order_and_clear(suite: Suite) -> None:
    with httpx.Client(base_url=suite.base_url, timeout=30) as client:
        ids = [send(client, f"note {n}")["job_id"] for n in range(3)]
        for job_id in ids:
            wait_done(client, job_id)
        items = client.get("/chat/history").json()["items"]
        assert [i["id"] for i in items] == ids
        assert all(i["status"] == "done" for i in items)
        cleared = client.delete("/chat/clear")
        assert cleared.status_code == 200 and cleared.json() == {"success": True, "cleared": 3}
        assert client.get("/chat/history").json()["items"] == []


def test_sse_in_order_and_replay_with_last_event_id(client: httpx.Client) -> None:
    job_id = send(client, "Stream me a reply")["job_id"]
    events = read_sse(client, job_id)
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    assert events[0].event == "status" and events[0].data["status"] == "pending"
    assert events[-1].event == "status" and events[-1].data["status"] == "done"
    reply = "".join(e.data["text"] for e in events if e.event == "delta")
    assert reply == events[-1].data["job"]["result"]["reply"]
    # A reader that dropped after two events reconnects and gets exactly the rest.
    first = read_sse(client, job_id, stop_after=2)
    rest = read_sse(client, job_id, headers={"Last-Event-ID": str(first[-1].id)})
    assert [e.id for e in first + rest] == [e.id for e in events]


def test_same_idempotency_key_returns_same_job(client: httpx.Client) -> None:
    key = str(uuid.uuid4())
    first = send(client, "only once", key=key)
    second = send(client, "only once", key=key)
    assert first["job_id"] == second["job_id"]
    wait_done(client, first["job_id"])
    ids = [i["id"] for i in client.get("/chat/history").json()["items"]]
    assert ids.count(first["job_id"]) == 1


def test_sessions_are_isolated(suite: Suite, client: httpx.Client) -> None:
    job_id = send(client, "my private note")["job_id"]
    with httpx.Client(base_url=suite.base_url, headers={"X-Session-Id": uuid.uuid4().hex}) as other:
        for path in (f"/messages/{job_id}", f"/messages/{job_id}/events"):
            response = other.get(path)
            assert response.status_code == 404
            assert response.json()["success"] is False
        assert job_id not in [i["id"] for i in other.get("/chat/history").json()["items"]]


def test_text_file_upload_is_analysed(client: httpx.Client) -> None:
    content = b"Quarterly report\nRevenue grew 12 percent.\nCosts fell.\n"
    response = client.post("/files", files={"file": ("report.txt", content, "text/plain")})
    assert response.status_code == 202, response.text
    job = wait_done(client, response.json()["job_id"])
    assert job["status"] == "done" and job["kind"] == "file"
    assert job["file"] == {"name": "report.txt", "media_type": "text/plain", "size_bytes": len(content)}


def test_readyz_reports_every_dependency(client: httpx.Client) -> None:
    body = client.get("/readyz").json()
    assert body["checks"] == {
        "redis": "ok",
        "job_service": "ok",
        "context_service": "ok",
        "inference_service": "ok",
        "postgres": "ok",
        "postgres_context": "ok",
    }


def test_concurrent_submits_are_batched_and_each_becomes_its_own_job(suite: Suite) -> None:
    import asyncio
    import re

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=suite.base_url, timeout=30) as ac:
            sessions = [f"burst-{n}-{uuid.uuid4().hex[:8]}" for n in range(24)]
            return await asyncio.gather(
                *(
                    ac.post("/messages", json={"text": f"message {n}"}, headers={"X-Session-Id": sid})
                    for n, sid in enumerate(sessions)
                )
            )

    def batches_sent() -> tuple[float, float]:
        text = httpx.get(f"{suite.base_url}/metrics").text
        count = float(re.search(r"^chat_create_batch_size_count (\S+)$", text, re.M).group(1))
        total = float(re.search(r"^chat_create_batch_size_sum (\S+)$", text, re.M).group(1))
        return count, total

    calls_before, jobs_before = batches_sent()
    responses = asyncio.run(burst())
    assert all(r.status_code == 202 for r in responses), [r.text for r in responses if r.status_code != 202]
    ids = [r.json()["job_id"] for r in responses]
    assert len(set(ids)) == 24
    calls, jobs = batches_sent()
    assert jobs - jobs_before == 24 and calls - calls_before < 24, "24 jobs in fewer calls"
    with httpx.Client(base_url=suite.base_url, timeout=30) as c:
        for job_id, response in zip(ids, responses, strict=True):
            c.headers["X-Session-Id"] = response.request.headers["X-Session-Id"]
            job = wait_done(c, job_id)
            assert job["status"] == "done" and job["text"] == "message " + str(ids.index(job_id))
