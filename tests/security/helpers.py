"""Helpers for the security tests: the error shape, hand-built multipart bodies, polling."""

from __future__ import annotations

import time
import uuid

import httpx

from chat_common.errors import ErrorCode

BOUNDARY = "----security-test-boundary-7f3a9c"


def assert_error(response: httpx.Response, status: int, contains: str = "", code: str = "") -> dict:
    """The error shape, with its human text and its stable code (`code`, if given, exactly)."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    body = response.json()
    assert body["success"] is False, body
    assert isinstance(body["error"], str) and body["error"], body
    assert contains.lower() in body["error"].lower(), body
    assert body["code"] in {c.value for c in ErrorCode}, body
    assert not code or body["code"] == code, body
    return body


def multipart(
    filename: bytes | str, content: bytes, field: str = "file", content_type: str = "application/octet-stream"
) -> tuple[bytes, dict[str, str]]:
    """A multipart body built by hand, so file names can hold raw bytes (NUL, controls, '..')."""
    name = filename.encode() if isinstance(filename, str) else filename
    body = (
        f"--{BOUNDARY}\r\n".encode()
        + f'Content-Disposition: form-data; name="{field}"; filename="'.encode()
        + name
        + b'"\r\n'
        + f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return body, {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def upload(client: httpx.Client, filename: bytes | str, content: bytes, **headers: str) -> httpx.Response:
    body, ctype = multipart(filename, content)
    return client.post("/files", content=body, headers={**ctype, **headers})


def new_session() -> dict[str, str]:
    return {"X-Session-Id": uuid.uuid4().hex}


def wait_done(client: httpx.Client, job_id: str, timeout: float = 60, headers: dict[str, str] | None = None) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"/messages/{job_id}", headers=headers or {})
        assert response.status_code == 200, response.text
        job = response.json()["job"]
        if job["status"] in ("done", "error"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish within {timeout}s")
