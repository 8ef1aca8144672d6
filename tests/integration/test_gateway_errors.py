"""Bad input gets a clear error in the document's shape, with the right status, never a 500."""

from __future__ import annotations

import httpx
import pytest


def assert_error(response: httpx.Response, status: int, contains: str = "") -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert isinstance(body["error"], str) and body["error"]
    assert contains.lower() in body["error"].lower()


@pytest.mark.parametrize(
    ("kwargs", "status", "contains"),
    [
        ({"json": {"text": ""}}, 400, "empty"),
        ({"json": {"text": "   \n "}}, 400, "empty"),
        ({"json": {}}, 422, "text"),
        ({"json": {"text": 5}}, 422, "text"),
        ({"content": b"not json", "headers": {"content-type": "application/json"}}, 422, ""),
        ({"content": b"\xff\xfe\xfa", "headers": {"content-type": "application/json"}}, 400, "utf-8"),
        ({"json": {"text": "x" * 9000}}, 413, "too long"),
        ({"json": {"text": "hi"}, "headers": {"Idempotency-Key": "k" * 300}}, 400, "idempotency"),
        ({"json": {"text": "hi"}, "headers": {"X-Session-Id": "bad id!"}}, 400, "x-session-id"),
    ],
    ids=["empty", "blank", "missing", "wrong-type", "not-json", "invalid-utf8", "too-long", "huge-key", "bad-session"],
)
def test_bad_messages(client: httpx.Client, kwargs: dict, status: int, contains: str) -> None:
    assert_error(client.post("/messages", **kwargs), status, contains)


def test_unknown_job_and_route(client: httpx.Client) -> None:
    assert_error(client.get("/messages/" + "0" * 32), 404, "not found")
    assert_error(client.get("/messages/not-a-job-id"), 404, "not found")
    assert_error(client.get("/messages/" + "0" * 32 + "/events"), 404)
    assert_error(client.get("/no/such/route"), 404)
    assert_error(client.get("/messages/" + "0" * 32 + "/events", headers={"Last-Event-ID": "abc"}), 400)


def test_upload_rejections(client: httpx.Client) -> None:
    assert_error(client.post("/files", files={"file": ("run.exe", b"MZ\x90\x00" + b"\x00" * 64, "application/octet-stream")}), 415)
    assert_error(client.post("/files", files={"file": ("fake.pdf", b"just text, not a pdf", "application/pdf")}), 415, "does not match")
    assert_error(client.post("/files", files={"file": ("big.txt", b"a" * (10 * 1024 * 1024 + 10), "text/plain")}), 413, "too large")
    assert_error(client.post("/files", files={"file": ("empty.txt", b"", "text/plain")}), 400, "empty")
    assert_error(client.post("/files", files={"other": ("a.txt", b"abc", "text/plain")}), 400, "file")
    assert_error(client.post("/files", json={"file": "abc"}), 415, "multipart")


def test_the_benchmark_baselines_are_not_served_by_default(client: httpx.Client) -> None:
    for path in ("/messages/_bench", "/messages/_bench_grpc"):
        response = client.post(path, json={"text": "hello"})
        assert response.status_code == 405, (path, response.status_code)
        assert response.json()["success"] is False
