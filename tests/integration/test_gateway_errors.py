"""Bad input gets a clear error in the document's shape, with the right status and a stable
machine-readable code, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.security.helpers import assert_error


@pytest.mark.parametrize(
    ("kwargs", "status", "contains", "code"),
    [
        ({"json": {"text": ""}}, 400, "empty", "message_empty"),
        ({"json": {"text": "   \n "}}, 400, "empty", "message_empty"),
        ({"json": {}}, 422, "text", "invalid_request"),
        ({"json": {"text": 5}}, 422, "text", "invalid_request"),
        ({"content": b"not json", "headers": {"content-type": "application/json"}}, 422, "", "invalid_request"),
        ({"content": b"\xff\xfe\xfa", "headers": {"content-type": "application/json"}}, 400, "utf-8", "malformed_body"),
        ({"json": {"text": "x" * 9000}}, 413, "too long", "message_too_long"),
        ({"json": {"text": "hi"}, "headers": {"Idempotency-Key": "k" * 300}}, 400, "idempotency", "invalid_idempotency_key"),
        ({"json": {"text": "hi"}, "headers": {"X-Session-Id": "bad id!"}}, 400, "x-session-id", "invalid_session"),
        (
            {"content": b"text=hi", "headers": {"content-type": "application/x-www-form-urlencoded"}},
            415,
            "json",
            "unsupported_media_type",
        ),
    ],
    ids=["empty", "blank", "missing", "wrong-type", "not-json", "invalid-utf8", "too-long", "huge-key", "bad-session", "form"],
)
def test_bad_messages(client: httpx.Client, kwargs: dict, status: int, contains: str, code: str) -> None:
    assert_error(client.post("/messages", **kwargs), status, contains, code)


def test_unknown_job_and_route(client: httpx.Client) -> None:
    # The job service's NOT_FOUND (a well-formed id) and the gateway's own (a malformed id)
    # reach the client in the same words, with the same code: mapped by reason, not by text.
    from_service = assert_error(client.get("/messages/" + "0" * 32), 404, "not found", "job_not_found")
    from_gateway = assert_error(client.get("/messages/not-a-job-id"), 404, "not found", "job_not_found")
    assert from_service["error"] == from_gateway["error"] == "Job not found."
    assert_error(client.get("/messages/" + "0" * 32 + "/events"), 404, code="job_not_found")
    assert_error(client.get("/no/such/route"), 404, code="not_found")
    assert_error(client.put("/messages"), 405, code="method_not_allowed")
    assert_error(client.get("/messages/" + "0" * 32 + "/events", headers={"Last-Event-ID": "abc"}), 400)


def test_upload_rejections(client: httpx.Client) -> None:
    assert_error(
        client.post("/files", files={"file": ("run.exe", b"MZ\x90\x00" + b"\x00" * 64, "application/octet-stream")}), 415
    )
    assert_error(
        client.post("/files", files={"file": ("fake.pdf", b"just text, not a pdf", "application/pdf")}), 415, "does not match"
    )
    assert_error(
        client.post("/files", files={"file": ("big.txt", b"a" * (10 * 1024 * 1024 + 10), "text/plain")}), 413, "too large"
    )
    assert_error(client.post("/files", files={"file": ("empty.txt", b"", "text/plain")}), 400, "empty")
    assert_error(client.post("/files", files={"other": ("a.txt", b"abc", "text/plain")}), 400, "file")
    assert_error(client.post("/files", json={"file": "abc"}), 415, "multipart")


def test_the_benchmark_baselines_are_not_served_by_default(client: httpx.Client) -> None:
    for path in ("/messages/_bench", "/messages/_bench_grpc"):
        response = client.post(path, json={"text": "hello"})
        assert response.status_code == 405, (path, response.status_code)
        assert response.json()["success"] is False
