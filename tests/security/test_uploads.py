"""Uploads: limits enforced while streaming, stored under random names, never served back,
hostile names contained, and orphaned files cleaned up."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest

from chat_common import pb
from gateway.cleanup import delete_orphans
from suite.processes import Suite
from tests.security.helpers import BOUNDARY, assert_error, new_session, upload, wait_done

MB = 1024 * 1024
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _streamed(parts: list[bytes | tuple[bytes, int]], counter: list[int]) -> Iterator[bytes]:
    """Yields the parts; (chunk, n) yields chunk n times. counter[0] counts the bytes handed out."""
    for part in parts:
        chunk, times = part if isinstance(part, tuple) else (part, 1)
        for _ in range(times):
            counter[0] += len(chunk)
            yield chunk


def _post_stream(suite: Suite, parts: list[bytes | tuple[bytes, int]]) -> tuple[httpx.Response, int]:
    counter = [0]
    with httpx.Client(base_url=suite.base_url, timeout=60) as c:
        response = c.post(
            "/files",
            content=_streamed(parts, counter),  # a generator: no Content-Length, sent chunked
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
    return response, counter[0]


FILE_HEAD = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n'
).encode()
TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()
CHUNK = b"a" * (64 * 1024)
FIFTY_MB = 50 * MB // len(CHUNK)


def test_oversize_upload_gets_413_before_the_body_is_read(suite: Suite) -> None:
    response, sent = _post_stream(suite, [FILE_HEAD, (CHUNK, FIFTY_MB), TAIL])
    assert_error(response, 413, "too large")
    assert response.headers.get("connection") == "close"
    assert sent < 25 * MB, f"{sent / MB:.1f} MB were consumed before the 413"


def test_oversize_other_field_before_the_file_gets_413(suite: Suite) -> None:
    """Bytes of parts other than `file` count too; the parser alone would skip past them."""
    other = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="padding"\r\n\r\n'.encode()
    response, sent = _post_stream(suite, [other, (CHUNK, FIFTY_MB), b"\r\n", FILE_HEAD, b"hello", TAIL])
    assert_error(response, 413, "too large")
    assert sent < 25 * MB, f"{sent / MB:.1f} MB were consumed before the 413"


def test_oversize_content_length_header_gets_413_without_body(suite: Suite) -> None:
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(suite.base_url)
    head = (
        "POST /files HTTP/1.1\r\nHost: x\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {50 * MB}\r\n\r\n"
    ).encode()
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(head + FILE_HEAD)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 413"), data[:200]
    assert b"too large" in data.lower()


def test_huge_part_header_is_refused(client: httpx.Client) -> None:
    name = "n" * (64 * 1024) + ".txt"
    assert_error(upload(client, name, b"hello"), 400, "header is too long")


def test_wrong_content_type_is_415(client: httpx.Client) -> None:
    assert_error(
        client.post("/files", content=b"raw bytes", headers={"content-type": "application/octet-stream"}), 415, "multipart"
    )
    assert_error(client.post("/files", content=b"a", headers={"content-type": "multipart/form-data"}), 415, "multipart")


def _files_in(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


# What the servers under the test root write on their own, at any time (other modules' suites too).
_SERVER_FILES = ("logs", "redis", "postgres")


def _written_outside(root: Path, upload_dir: Path) -> set[Path]:
    return {p for p in _files_in(root) if upload_dir not in p.parents and not set(_SERVER_FILES) & set(p.parts)}


def test_hostile_names_never_leave_the_upload_dir(suite: Suite, client: httpx.Client) -> None:
    upload_dir = suite.data_dir / "uploads"
    root = suite.data_dir.parent  # where "../../x" from the upload dir would land
    before = _written_outside(root, upload_dir)
    names = ["../../etc/passwd.txt", "..\\..\\boot.ini.txt", "/tmp/abs.txt", b"nul\x00../../x.txt", "./../../../dots.txt"]
    ids = []
    for name in names:
        response = upload(client, name, b"not really a password file")
        assert response.status_code == 202, response.text
        shown = response.json()["job"]["file"]["name"]
        assert "/" not in shown and "\\" not in shown and "\x00" not in shown and not shown.startswith(".")
        ids.append(response.json()["job_id"])
    for job_id in ids:
        assert wait_done(client, job_id)["status"] == "done"
    after = _written_outside(root, upload_dir)
    assert after == before, f"files appeared outside the upload dir: {after - before}"
    assert not (root / "etc" / "passwd.txt").exists() and not (upload_dir.parent.parent / "x.txt").exists()
    # Anything in the upload dir carries a random hex name, never the client's.
    assert all(HEX32.match(p.name) for p in _files_in(upload_dir))


def test_upload_is_stored_under_a_random_name_and_deleted_when_done(suite: Suite, client: httpx.Client) -> None:
    upload_dir = suite.data_dir / "uploads"
    response = upload(client, "kept.txt", b"content to analyse")
    assert response.status_code == 202
    assert wait_done(client, response.json()["job_id"])["status"] == "done"
    assert not any(p.name == "kept.txt" for p in upload_dir.iterdir())


def _storage_key(suite: Suite, session: str, job_id: str) -> str:
    """The job's storage key, from JobService itself (the gateway must never show it)."""
    with grpc.insecure_channel(suite.addr("job_service")) as channel:
        job = pb.jobs_grpc.JobServiceStub(channel).GetJob(pb.jobs.GetJobRequest(session_id=session, job_id=job_id), timeout=5)
    return str(job.file.storage_key)


