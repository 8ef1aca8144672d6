"""Hostile or broken input to the JSON endpoints gets a clear 4xx in the error shape, never a 500."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from suite.processes import Suite
from tests.security.helpers import assert_error, wait_done

MAX_JSON = 256 * 1024


@pytest.mark.parametrize(
    ("kwargs", "status", "contains"),
    [
        ({"content": b'{"text": "hi"}', "headers": {"content-type": "text/plain"}}, 415, "application/json"),
        ({"content": b"text=hi", "headers": {"content-type": "application/x-www-form-urlencoded"}}, 415, "json"),
        ({"content": b'{"text": "hi"}', "headers": {"content-type": "multipart/form-data; boundary=x"}}, 415, "json"),
        ({"content": b'{"text": "hi"}', "headers": {"content-type": "application/xml"}}, 415, "json"),
        ({"json": {"text": ""}}, 400, "empty"),
        ({"json": {"text": " \t\n\u3000 "}}, 400, "empty"),
        ({"json": {"text": "x" * 8001}}, 413, "too long"),
        ({"json": {"text": "\U0001f600" * 8001}}, 413, "too long"),
        ({"json": {"text": "x" * 100_001}}, 422, "text"),
        ({"content": b"\xff\xfe\xfa", "headers": {"content-type": "application/json"}}, 400, "utf-8"),
        ({"content": b'{"text": "caf\xe9"}', "headers": {"content-type": "application/json"}}, 400, "utf-8"),
        (
            {"content": b'{"text": "\\ud800 lone surrogate"}', "headers": {"content-type": "application/json"}},
            422,
            "valid string",
        ),
        (
            {"content": b'{"text": "hi", "client_id": "\\udfff"}', "headers": {"content-type": "application/json"}},
            422,
            "valid string",
        ),
        ({"content": b"[" * 50_000 + b"]" * 50_000, "headers": {"content-type": "application/json"}}, 400, "parsed"),
        ({"content": b'{"text": ' + b"9" * 5000 + b"}", "headers": {"content-type": "application/json"}}, 400, ""),
        ({"content": b'{"text": 1e999999}', "headers": {"content-type": "application/json"}}, 422, "text"),
        ({"content": b'{"text": NaN}', "headers": {"content-type": "application/json"}}, 422, "text"),
        ({"content": b"null", "headers": {"content-type": "application/json"}}, 422, ""),
        ({"content": b'["text"]', "headers": {"content-type": "application/json"}}, 422, ""),
        ({"content": b'{"text": "hi"', "headers": {"content-type": "application/json"}}, 422, ""),
        ({"json": {"text": {"$gt": ""}}}, 422, "text"),
        ({"json": {"text": ["a"]}}, 422, "text"),
        ({"json": {"text": "hi", "client_id": "k" * 201}}, 422, "client_id"),
        ({"json": {"text": "hi"}, "headers": {"Idempotency-Key": "k" * 201}}, 400, "idempotency"),
    ],
    ids=[
        "text-plain",
        "form",
        "multipart",
        "xml",
        "empty",
        "blank-unicode",
        "overlong",
        "overlong-emoji",
        "over-schema-max",
        "invalid-utf8",
        "latin1",
        "lone-surrogate",
        "lone-surrogate-client-id",
        "deep-nesting",
        "huge-int",
        "huge-float",
        "nan",
        "null",
        "array",
        "truncated",
        "operator-object",
        "list",
        "long-client-id",
        "long-idempotency-key",
    ],
)
def test_bad_message_bodies(client: httpx.Client, kwargs: dict, status: int, contains: str) -> None:
    assert_error(client.post("/messages", **kwargs), status, contains)


def test_control_characters_and_nul_are_accepted_as_text(client: httpx.Client) -> None:
    """NUL and control characters are legal JSON text: the job completes; control characters are
    stored verbatim, NUL (which PostgreSQL text cannot hold) as U+FFFD."""
    response = client.post("/messages", json={"text": "nul\u0000 bell\u0007 rtl\u202e end"})
    assert response.status_code == 202, response.text
    job = wait_done(client, response.json()["job_id"])
    assert job["status"] == "done" and job["text"] == "nul\ufffd bell\u0007 rtl\u202e end"


def test_huge_json_with_content_length_is_refused_before_reading(client: httpx.Client) -> None:
    body = json.dumps({"text": "x" * (5 * 1024 * 1024)}).encode()
    assert_error(client.post("/messages", content=body, headers={"content-type": "application/json"}), 413, "too large")


def test_body_just_under_the_limit_is_parsed(client: httpx.Client) -> None:
    body = b'{"text": "hi", "pad": "' + b" " * (MAX_JSON - 40) + b'"}'
    assert len(body) <= MAX_JSON
    response = client.post("/messages", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 202, response.text


def test_huge_chunked_json_is_refused_without_reading_it_all(suite: Suite) -> None:
    """No Content-Length: the gateway counts the streamed bytes and answers 413 at the limit."""
    sent = 0
    total = 50 * 1024 * 1024

    def body() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"text": "'
        chunk = b"x" * 65536
        while sent < total:
            sent += len(chunk)
            yield chunk
        yield b'"}'

    with httpx.Client(base_url=suite.base_url, timeout=30) as c:
        response = c.post("/messages", content=body(), headers={"content-type": "application/json"})
    assert_error(response, 413, "too large")
    assert sent < total / 2, f"the client sent {sent} bytes before the answer"


def test_lying_content_length_cannot_smuggle_a_bigger_body(suite: Suite) -> None:
    """A body longer than its Content-Length is cut (and the rest is not another request)."""
    url = urlsplit(suite.base_url)
    payload = b'{"text": "hi"}'
    request = (
        b"POST /messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
        + payload
        + b"GET /chat/history HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 202"), data[:200]
    assert data.count(b"HTTP/1.1 ") == 1, "Connection: close ends the exchange after one response"


@pytest.mark.parametrize(
    ("path", "headers", "status", "contains"),
    [
        ("/messages/" + "0" * 32, {}, 404, "not found"),
        ("/messages/" + "A" * 32, {}, 404, "not found"),
        ("/messages/%2e%2e%2f%2e%2e%2fetc%2fpasswd", {}, 404, ""),
        ("/messages/" + "x" * 5000, {}, 404, "not found"),
        ("/messages/" + "0" * 32 + "/events?after=-1", {}, 422, "after"),
        ("/messages/" + "0" * 32 + "/events?after=abc", {}, 422, "after"),
        ("/messages/" + "0" * 32 + "/events?after=" + "9" * 40, {}, 422, "after"),
        ("/messages/" + "0" * 32 + "/events", {"Last-Event-ID": "9" * 40}, 400, "last-event-id"),
        ("/messages/" + "0" * 32 + "/events", {"Last-Event-ID": "-1"}, 400, "last-event-id"),
    ],
)
def test_bad_reads(client: httpx.Client, path: str, headers: dict, status: int, contains: str) -> None:
    assert_error(client.get(path, headers=headers), status, contains)


def test_wrong_method_is_405_in_error_shape(client: httpx.Client) -> None:
    response = client.put("/messages", json={"text": "hi"})
    assert_error(response, 405)
    assert "POST" in response.headers["allow"]


def test_no_bad_input_reached_the_unexpected_error_handler(suite: Suite) -> None:
    log = suite.log_text("gateway")
    assert "unhandled error" not in log and "Traceback" not in log, log[-3000:]