def test_storage_key_never_appears_in_any_response(suite: Suite) -> None:
    headers = new_session()
    with httpx.Client(base_url=suite.base_url, timeout=30, headers=headers) as c:
        response = upload(c, "secret.txt", b"some content\n")
        assert response.status_code == 202, response.text
        job_id = response.json()["job_id"]
        key = _storage_key(suite, headers["X-Session-Id"], job_id)
        assert HEX32.match(key) and key != job_id
        job = wait_done(c, job_id)
        assert job["status"] == "done" and set(job["file"]) == {"name", "media_type", "size_bytes"}
        texts = [
            response.text,
            c.get(f"/messages/{job_id}").text,
            c.get("/chat/history").text,
            c.get(f"/messages/{job_id}/events").text,
            c.get("/chat/profile").text,
        ]
    for text in texts:
        assert key not in text


def test_stored_files_are_never_served(suite: Suite, client: httpx.Client) -> None:
    """A file sitting in the upload dir under its storage key is reachable by no URL."""
    key = "9" * 32
    marker = b"UNIQUE-STORED-CONTENT-4c1f0e"
    planted = suite.data_dir / "uploads" / key
    planted.write_bytes(marker)
    try:
        for path in (
            f"/uploads/{key}",
            f"/data/uploads/{key}",
            f"/files/{key}",
            f"/{key}",
            f"/messages/{key}",
            f"/assets/{key}",
            f"/assets/../../data/uploads/{key}",
            f"/static/{key}",
            f"/uploads/../{key}",
        ):
            got = client.get(path)
            assert got.status_code in (404, 405), (path, got.status_code)
            assert marker not in got.content, path
        # The UI's static file server does not reach outside its directory either.
        for path in ("/../pyproject.toml", "/%2e%2e/pyproject.toml", "/assets/%2e%2e/%2e%2e/pyproject.toml"):
            got = client.get(path)
            assert got.status_code == 404 and b"[project]" not in got.content, path
    finally:
        planted.unlink(missing_ok=True)


def test_delete_orphans_removes_only_old_storage_files(tmp_path: Path) -> None:
    old, fresh = "a" * 32, "b" * 32
    for name in (old, fresh, "not-a-storage-key", "c" * 31):
        (tmp_path / name).write_bytes(b"x")
    hour_ago = time.time() - 3600
    for name in (old, "not-a-storage-key", "c" * 31):
        os.utime(tmp_path / name, (hour_ago, hour_ago))
    (tmp_path / ("d" * 32)).mkdir()  # a directory with a key-like name is left alone
    assert delete_orphans(tmp_path, ttl_s=600) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh, "not-a-storage-key", "c" * 31, "d" * 32])
    assert delete_orphans(tmp_path / "missing", ttl_s=600) == 0


@pytest.fixture(scope="module")
def cleanup_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    running = Suite(
        data_dir=tmp_path_factory.mktemp("cleanup"),
        env={"UPLOAD_ORPHAN_TTL_S": "600", "UPLOAD_CLEANUP_INTERVAL_S": "0.2"},
    ).start(only=["gateway"])
    yield running
    running.stop()


def test_gateway_deletes_orphaned_uploads_periodically(cleanup_gateway: Suite) -> None:
    upload_dir = cleanup_gateway.data_dir / "uploads"
    orphan, recent = upload_dir / ("e" * 32), upload_dir / ("f" * 32)
    orphan.write_bytes(b"left behind by a crash")
    recent.write_bytes(b"an upload in progress")
    hour_ago = time.time() - 3600
    os.utime(orphan, (hour_ago, hour_ago))
    deadline = time.monotonic() + 10
    while orphan.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not orphan.exists(), "the orphan was not deleted"
    # The log line follows the deletion, so it may land a moment after the file is gone.
    while "deleted 1 orphaned upload" not in cleanup_gateway.log_text("gateway") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "deleted 1 orphaned upload" in cleanup_gateway.log_text("gateway")
    assert recent.exists(), "a recent upload must be kept"


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("big.txt", b"a" * (10 * 1024 * 1024 + 1), 413, "file_too_large"),
        ("empty.txt", b"", 400, "file_empty"),
        ("tool.txt", b"MZ\x90\x00" + b"\x00" * 200, 415, "unsupported_type"),
        ("paper.pdf", b"just text pretending to be a PDF", 415, "type_mismatch"),
        ("latin.txt", b"caf\xe9 au lait", 415, "not_utf8"),
        ("wide.txt", "UTF-16 text".encode("utf-16"), 415, "not_utf8"),
    ],
    ids=["too-large", "empty", "executable", "mismatch", "latin1", "utf16"],
)
def test_refused_uploads_carry_a_stable_code(client: httpx.Client, name: str, content: bytes, status: int, code: str) -> None:
    assert_error(upload(client, name, content), status, code=code)


def test_a_multipart_body_without_a_file_field_has_its_code(client: httpx.Client) -> None:
    body = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="other"\r\n\r\nvalue\r\n--{BOUNDARY}--\r\n'.encode()
    response = client.post("/files", content=body, headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert_error(response, 400, "no file field", "missing_file_field")
